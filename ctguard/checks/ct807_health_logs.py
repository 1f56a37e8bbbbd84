"""CT807: CloudWatch Logs delivery recency, from GetTrailStatus LatestCloudWatchLogsDeliveryTime.

CT805 reports the last CloudWatch Logs delivery *error*; a trail can stop delivering to its log group
without one (the role lost its permission and CloudTrail gave up, the log group was recreated). Like
Prowler's ``cloudtrail_cloudwatch_logging_enabled`` (delivery within the last day), a logging trail
that sends to CloudWatch Logs but has not delivered there for N hours (24 by default) is a FAIL.
Ages are measured from the time the status was read (the snapshot's ``meta.created``).
"""

from __future__ import annotations

from ctguard.checks.account_trails import name
from ctguard.checks.ct801_806_health import _reason, _status, _time, hours_setting
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.values import Absent, Known, Unknown

DEFAULT_HOURS = 24


def ct807_stale_cloudwatch_delivery(ctx: CheckContext) -> Outcome:
    """CT807: a logging trail that sends to CloudWatch Logs delivered there within N hours of the read."""
    status = _status(ctx)
    if isinstance(status, Outcome):
        return status
    assert ctx.trail is not None
    hours, trail = hours_setting(ctx, "cloudwatch_delivery_hours", DEFAULT_HOURS), name(ctx.trail)
    group = ctx.trail.cloudwatch_logs_log_group_arn
    if isinstance(group, Unknown):
        return Outcome(
            Status.UNKNOWN,
            ("cloudwatch_logs_log_group_arn",),
            values={"reason": group.reason, "hours": hours},
            unknown=group,
        )
    if isinstance(group, Absent) or not (isinstance(group, Known) and group.value):
        return Outcome(
            Status.NOT_APPLICABLE,
            ("cloudwatch_logs_log_group_arn",),
            message=f"Trail {trail} sends no events to CloudWatch Logs: not applicable",
        )
    path = ("status", "latest_cloudwatch_logs_delivery_time")
    logging = status.is_logging
    if not isinstance(logging, Known):
        return Outcome(Status.UNKNOWN, path, values={"reason": _reason(logging), "hours": hours})
    if not logging.value:
        return Outcome(
            # Not a pass: nothing was delivered or judged; CT801 reports the stopped trail.
            Status.NOT_APPLICABLE,
            path,
            message=f"Trail {trail} is not logging (see CT801), so no delivery is expected",
        )
    read = _time(status.read_time)
    if read is None or isinstance(read, Unknown):
        why = read.reason if isinstance(read, Unknown) else "the time the status was read is not recorded"
        return Outcome(Status.UNKNOWN, path, values={"reason": why, "hours": hours})
    delivered = _time(status.latest_cloudwatch_logs_delivery_time)
    if isinstance(delivered, Unknown):
        return Outcome(Status.UNKNOWN, path, values={"reason": delivered.reason, "hours": hours}, unknown=delivered)
    if delivered is None:
        started = _time(status.start_logging_time)
        if isinstance(started, Unknown):
            return Outcome(Status.UNKNOWN, path, values={"reason": started.reason, "hours": hours}, unknown=started)
        age = (read - started).total_seconds() / 3600 if started is not None else None
        if age is not None and age <= hours:
            return Outcome(
                Status.PASS,
                path,
                message=f"Trail {trail} started logging {age:.1f} hours before the "
                "status was read and has not delivered to CloudWatch Logs yet",
            )
        return Outcome(Status.FAIL, path, values={"age": "never (no LatestCloudWatchLogsDeliveryTime)", "hours": hours})
    age = (read - delivered).total_seconds() / 3600
    if age > hours:
        return Outcome(Status.FAIL, path, values={"age": f"{age:.1f} hours before the status was read", "hours": hours})
    return Outcome(Status.PASS, path, values={"age": f"{age:.1f} hours", "hours": hours})


__all__ = ["DEFAULT_HOURS", "ct807_stale_cloudwatch_delivery"]
