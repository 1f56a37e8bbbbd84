"""Account-level policies that need the account's own facts: enabled regions and the organization."""

from __future__ import annotations

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
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import Model, Trail
from ctguard.values import Known, Unknown


def _covers(trail: Trail, region: str, ctx: CheckContext) -> Fact:
    scope = multi_region(trail)
    if scope.value is not True:
        home = home_region(trail, ctx.model)
        here = Fact(None, f"home region of {name(trail)} not known") if home is None else Fact(home == region)
        scope = here if scope.value is False else (Fact(True) if here.value else scope)
    return all_of(applies(trail, ctx.model), logging(trail), scope)


def ct604_enabled_regions_covered(ctx: CheckContext) -> Outcome:
    """CT604: every region enabled in the account is recorded by a logging trail."""
    model = ctx.model
    if not is_live(model):
        return not_applicable(ctx, "which regions an account has enabled is only known from a live audit or snapshot")
    label = account_label(model)
    enabled = model.enabled_regions
    if isinstance(enabled, Unknown):
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether every enabled region of {label} is recorded: "
            f"the enabled regions are not known ({enabled.reason})",
        )
    if not isinstance(enabled, Known):
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether every enabled region of {label} is recorded: the enabled regions are not known",
        )
    audited = set(model.audited_regions.value) if isinstance(model.audited_regions, Known) else set()
    missing: list[str] = []
    unsure: list[str] = []
    for region in enabled.value:
        verdicts = [_covers(t, region, ctx) for t in model.trails]
        if any(v.value is True for v in verdicts):
            continue
        reasons = [v.reason for v in verdicts if v.value is None]
        if region not in audited:
            # Single-region trails homed there are listed only by DescribeTrails in that region.
            reasons.append(f"{region} was not audited, so its single-region trails were not listed")
        if reasons:
            unsure.append(f"{region} ({reasons[0]})")
        else:
            missing.append(region)
    if missing:
        return outcome(
            Status.FAIL,
            ctx,
            f"No logging trail records {len(missing)} enabled region(s) of {label}: {', '.join(missing)}",
        )
    if unsure:
        return outcome(
            Status.UNKNOWN, ctx, f"Cannot tell whether every enabled region of {label} is recorded: {'; '.join(unsure)}"
        )
    return outcome(
        Status.PASS, ctx, f"Every enabled region of {label} ({len(enabled.value)}) is recorded by a logging trail"
    )


def _org_trail(trail: Trail, ctx: CheckContext) -> Fact:
    return all_of(
        fact(trail.is_organization, False, "IsOrganizationTrail"),
        applies(trail, ctx.model),
        logging(trail),
        multi_region(trail),
    )


def ct605_organization_trail(ctx: CheckContext) -> Outcome:
    """CT605: an organization's management account runs an organization trail; members say which one covers them."""
    model = ctx.model
    if not is_live(model):
        return not_applicable(ctx, "organization membership is only known from a live audit or snapshot")
    label = account_label(model)
    org = model.organization_id
    if isinstance(org, Unknown):
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether {label} is covered by an organization trail: "
            f"its organization is not known ({org.reason})",
        )
    if not isinstance(org, Known) or not org.value:
        return outcome(
            Status.PASS, ctx, f"{label.capitalize()} is not in an AWS Organization; no organization trail is expected"
        )
    management = model.is_organization_management_account
    if not isinstance(management, Known):
        reason = management.reason if isinstance(management, Unknown) else "not recorded"
        return outcome(Status.UNKNOWN, ctx, f"Cannot tell whether {label} manages organization {org.value}: {reason}")
    verdicts = [(t, _org_trail(t, ctx)) for t in model.trails]
    found = [t for t, v in verdicts if v.value is True]
    unsure = [(t, v) for t, v in verdicts if v.value is None]
    if management.value:
        own = [t for t in found if is_own(t, model)]
        if own:
            return outcome(
                Status.PASS,
                ctx,
                f"Management account {_id(model)} of organization {org.value} runs organization trail {name(own[0])}",
            )
        if unsure:
            t, v = unsure[0]
            return outcome(
                Status.UNKNOWN,
                ctx,
                f"Cannot tell whether management account {_id(model)} runs a logging "
                f"organization trail: {name(t)}: {v.reason}",
            )
        return outcome(
            Status.FAIL,
            ctx,
            f"Management account {_id(model)} of organization {org.value} has no logging "
            "multi-region organization trail, so member accounts are recorded only by "
            "trails they can stop themselves",
        )
    if found:
        trail = found[0]
        own_trails = [t for t in model.trails if is_own(t, model)]
        note = "" if own_trails else "; the account has no trail of its own"
        return outcome(
            Status.PASS,
            ctx,
            f"Member {label} is covered by organization trail {name(trail)} of account {trail_account(trail)}{note}",
        )
    if unsure:
        t, v = unsure[0]
        return outcome(
            Status.UNKNOWN,
            ctx,
            f"Cannot tell whether member {label} is covered by an organization trail: {name(t)}: {v.reason}",
        )
    return outcome(
        Status.FAIL,
        ctx,
        f"No logging organization trail covers member {label} of organization "
        f"{org.value}; ask the management account to create one",
    )


def _id(model: Model) -> str:
    account = model.account_id
    return str(account.value) if isinstance(account, Known) else "(unknown)"


__all__ = ["ct604_enabled_regions_covered", "ct605_organization_trail"]
