"""Coverage policies (CT201-CT204): do the trails of an input record representative events?

Each policy sends a few synthetic records (``coverage_events``) through the selector simulator
and reports the event that no trail records, with the trail, stage, selector and field that
decided.  Coverage is "captured by some trail of this input / account"; Unknown where the
simulator says unknown (a parameter without default, an imported value), never PASS.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctguard.checks.coverage_events import (
    Place,
    Representative,
    compile_all,
    place_of,
    representative,
    representatives,
    selectors_only,
    trail_name,
    verdict_path,
    why,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.simulate import CompiledTrail, Verdict
from ctguard.values import Known


@dataclass(frozen=True, slots=True)
class _Result:
    """The simulator's verdicts on one representative event."""

    rep: Representative
    verdicts: list[Verdict]

    @property
    def captured(self) -> bool | None:
        states = [v.captured for v in self.verdicts]
        if True in states:
            return True
        return None if None in states else False


def ct201_management(ctx: CheckContext) -> Outcome:
    """CT201: read and write management events, in the home Region, another Region and global."""
    return _account_coverage(ctx, "management")


def ct203_s3_object_writes(ctx: CheckContext) -> Outcome:
    """CT203 (CIS 3.10 / 3.8 / 4.8)."""
    return _account_coverage(ctx, "s3-write")


def ct204_s3_object_reads(ctx: CheckContext) -> Outcome:
    """CT204 (CIS 3.11 / 3.9 / 4.9)."""
    return _account_coverage(ctx, "s3-read")


def _account_coverage(ctx: CheckContext, group: str) -> Outcome:
    model = ctx.model
    if not model.trails:
        if isinstance(model.audited_regions, Known):  # a live audit looked and found no trail
            return Outcome(Status.FAIL, values={"event": "any event", "detail": "the account has no trail"})
        return Outcome(Status.NOT_APPLICABLE, message="No trail in this input: nothing to check")
    place = place_of(model)
    compiled = compile_all(model, place)
    results = [_Result(rep, [ct.evaluate(rep.event) for ct in compiled]) for rep in representatives(place, group)]
    missed = [r for r in results if r.captured is False]
    unknown = [r for r in results if r.captured is None]
    best = _closest(compiled, results)
    if missed:
        first = missed[0]
        verdict = first.verdicts[compiled.index(best)]
        detail = "; ".join(
            f"trail {trail_name(ct.trail)}: {why(v)}" for ct, v in zip(compiled, first.verdicts, strict=False)
        )
        more = [r.rep.describe for r in missed[1:]]
        if more:
            shown = "; ".join(more[:3]) + (f"; {len(more) - 3} more" if len(more) > 3 else "")
            detail += f" (also missed: {shown})"
        return Outcome(
            Status.FAIL,
            verdict_path(best.trail, verdict),
            owner=("trail", best.trail.key),
            values={"event": first.rep.describe, "detail": detail + _assumed(place)},
        )
    if unknown:
        first = unknown[0]
        i, verdict = next((i, v) for i, v in enumerate(first.verdicts) if v.captured is None)
        trail = compiled[i].trail
        reason = f"{first.rep.describe}: trail {trail_name(trail)}: {why(verdict)}"
        return Outcome(
            Status.UNKNOWN, verdict_path(trail, verdict), owner=("trail", trail.key), values={"reason": reason}
        )
    names = sorted(
        {trail_name(compiled[i].trail) for r in results for i, v in enumerate(r.verdicts) if v.captured is True}
    )
    return Outcome(Status.PASS, owner=("trail", best.trail.key), values={"trails": ", ".join(names)})


def _closest(compiled: list[CompiledTrail], results: list[_Result]) -> CompiledTrail:
    """The trail that records most of the group: the one a fix most likely belongs to."""

    def score(i: int) -> int:
        return sum(1 for r in results if r.verdicts[i].captured is True)

    return compiled[max(range(len(compiled)), key=lambda i: (score(i), -i))]


def _assumed(place: Place) -> str:
    missing = [what for what, flag in (("Region", place.region_assumed), ("account", place.account_assumed)) if flag]
    if not missing:
        return ""
    return f" (deploy {' and '.join(missing)} not given; events placed in {place.region})"


def ct202_exclusions(ctx: CheckContext) -> Outcome:
    """CT202: KMS and RDS Data API management events are recorded wherever other management events are."""
    trail = ctx.trail
    assert trail is not None
    place = place_of(ctx.model, [trail])
    compiled = selectors_only(trail, place)
    excluded: list[tuple[Representative, Verdict]] = []
    unknown: list[tuple[Representative, Verdict]] = []
    judged = 0
    for rep in representatives(place, "exclusions"):
        base = compiled.evaluate(representative(place, rep.baseline or "management-read").event)
        if base.captured is False:
            continue  # the trail takes no management events of this class: nothing is excluded from it
        got = compiled.evaluate(rep.event)
        if base.captured is None:
            unknown.append((rep, base))
        elif got.captured is False:
            excluded.append((rep, got))
        elif got.captured is None:
            unknown.append((rep, got))
        else:
            judged += 1
    if excluded:
        rep, verdict = excluded[0]
        what = "; ".join(r.describe for r, _ in excluded)
        return Outcome(Status.FAIL, verdict_path(trail, verdict), values={"events": what, "detail": why(verdict)})
    if unknown:
        rep, verdict = unknown[0]
        return Outcome(
            Status.UNKNOWN, verdict_path(trail, verdict), values={"reason": f"{rep.describe}: {why(verdict)}"}
        )
    if not judged:
        return Outcome(
            Status.NOT_APPLICABLE,
            message=f"Trail {trail_name(trail)} records no management events, so none are excluded (see CT201)",
        )
    return Outcome(Status.PASS)


__all__ = ["ct201_management", "ct202_exclusions", "ct203_s3_object_writes", "ct204_s3_object_reads"]
