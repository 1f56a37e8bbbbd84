"""Account-level trail policies (area F): baseline trail, trail limit per region, duplicate global events."""

from __future__ import annotations

from collections import defaultdict

from ctguard.checks.account_trails import (
    Fact,
    account_label,
    all_of,
    applies,
    fact,
    home_region,
    is_live,
    is_own,
    logging,
    multi_region,
    name,
    not_applicable,
    outcome,
    trail_account,
)
from ctguard.checks.coverage_management import coverage
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import Trail
from ctguard.values import Known, Unknown

TRAILS_PER_REGION = 5  # CloudTrail quota, not adjustable; a multi-region trail counts in every region


def _baseline(trail: Trail, ctx: CheckContext) -> list[tuple[str, Fact]]:
    cov = coverage(trail)
    return [
        ("records this account", applies(trail, ctx.model)),
        ("is logging", logging(trail)),
        ("is multi-region", multi_region(trail)),
        ("records read management events", Fact(cov.read, cov.reason)),
        ("records write management events", Fact(cov.write, cov.reason)),
    ]


def ct601_baseline_trail(ctx: CheckContext) -> Outcome:
    """CT601: some single trail is logging, multi-region and records read and write management events."""
    model = ctx.model
    if not is_live(model):
        return not_applicable(ctx, "only a live audit or snapshot shows every trail of the account")
    label = account_label(model)
    listed = isinstance(model.trails_listed, Known) and model.trails_listed.value is True
    if not model.trails and isinstance(model.audited_regions, Unknown) and not listed:
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether {label} has a baseline trail: "
            f"no trail is listed, and which regions were listed is not known "
            f"({model.audited_regions.reason})",
        )
    if not model.trails and listed:
        # Whatever region it was read in, DescribeTrails lists the shadow copy of every
        # multi-region and organization trail by default: an empty list means the account has none.
        return outcome(
            Status.FAIL,
            ctx,
            f"No trail of {label} is at once logging, multi-region and recording "
            "read and write management events: it has no trail at all (describe-trails "
            "lists multi-region and organization trails in every region; output saved "
            "with --no-include-shadow-trails would differ: save it without that option)",
        )
    gaps: list[str] = []
    unknown: list[str] = []
    for trail in model.trails:
        facts = _baseline(trail, ctx)
        verdict = all_of(*(f for _, f in facts))
        if verdict.value is True:
            owner = trail_account(trail)
            via = f" (organization trail of account {owner})" if not is_own(trail, model) else ""
            return outcome(
                Status.PASS,
                ctx,
                f"{label.capitalize()} has a logging multi-region trail recording "
                f"read and write management events: {name(trail)}{via}",
            )
        if verdict.value is None:
            what = next(w for w, f in facts if f.value is None)
            unknown.append(f"{name(trail)}: whether it {what} ({verdict.reason})")
        else:
            gaps.append(f"{name(trail)} does not {_negate(next(w for w, f in facts if f.value is False))}")
    if unknown:
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether any trail of {label} is a logging multi-region "
            f"trail recording read and write management events: {'; '.join(unknown)}",
        )
    detail = "; ".join(gaps) if gaps else "it has no trail at all"
    return outcome(
        Status.FAIL,
        ctx,
        f"No trail of {label} is at once logging, multi-region and recording read and "
        f"write management events: {detail}",
    )


def _negate(what: str) -> str:
    return {
        "records this account": "record this account",
        "is logging": "log",
        "is multi-region": "cover every region (single-region)",
        "records read management events": "record read management events",
        "records write management events": "record write management events",
    }[what]


def ct602_trails_per_region(ctx: CheckContext) -> Outcome:
    """CT602: at most five trails per region, counting each multi-region trail in every region."""
    model = ctx.model
    label = account_label(model)
    own = [t for t in model.trails if is_own(t, model)]
    multi: list[str] = []
    maybe_multi: list[str] = []
    single: dict[str, list[str]] = defaultdict(list)
    homeless: list[str] = []
    for trail in own:
        scope = multi_region(trail)
        if scope.value is True:
            multi.append(name(trail))
            continue
        if scope.value is None:
            maybe_multi.append(name(trail))
            continue
        region = home_region(trail, model)
        if region is None:
            homeless.append(name(trail))
        else:
            single[region].append(name(trail))
    counts = {region: len(multi) + len(names) for region, names in single.items()} or {"every region": len(multi)}
    region, worst = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if worst > TRAILS_PER_REGION:
        names = sorted(multi + single.get(region, []))
        return outcome(
            Status.FAIL,
            ctx,
            f"{label.capitalize()} would have {worst} trails in {region}, more than the "
            f"{TRAILS_PER_REGION} CloudTrail allows per region (multi-region trails count "
            f"in every region): {', '.join(names)}",
        )
    uncertain = sorted(set(maybe_multi) | set(homeless))
    if worst + len(uncertain) > TRAILS_PER_REGION:
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether {label} stays within {TRAILS_PER_REGION} trails per "
            f"region: the region or scope of {', '.join(uncertain)} is not known",
        )
    return outcome(
        Status.PASS, ctx, f"{label.capitalize()} has at most {worst} trail(s) in any region (limit {TRAILS_PER_REGION})"
    )


def _gse(trail: Trail) -> Fact:
    return fact(trail.include_global_service_events, True, "IncludeGlobalServiceEvents")


def ct603_duplicate_global_events(ctx: CheckContext) -> Outcome:
    """CT603: global service events (IAM, STS, CloudFront) delivered by more than one trail are duplicated."""
    model = ctx.model
    label = account_label(model)
    sure: list[str] = []
    maybe: list[tuple[str, str]] = []
    for trail in model.trails:
        verdict = all_of(applies(trail, model), logging(trail), _gse(trail))
        if verdict.value is True:
            sure.append(name(trail))
        elif verdict.value is None:
            maybe.append((name(trail), verdict.reason))
    if len(sure) > 1:
        return outcome(
            Status.FAIL,
            ctx,
            f"{len(sure)} trails deliver the global service events (IAM, STS, CloudFront) "
            f"of {label}, so each is recorded {len(sure)} times: "
            f"{', '.join(sorted(sure))}",
        )
    if len(sure) + len(maybe) > 1:
        detail = "; ".join(f"{n}: {r}" for n, r in maybe)
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether global service events of {label} are recorded more than once: {detail}",
        )
    shown = sure[0] if sure else "no trail"
    return outcome(Status.PASS, ctx, f"Global service events of {label} are recorded once at most ({shown})")


__all__ = ["TRAILS_PER_REGION", "ct601_baseline_trail", "ct602_trails_per_region", "ct603_duplicate_global_events"]
