"""Amazon EventBridge event patterns: parse once, match events.

Sources: "Content filtering in Amazon EventBridge event patterns" and "Comparison operators for
use in event patterns" (docs.aws.amazon.com/eventbridge/latest/userguide/
eb-create-pattern-operators.html), and the aws/event-ruler README (the matching library behind
EventBridge) for wildcard escaping, ``$or`` and array matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

__all__ = ["EventPattern", "EventPatternError", "parse_event_pattern"]

Matcher = Callable[[Any], bool]  # tests one scalar leaf value
_ABSENT = object()


class EventPatternError(ValueError):
    """An invalid event pattern; ``path`` is JSON-pointer-ish, e.g. ``/detail/state/0/prefix``."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path or '/'}: {message}")
        self.message = message
        self.path = path


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _exact(want: Any) -> Matcher:
    if _is_num(want):
        return lambda v: _is_num(v) and float(v) == float(want)
    return lambda v: type(v) is type(want) and v == want  # "123" never equals 123; true never 1


def _str_op(value: Any, path: str, op: str) -> Matcher:
    """prefix / suffix / equals-ignore-case, plain or with an equals-ignore-case object."""
    fold = False
    if isinstance(value, dict) and op in ("prefix", "suffix") and set(value) == {"equals-ignore-case"}:
        value, fold = value["equals-ignore-case"], True
        path += "/equals-ignore-case"
    if not isinstance(value, str):
        raise EventPatternError(f"{op} needs a string", path)
    if op == "equals-ignore-case":
        fold = True
    want = value.lower() if fold else value
    tests: dict[str, Callable[[str, str], bool]] = {
        "prefix": str.startswith,
        "suffix": str.endswith,
        "equals-ignore-case": str.__eq__,
    }
    test = tests[op]
    return lambda v: isinstance(v, str) and test(v.lower() if fold else v, want)


def _wildcard(value: Any, path: str) -> Matcher:
    if not isinstance(value, str):
        raise EventPatternError("wildcard needs a string", path)
    # event-ruler README: "consecutive wildcard characters are not allowed"; a backslash escapes
    # only * or \.
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "*\\":
                raise EventPatternError("a backslash may only escape * or \\ in a wildcard", path)
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        if ch == "*":
            if i + 1 < len(value) and value[i + 1] == "*":
                raise EventPatternError("consecutive wildcard characters are not allowed", path)
            out.append(".*")
        else:
            out.append(re.escape(ch))
        i += 1
    rx = re.compile("".join(out), re.DOTALL)
    return lambda v: isinstance(v, str) and rx.fullmatch(v) is not None


def _numeric(spec: Any, path: str) -> Matcher:
    if not isinstance(spec, list) or not spec or len(spec) % 2 or len(spec) > 4:
        raise EventPatternError("numeric needs 1 or 2 (operator, number) pairs", path)
    ops = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}
    tests = []
    for k in range(0, len(spec), 2):
        op, num = spec[k], spec[k + 1]
        if op not in ops:
            raise EventPatternError(f"unknown numeric operator {op!r}", f"{path}/{k}")
        if not _is_num(num):
            raise EventPatternError("numeric operand must be a number", f"{path}/{k + 1}")
        tests.append((ops[op], float(num)))
    return lambda v: _is_num(v) and all(t(float(v), n) for t, n in tests)


def _cidr(value: Any, path: str) -> Matcher:
    import ipaddress  # only for a cidr pattern: ~1 ms of start-up otherwise

    try:
        net = ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise EventPatternError(f"invalid CIDR {value!r}", path) from None

    def test(v: Any) -> bool:
        try:
            return isinstance(v, str) and ipaddress.ip_address(v) in net
        except ValueError:
            return False

    return test


def _anything_but(spec: Any, path: str) -> Matcher:
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise EventPatternError("anything-but takes one of prefix, suffix, equals-ignore-case, wildcard", path)
        ((op, value),) = spec.items()
        sub = f"{path}/{op}"
        if op in ("prefix", "suffix", "equals-ignore-case") and isinstance(value, list):
            inner = [_str_op(v, f"{sub}/{i}", op) for i, v in enumerate(value)]
        elif op in ("prefix", "suffix", "equals-ignore-case"):
            inner = [_str_op(value, sub, op)]
        elif op == "wildcard":
            inner = (
                [_wildcard(v, f"{sub}/{i}") for i, v in enumerate(value)]
                if isinstance(value, list)
                else [_wildcard(value, sub)]
            )
        else:
            raise EventPatternError(f"unknown anything-but operator {op!r}", sub)
        return lambda v: isinstance(v, str) and not any(t(v) for t in inner)
    values = spec if isinstance(spec, list) else [spec]
    if not values or not (all(isinstance(v, str) for v in values) or all(_is_num(v) for v in values)):
        raise EventPatternError(
            "anything-but needs a string, a number, or a list of only strings or only numbers", path
        )
    tests = [_exact(v) for v in values]
    return lambda v: not any(t(v) for t in tests)


def _leaf(entry: Any, path: str) -> tuple[str, Any]:
    """One element of a value array: ("exists", bool) or ("value", Matcher)."""
    if entry is None or isinstance(entry, (str, bool, int, float)):
        return "value", _exact(entry)
    if not isinstance(entry, dict) or len(entry) != 1:
        raise EventPatternError("a matcher must be a JSON scalar or an object with one operator", path)
    ((op, spec),) = entry.items()
    sub = f"{path}/{op}"
    if op == "exists":
        if not isinstance(spec, bool):
            raise EventPatternError("exists needs true or false", sub)
        return "exists", spec
    builders = {
        "prefix": lambda: _str_op(spec, sub, "prefix"),
        "suffix": lambda: _str_op(spec, sub, "suffix"),
        "equals-ignore-case": lambda: _str_op(spec, sub, "equals-ignore-case"),
        "wildcard": lambda: _wildcard(spec, sub),
        "numeric": lambda: _numeric(spec, sub),
        "cidr": lambda: _cidr(spec, sub),
        "anything-but": lambda: _anything_but(spec, sub),
    }
    if op not in builders:
        raise EventPatternError(f"unknown operator {op!r}", sub)
    return "value", builders[op]()


def _values(event: Any, key: str) -> list[Any]:
    """Values under ``key``; arrays in the event are flattened ("crushed out", event-ruler)."""
    out: list[Any] = []
    stack = [event]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict) and key in node:
            value = node[key]
            out.extend(_flatten(value))
    return out


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _any_alternative(alts: list[Callable[[Any], bool]], ev: Any) -> bool:
    return any(a(ev) for a in alts)


def _nested_match(key: str, inner: Callable[[Any], bool], ev: Any) -> bool:
    return any(isinstance(v, dict) and inner(v) for v in _values(ev, key))


def _compile(pattern: Any, path: str) -> Callable[[Any], bool]:
    if not isinstance(pattern, dict) or not pattern:
        raise EventPatternError("a pattern must be a non-empty JSON object", path)
    tests: list[Callable[[Any], bool]] = []
    for key, spec in pattern.items():
        sub = f"{path}/{key}"
        if key == "$or" and isinstance(spec, list):
            if len(spec) < 2:
                raise EventPatternError("$or needs at least two patterns", sub)
            alts = [_compile(p, f"{sub}/{i}") for i, p in enumerate(spec)]
            tests.append(partial(_any_alternative, alts))
        elif isinstance(spec, dict):
            inner = _compile(spec, sub)
            tests.append(partial(_nested_match, key, inner))
        elif isinstance(spec, list):
            if not spec:
                raise EventPatternError("a value array must not be empty", sub)
            leaves = [_leaf(e, f"{sub}/{i}") for i, e in enumerate(spec)]
            tests.append(_field_test(key, leaves))
        else:
            raise EventPatternError("a value must be an array of matchers or a nested object", sub)
    return lambda ev: all(t(ev) for t in tests)


def _field_test(key: str, leaves: list[tuple[str, Any]]) -> Callable[[Any], bool]:
    def test(ev: Any) -> bool:
        found = _values(ev, key)
        scalars = [v for v in found if not isinstance(v, dict)]
        for kind, m in leaves:
            # "Exists matching only works on leaf nodes": an object under the key counts as absent.
            if kind == "exists" and m == bool(scalars):
                return True
            if kind == "value" and any(m(v) for v in scalars):
                return True
        return False

    return test


@dataclass(frozen=True)
class EventPattern:
    """A parsed EventBridge event pattern."""

    source: dict[str, Any]
    _test: Callable[[Any], bool]

    def matches(self, event: dict[str, Any]) -> bool:
        return isinstance(event, dict) and self._test(event)


def parse_event_pattern(pattern: dict[str, Any] | str) -> EventPattern:
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as exc:
            raise EventPatternError(f"not JSON: {exc}", "") from None
    try:
        # _compile raises (before the call) unless the pattern is a non-empty JSON object
        return EventPattern(cast(dict[str, Any], pattern), _compile(pattern, ""))
    except RecursionError:
        raise EventPatternError("pattern nested too deeply", "") from None
