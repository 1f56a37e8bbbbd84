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
* components holding a trail or an event data store form the core: account-wide checks
  (one multi-region trail, duplicate trails) compare trails across components, so the core's
  valuations are multiplied;
* every other component hangs off the trails (a bucket policy, a CIS filter and its alarm):
  each valuation of the core is judged with every valuation of each other component (the
  j-th valuation of every such component at once), so the variants number |core| times the
  largest other component, not the product of all;
* a component whose valuations do not fit the budget keeps the conditions that matter most
  decided (those that create or remove resources first, then those used by trails, then by
  most resources) and leaves the rest undecided: their ``Fn::If`` are
  ``Unknown("depends on condition X")``, which names them, so a cap hit is never a silent pass.
  Only when the creating conditions alone do not fit is the whole component undecided.

Account-wide checks across two components that are neither core (say a CIS filter and an
alarm switched by independent conditions) see their valuations zipped, not multiplied.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ctguard.parsers.cloudformation.trace import _SUB_VAR

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.conditions import Conditions
    from ctguard.parsers.cloudformation.template import Template

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


_SPREAD = 4
_CORE_TYPES = frozenset({"AWS::CloudTrail::Trail", "AWS::CloudTrail::EventDataStore"})
_DELIVERY_TYPES = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::SNS::Topic",
        "AWS::SNS::TopicPolicy",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
    }
)


def assignments(
    conditions: Conditions, template: Template, modelled: list[str], cap: int
) -> tuple[list[dict[str, bool]], list[str]]:
    """Leaf assignments (one per variant) and the conditions the modelled resources use."""
    used = conditions.used_by(modelled)
    groups = [g for g in _condition_groups(conditions, template, modelled) if g[1]]
    core = [names for members, names in groups if any(_type(template, m) in _CORE_TYPES for m in members)]
    rest = [
        (_fit(conditions, template, names, cap), any(_type(template, m) in _DELIVERY_TYPES for m in members))
        for members, names in groups
        if not any(_type(template, m) in _CORE_TYPES for m in members)
    ]
    # The trail's bucket, key, topic and log group and their policies meet in delivery checks
    # (a bucket policy and the key policy of the same trail): those groups are multiplied
    # together, smallest first, while the product fits the cap; the others (a CIS filter and its
    # alarm, one group by metric name) are zipped: no check reads two CIS chains at once.
    delivery = sorted((found for found, linked in rest if linked), key=len)
    zipped = [found for found, linked in rest if not linked]
    product: list[dict[str, bool]] = [{}]
    while delivery and len(product) * len(delivery[0]) <= cap:
        found = delivery.pop(0)
        product = [{**a, **b} for a in product for b in found]
    zipped = [product, *delivery, *zipped]  # past the cap, delivery groups are zipped too
    widest = max(len(found) for found in zipped)
    # The core alone may use the whole cap; judged with the other groups it may use _SPREAD
    # times the cap, so a trail's 32 valuations are not cut because an alarm can be switched off.
    budget = max(1, min(cap, cap * _SPREAD // widest))
    core_product: list[dict[str, bool]] = [{}]
    for names in sorted(core, key=len):
        left = max(1, budget // len(core_product))
        found = _fit(conditions, template, names, left)
        core_product = [{**a, **b} for a in core_product for b in found]
    merged = []
    for base in core_product:
        for k in range(widest):
            assignment = dict(base)
            for found in zipped:
                assignment.update(found[min(k, len(found) - 1)])
            merged.append(assignment)
    return merged or [{}], used


def _type(template: Template, logical_id: str) -> Any:
    resource = template.resources.get(logical_id)
    return resource.get("Type") if isinstance(resource, dict) else None


def _fit(conditions: Conditions, template: Template, names: list[str], limit: int) -> list[dict[str, bool]]:
    """Valuations of ``names``, at most ``limit``: the most important conditions decided first."""
    found = conditions.assignments(names, limit)
    if found is not None:
        return found
    ranked = _ranked(conditions, template, names)
    creating = conditions.creating(names)
    best: list[dict[str, bool]] = [{}]
    for end in range(1, len(ranked) + 1):
        attempt = conditions.assignments(ranked[:end], limit)
        if attempt is None:
            break
        best = attempt
    else:
        return best
    decided = set(ranked[: end - 1])
    # Undecided creating conditions would keep mutually exclusive resources together.
    return best if creating <= decided else [{}]


def _ranked(conditions: Conditions, template: Template, names: list[str]) -> list[str]:
    creating = conditions.creating(names)
    users: dict[str, int] = dict.fromkeys(names, 0)
    trail_users: dict[str, int] = dict.fromkeys(names, 0)
    core_refs: set[str] = set()
    for logical_id, resource in template.resources.items():
        core = _type(template, logical_id) in _CORE_TYPES
        if core:
            core_refs.update(_references(resource))
        for name in conditions.used_by_quiet(logical_id):
            if name in users:
                users[name] += 1
                trail_users[name] += core
    # A condition on a parameter the trail reads (a prefix flag and the prefix) shapes the trail.
    for name in names:
        params = {c[0] for c in map(conditions.constraint, conditions.leaves_of([name])) if c is not None}
        trail_users[name] += len(params & core_refs)
    return sorted(names, key=lambda n: (n not in creating, -trail_users[n], -users[n], n))


def _condition_groups(
    conditions: Conditions, template: Template, modelled: list[str]
) -> list[tuple[list[str], list[str]]]:
    """(resources, named conditions) of the groups that must be enumerated together."""
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
    # A metric filter and the alarm on its metric are linked by name, not by reference: the CIS
    # chain reads both, so they vary together (each with and without the other).
    for alarm, flt in _metric_links(resources, varying):
        union.join(alarm, flt)
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
    grouped: dict[str, tuple[list[str], set[str]]] = {}
    for root, names in names_of.items():
        members, named = grouped.setdefault(merge.find(root), ([], set()))
        members.extend(components[root])
        named.update(names)
    return [(members, sorted(named)) for members, named in grouped.values()]


def _metric_links(resources: dict[str, Any], varying: set[str]) -> Iterator[tuple[str, str]]:
    """(alarm, metric filter) pairs whose metric names may be equal."""
    published: list[tuple[str, Any]] = []
    for lid in sorted(varying):
        if _kind(resources.get(lid)) == "AWS::Logs::MetricFilter":
            transformations = _properties(resources.get(lid)).get("MetricTransformations")
            for item in transformations if isinstance(transformations, list) else [transformations]:
                published.append((lid, item.get("MetricName") if isinstance(item, dict) else None))
    for lid in sorted(varying):
        if _kind(resources.get(lid)) == "AWS::CloudWatch::Alarm":
            name = _properties(resources.get(lid)).get("MetricName")
            yield from ((lid, flt) for flt, metric in published if _may_equal(name, metric))


def _may_equal(ours: Any, theirs: Any) -> bool:
    """Whether two metric names may be the same string: literals compare, a ``Fn::Sub`` compares
    by the literal text around its variables, anything else (a Ref, an If) may be anything."""
    if ours == theirs:
        return True
    a, b = _fixed_ends(ours), _fixed_ends(theirs)
    if a is None or b is None:
        return True
    (head_a, tail_a, whole_a), (head_b, tail_b, whole_b) = a, b
    if whole_a and whole_b:
        return False  # two different literals
    heads = head_a.startswith(head_b) or head_b.startswith(head_a)
    tails = tail_a.endswith(tail_b) or tail_b.endswith(tail_a)
    return heads and tails


def _fixed_ends(value: Any) -> tuple[str, str, bool] | None:
    """(literal head, literal tail, whether it is all literal) of a name, None if unknown."""
    if isinstance(value, str):
        return value, value, True
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        arg = value["Fn::Sub"]
        text = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(text, str):
            parts = _SUB_VAR.split(text)
            return parts[0], parts[-1], len(parts) == 1
    return None


def _properties(resource: Any) -> dict[str, Any]:
    props = resource.get("Properties") if isinstance(resource, dict) else None
    return props if isinstance(props, dict) else {}


def _kind(resource: Any) -> Any:
    return resource.get("Type") if isinstance(resource, dict) else None


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
            ((key, arg),) = node.items()
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
