"""Shared plumbing for the selector lints (CT3xx): walking selectors with their model paths, and
turning the problems found into one Outcome per trail.

A lint collects every problem with the model path of the offending value (so the finding lands
on that line), and every Unknown that could hide one.  A problem it is sure of is a FAIL even
if other values are unknown; otherwise an Unknown that matters gives UNKNOWN, never PASS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ctguard.data_files import load_json
from ctguard.engine.evaluate import Outcome
from ctguard.findings import Status
from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Trail
from ctguard.simulate.fields import OP_NAMES
from ctguard.symbols import joined
from ctguard.values import Absent, Known, Unknown

PathT = tuple[str | int, ...]
ADV = "advanced_event_selectors"
BASIC = "event_selectors"
S3_OBJECT = "AWS::S3::Object"


@dataclass(frozen=True, slots=True)
class Problem:
    """One selector problem and the model path it sits at."""

    path: PathT
    text: str


@dataclass(slots=True)
class Lint:
    """What one lint found on one trail."""

    problems: list[Problem] = field(default_factory=list)
    unknown: list[tuple[PathT, str]] = field(default_factory=list)
    waits: list[Unknown] = field(default_factory=list)  # the values behind ``unknown``, for settled_by

    def add(self, path: PathT, text: str) -> None:
        self.problems.append(Problem(path, text))

    def maybe(self, path: PathT, reason: str, waits: Unknown | None = None) -> None:
        """An unknown that could hide a problem; ``waits`` is the value it waits on (a reason
        alone waits on something no --account/--region settles)."""
        self.unknown.append((path, reason))
        self.waits.append(waits if waits is not None else Unknown(reason))

    def outcome(self, what: str = "") -> Outcome:
        if self.problems:
            first = self.problems[0]
            rest = self.problems[1:]
            extra = ""
            if rest:
                shown = "; ".join(p.text for p in rest[:2])
                extra = f" (and {len(rest)} more: {shown}{'; ...' if len(rest) > 2 else ''})"
            return Outcome(Status.FAIL, first.path, values={"problem": first.text + extra, "count": len(self.problems)})
        if self.unknown:
            path, reason = self.unknown[0]
            return Outcome(Status.UNKNOWN, path, values={"reason": reason}, unknown=joined(self.waits))
        return Outcome(Status.PASS, values={"what": what})


def advanced(trail: Trail, lint: Lint) -> list[tuple[int, AdvancedEventSelector]]:
    sels = trail.advanced_event_selectors
    if isinstance(sels, Unknown):
        lint.maybe((ADV,), f"AdvancedEventSelectors: {sels.reason}", sels)
        return []
    return list(enumerate(sels.value)) if isinstance(sels, Known) else []


def basic(trail: Trail, lint: Lint) -> list[tuple[int, EventSelector]]:
    sels = getattr(trail, "event_selectors", None)  # event data stores have advanced selectors only
    if sels is None:
        return []
    if isinstance(sels, Unknown):
        lint.maybe((BASIC,), f"EventSelectors: {sels.reason}", sels)
        return []
    return list(enumerate(sels.value)) if isinstance(sels, Known) else []


def fs_path(i: int, j: int, *rest: str) -> PathT:
    return (ADV, i, "field_selectors", j, *rest)


def label(i: int, sel: AdvancedEventSelector) -> str:
    name = sel.name if isinstance(sel.name, str) and sel.name else None
    return f"advanced selector {i + 1}" + (f" ({name!r})" if name else "")


def op_values(fs: FieldSelector) -> Iterator[tuple[str, str | Unknown]]:
    for op, values in fs.operators().items():
        for v in values:
            yield op, v


def resource_types(sel: AdvancedEventSelector) -> tuple[set[str], bool]:
    """The selector's known resources.type Equals values, and whether one is Unknown."""
    known: set[str] = set()
    unknown = False
    for fs in sel.field_selectors:
        if fs.field == "resources.type":
            for v in fs.equals:
                if isinstance(v, Unknown):
                    unknown = True
                else:
                    known.add(v)
    return known, unknown


def s3_object_arn_values(
    trail: Trail, lint: Lint, ops: tuple[str, ...]
) -> Iterator[tuple[int, AdvancedEventSelector, int, str, str | Unknown, set[str]]]:
    """(i, selector, j, op, value, resource types) for each resources.ARN value under ``ops`` of
    every advanced selector that selects (or may select, when its type is unknown) S3 objects."""
    for i, sel in advanced(trail, lint):
        types, unknown_type = resource_types(sel)
        if S3_OBJECT not in types and not unknown_type:
            continue
        for j, fs in enumerate(sel.field_selectors):
            if fs.field != "resources.ARN":
                continue
            for op in ops:
                for v in getattr(fs, op):
                    yield i, sel, j, op, v, types


def data_resources(lint: Lint, i: int, sel: EventSelector) -> list[tuple[int, DataResource]]:
    """(k, DataResource) pairs of a basic selector; an Unknown list is recorded as such."""
    drs = sel.data_resources
    if isinstance(drs, Unknown):
        lint.maybe((BASIC, i, "data_resources"), f"EventSelectors[{i}].DataResources: {drs.reason}", drs)
        return []
    return list(enumerate(drs.value)) if isinstance(drs, Known) else []


def known_value(v: object) -> object:
    if isinstance(v, Known):
        return v.value
    if isinstance(v, Absent):
        return None
    return v


def op_name(op: str) -> str:
    return OP_NAMES[op]


@lru_cache(maxsize=1)
def known_resource_types() -> tuple[frozenset[str], str]:
    data = load_json("data_event_resource_types.json")
    return frozenset(data["types"]), str(data.get("retrieved", "unknown date"))


def quoted(values: Iterable[object]) -> str:
    return json.dumps([v if isinstance(v, str) else "<unknown>" for v in values])


__all__ = [
    "ADV",
    "BASIC",
    "S3_OBJECT",
    "Lint",
    "PathT",
    "Problem",
    "advanced",
    "basic",
    "data_resources",
    "fs_path",
    "known_resource_types",
    "known_value",
    "label",
    "op_name",
    "op_values",
    "quoted",
    "resource_types",
]
