"""Insights: which insight types a trail enables, and whether their prerequisites hold."""

from __future__ import annotations

from ctguard.checks.coverage_management import coverage
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.values import Absent, Unknown

# PutInsightSelectors: ApiCallRateInsight needs write management events, ApiErrorRateInsight
# read or write ones (selector-semantics R31).
_NEEDS = {"ApiCallRateInsight": ("write",), "ApiErrorRateInsight": ("read", "write")}


def _types(ctx: CheckContext) -> set[str] | Unknown:
    assert ctx.trail is not None
    selectors = ctx.trail.insight_selectors
    if isinstance(selectors, Unknown):
        return selectors
    if isinstance(selectors, Absent):
        return set()
    found: set[str] = set()
    for sel in selectors.value:
        if isinstance(sel.insight_type, Unknown):
            return sel.insight_type
        found.add(sel.insight_type)
    return found


def _enabled(ctx: CheckContext, insight: str) -> Outcome:
    types = _types(ctx)
    if isinstance(types, Unknown):
        return Outcome(Status.UNKNOWN, ("insight_selectors",), values={"reason": types.reason}, unknown=types)
    return Outcome(Status.PASS if insight in types else Status.FAIL, ("insight_selectors",))


def ct109_api_call_rate(ctx: CheckContext) -> Outcome:
    return _enabled(ctx, "ApiCallRateInsight")


def ct110_api_error_rate(ctx: CheckContext) -> Outcome:
    return _enabled(ctx, "ApiErrorRateInsight")


def ct111_prerequisites(ctx: CheckContext) -> Outcome:
    assert ctx.trail is not None
    types = _types(ctx)
    if isinstance(types, Unknown):
        return Outcome(Status.UNKNOWN, ("insight_selectors",), values={"reason": types.reason}, unknown=types)
    cov = coverage(ctx.trail)
    got = {"read": cov.read, "write": cov.write}
    unknown = False
    for insight in sorted(types & _NEEDS.keys()):
        needed = _NEEDS[insight]
        answers = [got[n] for n in needed]
        if any(a is True for a in answers):
            continue
        if any(a is None for a in answers):
            unknown = True
            continue
        return Outcome(Status.FAIL, ("insight_selectors",), values={"insight": insight, "needed": " or ".join(needed)})
    if unknown:
        return Outcome(Status.UNKNOWN, cov.path, values={"reason": cov.reason})
    return Outcome(Status.PASS, ("insight_selectors",))


__all__ = ["ct109_api_call_rate", "ct110_api_error_rate", "ct111_prerequisites"]
