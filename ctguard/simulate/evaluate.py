"""Would this trail record this event?  ``compile_trail(...).evaluate(event) -> Verdict``.

Stages run in the order of selector-semantics.md §7: logging (R1), account scope (R2/R3),
Region or global-service-events (R4-R6), then Insights (R31) or the event selectors (R10-R30).
They combine as a three-valued AND: the first stage that *excludes* the record decides even
if an earlier one was unknown, because an unknown that cannot change the outcome must not
make the verdict unknown.  Verdicts are cached per distinct stage outcome, so replaying many
events re-uses a handful of Verdict objects instead of building one per event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ctguard.model import Trail
from ctguard.simulate.events import Event
from ctguard.simulate.fields import OP_NAMES, SELECT_OPS
from ctguard.simulate.logic import or3
from ctguard.simulate.matcher import HIT_OPS, INVALID, MISS, CompiledSelector, dec
from ctguard.simulate.normalize import normalize_trail
from ctguard.simulate.scope import (
    SimContext,
    account_stage,
    effective,
    insight_stage,
    logging_stage,
    region_stage,
)
from ctguard.simulate.selectorset import SelectorSet
from ctguard.values import Unknown


@dataclass(frozen=True, slots=True)
class DecidedBy:
    stage: str  # logging | account | region | global-service-events | insights | selectors
    selector_index: int | None = None
    selector_name: str | None = None
    selector_origin: str | None = None  # e.g. "EventSelectors[0].DataResources[1]" for basic trails
    field: str | None = None
    operator: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    trail_key: str
    captured: bool | None  # None: unknown
    reason: str
    decided_by: DecidedBy
    unknown_because: str | None = None
    mode: str = ""  # selector mode: advanced | basic | default | unknown


class CompiledTrail:
    """One trail with its selectors compiled once, for evaluating many events."""

    def __init__(self, trail: Trail, ctx: SimContext) -> None:
        self.trail, self.ctx, self.key = trail, ctx, trail.key
        self.effective = effective(trail, ctx)
        self.normalized = normalize_trail(trail, ctx.policy)
        self.selectors = SelectorSet(self.normalized, ctx.policy)
        self.mode = self.normalized.mode
        code, reason = logging_stage(self.effective)
        self._logging = None if code == 1 else self._stage(code, "logging", reason)
        self._accounts: dict[str | None, Verdict | None] = {}
        self._regions: dict[tuple[object, ...], Verdict | None] = {}
        self._insights: dict[tuple[str | None, str], Verdict] = {}
        self._regional: dict[str | None, Verdict | None] = {}
        self._selected: dict[tuple[object, ...], Verdict] = {}
        self._matches = [self._selector_verdict("", 1, i, -1, None) for i in range(len(self.selectors.compiled))]

    def evaluate(self, ev: Event) -> Verdict:
        pending = self._logging
        if pending is not None and pending.captured is False:
            return pending
        # Stage caches are read inline (no method call) on the hot path; misses go to _account/_region.
        try:
            v = self._accounts[ev.recipient_account_id]
        except KeyError:
            v = self._account(ev)
        if v is not None:
            if v.captured is False:
                return v
            pending = pending or v
        if ev.is_global_service_event is False and not self.ctx.enabled_regions:
            try:
                v = self._regional[ev.aws_region]
            except KeyError:
                v = self._regional[ev.aws_region] = self._region(ev)
        else:
            v = self._region(ev)
        if v is not None:
            if v.captured is False:
                return v
            pending = pending or v
        if ev.event_category == "Insight":
            v = self._insight(ev)
        else:
            result = self.selectors.run(ev)
            v = self._matches[result[1]] if result[0] == 1 else self._select(ev, result)
        if v.captured is False or pending is None:
            return v
        return pending

    # -- scope stages -------------------------------------------------------------------
    def _stage(self, code: int, stage: str, reason: str) -> Verdict:
        if code == 2:
            return Verdict(self.key, None, f"unknown: {reason}", DecidedBy(stage), reason, self.mode)
        return Verdict(self.key, bool(code), reason, DecidedBy(stage), None, self.mode)

    def _account(self, ev: Event) -> Verdict | None:
        account = ev.recipient_account_id
        try:
            return self._accounts[account]
        except KeyError:
            code, reason = account_stage(self.effective, self.ctx, account)
            v = self._accounts[account] = None if code == 1 else self._stage(code, "account", reason)
            return v

    def _region(self, ev: Event) -> Verdict | None:
        gse = ev.is_global_service_event
        acct = ev.recipient_account_id if self.ctx.enabled_regions else None
        key = (acct, ev.aws_region, gse, None if gse is False else ev.gse_basis)
        try:
            return self._regions[key]
        except KeyError:
            code, stage, reason = region_stage(
                self.effective, self.ctx, ev.recipient_account_id, ev.aws_region, gse, ev.gse_basis
            )
            v = self._regions[key] = None if code == 1 else self._stage(code, stage, reason)
            return v

    def _insight(self, ev: Event) -> Verdict:
        key = (ev.insight_type, ev.insight_category or "Management")
        v = self._insights.get(key)
        if v is None:
            sels = None if self.mode == "unknown" else self.normalized.selectors
            code, reason = insight_stage(self.effective, key[0], key[1], sels)
            v = self._insights[key] = self._stage(code, "insights", reason)
        return v

    # -- selectors ----------------------------------------------------------------------
    def _select(self, ev: Event, result: tuple[int, int, int]) -> Verdict:
        status, index, encoded = result
        hit = None
        if status == 0 and index >= 0:
            field_index, code = dec(encoded)
            if code in HIT_OPS:
                hit = self.selectors.compiled[index].conditions[field_index].hit_value(ev, code)
        key = (ev.event_category, result, hit)
        v = self._selected.get(key)
        if v is None:
            v = self._selected[key] = self._selector_verdict(ev.event_category, status, index, encoded, hit)
        return v

    def _selector_verdict(self, category: str, status: int, index: int, encoded: int, hit: str | None) -> Verdict:
        if index < 0:
            if status == 2:
                why = self.normalized.unknown or "selectors unknown"
                return Verdict(self.key, None, f"unknown: {why}", DecidedBy("selectors"), why, self.mode)
            return Verdict(
                self.key,
                False,
                f"not captured: no event selector can match {category} events",
                DecidedBy("selectors"),
                None,
                self.mode,
            )
        sel = self.selectors.compiled[index]
        where = _selector_text(sel)
        if status == 1:
            extra = " (no selectors configured: all management events, R10)" if self.mode == "default" else ""
            return Verdict(
                self.key,
                True,
                f"captured: {where} matched{extra}",
                DecidedBy("selectors", index, sel.name, sel.origin),
                None,
                self.mode,
            )
        field_index, code = dec(encoded)
        cond = sel.conditions[field_index] if field_index >= 0 else None
        fs = cond.fs if cond is not None else None
        field = cond.field if cond is not None else None
        if status == 2:
            why = (cond.unknown_reason if cond else None) or "a condition is unknown"
            decided = DecidedBy("selectors", index, sel.name, sel.origin, field)
            what = f"{field} is undecidable: " if field else ""
            return Verdict(self.key, None, f"unknown: {where}: {what}{why}", decided, why, self.mode)
        if code == INVALID:
            why = sel.plan(category).why or "invalid for trails"
            return Verdict(
                self.key,
                False,
                f"not captured: {where} can never match {category} events: {why}",
                DecidedBy("selectors", index, sel.name, sel.origin, field),
                None,
                self.mode,
            )
        if code == MISS:
            ops = [op for op in SELECT_OPS if fs is not None and getattr(fs, op)]
            values = [v for op in ops for v in getattr(fs, op)]
            op_text = "|".join(OP_NAMES[o] for o in ops) or None
            value_text = json.dumps([_show(v) for v in values])
            if field == "eventCategory":
                reason = f"not captured: no selector takes {category} events{_category_hint(self.mode, category)}"
            else:
                reason = f"not captured: closest is {where}: the record's {field} fails {op_text} {_shown(values)}"
            return Verdict(
                self.key,
                False,
                reason,
                DecidedBy("selectors", index, sel.name, sel.origin, field, op_text, value_text),
                None,
                self.mode,
            )
        op = OP_NAMES[HIT_OPS[code]]
        return Verdict(
            self.key,
            False,
            f"not captured: {where} excludes it: {field} {op} {hit!r}",
            DecidedBy("selectors", index, sel.name, sel.origin, field, op, hit),
            None,
            self.mode,
        )


def _show(v: object) -> str:
    return f"<unknown: {v.reason}>" if isinstance(v, Unknown) else str(v)


def _selector_text(sel: CompiledSelector) -> str:
    name = f" {sel.name!r}" if sel.name else ""
    origin = f" (from {sel.origin})" if sel.origin and sel.origin != sel.name else ""
    return f"selector #{sel.index}{name}{origin}"


def _category_hint(mode: str, category: str) -> str:
    if mode == "default":
        return " (no event selectors: the trail logs management events only, R10)"
    if mode == "basic" and category == "NetworkActivity":
        return " (basic event selectors cannot log network activity events, R20)"
    if mode == "basic" and category not in ("Management", "Data"):
        return " (basic event selectors log management and data events only)"
    return ""


def compile_trail(trail: Trail, ctx: SimContext) -> CompiledTrail:
    return CompiledTrail(trail, ctx)


def evaluate(trail: Trail | CompiledTrail, event: Event, context: SimContext) -> Verdict:
    return _compiled(trail, context).evaluate(event)


def _compiled(trail: Trail | CompiledTrail, ctx: SimContext) -> CompiledTrail:
    return trail if isinstance(trail, CompiledTrail) else CompiledTrail(trail, ctx)


def evaluate_trails(trails: Iterable[Trail | CompiledTrail], event: Event, ctx: SimContext) -> list[Verdict]:
    return [_compiled(t, ctx).evaluate(event) for t in trails]


def captured_by_any(trails: Iterable[Trail | CompiledTrail], event: Event, ctx: SimContext) -> bool | None:
    """Three-valued OR over trails: True if some trail surely records the event."""
    result = 0
    for t in trails:
        c = _compiled(t, ctx).evaluate(event).captured
        if c is True:
            return True
        result = or3(result, 2 if c is None else 0)
    return None if result == 2 else False


__all__ = [
    "CompiledTrail",
    "DecidedBy",
    "SimContext",
    "Verdict",
    "captured_by_any",
    "compile_trail",
    "evaluate",
    "evaluate_trails",
]


_SHOWN_VALUES = 20


def _shown(values: list[Any]) -> str:
    """The values of a selector as a reason shows them: a 42,000-value list made each of two
    findings 1 MB long (and every format and redaction pass paid for it)."""
    if len(values) <= _SHOWN_VALUES:
        return json.dumps([_show(v) for v in values])
    head = json.dumps([_show(v) for v in values[:_SHOWN_VALUES]])
    return f"{head[:-1]}, ... and {len(values) - _SHOWN_VALUES:,} more]"
