"""Make a model conform to its declared field types before any policy reads it.

Parsers are meant to fill every field with the type ``ctguard/model.py`` declares, but a
mutated or hostile input can still slip a list where a bool belongs, a ``Known`` wrapped around
an ``Unknown``, or a number no AWS field can hold.  Rather than every policy guarding every
read, the engine passes each model variant through ``conform`` once: a value of the wrong shape
becomes ``Unknown`` with a reason naming the field and what it holds ("is_multi_region is a
list, not true/false"), so policies answer UNKNOWN instead of raising (issue 17, bullet 1).
A model that already conforms is returned as it is (the same objects), so the cost is one walk.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from ctguard import model as model_types
from ctguard.model import Model
from ctguard.values import Absent, Known, Unknown

# The widest integer any AWS field takes (int64); beyond it a number is a mutation, not a setting.
MAX_INT = 2**63
_NONE = type(None)
_WORDS = {
    str: "text",
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    tuple: "a list",
    Mapping: "a mapping",
    _NONE: "null",
}


# Longer text than any AWS setting takes (names 128-256, ARNs 2,048, filter patterns 1,024):
# beyond it a value only costs time in regexes and size in reports.
MAX_TEXT = 10_000


class _Mismatch(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Oversize(_Mismatch):
    pass


@dataclass(frozen=True, slots=True)
class Note:
    """A value left Unknown because it breaks a size limit: the engine reports it as CT002."""

    owner: tuple[str, str]
    path: tuple[str, ...]
    message: str


_NOTES: ContextVar[tuple[list[Note], tuple[str, str]] | None] = ContextVar("shape_notes", default=None)


def conform(model: Model, notes: list[Note] | None = None) -> Model:
    """``model`` itself when every field has its declared type, else a copy where the misfits are
    Unknown; values over a size limit are also added to ``notes``."""
    sink = notes if notes is not None else []
    trails = [_owned(sink, ("trail", t.key), t) for t in model.trails]
    resources = {
        kind: {key: _owned(sink, (kind, key), obj) for key, obj in objs.items()}
        for kind, objs in model.resources.items()
    }
    changes: dict[str, Any] = {}
    if any(a is not b for a, b in zip(trails, model.trails, strict=False)):
        changes["trails"] = trails
    if any(resources[k][key] is not obj for k, objs in model.resources.items() for key, obj in objs.items()):
        changes["resources"] = resources
    for name, hint in _hints(Model):
        if name in ("trails", "resources", "conditions"):
            continue
        value = getattr(model, name)
        fixed = _field(value, hint, name)
        if fixed is not value:
            changes[name] = fixed
    return dataclasses.replace(model, **changes) if changes else model


def _owned(notes: list[Note], owner: tuple[str, str], obj: Any) -> Any:
    token = _NOTES.set((notes, owner))
    try:
        return _dataclass(obj, "")
    finally:
        _NOTES.reset(token)


@cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls, vars(model_types))
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _dataclass(obj: Any, prefix: str) -> Any:
    changes: dict[str, Any] = {}
    for name, hint in _hints(type(obj)):  # type: ignore[arg-type]  # mypy: type[Any] is not Hashable, yet every class is
        value = getattr(obj, name)
        fixed = _field(value, hint, prefix + name)
        if fixed is not value:
            changes[name] = fixed
    return dataclasses.replace(obj, **changes) if changes else obj


def _field(value: Any, hint: Any, path: str) -> Any:
    """The value, or a stand-in when it does not fit: Unknown where the field allows one, else
    None where it allows that (a link), else the value as it is (identity keys)."""
    try:
        return _fit(value, hint, path)
    except _Mismatch as exc:
        sink = _NOTES.get()
        if isinstance(exc, _Oversize) and sink is not None:
            sink[0].append(Note(sink[1], (path.split(".")[0].split("[")[0],), exc.reason))
        arms = _arms(hint)
        if Unknown in arms:
            return Unknown(exc.reason)
        if _NONE in arms:
            return None
        if typing.get_origin(hint) is tuple and isinstance(value, (tuple, list)):
            return tuple(v for v in value if _fits(v, typing.get_args(hint)[0]))
        return value


def _fits(value: Any, hint: Any) -> bool:
    try:
        return _fit(value, hint, "") is value
    except _Mismatch:
        return False


def _arms(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint) if typing.get_origin(hint) in (Union, _UnionType) else (hint,)


_UnionType = type(int | str)


def _fit(value: Any, hint: Any, path: str) -> Any:
    """``value`` (or a conforming copy) when it has type ``hint``; raises _Mismatch otherwise."""
    if hint is Any:
        return value
    origin = typing.get_origin(hint)
    if origin in (Union, _UnionType):
        return _fit_union(value, typing.get_args(hint), path)
    if origin is Known or hint is Known:
        if not isinstance(value, Known):
            raise _Mismatch(f"{path} is {_describe(value)}")
        inner_hint = typing.get_args(hint)[0] if typing.get_args(hint) else Any
        if isinstance(value.value, Unknown):  # Known(Unknown(...)): the Unknown is what we know
            raise _Mismatch(value.value.reason)
        if value.value is None and inner_hint in (str, int, float, bool, Any):
            return value  # parsers state "known to be unset" this way (no delivery error yet)
        inner = _fit(value.value, inner_hint, path)
        return value if inner is value.value else Known(inner, via=value.via)
    if origin is tuple:
        return _fit_tuple(value, typing.get_args(hint), path)
    if origin is Mapping or hint is Mapping:
        return _fit_mapping(value, typing.get_args(hint), path)
    if hint is Unknown or hint is Absent or hint is _NONE:
        if isinstance(value, hint):
            return value
        raise _Mismatch(f"{path} is {_describe(value)}")
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise _Mismatch(f"{path} is {_describe(value)}, not {_article(hint.__name__)}")
        return _dataclass(value, path + ".")
    return _fit_scalar(value, hint, path)


def _fit_union(value: Any, arms: tuple[Any, ...], path: str) -> Any:
    first: _Mismatch | None = None
    # Try the arm of the value's own kind first, so the reason names the right expectation.
    for arm in _arm_order(type(value), arms):  # type: ignore[arg-type]  # every class is Hashable; mypy: type[Any] is not
        try:
            return _fit(value, arm, path)
        except _Mismatch as exc:
            first = first or exc
    assert first is not None
    raise first


@cache
def _arm_order(kind: type, arms: tuple[Any, ...]) -> tuple[Any, ...]:
    """``arms`` with those ``kind`` belongs to first: one sort per value type and union, not one per
    value (conforming 5,000 resources sorted 95,000 unions)."""
    return tuple(sorted(arms, key=lambda a: 0 if _same_kind(kind, a) else 1))


def _same_kind(kind: type, arm: Any) -> bool:
    origin = typing.get_origin(arm) or arm
    return isinstance(origin, type) and issubclass(kind, origin)


def _fit_tuple(value: Any, args: tuple[Any, ...], path: str) -> Any:
    if not isinstance(value, (tuple, list)):
        raise _Mismatch(f"{path} is {_describe(value)}, not a list")
    if len(args) == 2 and args[1] is Ellipsis:
        hints = [args[0]] * len(value)
    else:
        if len(args) != len(value):
            raise _Mismatch(f"{path} has {len(value)} items, not {len(args)}")
        hints = list(args)
    items = [_element(v, h, f"{path}[{i}]") for i, (v, h) in enumerate(zip(value, hints, strict=False))]
    if isinstance(value, tuple) and all(a is b for a, b in zip(items, value, strict=False)):
        return value
    return tuple(items)


def _element(value: Any, hint: Any, path: str) -> Any:
    try:
        return _fit(value, hint, path)
    except _Mismatch as exc:
        if Unknown in _arms(hint):  # a placeholder element is allowed: only this one is unknown
            return Unknown(exc.reason)
        raise


def _fit_mapping(value: Any, args: tuple[Any, ...], path: str) -> Any:
    if not isinstance(value, Mapping):
        raise _Mismatch(f"{path} is {_describe(value)}, not a mapping")
    key_hint, value_hint = args if len(args) == 2 else (Any, Any)
    out: dict[Any, Any] = {}
    changed = False
    for k, v in value.items():
        _fit(k, key_hint, f"{path} key")
        fixed = _element(v, value_hint, f"{path}.{k}")
        changed = changed or fixed is not v
        out[k] = fixed
    return out if changed else value


def _fit_scalar(value: Any, hint: Any, path: str) -> Any:
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and abs(value) >= MAX_INT:
            raise _Mismatch(f"{path} is a number too large for AWS ({_digits(value)} digits)")
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and not _finite(value):
            raise _Mismatch(f"{path} is not a finite number")
    elif hint is str:
        ok = isinstance(value, str)
        if ok and len(value) > MAX_TEXT:
            raise _Oversize(
                f"{path} is {len(value):,} characters long, more than the {MAX_TEXT:,} any AWS "
                "setting takes; ctguard leaves it unknown: shorten it"
            )
    elif isinstance(hint, type):
        ok = isinstance(value, hint)
    else:  # a typing construct this module does not know: trust the parser
        ok = True
    if not ok:
        raise _Mismatch(
            f"{path} is {_describe(value)}, not {_WORDS.get(hint, _article(getattr(hint, '__name__', str(hint))))}"
        )
    return value


def _finite(value: int | float) -> bool:
    if isinstance(value, int):
        return abs(value) < 2**1023
    return math.isfinite(value)


def _digits(value: int) -> str:
    return "more than 4300" if abs(value) >= 10**4300 else str(len(str(abs(value))))


def _describe(value: Any) -> str:
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    if isinstance(value, Known):
        return f"a known wrapper around {_describe(value.value)}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return _article(type(value).__name__)


def _article(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


__all__ = ["MAX_TEXT", "Note", "conform"]
