"""What every delivery check needs: the trail's linked resource, the trail's identity, and
turning an ``iam`` Verdict into an Outcome.

A trail that does not use a destination (no KMS key, no log group, no topic) makes the
destination's checks not applicable: they are NOT_APPLICABLE, as with a declarative ``when``.
A destination the trail names but the input does not define is Unknown "defined outside this
input" (a cross-stack or cross-account ARN), never a failure.
"""

from __future__ import annotations

from typing import Any

from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.engine.paths import LINKS
from ctguard.findings import Status
from ctguard.iam.evaluate import Verdict
from ctguard.model import Trail
from ctguard.symbols import account_symbol, organization_symbol, region_symbol
from ctguard.values import Absent, Known, Symbolic, Unknown, show

_WHAT = {
    "bucket": "S3 bucket",
    "kms_key": "KMS key",
    "log_group": "log group",
    "role": "CloudWatch Logs role",
    "topic": "SNS topic",
}


def trail_of(ctx: CheckContext) -> Trail:
    assert ctx.trail is not None, "delivery checks are trail-scoped"
    return ctx.trail


def text(value: Any) -> str | Unknown | None:
    """A Known string, an Unknown, or None for Absent (and for a Known None)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Known):
        return value.value if isinstance(value.value, str) else (None if value.value is None else str(value.value))
    return None


def linked(ctx: CheckContext, link: str) -> Any:
    """The trail's linked resource, or an Outcome when there is none to check.

    NOT_APPLICABLE when the trail does not use that destination at all; UNKNOWN when it
    names one that this input does not define.
    """
    trail = trail_of(ctx)
    kind, field_name = LINKS[link]
    key = getattr(trail, link)
    obj = ctx.model.resource(kind, key)
    if obj is not None:
        return obj
    named = getattr(trail, field_name)
    what = _WHAT[link]
    if link == "bucket" and (isinstance(named, Absent) or (isinstance(named, Known) and not named.value)):
        # Every trail delivers to a bucket: an empty name (a variable or parameter left at a
        # "" or null default) is one the deployment must pass, not "no bucket".
        via = f" ({named.via})" if isinstance(named, Known) and named.via else ""
        return Outcome(
            Status.UNKNOWN,
            (field_name,),
            values={
                "reason": f"the trail's S3 bucket name is empty{via}; a trail needs one, so the deployment passes it"
            },
        )
    if isinstance(named, Absent) or (isinstance(named, Known) and not named.value):
        return Outcome(Status.NOT_APPLICABLE, (field_name,), f"Trail {_name(trail)} uses no {what}: not applicable")
    if isinstance(named, Symbolic):  # no resource of the input is named by that same expression
        return Outcome(
            Status.UNKNOWN,
            (field_name,),
            values={"reason": f"the {what} {show(named)} is defined outside this input; a live audit reads it"},
        )
    if isinstance(named, Unknown):
        return Outcome(
            Status.UNKNOWN,
            (field_name,),
            values={"reason": f"the trail's {what} is defined outside this input ({named.reason})"},
        )
    return Outcome(
        Status.UNKNOWN,
        (field_name,),
        values={"reason": f"the {what} {named.value} is defined outside this input{_foreign(trail, named.value)}"},
    )


def _foreign(trail: Trail, arn: str) -> str:
    parts = arn.split(":")
    account = text(trail.account_id)
    if len(parts) > 4 and parts[4] and isinstance(account, str) and parts[4] != account:
        return f" (account {parts[4]}, not the trail's account {account}); a live audit with access to that account reads it"
    return "; a live audit reads it"


def _name(trail: Trail) -> str:
    name = trail.name
    if isinstance(name, Known) and name.value and "generated" not in (name.via or ""):
        return str(name.value)
    return trail.key


def account_of(ctx: CheckContext) -> str | Unknown:
    trail = trail_of(ctx)
    for value in (trail.account_id, ctx.model.account_id):
        if isinstance(value, Known) and value.value:
            return str(value.value)
    for value in (trail.account_id, ctx.model.account_id):
        if isinstance(value, Unknown):
            return value
    # A trail writes in the account of the credentials that deploy it: the deploying account.
    return account_symbol("the deploying account", "the account id is not known (pass --account)")


def trail_arn(ctx: CheckContext) -> str | Unknown:
    arn = text(trail_of(ctx).arn)
    return arn if arn is not None else Unknown("the trail ARN is not known (pass --account and --region)")


def region_of(ctx: CheckContext) -> str | Unknown:
    trail = trail_of(ctx)
    for value in (trail.home_region, ctx.model.region):
        if isinstance(value, Known) and value.value:
            return str(value.value)
    for value in (trail.home_region, ctx.model.region):
        if isinstance(value, Symbolic):
            return value
    if isinstance(trail.home_region, Unknown):
        return trail.home_region
    return region_symbol("the deploy region", "the trail's home region is not known (pass --region)")


def is_org_trail(trail: Trail) -> bool | Unknown:
    value = trail.is_organization
    if isinstance(value, Unknown):
        return value
    return bool(value.value) if isinstance(value, Known) else False


def log_path_ids(ctx: CheckContext) -> list[str | Unknown]:
    """The id CloudTrail writes under ``AWSLogs/``: the organization id for organization
    trails (``AWSLogs/<org-id>/<account>/``), else the account id."""
    trail = trail_of(ctx)
    org = is_org_trail(trail)
    if isinstance(org, Unknown):
        return [Unknown(f"whether the trail is an organization trail is not known: {org.reason}")]
    if org:
        org_id = ctx.model.organization_id
        if isinstance(org_id, Known) and org_id.value:
            return [str(org_id.value)]
        return [
            org_id
            if isinstance(org_id, Unknown)
            else organization_symbol(
                reason="the organization id is not known for this input (it writes under AWSLogs/<org-id>/)"
            )
        ]
    return [account_of(ctx)]


# The iam package prefixes its reasons with the question asked; the policy message already says it.
_QUESTIONS = (
    "CloudTrail delivery to the bucket: ",
    "confused-deputy protection of the bucket: ",
    "CloudTrail use of the KMS key: ",
    "decryption of CloudTrail log files: ",
    "CloudTrail assuming the CloudWatch Logs role: ",
    "CloudTrail writing to the log group: ",
    "CloudTrail notifications to the topic: ",
)


def from_verdict(
    verdict: Verdict, owner: tuple[str, str] | None, path: tuple[Any, ...], extra: dict[str, Any] | None = None
) -> Outcome:
    values = dict(extra or {})
    reason = next((verdict.reason[len(q) :] for q in _QUESTIONS if verdict.reason.startswith(q)), verdict.reason)
    if verdict.ok is None:
        values["reason"] = reason
        return Outcome(Status.UNKNOWN, path, owner=owner, values=values, unknown=verdict.unknown)
    values["detail"] = reason
    return Outcome(Status.PASS if verdict.ok else Status.FAIL, path, owner=owner, values=values)


def document(value: Any) -> Any:
    """A model document field as the iam package takes it: None when there is none."""
    if isinstance(value, Known):
        return value.value
    if isinstance(value, Unknown):
        return value
    return None


def unknown(
    path: tuple[Any, ...], reason: str, owner: tuple[str, str] | None = None, waits: Unknown | None = None
) -> Outcome:
    return Outcome(Status.UNKNOWN, path, owner=owner, values={"reason": reason}, unknown=waits)
