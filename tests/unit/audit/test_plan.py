from __future__ import annotations

from typing import Any

from ctguard.audit.plan import BUCKET_OPERATIONS, Planner, arn_region, bucket_region, log_group_name, role_name
from ctguard.calls import ApiError, CallResult, CallStore

A = "111122223333"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{A}:trail/main"
OTHER = f"arn:aws:cloudtrail:eu-west-1:{A}:trail/eu-only"


def _store(*calls: tuple[str, str, str, dict[str, Any], Any]) -> CallStore:
    store = CallStore()
    for region, service, operation, params, answer in calls:
        result = CallResult(error=answer) if isinstance(answer, ApiError) else CallResult(response=answer)
        store.record(A, region, service, operation, params, result)
    return store


def _trails(region: str, *trails: dict[str, Any]) -> tuple[str, str, str, dict[str, Any], Any]:
    return (region, "cloudtrail", "DescribeTrails", {"includeShadowTrails": True}, {"trailList": list(trails)})


def _keys(calls: list[Any]) -> set[tuple[str, str, str]]:
    return {(c.region, c.service, c.operation) for c in calls}


def test_arn_helpers() -> None:
    assert arn_region(TRAIL) == "us-east-1"
    assert arn_region("alias/trail-key") is None
    assert log_group_name(f"arn:aws:logs:eu-west-1:{A}:log-group:/ct/main:*") == "/ct/main"
    assert log_group_name("not-an-arn") is None
    assert role_name(f"arn:aws:iam::{A}:role/service-role/ct-to-logs") == "ct-to-logs"
    assert role_name(f"arn:aws:iam::{A}:user/alice") is None
    assert bucket_region({"LocationConstraint": None}, "eu-west-1") == "us-east-1"
    assert bucket_region({"LocationConstraint": "EU"}, "us-east-1") == "eu-west-1"
    assert bucket_region({"LocationConstraint": "ap-south-1"}, "us-east-1") == "ap-south-1"
    assert bucket_region(None, "eu-central-1") == "eu-central-1"


def test_first_round_reads_trails_and_event_data_stores_in_every_region() -> None:
    calls = Planner(CallStore(), A, ["us-east-1", "eu-west-1"], "us-east-1").next_calls()
    assert _keys(calls) == {
        (r, "cloudtrail", op) for r in ("us-east-1", "eu-west-1") for op in ("DescribeTrails", "ListEventDataStores")
    }


def test_shadow_trails_are_read_once_in_their_home_region() -> None:
    trail = {"TrailARN": TRAIL, "HomeRegion": "us-east-1", "Name": "main"}
    store = _store(
        _trails("us-east-1", trail),
        _trails("eu-west-1", trail),
        ("us-east-1", "cloudtrail", "ListEventDataStores", {}, {"EventDataStores": []}),
        ("eu-west-1", "cloudtrail", "ListEventDataStores", {}, {"EventDataStores": []}),
    )
    planner = Planner(store, A, ["us-east-1", "eu-west-1"], "us-east-1")
    assert [t["TrailARN"] for t in planner.trails()] == [TRAIL]
    calls = planner.next_calls()
    assert _keys(calls) == {
        ("us-east-1", "cloudtrail", op)
        for op in ("GetTrailStatus", "GetEventSelectors", "GetInsightSelectors", "ListTags")
    } | {("us-east-1", "events", "ListRules")}  # EventBridge rules of the home region (monitoring chain)
    assert {c.operation: dict(c.params) for c in calls}["ListTags"] == {"ResourceIdList": [TRAIL]}


def test_related_resources_only_for_trails_whose_home_region_is_audited() -> None:
    shadow = {"TrailARN": OTHER, "HomeRegion": "eu-west-1", "S3BucketName": "eu-logs", "IsMultiRegionTrail": True}
    store = _store(_trails("us-east-1", shadow))
    calls = Planner(store, A, ["us-east-1"], "us-east-1").next_calls()
    # The trail itself is read at home, even though eu-west-1 is not audited; its bucket is not.
    assert ("eu-west-1", "cloudtrail", "GetTrailStatus") in _keys(calls)
    assert not any(c.service == "s3" for c in calls)


def test_dependent_calls_follow_the_answers() -> None:
    key_id = "alias/trail-key"
    key_arn = f"arn:aws:kms:us-east-1:{A}:key/1234"
    group = f"arn:aws:logs:us-east-1:{A}:log-group:/ct/main:*"
    role = f"arn:aws:iam::{A}:role/ct-to-logs"
    topic = f"arn:aws:sns:us-east-1:{A}:alerts"
    trail = {
        "TrailARN": TRAIL,
        "HomeRegion": "us-east-1",
        "S3BucketName": "logs",
        "KmsKeyId": key_id,
        "CloudWatchLogsLogGroupArn": group,
        "CloudWatchLogsRoleArn": role,
    }
    store = _store(_trails("us-east-1", trail))
    planner = Planner(store, A, ["us-east-1"], "us-east-1")
    first = _keys(planner.next_calls())
    assert {
        ("us-east-1", "s3", "GetBucketLocation"),
        ("us-east-1", "kms", "DescribeKey"),
        ("us-east-1", "logs", "DescribeLogGroups"),
        ("us-east-1", "logs", "DescribeMetricFilters"),
        ("us-east-1", "iam", "GetRole"),
        ("us-east-1", "cloudwatch", "DescribeAlarms"),
        ("us-east-1", "events", "ListRules"),
    } <= first
    assert not any(op in ("GetBucketPolicy", "GetKeyRotationStatus") for _, _, op in first)
    answers = [
        ("us-east-1", "s3", "GetBucketLocation", {"Bucket": "logs"}, {"LocationConstraint": "eu-west-1"}),
        ("us-east-1", "kms", "DescribeKey", {"KeyId": key_id}, {"KeyMetadata": {"Arn": key_arn}}),
        ("us-east-1", "iam", "ListRolePolicies", {"RoleName": "ct-to-logs"}, {"PolicyNames": ["inline"]}),
        (
            "us-east-1",
            "iam",
            "ListAttachedRolePolicies",
            {"RoleName": "ct-to-logs"},
            {"AttachedPolicies": [{"PolicyArn": f"arn:aws:iam::{A}:policy/p"}]},
        ),
        (
            "us-east-1",
            "iam",
            "GetPolicy",
            {"PolicyArn": f"arn:aws:iam::{A}:policy/p"},
            {"Policy": {"DefaultVersionId": "v3"}},
        ),
        (
            "us-east-1",
            "logs",
            "DescribeMetricFilters",
            {"logGroupName": "/ct/main"},
            {"metricFilters": [{"metricTransformations": [{"metricNamespace": "CIS", "metricName": "RootUsage"}]}]},
        ),
        (
            "us-east-1",
            "cloudwatch",
            "DescribeAlarms",
            {},
            {
                "MetricAlarms": [
                    {"Namespace": "CIS", "MetricName": "RootUsage", "AlarmActions": [topic]},
                    {
                        "Namespace": "AWS/EC2",
                        "MetricName": "CPUUtilization",
                        "AlarmActions": [f"arn:aws:sns:us-east-1:{A}:ops"],
                    },
                ]
            },
        ),
        (
            "us-east-1",
            "events",
            "ListRules",
            {"EventBusName": "default"},
            {
                "Rules": [
                    {"Name": "iam", "EventPattern": '{"detail-type":["AWS API Call via CloudTrail"]}'},
                    {"Name": "nightly", "ScheduleExpression": "rate(1 day)"},
                ]
            },
        ),
    ]
    for region, service, operation, params, answer in answers:
        store.record(A, region, service, operation, params, CallResult(response=answer))
    calls = planner.next_calls()
    params = {(c.region, c.operation, str(sorted(c.params.items()))) for c in calls}
    for operation in BUCKET_OPERATIONS:
        assert ("eu-west-1", operation, str([("Bucket", "logs")])) in params
    assert ("us-east-1", "GetKeyRotationStatus", str([("KeyId", key_arn)])) in params
    assert ("us-east-1", "GetKeyPolicy", str([("KeyId", key_arn), ("PolicyName", "default")])) in params
    assert ("us-east-1", "GetRolePolicy", str([("PolicyName", "inline"), ("RoleName", "ct-to-logs")])) in params
    assert (
        "us-east-1",
        "GetPolicyVersion",
        str([("PolicyArn", f"arn:aws:iam::{A}:policy/p"), ("VersionId", "v3")]),
    ) in params
    topics = {c.params["TopicArn"] for c in calls if c.service == "sns"}
    assert topics == {topic}  # the CPU alarm's topic is not part of the trail's monitoring chain
    rules = [c.params["Rule"] for c in calls if c.operation == "ListTargetsByRule"]
    assert rules == ["iam"]


def test_a_failed_lookup_stops_its_chain_without_stopping_others() -> None:
    trail = {"TrailARN": TRAIL, "HomeRegion": "us-east-1", "S3BucketName": "logs", "KmsKeyId": "k"}
    store = _store(
        _trails("us-east-1", trail),
        ("us-east-1", "kms", "DescribeKey", {"KeyId": "k"}, ApiError("AccessDeniedException")),
        ("us-east-1", "s3", "GetBucketLocation", {"Bucket": "logs"}, ApiError("AccessDenied")),
    )
    calls = Planner(store, A, ["us-east-1"], "us-east-1").next_calls()
    assert not any(c.operation in ("GetKeyRotationStatus", "GetKeyPolicy") for c in calls)
    # The bucket's settings are still asked for, in the trail's home region.
    assert {c.region for c in calls if c.service == "s3"} == {"us-east-1"}
    assert {c.operation for c in calls if c.service == "s3"} == set(BUCKET_OPERATIONS)
