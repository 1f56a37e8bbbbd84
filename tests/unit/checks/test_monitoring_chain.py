"""The monitoring chain on hand-built models: step logic, alarm settings, links, EventBridge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctguard.checks.ct501_515_cis_monitoring import walk
from ctguard.checks.monitoring_links import action_step, alarm_settings_step
from ctguard.checks.monitoring_steps import ALARM, FILTER, TRAIL, all_of, any_of, fail, ok, unknown
from ctguard.findings import Status
from ctguard.model import (
    Alarm,
    EventRule,
    LogGroup,
    MetricFilter,
    MetricTransformation,
    Model,
    Subscription,
    Topic,
    Trail,
)
from ctguard.monitoring.cis import load_items
from ctguard.parsers.terraform.related import _action_topics
from ctguard.values import ABSENT, Known, Unknown

ROOT = load_items()["root-account-usage"]
ARN = "arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/Logs:*"
TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:cis-alarms"


def _model(**changes: object) -> Model:
    """A complete live-shaped chain for CIS 4.3, with ``changes`` applied per resource kind."""
    trail = Trail(
        key="t",
        name=Known("audit"),
        is_logging=Known(True),
        is_multi_region=Known(True),
        home_region=Known("eu-west-1"),
        cloudwatch_logs_log_group_arn=Known(ARN),
    )
    flt = MetricFilter(
        key="f",
        filter_name=Known("root"),
        log_group_name=Known("CloudTrail/Logs"),
        pattern=Known(ROOT.pattern),
        transformations=Known(
            (
                MetricTransformation(
                    metric_name=Known("RootUsage"), metric_namespace=Known("CIS"), metric_value=Known("1")
                ),
            )
        ),
    )
    alarm = Alarm(
        key="a",
        name=Known("root"),
        metric_name=Known("RootUsage"),
        namespace=Known("CIS"),
        statistic=Known("Sum"),
        period=Known(300),
        evaluation_periods=Known(1),
        threshold=Known(1.0),
        comparison_operator=Known("GreaterThanOrEqualToThreshold"),
        alarm_actions=Known((TOPIC_ARN,)),
    )
    topic = Topic(
        key="s",
        name=Known("cis-alarms"),
        arn=Known(TOPIC_ARN),
        subscriptions=Known(
            (Subscription(protocol=Known("email"), endpoint=Known("x@example.com"), confirmed=Known(True)),)
        ),
    )
    objs = {"trail": trail, "metric_filter": flt, "alarm": alarm, "topic": topic}
    for kind, fields in changes.items():
        objs[kind] = replace(objs[kind], **fields)  # type: ignore[arg-type]
    model = Model(audited_regions=Known(("eu-west-1",)))
    model.trails.append(objs.pop("trail"))
    for kind, obj in objs.items():
        model.add(kind, obj)
    return model


def test_organization_trail_log_group_in_another_account_is_unknown() -> None:
    model = _model(
        trail={
            "cloudwatch_logs_log_group_arn": Known(ARN.replace("111122223333", "999988887777")),
            "is_organization": Known(True),
        }
    )
    model.account_id = Known("111122223333")
    model.resources["metric_filter"].clear()
    step = walk(model, ROOT)
    assert step is not None and step.status is Status.UNKNOWN and "account 999988887777" in step.message


def test_step_combinators() -> None:
    assert any_of([fail(TRAIL, "a"), fail(ALARM, "deep")], fail(0, "none")).message == "deep"
    assert any_of([fail(ALARM, "deep"), unknown(TRAIL, "maybe")], fail(0, "none")).status is Status.UNKNOWN
    assert any_of([], fail(0, "none")).message == "none"
    # A broken link after an unknown one still breaks the chain.
    assert all_of(unknown(TRAIL, "?"), lambda: fail(FILTER, "broken")).status is Status.FAIL
    assert all_of(unknown(TRAIL, "?"), lambda: ok(FILTER)).status is Status.UNKNOWN
    assert all_of(ok(TRAIL, "t"), lambda: ok(FILTER, "f")).facts == ("t", "f")


def test_complete_chain_passes() -> None:
    step = walk(_model(), ROOT)
    assert step is not None and step.passed, step


@pytest.mark.parametrize(
    "changes, status, text",
    [
        ({"trail": {"is_multi_region": Known(False)}}, Status.FAIL, "not multi-region"),
        ({"trail": {"is_logging": Unknown("status not read")}}, Status.UNKNOWN, "status not read"),
        ({"trail": {"home_region": Known("us-east-1")}}, Status.FAIL, "CloudTrail delivers only to its home region"),
        ({"metric_filter": {"log_group_name": Known("other")}}, Status.FAIL, "matches it but is on log group other"),
        ({"metric_filter": {"region": Known("us-west-2")}}, Status.FAIL, "has no metric filter"),
        (
            {"metric_filter": {"pattern": Known('{ $.userIdentity.type = "Root" }')}},
            Status.FAIL,
            "also matches unrelated s3:GetBucketAcl (Root, invokedBy a service)",
        ),
        ({"alarm": {"namespace": Known("Other")}}, Status.FAIL, "metric CIS/RootUsage has no alarm"),
        (
            {"alarm": {"region": Known("us-east-1")}, "metric_filter": {"region": Known("eu-west-1")}},
            Status.FAIL,
            "metric CIS/RootUsage has no alarm",
        ),
        ({"alarm": {"actions_enabled": Known(False)}}, Status.FAIL, "actions disabled"),
        (
            {"alarm": {"alarm_actions": Known(("arn:aws:sns:eu-west-1:999988887777:elsewhere",))}},
            Status.UNKNOWN,
            "defined outside this input",
        ),
        ({"alarm": {"alarm_actions": Known(("arn:aws:automate:eu-west-1:ec2:stop",))}}, Status.FAIL, "no SNS action"),
        ({"topic": {"subscriptions": Known(())}}, Status.FAIL, "has no subscription"),
        (
            {"topic": {"subscriptions": Known((Subscription(confirmed=Known(False)),))}},
            Status.FAIL,
            "pending confirmation",
        ),
    ],
)
def test_first_broken_link(changes: dict, status: Status, text: str) -> None:
    step = walk(_model(**changes), ROOT)
    assert step is not None and step.status is status and text in step.message, step


@pytest.mark.parametrize(
    "fields, fires",
    [
        ({}, True),
        ({"statistic": Known("SampleCount"), "threshold": Known(0.5)}, True),
        ({"comparison_operator": Known("GreaterThanThreshold"), "threshold": Known(0.0)}, True),
        ({"comparison_operator": Known("GreaterThanThreshold"), "threshold": Known(1.0)}, False),
        ({"threshold": Known(0.0)}, False),  # >= 0 also fires on zero-valued datapoints
        ({"statistic": Known("Average")}, False),
        ({"comparison_operator": Known("LessThanThreshold")}, False),
        ({"period": Known(86400)}, False),
        ({"evaluation_periods": Known(3)}, False),
        ({"evaluation_periods": Known(3), "datapoints_to_alarm": Known(1)}, True),
    ],
)
def test_alarm_settings(fields: dict, fires: bool) -> None:
    alarm = replace(_model().resource("alarm", "a"), **fields)
    assert alarm_settings_step(alarm, Known("1")).passed is fires


def test_metric_value_from_the_event_is_unknown() -> None:
    alarm = _model().resource("alarm", "a")
    assert alarm_settings_step(alarm, Known("$.bytes")).status is Status.UNKNOWN


def test_action_linked_by_key_without_arn() -> None:
    model = _model(alarm={"alarm_actions": Known((Unknown("ARN needs the region"),)), "action_topics": ("s",)})
    assert action_step(model, model.resource("alarm", "a")).passed


def test_eventbridge_rule_with_target_satisfies_the_item() -> None:
    model = _model(trail={"cloudwatch_logs_log_group_arn": Known("")})
    model.resources["metric_filter"].clear()
    pattern = {
        "detail": {
            "userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]},
            "eventType": [{"anything-but": "AwsServiceEvent"}],
        }
    }
    model.add("event_rule", EventRule(key="r", event_pattern=Known(pattern), targets=Known((TOPIC_ARN,))))
    step = walk(model, ROOT)
    assert step is not None and step.passed, step
    model.add(
        "event_rule",
        EventRule(key="r", event_pattern=Known(pattern), state=Known("DISABLED"), targets=Known((TOPIC_ARN,))),
    )
    assert walk(model, ROOT).status is Status.FAIL  # type: ignore[union-attr]


def test_input_without_trail_or_monitoring_is_not_applicable() -> None:
    assert walk(Model(), ROOT) is None
    trail_stack = _model()
    for kind in ("metric_filter", "alarm"):
        trail_stack.resources[kind].clear()
    assert walk(trail_stack, ROOT).status is Status.FAIL  # type: ignore[union-attr]  # live: judged
    trail_stack.audited_regions = ABSENT
    assert walk(trail_stack, ROOT) is None  # IaC trail stack: the alarms live elsewhere
    live = Model(audited_regions=Known(("eu-west-1",)))
    assert walk(live, ROOT).status is Status.FAIL  # type: ignore[union-attr]


def test_terraform_action_topics_follow_reference_order() -> None:
    refs = ["aws_sns_topic.a", "aws_sns_topic.b"]
    actions = Known((Unknown("a"), Unknown("b")))
    assert _action_topics(actions, refs) == ("aws_sns_topic.a", "aws_sns_topic.b")
    mixed = Known(("arn:aws:sns:eu-west-1:111122223333:x", Unknown("a")))
    assert _action_topics(mixed, ["aws_sns_topic.a"]) == (None, "aws_sns_topic.a")
    assert _action_topics(Known(()), refs) == ()


def test_log_group_model_link_wins_over_names() -> None:
    model = _model(metric_filter={"log_group": "g", "log_group_name": Known("${G}")}, trail={"log_group": "g"})
    model.add("log_group", LogGroup(key="g", name=Known("${G}")))
    assert walk(model, ROOT).passed  # type: ignore[union-attr]
