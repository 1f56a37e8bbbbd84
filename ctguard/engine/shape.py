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
import json
import math
import typing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from ctguard import model as model_types
from ctguard.dataclass_code import annotation_code
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


# The largest policy document AWS accepts among those the model holds (a KMS key policy; bucket
# policies take 20 KB, SNS topic policies 30 KB, IAM policies 10 KB), counted as AWS does, without
# whitespace: beyond it a document cannot be deployed, and judging its statements against every
# request the policy checks make costs seconds (7,000 statements: 9 s).
MAX_DOCUMENT = 32 * 1024


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
    # What typing.get_type_hints(cls, vars(model_types)) gives for the model's plain annotations
    # (a test compares them for every model class), from compiled code kept between runs.
    namespace = vars(model_types)
    return tuple((f.name, _evaluated(f.type, namespace)) for f in dataclasses.fields(cls))


def _evaluated(annotation: Any, namespace: dict[str, Any]) -> Any:
    if not isinstance(annotation, str):
        return annotation
    value = eval(annotation_code(annotation), namespace)  # the model's own annotation text
    return _NONE if value is None else value


# Each type hint is turned once into a checker, a function (value, path) -> value that returns
# the value (or a conforming copy) or raises _Mismatch: the typing introspection (get_origin,
# get_args, arm order) is paid per hint, not per value (5,000 buckets hold 100,000 values).
Fit = Callable[[Any, str], Any]


def _fit(value: Any, hint: Any, path: str) -> Any:
    """``value`` (or a conforming copy) when it has type ``hint``; raises _Mismatch otherwise."""
    return _fitter(hint)(value, path)


def _fitter(hint: Any) -> Fit:
    # Keyed by the arms too: ``int | str == str | int``, but the arm order decides which reason a
    # value that fits no arm gets.
    return _compile(hint, typing.get_args(hint))


@cache
def _compile(hint: Any, args: tuple[Any, ...]) -> Fit:
    if hint is Any:  # free-form JSON: a policy document, an event pattern, an ACL grant
        return _document
    origin = typing.get_origin(hint)
    if origin in (Union, _UnionType):
        return _union_fitter(args)
    if origin is Known or hint is Known:
        return _known_fitter(args[0] if args else Any)
    if origin is tuple:
        return _tuple_fitter(args)
    if origin is Mapping or hint is Mapping:
        return _mapping_fitter(args)
    if hint is Unknown or hint is Absent or hint is _NONE:
        return _instance_fitter(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_fitter(hint)
    return _scalar_fitter(hint)


def _document(value: Any, path: str) -> Any:
    if isinstance(value, (dict, list, tuple)):
        size = _json_size(value)
        if size > MAX_DOCUMENT:
            raise _Oversize(
                f"{path} is a JSON document of {size:,} characters, more than the {MAX_DOCUMENT:,} AWS accepts "
                "in any policy (a KMS key policy; a bucket policy takes 20,480); ctguard leaves it unknown: shorten it"
            )
    return value


def _json_size(value: Any) -> int:
    """Characters of ``value`` as compact JSON, placeholders (Unknown...) counted as one character."""
    try:
        return len(json.dumps(value, separators=(",", ":"), skipkeys=True, default=lambda _: 0))
    except (TypeError, ValueError, RecursionError):  # not JSON-shaped: the other checks judge it
        return 0


@dataclass(frozen=True, slots=True)
class _Slot:
    """One field of a model class, as conform walks it."""

    name: str
    hint: Any
    fit: Fit
    # The class's own default when it is immutable and fits: a field still holding it (most
    # fields of most resources) needs no check.
    default: Any


_UNSET = object()


@cache
def _slots(cls: type) -> tuple[_Slot, ...]:
    slots = []
    for f, (name, hint) in zip(dataclasses.fields(cls), _hints(cls), strict=True):
        fit = _fitter(hint)
        default = f.default if f.default is not dataclasses.MISSING else _UNSET
        if default is not _UNSET and not _settled(default, fit):
            default = _UNSET
        slots.append(_Slot(name, hint, fit, default))
    return tuple(slots)


def _settled(default: Any, fit: Fit) -> bool:
    """The default can never change (hashable all the way down) and fits as it is."""
    try:
        hash(default)
        return bool(fit(default, "") is default)
    except (TypeError, _Mismatch):
        return False


def _dataclass(obj: Any, prefix: str) -> Any:
    changes: dict[str, Any] = {}
    for slot in _slots(type(obj)):  # type: ignore[arg-type]  # mypy: type[Any] is not Hashable, yet every class is
        value = getattr(obj, slot.name)
        if value is slot.default:
            continue
        try:
            fixed = slot.fit(value, prefix + slot.name)
        except _Mismatch as exc:
            fixed = _stand_in(value, slot.hint, prefix + slot.name, exc)
        if fixed is not value:
            changes[slot.name] = fixed
    return dataclasses.replace(obj, **changes) if changes else obj


def _field(value: Any, hint: Any, path: str) -> Any:
    try:
        return _fit(value, hint, path)
    except _Mismatch as exc:
        return _stand_in(value, hint, path, exc)


def _stand_in(value: Any, hint: Any, path: str, exc: _Mismatch) -> Any:
    """A stand-in for a value that does not fit: Unknown where the field allows one, else None
    where it allows that (a link), else the value as it is (identity keys)."""
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


def _known_fitter(inner_hint: Any) -> Fit:
    inner = _fitter(inner_hint)
    # parsers state "known to be unset" as Known(None) (no delivery error yet)
    none_is_unset = inner_hint in (str, int, float, bool, Any)

    def fit(value: Any, path: str) -> Any:
        if not isinstance(value, Known):
            raise _Mismatch(f"{path} is {_describe(value)}")
        held = value.value
        if isinstance(held, Unknown):  # Known(Unknown(...)): the Unknown is what we know
            raise _Mismatch(held.reason)
        if held is None and none_is_unset:
            return value
        fixed = inner(held, path)
        return value if fixed is held else Known(fixed, via=value.via)

    return fit


def _instance_fitter(hint: type) -> Fit:
    def fit(value: Any, path: str) -> Any:
        if isinstance(value, hint):
            return value
        raise _Mismatch(f"{path} is {_describe(value)}")

    return fit


def _dataclass_fitter(hint: type) -> Fit:
    def fit(value: Any, path: str) -> Any:
        if not isinstance(value, hint):
            raise _Mismatch(f"{path} is {_describe(value)}, not {_article(hint.__name__)}")
        return _dataclass(value, path + ".")

    return fit


def _union_fitter(arms: tuple[Any, ...]) -> Fit:
    fits = tuple(_fitter(arm) for arm in arms)
    orders: dict[type, tuple[Fit, ...]] = {}

    def fit(value: Any, path: str) -> Any:
        kind = type(value)
        order = orders.get(kind)
        if order is None:
            # Try the arm of the value's own kind first, so the reason names the right expectation.
            ranked = sorted(zip(arms, fits, strict=True), key=lambda pair: 0 if _same_kind(kind, pair[0]) else 1)
            order = orders[kind] = tuple(f for _, f in ranked)
        first: _Mismatch | None = None
        for arm in order:
            try:
                return arm(value, path)
            except _Mismatch as exc:
                first = first or exc
        assert first is not None
        raise first

    return fit


def _same_kind(kind: type, arm: Any) -> bool:
    origin = typing.get_origin(arm) or arm
    return isinstance(origin, type) and issubclass(kind, origin)


def _tuple_fitter(args: tuple[Any, ...]) -> Fit:
    variadic = len(args) == 2 and args[1] is Ellipsis
    hints = (args[0],) if variadic else args
    elements = tuple(_element_fitter(h) for h in hints)

    def fit(value: Any, path: str) -> Any:
        if not isinstance(value, (tuple, list)):
            raise _Mismatch(f"{path} is {_describe(value)}, not a list")
        if variadic:
            one = elements[0]
            items = [one(v, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            if len(elements) != len(value):
                raise _Mismatch(f"{path} has {len(value)} items, not {len(elements)}")
            items = [e(v, f"{path}[{i}]") for i, (v, e) in enumerate(zip(value, elements, strict=True))]
        if isinstance(value, tuple) and all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return tuple(items)

    return fit


def _element_fitter(hint: Any) -> Fit:
    inner = _fitter(hint)
    if Unknown not in _arms(hint):
        return inner

    def fit(value: Any, path: str) -> Any:
        try:
            return inner(value, path)
        except _Mismatch as exc:  # a placeholder element is allowed: only this one is unknown
            return Unknown(exc.reason)

    return fit


def _mapping_fitter(args: tuple[Any, ...]) -> Fit:
    key_hint, value_hint = args if len(args) == 2 else (Any, Any)
    keys, values = _fitter(key_hint), _element_fitter(value_hint)

    def fit(value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            raise _Mismatch(f"{path} is {_describe(value)}, not a mapping")
        out: dict[Any, Any] = {}
        changed = False
        for k, v in value.items():
            keys(k, f"{path} key")
            fixed = values(v, f"{path}.{k}")
            changed = changed or fixed is not v
            out[k] = fixed
        return out if changed else value

    return fit


def _scalar_fitter(hint: Any) -> Fit:
    if hint is str:
        return _text
    return lambda value, path: _fit_scalar(value, hint, path)


def _text(value: Any, path: str) -> Any:
    if type(value) is str and len(value) <= MAX_TEXT:  # the common case, without the general checks
        return value
    return _fit_scalar(value, str, path)


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


__all__ = ["MAX_DOCUMENT", "MAX_TEXT", "Note", "conform"]
