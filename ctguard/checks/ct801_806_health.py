"""Live trail health (area H) from GetTrailStatus: stopped trails, delivery errors, stale delivery.

Only live audits and snapshots have a ``TrailStatus``; for IaC inputs these policies pass as not
applicable, saying so. Ages are measured from the moment the status was read (the snapshot's
``meta.created``), never from the wall clock, so a snapshot gives the same findings forever.
"""

from __future__ import annotations

from datetime import datetime

from ctguard.checks.account_trails import name
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.isotime import parse_time
from ctguard.model import TrailStatus
from ctguard.values import Absent, Known, Unknown

DEFAULT_STALE_HOURS = 24

# What the common S3 delivery errors usually mean (CloudTrail reports the S3/KMS error code).
_HINTS = {
    "AccessDenied": "the bucket policy (or the KMS key policy) no longer lets CloudTrail write",
    "NoSuchBucket": "the bucket was deleted",
    "KMS.DisabledException": "the KMS key is disabled",
    "KMS.NotFoundException": "the KMS key was deleted",
    "InsufficientEncryptionPolicy": "the KMS key policy does not let CloudTrail use the key",
    "AuthorizationError": "the topic policy does not let CloudTrail publish",
    "NotFound": "the topic was deleted",
}


def _status(ctx: CheckContext) -> TrailStatus | Outcome:
    assert ctx.trail is not None
    status = ctx.trail.status
    if isinstance(status, TrailStatus):
        return status
    return Outcome(
        Status.NOT_APPLICABLE,
        message=f"{ctx.policy.id} is not applicable to trail {name(ctx.trail)}: "
        "its live status (GetTrailStatus) is only known in a live audit or snapshot",
    )


def ct801_logging_stopped(ctx: CheckContext) -> Outcome:
    """CT801."""
    status = _status(ctx)
    if isinstance(status, Outcome):
        return status
    value = status.is_logging
    path = ("status", "is_logging")
    if isinstance(value, Unknown) or not isinstance(value, Known):
        return Outcome(Status.UNKNOWN, path, values={"reason": _reason(value)})
    if value.value:
        return Outcome(Status.PASS, path)
    stopped = status.stop_logging_time
    when = f" at {stopped.value}" if isinstance(stopped, Known) and stopped.value else ""
    return Outcome(Status.FAIL, path, values={"when": when})


def _error(ctx: CheckContext, field: str) -> Outcome:
    status = _status(ctx)
    if isinstance(status, Outcome):
        return status
    value = getattr(status, field)
    path = ("status", field)
    if isinstance(value, Unknown):
        return Outcome(Status.UNKNOWN, path, values={"reason": value.reason}, unknown=value)
    if isinstance(value, Known) and value.value:
        error = str(value.value)
        hint = next((h for code, h in _HINTS.items() if code in error), None)
        return Outcome(Status.FAIL, path, values={"error": error, "hint": f" ({hint})" if hint else ""})
    return Outcome(Status.PASS, path)


def ct802_delivery_error(ctx: CheckContext) -> Outcome:
    """CT802: S3 log file delivery."""
    return _error(ctx, "latest_delivery_error")


def ct803_digest_delivery_error(ctx: CheckContext) -> Outcome:
    """CT803: digest (log file validation) delivery."""
    return _error(ctx, "latest_digest_delivery_error")


def ct804_notification_error(ctx: CheckContext) -> Outcome:
    """CT804: SNS notification."""
    return _error(ctx, "latest_notification_error")


def ct805_cloudwatch_logs_error(ctx: CheckContext) -> Outcome:
    """CT805: CloudWatch Logs delivery."""
    return _error(ctx, "latest_cloudwatch_logs_delivery_error")


def ct806_stale_delivery(ctx: CheckContext) -> Outcome:
    """CT806: a logging trail whose last log file is older than N hours when the status was read."""
    status = _status(ctx)
    if isinstance(status, Outcome):
        return status
    assert ctx.trail is not None
    hours, trail = hours_setting(ctx, "stale_delivery_hours", DEFAULT_STALE_HOURS), name(ctx.trail)
    path = ("status", "latest_delivery_time")
    logging = status.is_logging
    if isinstance(logging, Unknown) or not isinstance(logging, Known):
        return Outcome(Status.UNKNOWN, path, values={"reason": _reason(logging), "hours": hours})
    if not logging.value:
        return Outcome(
            # Not a pass: nothing was delivered or judged; CT801 reports the stopped trail.
            Status.NOT_APPLICABLE,
            path,
            message=f"Trail {trail} is not logging (see CT801), so no delivery is expected",
        )
    read = _time(status.read_time)
    if read is None:
        read = Unknown("the time the status was read is not recorded")
    if isinstance(read, Unknown):
        return Outcome(Status.UNKNOWN, path, values={"reason": read.reason, "hours": hours}, unknown=read)
    delivered = _time(status.latest_delivery_time)
    if isinstance(delivered, Unknown):
        return Outcome(Status.UNKNOWN, path, values={"reason": delivered.reason, "hours": hours}, unknown=delivered)
    if delivered is None:
        started = _time(status.start_logging_time)
        if isinstance(started, Unknown) or started is None:
            return Outcome(Status.FAIL, path, values={"age": "never (no LatestDeliveryTime)", "hours": hours})
        age = (read - started).total_seconds() / 3600
        if age <= hours:
            return Outcome(
                Status.PASS,
                path,
                message=f"Trail {trail} started logging {age:.1f} hours before the "
                "status was read and has not delivered yet",
            )
        return Outcome(
            Status.FAIL, path, values={"age": f"never in the {age:.0f} hours since logging started", "hours": hours}
        )
    age = (read - delivered).total_seconds() / 3600
    if age > hours:
        return Outcome(Status.FAIL, path, values={"age": f"{age:.1f} hours before the status was read", "hours": hours})
    return Outcome(Status.PASS, path, values={"age": f"{age:.1f} hours", "hours": hours})


def hours_setting(ctx: CheckContext, setting: str, default: float) -> float:
    """A recency window in hours: the setting, else the policy's ``hours`` param, else ``default``."""
    raw = ctx.settings.values.get(setting, ctx.policy.params.get("hours", default))
    try:
        return float(raw)
    except (TypeError, ValueError):
        return float(default)


def _time(value: object) -> datetime | Unknown | None:
    """A datetime, None when the API left the time out, or Unknown."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Absent) or (isinstance(value, Known) and value.value is None):
        return None
    assert isinstance(value, Known)
    parsed = parse_time(str(value.value))
    return parsed if parsed is not None else Unknown(f"cannot read the time {value.value!r}")


def _reason(value: object) -> str:
    return value.reason if isinstance(value, Unknown) else "GetTrailStatus did not state it"


__all__ = [
    "DEFAULT_STALE_HOURS",
    "ct801_logging_stopped",
    "ct802_delivery_error",
    "ct803_digest_delivery_error",
    "ct804_notification_error",
    "ct805_cloudwatch_logs_error",
    "ct806_stale_delivery",
]
