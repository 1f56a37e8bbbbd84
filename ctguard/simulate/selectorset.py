"""All of a trail's (normalized) selectors together: OR across selectors (R11, R29).

``run`` returns ``(status, selector_index, encoded)``: status 1 captured by that selector,
2 unknown (first selector that could still match), 0 missed (the most telling failure: a
selector of the event's own category if there is one, else one the trail cannot hold, else
the first).  Selectors that cannot match a category at all are sorted out once per category.
"""

from __future__ import annotations

from ctguard.simulate.events import Event
from ctguard.simulate.matcher import INVALID, MATCH, MATCHED, UNKNOWN, CompiledSelector, Condition, enc
from ctguard.simulate.normalize import Normalized
from ctguard.simulate.policy import SimPolicy

Result = tuple[int, int, int]
Candidate = tuple[int, tuple[Condition, ...], int]  # selector index, runtime conditions, unknown index
NOTHING: Result = (0, -1, -1)  # no selector at all could match
UNDETERMINED: Result = (2, -1, -1)  # the selector list itself is unknown


class SelectorSet:
    __slots__ = ("_by_cat", "_matched", "compiled", "normalized")

    def __init__(self, normalized: Normalized, policy: SimPolicy) -> None:
        self.normalized = normalized
        origins = normalized.origins
        self.compiled = tuple(
            CompiledSelector(i, s, policy, origins[i] if i < len(origins) else None)
            for i, s in enumerate(normalized.selectors)
        )
        self._by_cat: dict[str, tuple[tuple[Candidate, ...], Result]] = {}
        self._matched = tuple((1, i, MATCHED) for i in range(len(self.compiled)))

    def run(self, ev: Event) -> Result:
        if self.normalized.mode == "unknown":
            return UNDETERMINED
        entry = self._by_cat.get(ev.event_category)
        if entry is None:
            entry = self._by_cat[ev.event_category] = self._build(ev.event_category)
        candidates, static = entry
        if not candidates:
            return static
        first_fail: Result | None = None
        unknown_result: Result | None = None
        # CompiledSelector.match inlined: one call per condition instead of three.
        for index, conds, unknown in candidates:
            for cond in conds:
                code = cond.test(ev)
                if code == MATCH:
                    continue
                if code == UNKNOWN:
                    if unknown < 0 or cond.index < unknown:
                        unknown = cond.index
                    continue
                if first_fail is None:
                    first_fail = (0, index, enc(cond.index, code))
                break
            else:
                if unknown < 0:
                    return self._matched[index]
                if unknown_result is None:
                    unknown_result = (2, index, enc(unknown, UNKNOWN))
        return unknown_result or first_fail  # type: ignore[return-value]  # the loop sets one of them for a non-empty set

    def _build(self, category: str) -> tuple[tuple[Candidate, ...], Result]:
        candidates: list[Candidate] = []
        statics: list[Result] = []
        for sel in self.compiled:
            plan = sel.plan(category)
            if plan.static is None:
                candidates.append((sel.index, plan.conds, plan.unknown_index))
            else:
                statics.append((0, sel.index, plan.static))
        invalid = [r for r in statics if r[2] % 8 == INVALID]
        static = invalid[0] if invalid else (statics[0] if statics else NOTHING)
        return tuple(candidates), static
