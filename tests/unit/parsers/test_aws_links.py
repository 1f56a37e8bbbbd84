"""Fields added to the model after the CallStore mapper was written: links between resources
(filter -> log group, alarm action -> topic, log group -> key), regions, DatapointsToAlarm, key
aliases, bucket grants and ownership (s3:ListBuckets), and organization trails seen from members."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ctguard.api import check
from ctguard.calls import CallStore
from ctguard.findings import Status
from ctguard.model import Model, PublicAccessBlock
from ctguard.parsers.aws.api import build_inputs
from ctguard.values import ABSENT, Known, Unknown

REPO = Path(__file__).resolve().parents[3]
SINGLE_PATH = REPO / "fixtures" / "aws" / "snapshot-single-account.json"
ORG_PATH = REPO / "fixtures" / "aws" / "snapshot-organization.json"
SINGLE = json.loads(SINGLE_PATH.read_text(encoding="utf-8"))
ORG = json.loads(ORG_PATH.read_text(encoding="utf-8"))
ACCOUNT = "111122223333"
GROUP = "arn:aws:logs:us-east-1:111122223333:log-group:cloudtrail/main-trail"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALERTS = "arn:aws:sns:us-east-1:111122223333:security-alerts"
BUCKET = "arn:aws:s3:::acme-cloudtrail-logs"
CANONICAL = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


def _model(data: dict[str, Any], account: str = ACCOUNT) -> Model:
    inputs = build_inputs(CallStore.from_json(data), "snap.json")
    return next(p.variants[0] for p in inputs if p.variants[0].account_id == Known(account))


def _with(*calls: dict[str, Any], base: dict[str, Any] = SINGLE, edit: Any = None) -> dict[str, Any]:
    data = copy.deepcopy(base)
    if edit is not None:
        edit(data["calls"])
    for call in calls:
        data["calls"].append({"account": ACCOUNT, "region": "us-east-1", **call})
    return data


def _response(data: dict[str, Any], operation: str) -> dict[str, Any]:
    return next(c["response"] for c in data["calls"] if c["operation"] == operation)


def _topic_calls(arn: str, subscriptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "service": "sns",
            "operation": "GetTopicAttributes",
            "params": {"TopicArn": arn},
            "response": {"Attributes": {"TopicArn": arn}},
        },
        {
            "service": "sns",
            "operation": "ListSubscriptionsByTopic",
            "params": {"TopicArn": arn},
            "response": {"Subscriptions": subscriptions},
        },
    ]


def _list_buckets(*names: str) -> dict[str, Any]:
    return {
        "service": "s3",
        "operation": "ListBuckets",
        "params": {},
        "response": {"Buckets": [{"Name": n} for n in names], "Owner": {"ID": CANONICAL}},
    }


# --- monitoring links ------------------------------------------------------------------------


def test_metric_filter_names_its_log_group_and_region() -> None:
    [metric_filter] = _model(SINGLE).all("metric_filter")
    assert metric_filter.log_group == GROUP and metric_filter.region == Known("us-east-1")


def test_unread_metric_filters_still_name_the_log_group() -> None:
    data = _with(
        edit=lambda calls: calls.__setitem__(
            slice(None), [c for c in calls if c["operation"] != "DescribeMetricFilters"]
        )
    )
    [stand_in] = _model(data).all("metric_filter")
    assert stand_in.log_group == GROUP and isinstance(stand_in.pattern, Unknown)


def test_alarm_region_datapoints_and_action_topic_read() -> None:
    data = _with(
        *_topic_calls(
            ALERTS,
            [
                {
                    "SubscriptionArn": ALERTS + ":6f1c",
                    "Protocol": "email",
                    "Endpoint": "soc@example.com",
                    "TopicArn": ALERTS,
                }
            ],
        )
    )
    _response(data, "DescribeAlarms")["MetricAlarms"][0]["DatapointsToAlarm"] = 1
    model = _model(data)
    [alarm] = model.all("alarm")
    assert alarm.region == Known("us-east-1") and alarm.datapoints_to_alarm == Known(1)
    assert alarm.action_topics == (ALERTS,)
    topic = model.resource("topic", ALERTS)
    assert topic.subscriptions.value[0].endpoint == Known("soc@example.com")


def test_alarm_action_topic_not_read_is_not_linked() -> None:
    [alarm] = _model(SINGLE).all("alarm")
    assert alarm.datapoints_to_alarm is ABSENT  # the API leaves it out: equal to EvaluationPeriods
    assert alarm.alarm_actions == Known((ALERTS,)) and alarm.action_topics == (None,)


def test_unread_alarms_stand_in_keeps_its_region() -> None:
    data = _with(
        edit=lambda calls: calls.__setitem__(slice(None), [c for c in calls if c["operation"] != "DescribeAlarms"])
    )
    [alarm] = _model(data).all("alarm")
    assert alarm.region == Known("us-east-1") and isinstance(alarm.metric_name, Unknown)


def test_log_group_links_the_key_it_is_encrypted_with() -> None:
    data = copy.deepcopy(SINGLE)
    _response(data, "DescribeLogGroups")["logGroups"][0]["kmsKeyId"] = KEY
    group = _model(data).resource("log_group", GROUP)
    assert group.kms_key_id == Known(KEY) and group.kms_key == KEY
    other = copy.deepcopy(SINGLE)
    _response(other, "DescribeLogGroups")["logGroups"][0]["kmsKeyId"] = KEY.replace("1234abcd", "99999999")
    assert _model(other).resource("log_group", GROUP).kms_key is None  # a key that was not read


# --- KMS aliases -----------------------------------------------------------------------------


def test_key_named_by_alias_carries_the_alias() -> None:
    data = copy.deepcopy(SINGLE)
    for call in data["calls"]:
        if call["operation"] == "DescribeTrails":
            for trail in call["response"]["trailList"]:
                trail["KmsKeyId"] = "alias/cloudtrail"
        if call["operation"] == "DescribeKey":
            call["params"] = {"KeyId": "alias/cloudtrail"}
    model = _model(data)
    key = model.resource("kms_key", KEY)
    assert key.aliases == ("alias/cloudtrail",)
    findings = check_snapshot(data, only="CT412")
    assert [f.status for f in findings] == [Status.PASS], [f.message for f in findings]


def check_snapshot(data: dict[str, Any], only: str, tmp: Path | None = None) -> list[Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snap.json"
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return [f for f in check([path]).findings if f.rule_id == only]


# --- S3 grants and ownership -------------------------------------------------------------------


def test_bucket_grants_take_the_model_shape() -> None:
    data = copy.deepcopy(SINGLE)
    _response(data, "GetBucketAcl")["Grants"].append(
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}
    )
    bucket = _model(data).resource("bucket", BUCKET)
    assert bucket.acl == Known("public-read")
    owner, public = bucket.acl_grants.value
    assert owner == {
        "permission": "FULL_CONTROL",
        "type": "CanonicalUser",
        "uri": None,
        "id": CANONICAL,
        "email_address": None,
    }
    assert public["uri"].endswith("/AllUsers") and public["permission"] == "READ"


def test_bucket_the_account_owns_gets_the_account_public_access_block() -> None:
    bucket = _model(_with(_list_buckets("acme-cloudtrail-logs"))).resource("bucket", BUCKET)
    assert bucket.owner_account_id == Known(ACCOUNT) and bucket.account_id == Known(ACCOUNT)
    assert bucket.account_public_access_block.value == PublicAccessBlock(*(Known(True),) * 4)
    # Not listed (a truncated listing, say), but GetBucketAcl names the account's canonical id as owner.
    by_acl = _model(_with(_list_buckets("another-bucket"))).resource("bucket", BUCKET)
    assert by_acl.owner_account_id == Known(ACCOUNT)


def test_bucket_of_another_account_keeps_its_block_unknown() -> None:
    data = _with(_list_buckets("another-bucket"))
    _response(data, "GetBucketAcl")["Owner"]["ID"] = "0" * 64
    bucket = _model(data).resource("bucket", BUCKET)
    for value in (bucket.owner_account_id, bucket.account_public_access_block):
        assert isinstance(value, Unknown) and "owned by another account" in value.reason


def test_list_buckets_failed_leaves_the_owner_unknown_with_the_error() -> None:
    data = _with(
        {
            "service": "s3",
            "operation": "ListBuckets",
            "params": {},
            "error": {"code": "AccessDenied", "message": "denied", "http_status": 403},
        }
    )
    bucket = _model(data).resource("bucket", BUCKET)
    assert isinstance(bucket.account_public_access_block, Unknown)
    assert "s3:ListBuckets failed: AccessDenied (HTTP 403)" in bucket.account_public_access_block.reason


# --- organization trails seen from a member ----------------------------------------------------


def test_foreign_resources_keep_links_empty_not_unknown() -> None:
    # The member alone (its organization trail's owner not in the snapshot): the chain is elsewhere.
    member = _model({**ORG, "calls": [c for c in ORG["calls"] if c["account"] == "222233334444"]}, "222233334444")
    trail = next(t for t in member.trails if t.key.endswith(":999988887777:trail/org-trail"))
    group = member.resource("log_group", trail.log_group)
    assert isinstance(group.retention_days, Unknown) and group.kms_key is None
    key = member.resource("kms_key", trail.kms_key)
    assert key.aliases == () and isinstance(key.state, Unknown)


def test_organization_trail_findings_are_reported_once() -> None:
    findings = check([ORG_PATH]).findings
    counts = Counter(f.fingerprint() for f in findings)
    assert not [f for f in findings if counts[f.fingerprint()] > 1]
    org_trail = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"
    assert len([f for f in findings if f.rule_id == "CT101" and f.resource == org_trail]) == 1
    # The member still counts the organization trail for its coverage, as its own finding.
    member = [f for f in findings if f.resource == "222233334444"]
    assert {f.rule_id: f.status for f in member if f.rule_id in ("CT201", "CT503", "CT601")} == {
        "CT201": Status.PASS,
        "CT503": Status.UNKNOWN,
        "CT601": Status.PASS,
    }
