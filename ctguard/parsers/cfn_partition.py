"""Conditions partitioned per trail: only the conditions of a trail and its resources vary together.

Enumerating every combination of a template's conditions explodes (a 30-condition template has
up to 2**30 variants), and past the cap everything turned Unknown. Instead:

* modelled resources that use conditions are grouped into components: a resource joins the
  conditional resources it references (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``DependsOn``) and
  those that reference it; a resource without conditions is the same in every variant and links
  nothing (a log group that every CIS metric filter references would otherwise tie them all);
* components whose conditions share an ``Fn::Equals`` leaf, or constrain the same parameter,
  are merged, so two resources with mutually exclusive conditions are always enumerated
  together and never coexist in a variant;
* each component's conditions are enumerated on their own (``Conditions.assignments``); the
  variants then take the k-th valuation of every component at once (the last one once a
  component has fewer). A trail is judged under every valuation of its own component, the
  number of variants is the largest component's, not the product;
* a component too large to enumerate is left undecided (its ``Fn::If`` are Unknown), the
  others are still enumerated.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from ctguard.parsers.cfn_trace import _SUB_VAR

if TYPE_CHECKING:
    from ctguard.parsers.cfn_conditions import Conditions
    from ctguard.parsers.cfn_template import Template

_MAX_DEPTH = 64


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def assignments(conditions: Conditions, template: Template, modelled: list[str],
                cap: int) -> tuple[list[dict[str, bool]], list[str]]:
    """Leaf assignments (one per variant) and the conditions the modelled resources use."""
    used = conditions.used_by(modelled)
    groups = [g for g in _condition_groups(conditions, template, modelled) if g]
    per_group: list[list[dict[str, bool]]] = []
    for names in groups:
        found = conditions.assignments(names, cap)
        per_group.append(found if found is not None else [{}])  # undecided: Fn::If stays Unknown
    count = max((len(a) for a in per_group), default=1)
    merged = []
    for k in range(count):
        assignment: dict[str, bool] = {}
        for found in per_group:
            assignment.update(found[min(k, len(found) - 1)])
        merged.append(assignment)
    return merged or [{}], used


def _condition_groups(conditions: Conditions, template: Template, modelled: list[str]) -> list[list[str]]:
    """Named conditions in groups that must be enumerated together."""
    union = _Union()
    resources = template.resources
    # A resource without conditions is the same in every variant: it links nothing (a log group
    # all CIS filters reference would otherwise make one component of every filter and alarm).
    varying = {lid for lid in modelled if conditions.used_by([lid])}
    for lid in sorted(varying):
        union.find(lid)
        for other in _references(resources.get(lid)):
            if other in varying:
                union.join(lid, other)
    components: dict[str, list[str]] = {}
    for lid in sorted(varying):
        components.setdefault(union.find(lid), []).append(lid)
    # Components meet through shared leaves and parameters: merge them on those.
    merge = _Union()
    leaf_owner: dict[str, str] = {}
    names_of: dict[str, list[str]] = {}
    for root, members in components.items():
        names = conditions.used_by(members)
        names_of[root] = names
        merge.find(root)
        for leaf in conditions.leaves_of(names):
            for key in (leaf, _parameter_key(conditions, leaf)):
                if key is None:
                    continue
                if key in leaf_owner:
                    merge.join(root, leaf_owner[key])
                else:
                    leaf_owner[key] = root
    grouped: dict[str, set[str]] = {}
    for root, names in names_of.items():
        grouped.setdefault(merge.find(root), set()).update(names)
    return [sorted(names) for names in grouped.values()]


def _parameter_key(conditions: Conditions, leaf: str) -> str | None:
    constraint = conditions.constraint(leaf)
    return None if constraint is None else "param:" + constraint[0]


def _references(resource: Any) -> Iterator[str]:
    if not isinstance(resource, dict):
        return
    depends = resource.get("DependsOn")
    if isinstance(depends, str):
        yield depends
    elif isinstance(depends, list):
        yield from (d for d in depends if isinstance(d, str))
    yield from _scan(resource.get("Properties"), 0)


def _scan(node: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref" and isinstance(arg, str):
                yield arg
            elif key == "Fn::GetAtt":
                if isinstance(arg, str):
                    yield arg.split(".", 1)[0]
                elif isinstance(arg, list) and arg and isinstance(arg[0], str):
                    yield arg[0]
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    for match in _SUB_VAR.finditer(text):
                        yield match.group(1).split(".", 1)[0]
        for value in node.values():
            yield from _scan(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _scan(value, depth + 1)
