"""Model paths a policy names, checked against the model's dataclasses when the policy loads.

A declarative condition's ``attribute`` and a policy's ``location`` are dotted model paths
(``bucket.public_access_block.block_public_acls``).  ``paths.lookup`` raises on a field that does
not exist, which would make every run of the policy an ERROR finding; here the same walk is
made over the dataclass types instead of values, once, at load time, so a mistyped path is a
policy error naming the file, the line and the closest valid path.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from typing import Any

from ctguard.engine.paths import LINKS
from ctguard.model import RESOURCE_KINDS, EventDataStore, Trail
from ctguard.values import Absent, Known, Unknown

_VALUES = (Known, Unknown, Absent)  # the three-valued wrappers, not model types
# The object a policy's paths start from, per scope; other scopes take no model paths.
ROOTS: dict[str, tuple[type, ...]] = {"trail": (Trail,), "event_data_store": (EventDataStore,)}


def roots(scope: str, params: dict[str, Any]) -> tuple[type, ...]:
    if scope == "trail" and params.get("event_data_stores"):
        return (Trail, EventDataStore)  # the policy runs on stores too (``evaluate._run``)
    return ROOTS.get(scope, ())


def named_paths(data: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each model path in a policy's data with the YAML path of the node that names it."""
    for key in ("check", "when"):
        if isinstance(data.get(key), dict):
            yield from _condition_paths(data[key], (key,))
    if isinstance(data.get("location"), str):
        yield data["location"], ("location",)


def _condition_paths(node: dict[str, Any], at: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for combinator in ("all", "any"):
        for i, child in enumerate(node.get(combinator) or ()):
            if isinstance(child, dict):
                yield from _condition_paths(child, (*at, combinator, i))
    if isinstance(node.get("not"), dict):
        yield from _condition_paths(node["not"], (*at, "not"))
    if isinstance(node.get("attribute"), str):
        yield node["attribute"], (*at, "attribute")


def problem(root: type, dotted: str) -> str | None:
    """Why ``dotted`` is not a path ``paths.lookup`` can follow from a ``root``; None when it is."""
    cls, walked = root, list[str]()
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        names = _fields(cls)
        here = f"{'.'.join(walked)} ({cls.__name__})" if walked else cls.__name__
        if part not in names:
            guess = difflib.get_close_matches(part, sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean {'.'.join([*walked, guess[0]])!r}?" if guess else ""
            return f"model path {dotted!r}: {here} has no field {part!r}{hint}"
        walked.append(part)
        if i == len(parts) - 1:
            return None
        if part in LINKS:  # a link to a related resource in the same model
            cls = RESOURCE_KINDS[LINKS[part][0]]
            continue
        inner = _dataclass_in(names[part])
        if inner is None:
            return (
                f"model path {dotted!r}: {'.'.join(walked)} holds no fields to follow "
                f"(a path cannot continue past it, nor index a list)"
            )
        cls = inner
    return None  # pragma: no cover - the loop returns on the last part


@cache
def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name) for f in dataclasses.fields(cls)}


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass a field holds as a single value (``TrailStatus | None``, ``Value[X]``)."""
    if isinstance(hint, type):
        return hint if dataclasses.is_dataclass(hint) and not issubclass(hint, _VALUES) else None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) or (origin is not None and not _is_collection(origin)):
        for arg in typing.get_args(hint):
            found = _dataclass_in(arg)
            if found is not None:
                return found
    return None


def _is_collection(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, (Collection, Mapping))
