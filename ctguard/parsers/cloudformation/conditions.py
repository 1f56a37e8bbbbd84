"""CloudFormation ``Conditions``: which ones matter, and one truth assignment per variant.

A named condition is a formula over ``Fn::Equals`` leaves.  Leaves whose operands are fixed
(literals, pseudo parameters or parameters given in the deploy context) are evaluated once;
the others are the independent choices a deployment makes, so we enumerate those, never the
named conditions themselves.  Dependent conditions (``Fn::Not`` of another, ``Fn::And``...)
follow from the leaves, and an assignment is dropped when it is impossible: a parameter
cannot equal both ``prod`` and ``dev``, nor a value outside its ``AllowedValues``.  A
parameter's ``Default`` does not fix a leaf: deployments override defaults, and the
non-default branch is exactly what a reviewer wants checked.

Variants are distinct valuations of the conditions the modelled resources use; past ``cap``
we give up enumerating and the caller builds one variant in which undecided conditions
are None (``Fn::If`` then yields ``Unknown("depends on condition X")``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ctguard.parsers.cloudformation.intrinsics import Resolver
from ctguard.parsers.cloudformation.trace import Trace
from ctguard.values import Unknown, contains_unknown

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.template import Path, Template

MAX_LEAVES = 16  # 2**16 assignments is the most we are willing to try
_MAX_DEPTH = 32
_FIXED = object()  # marker: the leaf does not vary


class Conditions:
    def __init__(self, template: Template, resolver: Resolver) -> None:
        self.template = template
        self.resolver = resolver
        self.definitions = template.conditions
        self._leaves: dict[str, tuple[Any, Any]] = {}  # key -> (lhs, rhs) raw operands
        self._fixed: dict[str, bool | None] = {}
        self._by_id: dict[int, tuple[Any, str]] = {}  # id(argument) -> (argument, key): skips json.dumps

    # --- which conditions matter -------------------------------------------------------------

    def used_by(self, logical_ids: list[str]) -> list[str]:
        """Named conditions the given resources use (``Condition:`` and ``Fn::If``), sorted."""
        found: set[str] = set()
        resources = self.template.resources
        for logical_id in logical_ids:
            resource = resources.get(logical_id)
            if not isinstance(resource, dict):
                continue
            name = resource.get("Condition")
            if isinstance(name, str):
                if name in self.definitions:
                    found.add(name)
                else:
                    self.resolver.report(
                        "CT004",
                        f"Condition '{name}' of {logical_id} is not defined",
                        ("Resources", logical_id, "Condition"),
                    )
            _scan_if(resource.get("Properties"), found, 0)
        return sorted(n for n in found if n in self.definitions)

    def used_by_quiet(self, logical_id: str) -> set[str]:
        """Named conditions one resource uses; undefined names are ``used_by``'s to report."""
        resource = self.template.resources.get(logical_id)
        found: set[str] = set()
        if isinstance(resource, dict):
            if isinstance(resource.get("Condition"), str):
                found.add(resource["Condition"])
            _scan_if(resource.get("Properties"), found, 0)
        return found & set(self.definitions)

    def creating(self, names: list[str]) -> set[str]:
        """Those of ``names`` that decide whether a resource exists (its ``Condition:``)."""
        wanted = set(names)
        return {
            resource["Condition"]
            for resource in self.template.resources.values()
            if isinstance(resource, dict) and resource.get("Condition") in wanted
        }

    # --- evaluation ----------------------------------------------------------------------------

    def evaluate(self, name: str, leaves: dict[str, bool], stack: tuple[str, ...] = ()) -> bool | None:
        """Truth of a named condition under a leaf assignment; None when it is not decided."""
        if name in stack or len(stack) > _MAX_DEPTH or name not in self.definitions:
            return None
        return self._eval(self.definitions[name], leaves, stack + (name,), 0, ("Conditions", name))

    def _eval(self, expr: Any, leaves: dict[str, bool], stack: tuple[str, ...], depth: int, path: Path) -> bool | None:
        if depth > _MAX_DEPTH or not isinstance(expr, dict) or len(expr) != 1:
            return None
        ((fn, arg),) = expr.items()
        if fn == "Condition":
            return self.evaluate(arg, leaves, stack) if isinstance(arg, str) else None
        if fn == "Fn::Equals":
            key = self._leaf(arg, path + (fn,))
            if key is None:
                return None
            fixed = self._fixed.get(key, _FIXED)
            return leaves.get(key) if fixed is _FIXED else fixed  # type: ignore[return-value]
        if not isinstance(arg, list):
            return None
        values = [self._eval(item, leaves, stack, depth + 1, path + (fn, i)) for i, item in enumerate(arg)]
        if fn == "Fn::Not":
            return None if len(values) != 1 or values[0] is None else not values[0]
        if fn == "Fn::And":
            return False if False in values else (None if None in values else True)
        if fn == "Fn::Or":
            return True if True in values else (None if None in values else False)
        return None

    def _leaf(self, arg: Any, path: Path) -> str | None:
        if not isinstance(arg, list) or len(arg) != 2:
            return None
        seen = self._by_id.get(id(arg))
        if seen is not None and seen[0] is arg:
            return seen[1]
        key = json.dumps(arg, sort_keys=True, default=str)
        self._by_id[id(arg)] = (arg, key)
        if key not in self._leaves:
            self._leaves[key] = (arg[0], arg[1])
            self._fixed[key] = self._fixed_value(arg, path)
        return key

    def _fixed_value(self, arg: list[Any], path: Path) -> Any:
        values = []
        for i, side in enumerate(arg):
            trace = Trace()
            value = self.resolver.resolve(side, path + (i,), trace)
            if isinstance(value, Unknown) or trace.defaults or _has_unknown(value):
                return _FIXED
            values.append(_canonical(value))
        return values[0] == values[1]

    def leaves_of(self, names: list[str]) -> list[str]:
        """The varying leaves the named conditions depend on, in first-seen order."""
        out: dict[str, None] = {}
        for name in names:
            self._collect(self.definitions.get(name), out, {name}, 0, ("Conditions", name))
        return list(out)

    def _collect(self, expr: Any, out: dict[str, None], seen: set[str], depth: int, path: Path) -> None:
        if depth > _MAX_DEPTH or not isinstance(expr, dict) or len(expr) != 1:
            return
        ((fn, arg),) = expr.items()
        if fn == "Condition" and isinstance(arg, str) and arg not in seen:
            seen.add(arg)
            self._collect(self.definitions.get(arg), out, seen, depth + 1, ("Conditions", arg))
        elif fn == "Fn::Equals":
            key = self._leaf(arg, path + (fn,))
            if key is not None and self._fixed[key] is _FIXED:
                out[key] = None
        elif isinstance(arg, list):
            for i, item in enumerate(arg):
                self._collect(item, out, seen, depth + 1, path + (fn, i))

    # --- enumeration ---------------------------------------------------------------------------

    def assignments(self, used: list[str], cap: int) -> list[dict[str, bool]] | None:
        """One leaf assignment per distinct valuation of ``used``; None past ``cap``."""
        leaves = self.leaves_of(used)
        if not leaves:
            return [{}]
        if len(leaves) > MAX_LEAVES:
            return None
        chosen: dict[tuple[bool | None, ...], dict[str, bool]] = {}
        for bits in itertools.product((True, False), repeat=len(leaves)):
            assignment = dict(zip(leaves, bits, strict=False))
            if not self._consistent(assignment):
                continue
            valuation = tuple(self.evaluate(name, assignment) for name in used)
            if valuation not in chosen:
                chosen[valuation] = assignment
                if len(chosen) > cap:
                    return None
        return list(chosen.values())

    def _consistent(self, assignment: dict[str, bool]) -> bool:
        equal: dict[str, set[str]] = {}
        unequal: dict[str, set[str]] = {}
        for key, truth in assignment.items():
            constraint = self._constraint(key)
            if constraint is not None:
                name, literal = constraint
                (equal if truth else unequal).setdefault(name, set()).add(literal)
        for name in set(equal) | set(unequal):
            yes, no = equal.get(name, set()), unequal.get(name, set())
            if len(yes) > 1 or yes & no:
                return False
            allowed = self._allowed_values(name)
            if allowed is not None and not ((yes & allowed) if yes else (allowed - no)):
                return False
        return True

    def pins(self, assignment: dict[str, bool]) -> dict[str, Any]:
        """Values the assignment forces on parameters: the literal a true leaf names, the one
        allowed value left, or Unknown when the default is excluded and several remain."""
        equal: dict[str, str] = {}
        unequal: dict[str, set[str]] = {}
        for key, truth in assignment.items():
            constraint = self._constraint(key)
            if constraint is not None:
                name, literal = constraint
                if truth:
                    equal[name] = literal
                else:
                    unequal.setdefault(name, set()).add(literal)
        out: dict[str, Any] = dict(equal)
        for name, excluded in unequal.items():
            if name in equal:
                continue
            allowed = self._allowed_values(name)
            left = sorted(allowed - excluded) if allowed is not None else None
            default = self._default(name)
            if left is not None and len(left) == 1:
                out[name] = left[0]
            elif default is not None and default in excluded:
                shown = ", ".join(sorted(excluded))
                out[name] = Unknown(f"{name} is none of {shown} in this variant, but its value is not known")
        return out

    def _default(self, name: str) -> str | None:
        definition = self.template.parameters.get(name)
        if name.startswith("AWS::") or not isinstance(definition, dict) or "Default" not in definition:
            return None
        return _canonical(definition["Default"])

    def constraint(self, key: str) -> tuple[str, str] | None:
        return self._constraint(key)

    def _constraint(self, key: str) -> tuple[str, str] | None:
        """``(parameter, literal)`` when the leaf is ``Equals [Ref P, literal]`` (either order)."""
        lhs, rhs = self._leaves[key]
        for ref, other in ((lhs, rhs), (rhs, lhs)):
            if (
                isinstance(ref, dict)
                and set(ref) == {"Ref"}
                and isinstance(ref["Ref"], str)
                and isinstance(other, (str, int, float, bool))
            ):
                return ref["Ref"], _canonical(other)
        return None

    def _allowed_values(self, name: str) -> set[str] | None:
        definition = self.template.parameters.get(name)
        if isinstance(definition, dict) and isinstance(definition.get("AllowedValues"), list):
            return {_canonical(v) for v in definition["AllowedValues"]}
        return None


def _scan_if(node: Any, found: set[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        cond = node.get("Fn::If")
        if len(node) == 1 and isinstance(cond, list) and cond and isinstance(cond[0], str):
            found.add(cond[0])
        for value in node.values():
            _scan_if(value, found, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _scan_if(value, found, depth + 1)


def _canonical(value: Any) -> str:
    # CloudFormation compares the string forms: !Equals [!Ref Count, 3] with Count "3" holds.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _has_unknown(value: Any) -> bool:
    return contains_unknown(value) is not None


def iter_names(assignment: dict[str, bool], used: list[str], conditions: Conditions) -> Iterator[tuple[str, bool]]:
    """The (name, truth) pairs a variant records: used conditions that vary and are decided."""
    for name in used:
        if conditions.evaluate(name, {}) is not None:
            continue  # fixed for every deployment (Fn::Equals of two literals, say)
        value = conditions.evaluate(name, assignment)
        if value is not None:
            yield name, value
