"""How the trail's bucket protects the logs once written: access logging, immutability and
lifecycle against the retention target (CT405-CT407)."""

from __future__ import annotations

from typing import Any

from ctguard.checks.delivery_common import linked, text, trail_of, unknown
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import symbolic
from ctguard.model import Bucket
from ctguard.values import Absent, Known, Symbolic, Unknown, show


def _owner(bucket: Bucket) -> tuple[str, str]:
    return ("bucket", bucket.key)


def ct405_access_logging(ctx: CheckContext) -> Outcome:
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    owner = _owner(bucket)
    target = bucket.logging_target_bucket
    if isinstance(target, Symbolic):
        return _symbolic_target(bucket, target, owner)
    if isinstance(target, Unknown):
        return unknown(("logging_target_bucket",), f"the access-log target bucket is not known: {target.reason}", owner)
    if isinstance(target, Absent) or not target.value:
        return Outcome(
            Status.FAIL, ("logging_target_bucket",), owner=owner, values={"detail": "server access logging is off"}
        )
    name = text(bucket.name)
    if target.value.startswith("${") and target.value != "${" + bucket.key + "}":
        # CloudFormation's name of another bucket resource of the template (Ref OtherBucket).
        return Outcome(
            Status.PASS,
            ("logging_target_bucket",),
            owner=owner,
            values={"detail": f"server access logs go to bucket {target.value[2:-1]} of this template"},
        )
    if isinstance(name, Unknown) and target.value != name:
        # Two different unresolved names may still be the same bucket.
        return unknown(("logging_target_bucket",), f"whether it logs into itself is not known: {name.reason}", owner)
    if target.value == name or target.value == text(trail_of(ctx).s3_bucket_name):
        return Outcome(
            Status.FAIL,
            ("logging_target_bucket",),
            owner=owner,
            values={
                "detail": "server access logs go into the trail bucket itself, so every log "
                "delivery writes an access log into the same bucket and reading the "
                "logs is logged next to them"
            },
        )
    return Outcome(
        Status.PASS,
        ("logging_target_bucket",),
        owner=owner,
        values={"detail": f"server access logs go to bucket {target.value}"},
    )


def _symbolic_target(bucket: Any, target: Symbolic, owner: tuple[str, str]) -> Outcome:
    """An access-log target named from deploy-time symbols: is it the trail bucket itself?"""
    name = bucket.name
    path = ("logging_target_bucket",)
    if isinstance(name, Known) and isinstance(name.value, str):
        same: Any = symbolic.match_items(symbolic.literal_items(name.value), symbolic.value_items(target))
    elif isinstance(name, Symbolic):
        same = symbolic.match_items(symbolic.value_items(name), symbolic.value_items(target))
    else:
        return unknown(path, f"whether it logs into itself is not known: {getattr(name, 'reason', 'no name')}", owner)
    if same is True:
        return Outcome(
            Status.FAIL, path, owner=owner, values={"detail": "server access logs go into the trail bucket itself"}
        )
    if same is False:
        return Outcome(
            Status.PASS, path, owner=owner, values={"detail": f"server access logs go to bucket {show(target)}"}
        )
    return unknown(path, f"whether it logs into itself depends on {same.reason}", owner)


def _bool(value: object) -> bool | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Known):
        return bool(value.value)
    return None


def ct406_immutability(ctx: CheckContext) -> Outcome:
    """Object Lock with a default retention, or versioning with MFA delete."""
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    owner = _owner(bucket)
    lock = _bool(bucket.object_lock)
    mode, days = bucket.object_lock_mode, bucket.object_lock_days
    pending: list[Outcome] = []
    if lock is True:
        if isinstance(mode, Known) and mode.value and isinstance(days, Known) and days.value:
            return Outcome(
                Status.PASS,
                ("object_lock",),
                owner=owner,
                values={"detail": f"Object Lock keeps every log version for {days.value} days in {mode.value} mode"},
            )
        missing = next((v for v in (mode, days) if isinstance(v, Unknown)), None)
        if missing is not None:
            pending.append(
                unknown(
                    ("object_lock_mode",), f"the Object Lock default retention is not known: {missing.reason}", owner
                )
            )
    elif isinstance(lock, Unknown):
        pending.append(unknown(("object_lock",), f"whether Object Lock is on is not known: {lock.reason}", owner))
    versioning = bucket.versioning
    if lock is True:  # enabling Object Lock turns versioning on, whatever the input says
        versioning = Known("Enabled", via="Object Lock")
    mfa = _bool(bucket.mfa_delete)
    if isinstance(versioning, Unknown):
        pending.append(unknown(("versioning",), f"the versioning status is not known: {versioning.reason}", owner))
    elif isinstance(versioning, Known) and versioning.value == "Enabled":
        if mfa is True:
            return Outcome(
                Status.PASS,
                ("mfa_delete",),
                owner=owner,
                values={"detail": "versioning with MFA delete keeps every log version"},
            )
        if isinstance(mfa, Unknown):
            pending.append(
                unknown(("mfa_delete",), f"versioning is on, but MFA delete is not known: {mfa.reason}", owner)
            )
    if pending:
        return pending[0]
    if lock is True:
        detail = "Object Lock is enabled without a default retention, and CloudTrail sets none per object"
        path: tuple[str, ...] = ("object_lock",)
    elif isinstance(versioning, Known) and versioning.value == "Enabled":
        detail, path = (
            "versioning is on but MFA delete is off, so anyone allowed to delete versions can erase logs",
            ("mfa_delete",),
        )
    else:
        detail, path = (
            "neither Object Lock nor versioning with MFA delete protects the logs from deletion",
            ("versioning",),
        )
    return Outcome(Status.FAIL, path, owner=owner, values={"detail": detail})


def _log_prefix(ctx: CheckContext) -> str | Unknown:
    prefix = trail_of(ctx).s3_key_prefix
    if isinstance(prefix, Unknown):
        return prefix
    value = prefix.value.strip("/") if isinstance(prefix, Known) and prefix.value else ""
    return f"{value}/AWSLogs/" if value else "AWSLogs/"


def ct407_lifecycle(ctx: CheckContext) -> Outcome:
    """No enabled lifecycle rule that covers the log files expires them before the target."""
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    owner, target = _owner(bucket), ctx.settings.retention_days
    rules = bucket.lifecycle_rules
    values = {"target": target}
    if isinstance(rules, Unknown):
        return unknown(("lifecycle_rules",), f"the lifecycle rules are not known: {rules.reason}", owner)
    if isinstance(rules, Absent) or not rules.value:
        return Outcome(
            Status.PASS,
            ("lifecycle_rules",),
            owner=owner,
            values={**values, "detail": "no lifecycle rule expires the logs"},
        )
    logs = _log_prefix(ctx)
    pending: Outcome | None = None
    shortest: tuple[int, int] | None = None
    for i, rule in enumerate(rules.value):
        status = rule.status
        if isinstance(status, Known) and status.value != "Enabled":
            continue
        days = rule.expiration_days
        if isinstance(days, Absent) or (isinstance(days, Known) and days.value >= target):
            continue
        tagged = rule.requires_tags
        if isinstance(tagged, Known) and tagged.value:
            continue  # applies to tagged objects only; CloudTrail writes its log files untagged
        prefix = rule.prefix
        covers: bool | Unknown
        if isinstance(prefix, Unknown):
            covers = prefix
        else:
            p = prefix.value if isinstance(prefix, Known) and prefix.value else ""
            # logs is a str where startswith runs: an Unknown with a prefix was taken just above
            covers = (
                logs
                if isinstance(logs, Unknown) and p
                else (True if not p else p.startswith(logs) or logs.startswith(p))  # type: ignore[arg-type, union-attr]
            )
        if any(isinstance(v, Unknown) for v in (status, days, covers, tagged)):
            reason = next(v for v in (status, days, covers, tagged) if isinstance(v, Unknown)).reason
            pending = pending or unknown(("lifecycle_rules", i), f"lifecycle rule {i}: {reason}", owner)
            continue
        if covers and (shortest is None or days.value < shortest[1]):
            shortest = (i, days.value)
    if shortest is not None:
        return Outcome(
            Status.FAIL,
            ("lifecycle_rules", shortest[0], "expiration_days"),
            owner=owner,
            values={**values, "detail": f"lifecycle rule {shortest[0]} deletes log files after {shortest[1]} days"},
        )
    if pending is not None:
        return pending
    return Outcome(
        Status.PASS,
        ("lifecycle_rules",),
        owner=owner,
        values={**values, "detail": "no enabled lifecycle rule expires the log files earlier"},
    )


__all__ = ["ct405_access_logging", "ct406_immutability", "ct407_lifecycle"]
