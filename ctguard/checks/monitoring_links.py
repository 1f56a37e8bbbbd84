"""The links of the monitoring chain that do not involve pattern semantics: the trail, its
log group, the alarm's settings, its SNS action and the topic's subscriptions.

"Sensible alarm" (stated in the CT5xx policies' docs.what): one matching event in
one period must put the alarm into ALARM.  So the statistic is Sum or SampleCount, the
comparison is GreaterThanOrEqualToThreshold with 0 < threshold <= the value one event
publishes, or GreaterThanThreshold with 0 <= threshold < it; DatapointsToAlarm (default:
EvaluationPeriods) is 1; the period is at most an hour; actions are enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctguard.checks.coverage_management import coverage
from ctguard.checks.monitoring_steps import (
    ACTION,
    ALARM,
    LOG_GROUP,
    SUBSCRIPTION,
    TRAIL,
    Step,
    any_of,
    every,
    fail,
    ok,
    unknown,
)
from ctguard.model import Alarm, LogGroup, Model, Topic, Trail
from ctguard.values import Known, Unknown, resolve

SENSIBLE_STATISTICS = ("Sum", "SampleCount")
MAX_PERIOD = 3600


def display(obj: Any, key: str) -> str:
    """A resource's name as users know it; a name CloudFormation generates is shown as the key."""
    name = getattr(obj, "name", None)
    if (
        isinstance(name, Known)
        and isinstance(name.value, str)
        and name.value
        and "generated" not in (name.via or "")
        and "${" not in name.value
    ):
        return name.value
    return key


def _flag(trail: Trail, attr: str, default: bool, off: str) -> Step:
    value = resolve(getattr(trail, attr), default)
    owner, path = ("trail", trail.key), (attr,)
    if isinstance(value, Unknown):
        return unknown(TRAIL, f"trail {display(trail, trail.key)}: {value.reason}", owner, path)
    if value.value is not True:
        return fail(TRAIL, f"trail {display(trail, trail.key)} {off}", owner, path)
    return ok(TRAIL)


def trail_step(trail: Trail) -> Step:
    """The trail logs, is multi-region and records read and write management events."""
    name = display(trail, trail.key)
    cov = coverage(trail)
    missing = [n for n, got in (("read", cov.read), ("write", cov.write)) if got is False]
    if missing:
        management = fail(
            TRAIL,
            f"trail {name} does not record {' or '.join(missing)} management events",
            ("trail", trail.key),
            cov.path,
        )
    elif cov.read is None or cov.write is None:
        management = unknown(TRAIL, f"trail {name}: {cov.reason}", ("trail", trail.key), cov.path)
    else:
        management = ok(TRAIL)
    return every(
        [
            _flag(trail, "is_logging", False, "is not logging"),
            _flag(trail, "is_multi_region", False, "is not multi-region"),
            management,
        ],
        TRAIL,
    )


@dataclass(frozen=True, slots=True)
class Group:
    """The log group a trail writes to: its key in the model when defined there, its name."""

    key: str | None
    name: Known[str] | Unknown
    label: str
    owner: tuple[str, str]
    path: tuple[str, ...]
    region: str | None = None
    account: str | None = None


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] or None if len(parts) > 5 and parts[0] == "arn" else None


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 4 and parts[0] == "arn" else None


def arn_log_group_name(arn: str) -> str | None:
    if ":log-group:" not in arn:
        return None
    return arn.split(":log-group:", 1)[1].removesuffix(":*")


def log_group_step(model: Model, trail: Trail) -> tuple[Step, Group | None]:
    name = display(trail, trail.key)
    owner, path = ("trail", trail.key), ("cloudwatch_logs_log_group_arn",)
    arn = trail.cloudwatch_logs_log_group_arn
    group: LogGroup | None = model.resource("log_group", trail.log_group)
    arn_text = arn.value if isinstance(arn, Known) and isinstance(arn.value, str) else None
    gname: Known[str] | Unknown | str | None  # the model's name, or the one read from the ARN
    if group is not None:
        gname = (
            group.name
            if isinstance(group.name, (Known, Unknown))
            else Unknown(f"log group {group.key} has no name in this input")
        )
        region = group.region.value if isinstance(group.region, Known) else None
        found = Group(
            group.key,
            gname,
            display(group, group.key),
            ("log_group", group.key),
            (),
            region or (arn_region(arn_text) if arn_text else None),
            arn_account(arn_text) if arn_text else None,
        )
    elif arn_text:
        gname = arn_log_group_name(arn_text)
        if gname is None:
            return fail(
                LOG_GROUP, f"trail {name}'s CloudWatchLogsLogGroupArn {arn_text} is not a log group ARN", owner, path
            ), None
        found = Group(None, Known(gname), gname, owner, path, arn_region(arn_text), arn_account(arn_text))
    elif isinstance(arn, Unknown):
        return unknown(LOG_GROUP, f"the log group trail {name} writes to is not known: {arn.reason}", owner, path), None
    else:
        return fail(
            LOG_GROUP,
            f"no trail writes to a CloudWatch Logs group (trail {name} has no CloudWatch Logs log group)",
            owner,
            path,
        ), None
    home = trail.home_region.value if isinstance(trail.home_region, Known) else None
    if home and found.region and home != found.region:
        return fail(
            LOG_GROUP,
            f"trail {name} lives in {home} but its log group {found.label} is in "
            f"{found.region}; CloudTrail delivers only to its home region",
            owner,
            path,
        ), None
    return ok(LOG_GROUP, f"trail {name} writes to log group {found.label}"), found


def _one_event_value(alarm: Alarm, statistic: str, metric_value: Any) -> float | Unknown:
    if statistic == "SampleCount":
        return 1.0
    if isinstance(metric_value, Unknown):
        return metric_value
    raw = metric_value.value if isinstance(metric_value, Known) else "1"
    try:
        return float(raw)
    except (TypeError, ValueError):
        return Unknown(f"the metric value {raw!r} is taken from the event")


def alarm_settings_step(alarm: Alarm, metric_value: Any) -> Step:
    """Whether one matching event in one period puts the alarm into ALARM (module doc)."""
    name, owner = display(alarm, alarm.key), ("alarm", alarm.key)
    fields = {
        f: getattr(alarm, f)
        for f in ("statistic", "comparison_operator", "threshold", "period", "evaluation_periods", "actions_enabled")
    }
    for attr, value in fields.items():
        if isinstance(value, Unknown):
            return unknown(ALARM, f"alarm {name}'s {attr}: {value.reason}", owner, (attr,))
    enabled = resolve(alarm.actions_enabled, True)
    if isinstance(enabled, Known) and enabled.value is False:
        return fail(ALARM, f"alarm {name} has its actions disabled", owner, ("actions_enabled",))
    statistic = alarm.statistic.value if isinstance(alarm.statistic, Known) else None
    if statistic not in SENSIBLE_STATISTICS:
        return fail(
            ALARM,
            f"alarm {name} uses statistic {statistic or 'none'}; use Sum or SampleCount so that a single event counts",
            owner,
            ("statistic",),
        )
    per_event = _one_event_value(alarm, statistic, metric_value)
    if isinstance(per_event, Unknown):
        return unknown(ALARM, f"alarm {name}: {per_event.reason}", owner, ("threshold",))
    op = alarm.comparison_operator.value if isinstance(alarm.comparison_operator, Known) else None
    threshold = alarm.threshold.value if isinstance(alarm.threshold, Known) else None
    if op == "GreaterThanOrEqualToThreshold" and threshold is not None:
        fires = 0 < threshold <= per_event
    elif op == "GreaterThanThreshold" and threshold is not None:
        fires = 0 <= threshold < per_event
    else:
        fires = False
    if not fires:
        shown = f"{op or 'no comparison'} {threshold if threshold is not None else 'without threshold'}"
        return fail(
            ALARM,
            f"alarm {name} compares {statistic} {shown}; a single event (value {per_event:g}) "
            "does not trigger it (use GreaterThanOrEqualToThreshold 1)",
            owner,
            ("comparison_operator",) if not op else ("threshold",),
        )
    period = alarm.period.value if isinstance(alarm.period, Known) else None
    if period is None or period > MAX_PERIOD:
        return fail(
            ALARM,
            f"alarm {name} has period {period if period is not None else 'unset'}; use at most "
            f"{MAX_PERIOD} seconds so the alert is timely",
            owner,
            ("period",),
        )
    needed = alarm.datapoints_to_alarm
    if isinstance(needed, Unknown):
        return unknown(ALARM, f"alarm {name}'s datapoints_to_alarm: {needed.reason}", owner, ("datapoints_to_alarm",))
    count = (
        needed.value
        if isinstance(needed, Known)
        else (alarm.evaluation_periods.value if isinstance(alarm.evaluation_periods, Known) else 1)
    )
    if count != 1:
        where = ("datapoints_to_alarm",) if isinstance(needed, Known) else ("evaluation_periods",)
        return fail(
            ALARM,
            f"alarm {name} needs {count} breaching periods; a single event must be enough "
            "(EvaluationPeriods 1, or DatapointsToAlarm 1)",
            owner,
            where,
        )
    return ok(ALARM, f"alarm {name}")


def _is_sns(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 5 and parts[0] == "arn" and parts[2] == "sns"


def action_step(model: Model, alarm: Alarm) -> Step:
    """Some alarm action is an SNS topic with a subscription."""
    name, owner, path = display(alarm, alarm.key), ("alarm", alarm.key), ("alarm_actions",)
    actions = alarm.alarm_actions
    if isinstance(actions, Unknown):
        return unknown(ACTION, f"alarm {name}'s actions: {actions.reason}", owner, path)
    values = actions.value if isinstance(actions, Known) else ()
    steps: list[Step] = []
    for i, action in enumerate(values):
        linked = alarm.action_topics[i] if i < len(alarm.action_topics) else None
        topic: Topic | None = model.resource("topic", linked)
        if topic is None and isinstance(action, str):
            topic = next((t for t in model.all("topic") if isinstance(t.arn, Known) and t.arn.value == action), None)
        if topic is not None:
            steps.append(subscription_step(topic))
        elif isinstance(action, Unknown):
            steps.append(unknown(ACTION, f"alarm {name}'s action {i + 1} is not known: {action.reason}", owner, path))
        elif isinstance(action, str) and _is_sns(action):
            steps.append(
                unknown(
                    SUBSCRIPTION,
                    f"alarm {name} notifies topic {action}, defined outside this input "
                    "(its subscriptions cannot be seen)",
                    owner,
                    path,
                )
            )
    return any_of(steps, fail(ACTION, f"alarm {name} has no SNS action", owner, path))


def subscription_step(topic: Topic) -> Step:
    name, owner, path = display(topic, topic.key), ("topic", topic.key), ("subscriptions",)
    subs = topic.subscriptions
    if isinstance(subs, Unknown):
        return unknown(SUBSCRIPTION, f"topic {name}'s subscriptions: {subs.reason}", owner, path)
    members = subs.value if isinstance(subs, Known) else ()
    if not members:
        return fail(SUBSCRIPTION, f"topic {name} has no subscription", owner, path)
    # An unconfirmed email subscription (Unknown) is accepted: confirming it happens out of band.
    live = [s for s in members if not (isinstance(s.confirmed, Known) and s.confirmed.value is False)]
    if not live:
        return fail(SUBSCRIPTION, f"topic {name} has only subscriptions pending confirmation", owner, path)
    return ok(SUBSCRIPTION, f"topic {name} with {len(live)} subscription(s)")


def logging_trail_step(model: Model, depth: int) -> Step:
    """EventBridge receives CloudTrail API events only while some trail logs."""
    steps = [_flag(t, "is_logging", False, "is not logging") for t in model.trails]
    none = (
        unknown(
            TRAIL,
            "EventBridge receives CloudTrail events only while a trail is logging, and this input defines no trail",
        )
        if not isinstance(model.audited_regions, Known)
        else fail(TRAIL, "EventBridge receives CloudTrail events only while a trail is logging, and there is none")
    )
    found = any_of(steps, none)
    return ok(depth) if found.passed else found


__all__ = [
    "Group",
    "action_step",
    "alarm_settings_step",
    "display",
    "log_group_step",
    "logging_trail_step",
    "subscription_step",
    "trail_step",
]
