"""Which records a trail can see at all: logging, account, Region, global services, Insights.

R1-R6 and R31 of selector-semantics.md.  Every stage answers 1 (passes), 0 (excludes the record)
or 2 (unknown), with the reason.  Inputs are the trail's *effective* values: model field
defaults applied to Absent, the deploy account/Region from the context filling in what a
template leaves to deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ctguard.model import AdvancedEventSelector, InsightSelector, Trail, TrailStatus, field_default
from ctguard.simulate.catalogue import OPT_IN_REGIONS, global_region, partition_of
from ctguard.simulate.logic import and3, or3
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.values import Absent, Known, Unknown

Stage = tuple[int, str]  # (code, reason)


@dataclass(frozen=True)
class SimContext:
    account_id: str | None = None  # the account the trail is deployed in
    region: str | None = None  # the Region it is deployed in (its home Region)
    # Every account of the organization (management included); None: not known.
    organization_accounts: frozenset[str] | None = None
    # Enabled Regions per account; an account missing here is "not known".
    enabled_regions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    policy: SimPolicy = DEFAULT_POLICY


@dataclass(frozen=True, slots=True)
class Effective:
    key: str
    is_logging: bool | Unknown
    logging_basis: str
    account_id: str | Unknown
    home_region: str | Unknown
    is_multi_region: bool | Unknown
    is_organization: bool | Unknown
    include_global_service_events: bool | Unknown
    insight_selectors: tuple[InsightSelector, ...] | Unknown


def _value(trail: Trail, name: str, fallback: object = None) -> object:
    v = getattr(trail, name)
    if isinstance(v, Known):
        return v.value
    if fallback is not None:
        return fallback  # the deploy context states what the template leaves to deployment
    if isinstance(v, Absent):
        default = field_default(Trail, name)
        return default if default is not None else Unknown(f"{name} not set")
    return v


def effective(trail: Trail, ctx: SimContext) -> Effective:
    status = trail.status
    logging: object
    if isinstance(status, TrailStatus) and isinstance(status.is_logging, Known):
        logging, basis = status.is_logging.value, "get-trail-status"
    else:
        logging, basis = _value(trail, "is_logging"), "trail configuration"
    # _value returns object: the field's Known value, its default or an Unknown, i.e. the
    # field's declared type, which mypy cannot see through getattr; hence the ignores below.
    return Effective(
        key=trail.key,
        is_logging=logging,  # type: ignore[arg-type]
        logging_basis=basis,
        account_id=_value(trail, "account_id", ctx.account_id),  # type: ignore[arg-type]
        home_region=_value(trail, "home_region", ctx.region),  # type: ignore[arg-type]
        is_multi_region=_value(trail, "is_multi_region"),  # type: ignore[arg-type]
        is_organization=_value(trail, "is_organization"),  # type: ignore[arg-type]
        include_global_service_events=_value(trail, "include_global_service_events"),  # type: ignore[arg-type]
        insight_selectors=_value(trail, "insight_selectors"),  # type: ignore[arg-type]
    )


def tri(v: object) -> int:
    return 2 if isinstance(v, Unknown) else int(bool(v))


def logging_stage(eff: Effective) -> Stage:
    """R1: a stopped trail records nothing."""
    if isinstance(eff.is_logging, Unknown):
        return 2, f"logging status unknown: {eff.is_logging.reason}"
    if eff.is_logging:
        return 1, f"trail is logging ({eff.logging_basis})"
    return 0, f"trail is not logging ({eff.logging_basis}; R1)"


def account_stage(eff: Effective, ctx: SimContext, account: str | None) -> Stage:
    """R2 own account; R3 organization members (and the opt-in home-Region rule)."""
    if account is None:
        return 2, "record names no recipient account"
    own = eff.account_id
    if isinstance(own, str) and account == own:
        return 1, f"record is for the trail's account {own}"
    org = tri(eff.is_organization)
    if org == 0:
        if isinstance(own, Unknown):
            return 2, f"trail account unknown: {own.reason}"
        return 0, f"record is for account {account}; the trail logs only {own} (R2)"
    members = ctx.organization_accounts
    if members is None:
        return 2, f"organization trail, but the organization's accounts are not given (record: {account})"
    if account not in members:
        return 0, f"account {account} is not in the trail's organization (R3)"
    if org == 2:
        return 2, f"whether the trail is an organization trail is unknown: {eff.is_organization.reason}"  # type: ignore[union-attr]  # tri() gave 2: an Unknown
    home = eff.home_region
    if isinstance(home, str) and home in OPT_IN_REGIONS:
        enabled = ctx.enabled_regions.get(account)
        if enabled is None:
            return 2, f"home Region {home} is opt-in; unknown whether member {account} enabled it (R3)"
        if home not in enabled:
            return 0, f"home Region {home} is opt-in and member {account} has not enabled it (R3)"
    return 1, f"account {account} is a member of the trail's organization (R3)"


def region_stage(
    eff: Effective, ctx: SimContext, account: str | None, region: str | None, gse: bool | None, gse_basis: str
) -> tuple[int, str, str]:
    """(code, stage name, reason): R4 for regional events, R5/R6 for global service events."""
    if gse is None:
        as_global = _global(eff, region)
        as_regional = _regional(eff, ctx, account, region)
        if as_global[0] == as_regional[0]:
            return as_global[0], "global-service-events", f"{as_regional[1]} (global endpoint or not: {gse_basis})"
        return (
            2,
            "global-service-events",
            (f"{gse_basis}; as a global event: {as_global[1]}; as a regional one: {as_regional[1]}"),
        )
    if gse:
        code, reason = _global(eff, region)
        return code, "global-service-events", f"{reason} ({gse_basis})"
    code, reason = _regional(eff, ctx, account, region)
    return code, "region", reason


def _global(eff: Effective, region: str | None) -> Stage:
    """R5: IGSE true and (multi-Region, or single-Region homed in the global Region)."""
    igse = eff.include_global_service_events
    if igse is False:
        return 0, "global service event, but IncludeGlobalServiceEvents is false (R5, OPEN-Q4)"
    multi, home = eff.is_multi_region, eff.home_region
    if region is not None and isinstance(home, str) and partition_of(region) != partition_of(home):
        return 0, f"{region} is in another partition than the trail's home {home} (R4)"
    if multi is True:
        place = (1, "global service event delivered to multi-Region trails (R5)")
    elif isinstance(home, Unknown):
        place = (2, f"home Region unknown: {home.reason}")
    else:
        target = global_region(region or home)
        if home == target:
            place = (1, f"global service event delivered to single-Region trails in {target} (R5)")
        elif multi is False:
            place = (0, f"global service events reach single-Region trails only in {target}; home is {home} (R5)")
        else:
            place = (2, f"multi-Region setting unknown: {multi.reason}")
    if isinstance(igse, Unknown) and place[0] != 0:
        return 2, f"IncludeGlobalServiceEvents unknown: {igse.reason}"
    return place


def _regional(eff: Effective, ctx: SimContext, account: str | None, region: str | None) -> Stage:
    """R4: a single-Region trail sees its home Region; a multi-Region one every enabled Region."""
    home, multi = eff.home_region, eff.is_multi_region
    if region is not None and isinstance(home, str) and partition_of(region) != partition_of(home):
        return 0, f"{region} is in another partition than the trail's home {home} (R4)"
    if region is not None and isinstance(home, str) and region == home:
        return 1, f"record is in the trail's home Region {home}"
    if multi is True:
        enabled = ctx.enabled_regions.get(account) if account else None
        if region is not None and enabled is not None and region not in enabled:
            return 0, f"{region} is not enabled in account {account} (R4)"
        return 1, f"multi-Region trail records {region or 'every enabled Region'} (R4)"
    if isinstance(multi, Unknown):
        return 2, f"multi-Region setting unknown: {multi.reason}"
    if isinstance(home, Unknown):
        return 2, f"home Region unknown: {home.reason}"
    if region is None:
        return 2, "record names no Region"
    return 0, f"record is in {region}; single-Region trail records only {home} (R4)"


def insight_stage(
    eff: Effective, insight_type: str | None, category: str, selectors: tuple[AdvancedEventSelector, ...] | None
) -> Stage:
    """R31: eligible iff an InsightSelector has the type and category and its prerequisite holds."""
    chosen = eff.insight_selectors
    if isinstance(chosen, Unknown):
        return 2, f"insight selectors unknown: {chosen.reason}"
    if insight_type is None:
        return 2, "Insights record has no insightDetails.insightType"
    code = 0
    for sel in chosen:
        cats = sel.event_categories if sel.event_categories is not None else ("Management",)
        t = 2 if isinstance(sel.insight_type, Unknown) else int(sel.insight_type == insight_type)
        c = 1 if category in cats else (2 if any(isinstance(x, Unknown) for x in cats) else 0)
        code = or3(code, and3(t, c))
    if code == 0:
        return 0, f"trail has no {insight_type} Insights selector for {category} events (R31)"
    if selectors is None:
        return and3(code, 2), "event selectors unknown, so the Insights prerequisite is too"
    needs = ("false",) if (category, insight_type) == ("Management", "ApiCallRateInsight") else ("true", "false")
    pre = could_log(selectors, category, needs)
    if pre == 0:
        what = "write" if needs == ("false",) else "read or write"
        return 0, f"{insight_type} on {category} needs the trail to log {what} {category.lower()} events (R31)"
    code = and3(code, pre)
    if code == 2:
        return 2, f"{insight_type} Insights selector or its prerequisite is unknown"
    return 1, f"trail has {insight_type} Insights on {category} events and logs the events it analyses (R31)"


def could_log(selectors: tuple[AdvancedEventSelector, ...], category: str, read_only: tuple[str, ...]) -> int:
    """Static: does some selector take ``category`` events with one of these readOnly values?

    Other conditions (event sources, resources) are ignored: R31's prerequisite is about the
    category and read/write class only.
    """
    result = 0
    for sel in selectors:
        cat: int | None = None
        ro, unk = 1, False
        for fs in sel.field_selectors:
            if isinstance(fs.field, Unknown):
                unk = True  # could be anything, including the category or readOnly
            elif fs.field == "eventCategory":
                c = 1 if category in fs.equals else (2 if any(isinstance(v, Unknown) for v in fs.equals) else 0)
                cat = c if cat is None else and3(cat, c)
            elif fs.field == "readOnly":
                vals = [v.lower() for v in fs.equals if isinstance(v, str)]
                r = 1 if any(v in read_only for v in vals) else (2 if len(vals) < len(fs.equals) else 0)
                ro = and3(ro, r)
        if cat is None:
            cat = 2 if unk else 0
        result = or3(result, and3(cat, ro, 2 if unk else 1))
    return result
