"""Which management events (read, write) a trail's selectors record.

This reads what the selectors do, basic or advanced, rather than looking for a selector
*named* "Management events selector" (Prowler) or ignoring advanced selectors (checkov, KICS).
Selectors are OR'd (selector-semantics R11), so a ReadOnly selector plus a WriteOnly one
record both classes.  Exclusions of KMS / RDS Data API sources are a separate concern.
"""
from __future__ import annotations

from dataclasses import dataclass

from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import AdvancedEventSelector, EventSelector, Trail
from ctguard.values import Absent, Known, Unknown

Tri = bool | None


@dataclass(frozen=True, slots=True)
class ManagementCoverage:
    read: Tri
    write: Tri
    reason: str = ""  # why unknown, or which selectors decided
    path: tuple[str | int, ...] = ()


def coverage(trail: Trail) -> ManagementCoverage:
    advanced, basic = trail.advanced_event_selectors, trail.event_selectors
    if isinstance(advanced, Unknown):
        return ManagementCoverage(None, None, advanced.reason, ("advanced_event_selectors",))
    if isinstance(advanced, Known) and advanced.value:
        return _advanced(advanced.value)
    if isinstance(basic, Unknown):
        return ManagementCoverage(None, None, basic.reason, ("event_selectors",))
    if isinstance(basic, Known) and basic.value:
        return _basic(basic.value)
    return ManagementCoverage(True, True, "no event selectors: the AWS default records all management events")


def _or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _basic(selectors: tuple[EventSelector, ...]) -> ManagementCoverage:
    read: Tri = False
    write: Tri = False
    reasons: list[str] = []
    for i, sel in enumerate(selectors):
        include = _value(sel.include_management_events, True)
        rwt = _value(sel.read_write_type, "All")
        if isinstance(include, Unknown) or isinstance(rwt, Unknown):
            reasons.append((include if isinstance(include, Unknown) else rwt).reason)  # type: ignore[union-attr]
            read, write = _or(read, None), _or(write, None)
            continue
        if include is not True:
            continue
        read = _or(read, rwt in ("All", "ReadOnly"))
        write = _or(write, rwt in ("All", "WriteOnly"))
    return ManagementCoverage(read, write, "; ".join(reasons) or _basic_detail(selectors), ("event_selectors",))


def _basic_detail(selectors: tuple[EventSelector, ...]) -> str:
    parts = []
    for i, sel in enumerate(selectors):
        include = _value(sel.include_management_events, True)
        rwt = _value(sel.read_write_type, "All")
        shown = "true" if include is True else "false" if include is False else include
        parts.append(f"selector {i + 1} has IncludeManagementEvents {shown} and ReadWriteType {rwt}")
    return "; ".join(parts)


def _advanced(selectors: tuple[AdvancedEventSelector, ...]) -> ManagementCoverage:
    read: Tri = False
    write: Tri = False
    reasons: list[str] = []
    for sel in selectors:
        category = _field(sel, "eventCategory")
        if category is None:
            continue  # eventCategory is required; a selector without it matches nothing
        if any(isinstance(v, Unknown) for v in category.equals):
            reasons.append("an advanced selector's eventCategory is not known")
            read, write = _or(read, None), _or(write, None)
            continue
        if "Management" not in category.equals or category.operators().keys() - {"equals"}:
            continue
        ro = _field(sel, "readOnly")
        if ro is None:
            read, write = _or(read, True), _or(write, True)
            continue
        if any(isinstance(v, Unknown) for v in ro.equals) or ro.operators().keys() - {"equals"}:
            reasons.append("an advanced selector's readOnly condition is not known")
            read, write = _or(read, None), _or(write, None)
            continue
        values = {str(v).lower() for v in ro.equals}
        read, write = _or(read, "true" in values), _or(write, "false" in values)
    detail = "; ".join(reasons) or "no advanced selector with eventCategory Equals Management covers them"
    return ManagementCoverage(read, write, detail, ("advanced_event_selectors",))


def _field(selector: AdvancedEventSelector, name: str):  # type: ignore[no-untyped-def]
    for fs in selector.field_selectors:
        if fs.field == name:
            return fs
    return None


def _value(v: object, default: object) -> object:
    if isinstance(v, Absent):
        return default
    if isinstance(v, Known):
        return v.value
    return v


def read_and_write(ctx: CheckContext) -> Outcome:
    assert ctx.trail is not None
    cov = coverage(ctx.trail)
    missing = [name for name, got in (("read", cov.read), ("write", cov.write)) if got is False]
    if missing:
        return Outcome(Status.FAIL, cov.path, values={"missing": " or ".join(missing), "detail": cov.reason})
    if cov.read is None or cov.write is None:
        return Outcome(Status.UNKNOWN, cov.path, values={"reason": cov.reason})
    return Outcome(Status.PASS, cov.path)
