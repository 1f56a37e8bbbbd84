"""CloudTrail Lake event data store policies that need more than one field (CT701, CT702, CT705,
CT707); CT703, CT704 and CT706 are declarative checks in their policy files.

The engine runs them once per store, with the store in ``ctx.trail``'s place.  Organization
facts come from live audits and snapshots only; a template cannot say whether the account it
deploys to manages an organization, so CT705 stays UNKNOWN there unless the store already
collects the organization's events.
"""

from __future__ import annotations

from ctguard.checks.account_trails import Fact, account_label, applies, fact, is_live, logging, name
from ctguard.checks.coverage_events import place_of, representative, selectors_only, verdict_path, why
from ctguard.checks.coverage_management import coverage
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import EventDataStore, field_default
from ctguard.values import Absent, Known, Unknown

_KINDS = ("read", "write")


def _store(ctx: CheckContext) -> EventDataStore:
    store = ctx.trail
    assert isinstance(store, EventDataStore), "scope event_data_store policies run on stores"
    return store


# --- CT701 ----------------------------------------------------------------------------------


def ct701_customer_key(ctx: CheckContext) -> Outcome:
    """CT701: KmsKeyId names a customer managed key (CKV_AWS_294)."""
    store = _store(ctx)
    value = store.kms_key_id
    path = ("kms_key_id",)
    if isinstance(value, Unknown) and store.kms_key is not None:
        # Its ARN is known only after deploy, but it is a key this input defines: customer managed.
        return Outcome(Status.PASS, path, values={"key": f"{store.kms_key} of this input"})
    if isinstance(value, Unknown):
        return Outcome(Status.UNKNOWN, path, values={"reason": value.reason}, unknown=value)
    if isinstance(value, Absent) or not value.value:
        return Outcome(Status.FAIL, path)
    return Outcome(Status.PASS, path, values={"key": value.value})


# --- CT702 ----------------------------------------------------------------------------------


def ct702_retention(ctx: CheckContext) -> Outcome:
    """CT702: the store keeps events at least the retention target (``--retention-days``)."""
    store = _store(ctx)
    target = ctx.settings.retention_days
    value = store.retention_days
    if isinstance(value, Unknown):
        return Outcome(
            Status.UNKNOWN, ("retention_days",), values={"reason": value.reason, "target": target}, unknown=value
        )
    if isinstance(value, Absent):
        days, source = field_default(EventDataStore, "retention_days"), " (the AWS default)"
    else:
        days, source = value.value, "" if value.via in (None, "AWS default") else f" ({value.via})"
    if not isinstance(days, int) or isinstance(days, bool):
        return Outcome(
            Status.UNKNOWN,
            ("retention_days",),
            values={"reason": f"RetentionPeriod {days!r} is not a number of days", "target": target},
        )
    status = Status.PASS if days >= target else Status.FAIL
    return Outcome(status, ("retention_days",), values={"target": target, "detail": f"{days} days{source}"})


# --- CT705 ----------------------------------------------------------------------------------


def ct705_organization(ctx: CheckContext) -> Outcome:
    """CT705: a store of an organization's management account collects the organization's events."""
    store, model = _store(ctx), ctx.model
    enabled = store.is_organization
    path = ("is_organization",)
    if isinstance(enabled, Unknown):
        return Outcome(
            Status.UNKNOWN, path, values={"reason": f"OrganizationEnabled: {enabled.reason}"}, unknown=enabled
        )
    if isinstance(enabled, Known) and enabled.value is True:
        return Outcome(
            Status.PASS, path, values={"detail": "it collects the events of every account of the organization"}
        )
    if not is_live(model):
        return Outcome(
            Status.UNKNOWN,
            path,
            values={
                "reason": "whether the account it deploys to is an organization's management or delegated administrator "
                "account is known only from a live audit or snapshot"
            },
        )
    label = account_label(model)
    org = model.organization_id
    if isinstance(org, Unknown):
        return Outcome(
            Status.UNKNOWN, path, values={"reason": f"the organization of {label} is not known ({org.reason})"}
        )
    if not isinstance(org, Known) or not org.value:
        return Outcome(
            Status.PASS,
            path,
            values={"detail": f"{label} is not in an AWS Organization, so there are no member accounts to collect"},
        )
    management = model.is_organization_management_account
    if isinstance(management, Known) and management.value is True:
        return Outcome(Status.FAIL, path, values={"detail": f"{label} manages organization {org.value}"})
    reason = (
        management.reason
        if isinstance(management, Unknown)
        else (
            f"{label} is a member of organization {org.value}; whether it is CloudTrail's delegated administrator "
            "(organizations:ListDelegatedAdministrators) is not read"
        )
    )
    return Outcome(Status.UNKNOWN, path, values={"reason": reason})


# --- CT707 ----------------------------------------------------------------------------------


def ct707_management_coverage(ctx: CheckContext) -> Outcome:
    """CT707: the store's management read and write events, or another recorder's, are recorded.

    The representative management events run through the store's selectors (the simulator, every
    scope stage open); a kind the store leaves out passes when a logging trail or an ingesting
    store of the same input records it."""
    store, model = _store(ctx), ctx.model
    place = place_of(model, [store])
    compiled = selectors_only(store, place)
    verdicts = {kind: compiled.evaluate(representative(place, f"management-{kind}").event) for kind in _KINDS}
    missing = [k for k, v in verdicts.items() if v.captured is False]
    unsure = [k for k, v in verdicts.items() if v.captured is None]
    if unsure:
        v = verdicts[unsure[0]]
        return Outcome(
            Status.UNKNOWN,
            verdict_path(compiled.trail, v),
            values={"reason": f"management {unsure[0]} events: {why(v)}"},
        )
    if not missing:
        return Outcome(Status.PASS, values={"detail": "it records management read and write events"})
    elsewhere: list[str] = []
    doubts: list[str] = []
    for kind in missing:
        found, doubt = _recorded_elsewhere(ctx, store, kind)
        if found:
            elsewhere.append(f"{kind} by {found}")
        elif doubt:
            doubts.append(f"management {kind} events: {doubt}")
        else:
            v = verdicts[kind]
            return Outcome(
                Status.FAIL,
                verdict_path(compiled.trail, v),
                values={
                    "detail": f"it records no management {kind} events ({why(v)}) and no logging trail or ingesting "
                    "event data store of this input does"
                },
            )
    if doubts:
        return Outcome(Status.UNKNOWN, values={"reason": "; ".join(doubts)})
    return Outcome(
        Status.PASS,
        values={
            "detail": f"it leaves out management {' and '.join(missing)} events, which "
            f"are recorded elsewhere (management {'; '.join(elsewhere)})"
        },
    )


def _recorded_elsewhere(ctx: CheckContext, store: EventDataStore, kind: str) -> tuple[str | None, str | None]:
    """(the trail or store that records management ``kind`` events, else why it cannot be told)."""
    model = ctx.model
    doubt: str | None = None
    for trail in model.trails:
        cov = coverage(trail, model)
        facts = [applies(trail, model), logging(trail), Fact(getattr(cov, kind), cov.reason)]
        verdict = _all(facts)
        if verdict.value is True:
            return f"trail {name(trail)}", None
        if verdict.value is None:
            doubt = doubt or f"trail {name(trail)}: {verdict.reason}"
    for other in model.all("event_data_store"):
        if other.key == store.key:
            continue
        place = place_of(model, [other])
        v = selectors_only(other, place).evaluate(representative(place, f"management-{kind}").event)
        verdict = _all([fact(other.ingestion_enabled, True, "IngestionEnabled"), Fact(v.captured, why(v))])
        if verdict.value is True:
            return f"event data store {name(other)}", None
        if verdict.value is None:
            doubt = doubt or f"event data store {name(other)}: {verdict.reason}"
    return None, doubt


def _all(facts: list[Fact]) -> Fact:
    for f in facts:
        if f.value is False:
            return f
    return next((f for f in facts if f.value is None), Fact(True))


__all__ = ["ct701_customer_key", "ct702_retention", "ct705_organization", "ct707_management_coverage"]
