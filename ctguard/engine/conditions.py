"""The closed set of declarative operators, evaluated in three-valued logic.

``all``/``any``/``not`` combine leaves by Kleene logic: an Unknown leaf decides nothing unless
the known leaves cannot settle the answer.  Each result carries the leaf that decided it, so a
finding points at the property that is wrong (or missing), not at the whole resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from ctguard.engine.paths import Resolved, lookup
from ctguard.location import Owner, Path
from ctguard.model import Model
from ctguard.symbols import joined, non_empty
from ctguard.values import Known, Symbolic, Unknown, show

OPERATORS = ("equals", "in", "exists", "matches", "contains", "at_least", "at_most")


@dataclass(frozen=True, slots=True)
class Truth:
    """The three-valued result of a declarative condition and why."""

    value: bool | None  # None: unknown
    owner: Owner | None = None
    path: Path = ()
    shown: Any = None  # the value the deciding leaf saw
    reason: str | None = None  # why unknown
    via: str | None = None


def evaluate(condition: dict[str, Any], root: Any, model: Model) -> Truth:
    if "all" in condition:
        return _combine([evaluate(c, root, model) for c in condition["all"]], decisive=False)
    if "any" in condition:
        return _combine([evaluate(c, root, model) for c in condition["any"]], decisive=True)
    if "not" in condition:
        inner = evaluate(condition["not"], root, model)
        flipped = None if inner.value is None else not inner.value
        return Truth(flipped, inner.owner, inner.path, inner.shown, inner.reason, inner.via)
    return _leaf(condition, root, model)


def _combine(results: list[Truth], decisive: bool) -> Truth:
    """``decisive`` is the value that settles the combination: True for any, False for all."""
    for r in results:
        if r.value is decisive:
            return r
    unknown = [r for r in results if r.value is None]
    if len(unknown) > 1:  # undecided by each of them: what settles it must settle them all
        waits = [r.shown if isinstance(r.shown, Unknown) else Unknown(r.reason or "") for r in unknown]
        return replace(unknown[0], shown=joined(waits))
    if unknown:
        return unknown[0]
    # Nothing settled it: report the last leaf, the most specific property usually named last.
    return results[-1]


def _leaf(condition: dict[str, Any], root: Any, model: Model) -> Truth:
    resolved: Resolved = lookup(root, model, condition["attribute"])
    op = next(k for k in condition if k != "attribute")
    expected = condition[op]
    value = resolved.value
    if isinstance(value, Symbolic) and op == "exists" and non_empty(value):
        # A string with literal text or a never-empty symbol is set in every deployment.
        return Truth(bool(expected), resolved.owner, resolved.path, show(value))
    if isinstance(value, Symbolic) and op == "matches":
        # "...:${AWS::AccountId}:key/1234" cannot hold "alias/aws/" whatever the account is.
        from ctguard.engine.symbolic_match import symbolic_search  # only symbolic values: issue 21

        found = symbolic_search(str(expected), value)
        if found is not None:
            return Truth(found, resolved.owner, resolved.path, show(value))
    if isinstance(value, Unknown):  # shown: the value it waits on, so settled_by sees its symbols
        return Truth(None, resolved.owner, resolved.path, value, value.reason)
    assert isinstance(value, Known)
    actual = value.value
    hidden = _unknown_inside(actual)
    if hidden and op != "exists":
        # A tuple or mapping with an Unknown element: decide only if the known part settles it.
        return Truth(None, resolved.owner, resolved.path, joined(hidden), hidden[0].reason)
    return Truth(_apply(op, actual, expected), resolved.owner, resolved.path, actual, via=value.via)


def _unknown_inside(actual: Any) -> list[Unknown]:
    if isinstance(actual, (tuple, list)):
        return [a for a in actual if isinstance(a, Unknown)]
    if isinstance(actual, dict):
        return [a for a in actual.values() if isinstance(a, Unknown)]
    return []


def _apply(op: str, actual: Any, expected: Any) -> bool:
    if op == "equals":
        return _same(actual, expected)
    if op == "in":
        return any(_same(actual, e) for e in expected)
    if op == "exists":
        present = actual is not None and actual != "" and actual != () and actual != {}
        return present is bool(expected)
    if op == "matches":
        return isinstance(actual, str) and _regex(expected).search(actual) is not None
    if op == "contains":
        try:
            return expected in actual
        except TypeError:
            return False
    if op in ("at_least", "at_most"):
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        return bool(actual >= expected if op == "at_least" else actual <= expected)  # expected is Any
    raise ValueError(f"unknown operator {op!r}")


def _same(actual: Any, expected: Any) -> bool:
    # bool is an int in Python; True must not equal 1 in a policy.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    return bool(actual == expected)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
