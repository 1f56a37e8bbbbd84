"""Advanced selectors compiled into three-valued matchers (R11, R21, R22, R25, R26).

Results are small ints so a replay allocates almost nothing per event:
``MATCH``/``MISS``/``UNKNOWN`` for one condition, plus ``HIT_*`` for the DESELECT operator that
fired and ``INVALID`` for a selector a trail cannot hold (R23/R24).  A selector's outcome is
``MATCHED`` (-1) or ``enc(field_index, code)``; field index -1 is "the selector as a whole".
Work that depends only on the event's category (the eventCategory test, field validity) is
done once per category, not per event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ctguard.model import AdvancedEventSelector, FieldSelector
from ctguard.simulate.events import Event
from ctguard.simulate.fields import (
    DESELECT_OPS,
    MULTI_VALUED,
    SELECT_OPS,
    arn_getter,
    arn_values,
    invalid_for_category,
    resource_types,
    single_getter,
)
from ctguard.simulate.policy import SimPolicy
from ctguard.values import Unknown

MISS, MATCH, UNKNOWN, HIT_NOT_EQUALS, HIT_NOT_STARTS, HIT_NOT_ENDS, INVALID = 0, 1, 2, 3, 4, 5, 6
HIT_OPS = {HIT_NOT_EQUALS: "not_equals", HIT_NOT_STARTS: "not_starts_with", HIT_NOT_ENDS: "not_ends_with"}
MATCHED = -1


def enc(field_index: int, code: int) -> int:
    return (field_index + 1) * 8 + code


def dec(encoded: int) -> tuple[int, int]:
    return encoded // 8 - 1, encoded % 8


def _split(values: tuple[Any, ...], lower: bool) -> tuple[list[str], str | None]:
    known: list[str] = []
    unknown: str | None = None
    for v in values:
        if isinstance(v, Unknown):
            unknown = unknown or v.reason
        else:
            known.append(v.lower() if lower else v)
    return known, unknown


class Condition:
    """One FieldSelector: SELECT operators OR'd, DESELECT operators OR'd as exclusions (R22)."""

    __slots__ = (
        "absent_code",
        "always",
        "arn_values",
        "eq",
        "ew",
        "field",
        "fs",
        "get",
        "has_select",
        "index",
        "multi",
        "neq",
        "new",
        "nsw",
        "sw",
        "test",
        "unk_deselect",
        "unk_select",
        "unknown_reason",
    )

    def __init__(
        self, index: int, fs: FieldSelector, types: frozenset[str] | Unknown | None, policy: SimPolicy
    ) -> None:
        self.index, self.fs, self.always = index, fs, -1
        self.unknown_reason: str | None = None
        # ``test`` is bound once to the variant this field needs, saving a dispatch per event.
        self.test: Callable[[Event], int] = self._const
        name = fs.field
        self.field = name if isinstance(name, str) else None
        if isinstance(name, Unknown):
            # Also how normalize.py spells basic settings with no advanced equivalent.
            self.always, self.unknown_reason = UNKNOWN, name.reason
            return
        lower = name == "readOnly"  # "True" from a YAML boolean still means true
        parts = {op: _split(getattr(fs, op), lower) for op in SELECT_OPS + DESELECT_OPS}
        self.eq, self.sw, self.ew = (
            frozenset(parts["equals"][0]),
            tuple(parts["starts_with"][0]),
            tuple(parts["ends_with"][0]),
        )
        self.neq, self.nsw, self.new = (
            frozenset(parts["not_equals"][0]),
            tuple(parts["not_starts_with"][0]),
            tuple(parts["not_ends_with"][0]),
        )
        self.has_select = any(getattr(fs, op) for op in SELECT_OPS)
        sel_unk = next((parts[op][1] for op in SELECT_OPS if parts[op][1]), None)
        desel_unk = next((parts[op][1] for op in DESELECT_OPS if parts[op][1]), None)
        self.unk_select, self.unk_deselect = sel_unk is not None, desel_unk is not None
        self.unknown_reason = sel_unk or desel_unk
        self.multi = name in MULTI_VALUED
        self.absent_code = MATCH if not self.has_select else MISS
        if name == "readOnly" and self.has_select and policy.read_only_missing == "unknown":
            self.absent_code = UNKNOWN
            self.unknown_reason = self.unknown_reason or "record has no readOnly (OPEN-Q1)"
        if name == "resources.ARN":
            if isinstance(types, Unknown):
                self.always = UNKNOWN
                self.unknown_reason = f"resources.type unknown, so resources.ARN is too: {types.reason}"
            self.get: Callable[[Event], Any] = arn_getter(None if isinstance(types, Unknown) else types, policy)
            self.arn_values = arn_values(None if isinstance(types, Unknown) else types, policy)
        elif name == "resources.type":
            self.get = resource_types
        else:
            self.get = single_getter(name, policy) or (lambda ev: None)
        if self.always < 0:
            self.test = self._many if self.multi else self._single

    def _const(self, ev: Event) -> int:
        return self.always

    def _many(self, ev: Event) -> int:
        return self.test_many(self.get(ev))

    def _single(self, ev: Event) -> int:
        v = self.get(ev)  # test_value inlined: this is the innermost loop of a replay
        if v is None:
            return self.absent_code
        if v in self.neq:
            return HIT_NOT_EQUALS
        if self.nsw and v.startswith(self.nsw):
            return HIT_NOT_STARTS
        if self.new and v.endswith(self.new):
            return HIT_NOT_ENDS
        if self.has_select and not (
            v in self.eq or (self.sw and v.startswith(self.sw)) or (self.ew and v.endswith(self.ew))
        ):
            return UNKNOWN if self.unk_select else MISS
        return UNKNOWN if self.unk_deselect else MATCH

    def test_value(self, v: str | None) -> int:
        if v is None:
            return self.absent_code
        if v in self.neq:
            return HIT_NOT_EQUALS
        if self.nsw and v.startswith(self.nsw):
            return HIT_NOT_STARTS
        if self.new and v.endswith(self.new):
            return HIT_NOT_ENDS
        if self.has_select and not (
            v in self.eq or (self.sw and v.startswith(self.sw)) or (self.ew and v.endswith(self.ew))
        ):
            return UNKNOWN if self.unk_select else MISS
        return UNKNOWN if self.unk_deselect else MATCH

    def test_many(self, values: tuple[str, ...]) -> int:
        # §7: no DESELECT value hits any value, and some SELECT value hits some value.
        if not values:
            return self.absent_code
        for v in values:
            if v in self.neq:
                return HIT_NOT_EQUALS
            if self.nsw and v.startswith(self.nsw):
                return HIT_NOT_STARTS
            if self.new and v.endswith(self.new):
                return HIT_NOT_ENDS
        if self.has_select:
            for v in values:
                if v in self.eq or (self.sw and v.startswith(self.sw)) or (self.ew and v.endswith(self.ew)):
                    break
            else:
                return UNKNOWN if self.unk_select else MISS
        return UNKNOWN if self.unk_deselect else MATCH

    def hit_value(self, ev: Event, code: int) -> str | None:
        """The selector value behind a DESELECT hit (slow path, for explanations only)."""
        return self.hit_value_in(self.get(ev) if self.multi else (self.get(ev),), code)

    def hit_value_in(self, values: tuple[str | None, ...], code: int) -> str | None:
        op = HIT_OPS.get(code)
        for v in values:
            if v is None:
                continue
            for cand in getattr(self.fs, op or "", ()):
                if isinstance(cand, Unknown):
                    continue
                c = cand.lower() if self.field == "readOnly" else cand
                if (
                    (code == HIT_NOT_EQUALS and v == c)
                    or (code == HIT_NOT_STARTS and v.startswith(c))
                    or (code == HIT_NOT_ENDS and v.endswith(c))
                ):
                    return str(cand)  # a selector value: str, the Unknowns were skipped
        return None


class Plan:
    """How one selector treats events of one category: decided statically or by conditions."""

    __slots__ = ("conds", "static", "unknown_index", "why")

    def __init__(
        self, static: int | None, conds: tuple[Condition, ...] = (), unknown_index: int = -1, why: str | None = None
    ) -> None:
        self.static, self.conds, self.unknown_index, self.why = static, conds, unknown_index, why


class CompiledSelector:
    __slots__ = ("_plans", "conditions", "index", "name", "origin", "policy", "selector")

    def __init__(
        self, index: int, selector: AdvancedEventSelector, policy: SimPolicy, origin: str | None = None
    ) -> None:
        self.index, self.selector, self.origin, self.policy = index, selector, origin, policy
        self.name = selector.name if isinstance(selector.name, str) else None
        types = _selector_types(selector.field_selectors)
        self.conditions = tuple(Condition(i, fs, types, policy) for i, fs in enumerate(selector.field_selectors))
        self._plans: dict[str, Plan] = {}

    def plan(self, category: str) -> Plan:
        plan = self._plans.get(category)
        if plan is None:
            plan = self._plans[category] = self._make_plan(category)
        return plan

    def _make_plan(self, category: str) -> Plan:
        if not self.conditions:
            return Plan(enc(-1, INVALID), why="selector has no field selectors (R28)")
        # The category test comes first so a Management selector reports "wrong category" for
        # a Data event, not "readOnly is invalid here".
        runtime: list[Condition] = []
        unknown_index = -1
        for cond in self.conditions:
            if cond.field == "eventCategory" and cond.always < 0:
                code = cond.test_value(category)
                if code == MATCH:
                    continue
                if code != UNKNOWN:
                    return Plan(enc(cond.index, code))
                unknown_index = cond.index if unknown_index < 0 else unknown_index
                continue
            runtime.append(cond)
        if self.policy.strict_trail_fields:
            bad = invalid_for_category(self.selector.field_selectors, category)
            if bad is not None:
                return Plan(enc(bad[0], INVALID), why=bad[1])
        return Plan(None, tuple(runtime), unknown_index)

    def match(self, ev: Event) -> int:
        plan = self.plan(ev.event_category)
        if plan.static is not None:
            return plan.static
        unknown = plan.unknown_index
        for cond in plan.conds:
            code = cond.test(ev)
            if code == MATCH:
                continue
            if code == UNKNOWN:
                if unknown < 0 or cond.index < unknown:
                    unknown = cond.index
                continue
            return enc(cond.index, code)
        return MATCHED if unknown < 0 else enc(unknown, UNKNOWN)


def _selector_types(fs_list: tuple[FieldSelector, ...]) -> frozenset[str] | Unknown | None:
    """The resource types resources.ARN is tested against (R26); None if the selector has none."""
    types: set[str] = set()
    found = False
    for fs in fs_list:
        if fs.field == "resources.type":
            found = True
            for v in fs.equals:
                if isinstance(v, Unknown):
                    return v
                types.add(v)
    return frozenset(types) if found else None
