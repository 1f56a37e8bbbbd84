"""CloudWatch Logs and SNS delivery (CT413-CT417): the log group's retention and encryption (CT413,
CT414), the delivery role's trust and permissions (CT415), the topic policy that lets CloudTrail
publish (CT416) and the log group's region (CT417)."""

from __future__ import annotations

import re

from ctguard.checks.delivery_common import (
    document,
    from_verdict,
    is_org_trail,
    linked,
    region_of,
    text,
    trail_arn,
    trail_of,
    unknown,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import cloudtrail_access, symbolic
from ctguard.iam.evaluate import Verdict
from ctguard.model import LogGroup
from ctguard.symbols import describe
from ctguard.values import Absent, Known, Symbolic, Unknown

_LOG_GROUP_ARN = re.compile(r"^arn:aws[\w-]*:logs:([a-z0-9-]+):(\d{12}):log-group:")


def _owner(group: LogGroup) -> tuple[str, str]:
    return ("log_group", group.key)


def ct413_retention(ctx: CheckContext) -> Outcome:
    group = linked(ctx, "log_group")
    if isinstance(group, Outcome):
        return group
    target = ctx.settings.retention_days
    value = group.retention_days
    if isinstance(value, Unknown):
        return unknown(("retention_days",), f"the log group retention is not known: {value.reason}", _owner(group))
    if isinstance(value, Absent) or value.value is None:
        return Outcome(
            Status.PASS,
            ("retention_days",),
            owner=_owner(group),
            values={"target": target, "detail": "events never expire"},
        )
    ok = value.value >= target
    return Outcome(
        Status.PASS if ok else Status.FAIL,
        ("retention_days",),
        owner=_owner(group),
        values={"target": target, "detail": f"events are kept {value.value} days"},
    )


def ct414_encryption(ctx: CheckContext) -> Outcome:
    group = linked(ctx, "log_group")
    if isinstance(group, Outcome):
        return group
    value = group.kms_key_id
    if isinstance(value, Unknown) and group.kms_key is not None:
        return Outcome(
            Status.PASS,
            ("kms_key_id",),
            owner=_owner(group),
            values={"detail": f"it is encrypted with KMS key {group.kms_key} of this input"},
        )
    if isinstance(value, Unknown):
        return unknown(("kms_key_id",), f"the log group key is not known: {value.reason}", _owner(group))
    if isinstance(value, Absent) or not value.value:
        return Outcome(
            Status.FAIL,
            ("kms_key_id",),
            owner=_owner(group),
            values={"detail": "it is encrypted only with the service-owned CloudWatch Logs key"},
        )
    return Outcome(
        Status.PASS,
        ("kms_key_id",),
        owner=_owner(group),
        values={"detail": f"it is encrypted with KMS key {value.value}"},
    )


def ct417_home_region(ctx: CheckContext) -> Outcome:
    """CloudTrail delivers only to a log group in the trail's home Region."""
    trail = trail_of(ctx)
    arn = text(trail.cloudwatch_logs_log_group_arn)
    if arn is None or arn == "":
        # An empty ARN (a module's disabled CloudWatch Logs input) sends nothing: not applicable.
        return Outcome(
            Status.NOT_APPLICABLE,
            ("cloudwatch_logs_log_group_arn",),
            "The trail sends no events to CloudWatch Logs: not applicable",
        )
    group = ctx.model.resource("log_group", trail.log_group)
    region: str | Unknown | None = None
    if isinstance(arn, str) and _LOG_GROUP_ARN.match(arn):
        region = _LOG_GROUP_ARN.match(arn).group(1)  # type: ignore[union-attr]  # the same match succeeded on the line above
    elif group is not None:
        region = text(group.region)
    if group is not None and (region is None or isinstance(region, Unknown)):
        # Defined in the same input as the trail and given no Region of its own: both deploy to
        # the one Region of the stack or provider (a plan's log group ARN is known only after apply).
        return Outcome(
            Status.PASS,
            ("cloudwatch_logs_log_group_arn",),
            values={"detail": "the log group is defined with the trail, in the same deploy-time Region"},
        )
    if region is None and isinstance(arn, Symbolic):
        return _symbolic_region(ctx, arn)
    if region is None:  # no log group in this input, and no Region readable from the ARN
        reason = arn.reason if isinstance(arn, Unknown) else f"{arn} is not a log group ARN"
        return unknown(("cloudwatch_logs_log_group_arn",), f"the log group's Region is not known: {reason}")
    home = region_of(ctx)
    if isinstance(home, Symbolic) and isinstance(region, str):
        return unknown(
            ("cloudwatch_logs_log_group_arn",),
            f"the log group is in {region}; the trail's home Region is {describe(home)}",
            waits=home,
        )
    if isinstance(home, Unknown):
        return unknown(("cloudwatch_logs_log_group_arn",), home.reason)
    ok = region == home
    detail = f"the log group is in {region}" + (
        "" if ok else f", not in the trail's home Region {home}, so delivery fails"
    )
    return Outcome(Status.PASS if ok else Status.FAIL, ("cloudwatch_logs_log_group_arn",), values={"detail": detail})


def _symbolic_region(ctx: CheckContext, arn: Symbolic) -> Outcome:
    """A log group ARN built from deploy-time symbols (``arn:...:logs:${AWS::Region}:...``):
    its Region part against the trail's home Region, for every deployment."""
    path = ("cloudwatch_logs_log_group_arn",)
    components: list[list[symbolic.Item]] = [[]]
    for item in symbolic.value_items(arn):
        if item == ("lit", ":") and len(components) < 7:
            components.append([])
        else:
            components[-1].append(item)
    if len(components) < 7 or components[2] != symbolic.literal_items("logs"):
        return unknown(path, f"the log group's Region is not known: {arn.reason}")
    home = region_of(ctx)
    if isinstance(home, Unknown) and not isinstance(home, Symbolic):
        return unknown(path, home.reason)
    same = symbolic.match_items(components[3], symbolic.value_items(home))
    shown = symbolic.show_items(components[3])
    if same is True:
        return Outcome(Status.PASS, path, values={"detail": f"the log group is in {shown}, the trail's home Region"})
    if same is False:
        return Outcome(
            Status.FAIL,
            path,
            values={"detail": f"the log group is in {shown}, not in the trail's home Region, so delivery fails"},
        )
    return unknown(
        path, f"whether the log group's Region {shown} is the trail's home Region depends on {same.reason}", waits=same
    )


def _org_id(ctx: CheckContext) -> str | None:
    org = is_org_trail(trail_of(ctx))
    value = ctx.model.organization_id
    return str(value.value) if org is True and isinstance(value, Known) and value.value else None


def ct415_delivery_role(ctx: CheckContext) -> Outcome:
    trail = trail_of(ctx)
    if isinstance(trail.cloudwatch_logs_log_group_arn, Absent):
        return Outcome(
            Status.NOT_APPLICABLE,
            ("cloudwatch_logs_role_arn",),
            "The trail sends no events to CloudWatch Logs: not applicable",
        )
    if isinstance(trail.cloudwatch_logs_role_arn, Absent):
        return Outcome(
            Status.NOT_APPLICABLE,
            ("cloudwatch_logs_role_arn",),
            "The trail names no CloudWatch Logs role: not applicable (CT105 reports it)",
        )
    role = linked(ctx, "role")
    if isinstance(role, Outcome):
        return role
    owner = ("role", role.key)
    trust = document(role.trust_policy)
    verdict = cloudtrail_access.role_trusts_cloudtrail(trust, trail_arn=trail_arn(ctx), role_arn=text(role.arn))
    if verdict.ok is not True:
        return from_verdict(verdict, owner, ("trust_policy",))
    group_arn = text(trail.cloudwatch_logs_log_group_arn)
    group = ctx.model.resource("log_group", trail.log_group)
    if (group_arn is None or isinstance(group_arn, Unknown)) and group is not None and isinstance(text(group.arn), str):
        group_arn = text(group.arn)
    if group_arn is None:
        group_arn = Unknown("the log group ARN is not known")
    policies = role.policies
    if isinstance(policies, Unknown):
        return unknown(("policies",), f"the role's permissions are not known: {policies.reason}", owner)
    docs = list(policies.value) if isinstance(policies, Known) else []
    org = _org_id(ctx)
    if is_org_trail(trail) is True and org is None:
        # Organization trails write streams named <org-id>_<account>_CloudTrail_<region>.
        org_unknown: Verdict = cloudtrail_access.role_can_write_log_group(docs, group_arn, org_id="o-ctguardprobe")
        if org_unknown.ok is not True:
            return unknown(
                ("policies",), "the organization id is not known, and the role's permissions depend on it", owner
            )
    verdict = cloudtrail_access.role_can_write_log_group(docs, group_arn, org_id=org)
    return from_verdict(verdict, owner, ("policies",))


def ct416_topic_publish(ctx: CheckContext) -> Outcome:
    topic = linked(ctx, "topic")
    if isinstance(topic, Outcome):
        return topic
    owner = ("topic", topic.key)
    policy = document(topic.policy)
    if policy is None:
        return Outcome(
            Status.FAIL,
            ("policy",),
            owner=owner,
            values={"detail": "the topic has the default topic policy, which lets only the owner account publish"},
        )
    arn = text(topic.arn)
    verdict = cloudtrail_access.topic_policy_allows_cloudtrail_publish(
        policy, arn if arn is not None else Unknown("the topic ARN is not known"), trail_arn(ctx)
    )
    return from_verdict(verdict, owner, ("policy",))


__all__ = ["ct413_retention", "ct414_encryption", "ct415_delivery_role", "ct416_topic_publish", "ct417_home_region"]
