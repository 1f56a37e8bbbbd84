"""The CallStore -> model mapper (ctguard/parsers/aws/api.py) on hand-built boto3-shaped snapshots."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ctguard.calls import ApiError, CallResult, CallStore
from ctguard.model import Model, PublicAccessBlock, Trail
from ctguard.parsers.aws import snapshot as aws_snapshot
from ctguard.parsers.aws.api import build_inputs
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown

REPO = Path(__file__).resolve().parents[3]
SINGLE = json.loads((REPO / "fixtures" / "aws" / "snapshot-single-account.json").read_text(encoding="utf-8"))
ORG = json.loads((REPO / "fixtures" / "aws" / "snapshot-organization.json").read_text(encoding="utf-8"))
ACCOUNT = "111122223333"
ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail"
BUCKET = "arn:aws:s3:::acme-cloudtrail-logs"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _snapshot(edit: Any = None, base: dict[str, Any] = SINGLE) -> dict[str, Any]:
    data = copy.deepcopy(base)
    if edit is not None:
        edit(data["calls"])
    return data


def _model(data: dict[str, Any], account: str = ACCOUNT) -> Model:
    inputs = build_inputs(CallStore.from_json(data), "snap.json")
    return next(p.variants[0] for p in inputs if p.variants[0].account_id == Known(account))


def _drop(operation: str, service: str | None = None):  # type: ignore[no-untyped-def]
    def edit(calls: list[dict[str, Any]]) -> None:
        calls[:] = [
            c for c in calls if not (c["operation"] == operation and (service is None or c["service"] == service))
        ]

    return edit


def _fail(operation: str, code: str, status: int = 403, service: str | None = None):  # type: ignore[no-untyped-def]
    def edit(calls: list[dict[str, Any]]) -> None:
        for c in calls:
            if c["operation"] == operation and (service is None or c["service"] == service):
                c.pop("response", None)
                c["error"] = {"code": code, "message": "denied by test", "http_status": status}

    return edit


def _trail(model: Model, key: str = ARN) -> Trail:
    return next(t for t in model.trails if t.key == key)


def _unknown(value: object, *fragments: str) -> None:
    assert isinstance(value, Unknown), value
    for fragment in fragments:
        assert fragment in value.reason, value.reason


# --- every call type, answered -----------------------------------------------------------


def test_trail_from_describe_trails_status_selectors_insights_and_tags() -> None:
    trail = _trail(_model(SINGLE))
    assert trail.name == Known("main-trail") and trail.arn == Known(ARN)
    assert trail.account_id == Known(ACCOUNT) and trail.home_region == Known("us-east-1")
    assert trail.is_multi_region == Known(True) and trail.is_organization == Known(False)
    assert trail.include_global_service_events == Known(True) and trail.log_file_validation == Known(True)
    assert trail.kms_key_id == Known(KEY) and trail.s3_key_prefix == Known("trails")
    assert trail.sns_topic == Known("arn:aws:sns:us-east-1:111122223333:cloudtrail-notify")
    assert trail.is_logging == Known(True)
    assert trail.status is not None and trail.status.is_logging == Known(True)
    assert trail.status.latest_delivery_time == Known("2026-11-22T09:55:12Z")
    assert trail.status.latest_delivery_error == Known(None)
    assert trail.status.read_time == Known("2026-11-22T10:00:00Z")
    selectors = trail.event_selectors
    assert isinstance(selectors, Known) and selectors.value[0].read_write_type == Known("All")
    assert trail.advanced_event_selectors is ABSENT
    assert trail.insight_selectors == Known(())  # InsightNotEnabledException: none, not unknown
    assert trail.tags == Known({"owner": "security"})
    topic = "arn:aws:sns:us-east-1:111122223333:cloudtrail-notify"
    assert (trail.bucket, trail.kms_key, trail.topic) == (BUCKET, KEY, topic)
    assert trail.log_group == "arn:aws:logs:us-east-1:111122223333:log-group:cloudtrail/main-trail"
    assert trail.role == "arn:aws:iam::111122223333:role/CloudTrailToCloudWatch"


def test_bucket_from_the_ten_s3_calls() -> None:
    bucket = _model(SINGLE).resource("bucket", BUCKET)
    assert bucket.name == Known("acme-cloudtrail-logs")
    assert bucket.policy.value["Statement"][0]["Sid"] == "AWSCloudTrailAclCheck"
    assert bucket.acl == Known("private") and len(bucket.acl_grants.value) == 1
    assert bucket.public_access_block.value.block_public_policy == Known(True)
    assert bucket.versioning == Known("Enabled") and bucket.mfa_delete == Known(False)
    assert bucket.object_lock.value is False  # ObjectLockConfigurationNotFoundError
    assert bucket.logging_target_bucket == Known("acme-access-logs")
    rule = bucket.lifecycle_rules.value[0]
    assert rule.expiration_days == Known(2557) and rule.noncurrent_expiration_days == Known(90)
    assert bucket.encryption_algorithm == Known("aws:kms") and bucket.encryption_kms_key_id == Known(KEY)
    _unknown(bucket.account_public_access_block, "owning the bucket is not known", "s3:ListBuckets was not called")


def test_key_log_group_filters_alarms_role_topic_rules() -> None:
    model = _model(SINGLE)
    key = model.resource("kms_key", KEY)
    assert key.rotation == Known(True) and key.state == Known("Enabled") and key.key_manager == Known("CUSTOMER")
    assert key.policy.value["Id"] == "Key policy created by CloudTrail" and key.multi_region == Known(False)
    group = model.all("log_group")[0]
    assert group.name == Known("cloudtrail/main-trail") and group.retention_days == Known(400)
    [metric_filter] = model.all("metric_filter")
    assert "Root" in metric_filter.pattern.value
    assert metric_filter.transformations.value[0].metric_name == Known("RootAccountUsageCount")
    [alarm] = model.all("alarm")
    assert alarm.metric_name == Known("RootAccountUsageCount") and alarm.threshold == Known(1.0)
    role = model.all("role")[0]
    assert role.trust_policy.value["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert role.policies.value[0]["Statement"][0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    topic = model.all("topic")[0]
    assert topic.policy.value["Statement"][0]["Sid"] == "AWSCloudTrailSNSPolicy"
    assert topic.kms_key_id == Known("alias/aws/sns")
    assert topic.subscriptions.value[0].confirmed == Known(True)
    [rule] = model.all("event_rule")
    assert rule.event_pattern.value["source"] == ["aws.cloudtrail"]
    assert rule.targets == Known(("arn:aws:sns:us-east-1:111122223333:security-alerts",))


def test_account_facts() -> None:
    model = _model(SINGLE)
    assert model.account_id == Known(ACCOUNT)
    assert model.organization_id == Known("o-a1b2c3d4e5") and model.is_organization_management_account == Known(False)
    assert model.enabled_regions == Known(("eu-west-1", "us-east-1"))  # af-south-1 is not opted in
    assert model.audited_regions == Known(("eu-west-1", "us-east-1"))
    assert model.account_public_access_block == PublicAccessBlock(Known(True), Known(True), Known(True), Known(True))


def test_event_data_stores_from_list_and_get() -> None:
    eds_arn = "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/0a1b2c3d-0000-4d5e-8f90-123456789abc"
    summary = {
        "EventDataStoreArn": eds_arn,
        "Name": "org-lake",
        "TerminationProtectionEnabled": True,
        "Status": "ENABLED",
        "MultiRegionEnabled": True,
        "OrganizationEnabled": False,
        "RetentionPeriod": 2557,
    }
    detail = {
        **summary,
        "KmsKeyId": KEY,
        "AdvancedEventSelectors": [
            {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        ],
        "BillingMode": "EXTENDABLE_RETENTION_PRICING",
    }

    def edit(calls: list[dict[str, Any]]) -> None:
        for c in calls:
            if c["operation"] == "ListEventDataStores" and c["region"] == "us-east-1":
                c["response"] = {"EventDataStores": [summary]}
        calls.append(
            {
                "account": ACCOUNT,
                "region": "us-east-1",
                "service": "cloudtrail",
                "operation": "GetEventDataStore",
                "params": {"EventDataStore": eds_arn},
                "response": detail,
            }
        )

    [store] = _model(_snapshot(edit)).all("event_data_store")
    assert store.name == Known("org-lake") and store.kms_key_id == Known(KEY) and store.retention_days == Known(2557)
    assert store.advanced_event_selectors.value[0].field_selectors[0].equals == ("Management",)


# --- calls never made: Unknown "not read", never a default ------------------------------------


@pytest.mark.parametrize(
    "operation, field",
    [
        ("GetBucketVersioning", "versioning"),
        ("GetBucketPolicy", "policy"),
        ("GetBucketLogging", "logging_target_bucket"),
        ("GetBucketEncryption", "encryption_algorithm"),
        ("GetObjectLockConfiguration", "object_lock"),
        ("GetBucketAcl", "acl"),
    ],
)
def test_s3_call_not_made_is_not_read(operation: str, field: str) -> None:
    bucket = _model(_snapshot(_drop(operation))).resource("bucket", BUCKET)
    _unknown(getattr(bucket, field), "not read", f"s3:{operation} was not called")


def test_status_selectors_insights_tags_not_read() -> None:
    data = _snapshot(
        lambda calls: [
            f(calls)
            for f in (
                _drop("GetTrailStatus"),
                _drop("GetEventSelectors"),
                _drop("GetInsightSelectors"),
                _drop("ListTags"),
            )
        ]
    )
    trail = _trail(_model(data))
    status = trail.status
    assert status is not None
    for value in (
        trail.is_logging,
        status.is_logging,
        status.latest_delivery_error,
        status.latest_delivery_time,
        trail.insight_selectors,
        trail.tags,
    ):
        _unknown(value, "not read")
    # DescribeTrails' HasCustomEventSelectors: false already says the selectors are the default ones
    assert trail.event_selectors is ABSENT and trail.advanced_event_selectors is ABSENT


def test_selectors_not_read_of_a_trail_with_custom_selectors_are_unknown() -> None:
    def edit(calls: list[dict[str, Any]]) -> None:
        _drop("GetEventSelectors")(calls)
        for call in calls:
            if call["operation"] == "DescribeTrails" and "response" in call:
                for listed in call["response"]["trailList"]:
                    listed["HasCustomEventSelectors"] = True

    trail = _trail(_model(_snapshot(edit)))
    _unknown(trail.event_selectors, "not read")


def test_resource_never_read_is_not_linked() -> None:
    def edit(calls: list[dict[str, Any]]) -> None:
        calls[:] = [c for c in calls if c["service"] not in ("s3", "kms")]

    model = _model(_snapshot(edit))
    trail = _trail(model)
    assert trail.bucket is None and trail.kms_key is None
    assert model.all("bucket") == [] and model.all("kms_key") == []


def test_account_calls_not_made() -> None:
    def edit(calls: list[dict[str, Any]]) -> None:
        calls[:] = [c for c in calls if c["service"] not in ("organizations", "ec2", "s3control")]

    model = _model(_snapshot(edit))
    _unknown(model.organization_id, "not read")
    _unknown(model.is_organization_management_account, "not read")
    _unknown(model.enabled_regions, "ec2:DescribeRegions was not called")
    _unknown(model.account_public_access_block.block_public_acls, "not read")  # type: ignore[union-attr]


# --- failed calls: Unknown with the AWS error ----------------------------------------------------


def test_failed_calls_are_unknown_with_the_error() -> None:
    model = _model(
        _snapshot(
            lambda c: [
                _fail("GetBucketPolicy", "AccessDenied")(c),
                _fail("GetEventSelectors", "AccessDeniedException", 400)(c),
                _fail("GetKeyRotationStatus", "AccessDeniedException", 400)(c),
            ]
        )
    )
    _unknown(
        model.resource("bucket", BUCKET).policy, "s3:GetBucketPolicy failed: AccessDenied (HTTP 403): denied by test"
    )
    trail = _trail(model)
    _unknown(trail.event_selectors, "cloudtrail:GetEventSelectors failed")
    _unknown(trail.advanced_event_selectors, "cloudtrail:GetEventSelectors failed")
    _unknown(model.resource("kms_key", KEY).rotation, "kms:GetKeyRotationStatus failed")
    assert model.resource("kms_key", KEY).state == Known("Enabled")  # DescribeKey itself answered


def test_failed_describe_key_keeps_the_key_linked_but_unknown() -> None:
    model = _model(_snapshot(_fail("DescribeKey", "AccessDeniedException", 400)))
    key = model.resource("kms_key", _trail(model).kms_key)
    _unknown(key.state, "kms:DescribeKey failed: AccessDeniedException")


def test_describe_trails_failing_in_one_region_or_all() -> None:
    def one(calls: list[dict[str, Any]]) -> None:
        for c in calls:
            if c["operation"] == "DescribeTrails" and c["region"] == "eu-west-1":
                c.pop("response")
                c["error"] = {"code": "UnrecognizedClientException", "message": "bad token", "http_status": 400}

    model = _model(_snapshot(one))
    assert model.audited_regions == Known(("us-east-1",)) and len(model.trails) == 1
    model = _model(_snapshot(_fail("DescribeTrails", "UnrecognizedClientException", 400)))
    assert model.trails == []
    _unknown(
        model.audited_regions, "DescribeTrails failed in every region", "eu-west-1: cloudtrail:DescribeTrails failed"
    )


# --- "not configured" answers: Known none ------------------------------------------------------


def test_not_configured_errors_are_known_none() -> None:
    def edit(calls: list[dict[str, Any]]) -> None:
        codes = {
            "GetBucketPolicy": "NoSuchBucketPolicy",
            "GetPublicAccessBlock": "NoSuchPublicAccessBlockConfiguration",
            "GetBucketLifecycleConfiguration": "NoSuchLifecycleConfiguration",
            "GetBucketEncryption": "ServerSideEncryptionConfigurationNotFoundError",
            "DescribeOrganization": "AWSOrganizationsNotInUseException",
        }
        for c in calls:
            if c["operation"] in codes:
                c.pop("response", None)
                c["error"] = {"code": codes[c["operation"]], "message": "", "http_status": 404}

    model = _model(_snapshot(edit))
    bucket = model.resource("bucket", BUCKET)
    assert bucket.policy == Known(None) and bucket.lifecycle_rules == Known(())
    assert bucket.public_access_block.value == PublicAccessBlock(Known(False), Known(False), Known(False), Known(False))
    assert bucket.encryption_algorithm == Known("AES256")
    assert model.account_public_access_block.block_public_acls == Known(False)  # type: ignore[union-attr]
    assert model.organization_id == Known(None) and model.is_organization_management_account == Known(False)


# --- shadow trails and organization trails -------------------------------------------------------


def test_shadow_copies_fold_into_one_trail_keyed_by_arn() -> None:
    path = REPO / "fixtures" / "aws" / "snapshot-single-account.json"
    text = path.read_text(encoding="utf-8")
    [parsed] = aws_snapshot.parse(str(path), text, ParseContext())
    model = parsed.variants[0]
    assert [t.key for t in model.trails] == [ARN]  # listed in us-east-1 and (as a shadow) in eu-west-1
    span = parsed.source_map.span(("trail", ARN))  # type: ignore[union-attr]
    lines = text.splitlines()
    entries = [i + 1 for i, line in enumerate(lines) if line.strip() == '"Name": "main-trail",']
    assert len(entries) == 2  # the home copy and the shadow copy
    home = next(n for n in entries if any('"region": "us-east-1"' in lines[k] for k in range(n - 12, n)))
    assert span.line == home - 1  # the entry's opening brace, in the us-east-1 answer


def test_shadow_only_trail_whose_home_region_was_not_audited() -> None:
    def edit(calls: list[dict[str, Any]]) -> None:
        calls[:] = [c for c in calls if c["region"] != "us-east-1" or c["service"] != "cloudtrail"]

    model = _model(_snapshot(edit))
    trail = _trail(model)
    assert trail.home_region == Known("us-east-1")
    _unknown(trail.is_logging, "not read")


def test_organization_trail_seen_from_a_member_is_judged_by_the_owners_reading() -> None:
    member = _model(ORG, "222233334444")
    org_arn = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"
    trail = _trail(member, org_arn)
    assert trail.is_organization == Known(True) and trail.is_logging == Known(True)
    bucket = member.resource("bucket", trail.bucket)
    assert bucket.name == Known("acme-org-cloudtrail")
    # Read once, in the management account that owns it, in the same snapshot.
    management = _model(ORG, "999988887777")
    assert bucket.versioning == management.resource("bucket", bucket.key).versioning == Known("Enabled")
    assert member.resource("kms_key", trail.kms_key).rotation == management.resource("kms_key", trail.kms_key).rotation
    assert member.all("metric_filter") and {f.key for f in member.all("metric_filter")} == {
        f.key for f in management.all("metric_filter")
    }


def test_organization_trail_seen_from_a_member_alone_keeps_its_resources_elsewhere() -> None:
    alone = {**ORG, "calls": [c for c in ORG["calls"] if c["account"] == "222233334444"]}
    member = _model(alone, "222233334444")
    org_arn = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"
    trail = _trail(member, org_arn)
    bucket = member.resource("bucket", trail.bucket)
    assert bucket.name == Known("acme-org-cloudtrail")
    _unknown(bucket.policy, "owned by account 999988887777")
    for kind, link in (
        ("kms_key", trail.kms_key),
        ("log_group", trail.log_group),
        ("role", trail.role),
        ("topic", trail.topic),
    ):
        resource = member.resource(kind, link)
        assert resource is not None, kind
    _unknown(member.resource("kms_key", trail.kms_key).rotation, "owned by account 999988887777")
    management = _model(ORG, "999988887777")
    assert management.is_organization_management_account == Known(True)
    assert management.resource("bucket", "arn:aws:s3:::acme-org-cloudtrail").versioning == Known("Enabled")


def test_one_input_per_account() -> None:
    inputs = build_inputs(CallStore.from_json(ORG), "org.json")
    accounts = [p.variants[0].account_id for p in inputs]
    assert accounts == [Known("222233334444"), Known("999988887777")]
    assert {p.kind for p in inputs} == {"aws-snapshot"} and {p.path for p in inputs} == {"org.json"}


def test_advanced_selectors_from_get_event_selectors() -> None:
    member = _model(ORG, "222233334444")
    trail = _trail(member, "arn:aws:cloudtrail:eu-west-1:222233334444:trail/prod-eu-data")
    assert trail.event_selectors is ABSENT
    [selector] = trail.advanced_event_selectors.value  # type: ignore[union-attr]
    assert selector.name == "S3 data events for the customer bucket"
    assert selector.field_selectors[2].starts_with == ("arn:aws:s3:::acme-customer-data/",)


# --- live boto3 shapes --------------------------------------------------------------------------


def test_live_datetimes_and_url_encoded_iam_documents() -> None:
    store = CallStore.from_json(SINGLE)
    when = datetime(2026, 11, 22, 9, 55, 12, tzinfo=UTC)
    store.record(
        ACCOUNT,
        "us-east-1",
        "cloudtrail",
        "GetTrailStatus",
        {"Name": ARN},
        CallResult(response={"IsLogging": True, "LatestDeliveryTime": when}),
    )
    store.record(
        ACCOUNT,
        "us-east-1",
        "iam",
        "GetRole",
        {"RoleName": "CloudTrailToCloudWatch"},
        CallResult(
            response={
                "Role": {
                    "RoleName": "CloudTrailToCloudWatch",
                    "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
                }
            }
        ),
    )
    store.record(
        ACCOUNT,
        "us-east-1",
        "s3",
        "GetBucketVersioning",
        {"Bucket": "acme-cloudtrail-logs"},
        CallResult(error=ApiError("SlowDown", "Please reduce your request rate.", 503)),
    )
    model = build_inputs(store, "live")[0].variants[0]
    trail = _trail(model)
    assert trail.status.latest_delivery_time == Known("2026-11-22T09:55:12Z")  # type: ignore[union-attr]
    assert model.all("role")[0].trust_policy == Known({"Version": "2012-10-17", "Statement": []})
    _unknown(model.resource("bucket", BUCKET).versioning, "SlowDown (HTTP 503)")


def test_unread_filters_alarms_and_rules_are_unknown_stand_ins_not_none() -> None:
    model = _model(
        _snapshot(
            lambda c: [
                _drop("DescribeMetricFilters")(c),
                _fail("DescribeAlarms", "AccessDenied")(c),
                _drop("ListRules")(c),
                _drop("ListTargetsByRule")(c),
            ]
        )
    )
    [metric_filter] = model.all("metric_filter")
    _unknown(metric_filter.pattern, "not read (logs:DescribeMetricFilters was not called)")
    [alarm] = model.all("alarm")
    _unknown(alarm.metric_name, "cloudwatch:DescribeAlarms failed: AccessDenied")
    [rule] = model.all("event_rule")
    _unknown(rule.event_pattern, "not read (events:ListRules was not called)")
    assert rule.key == "arn:aws:events:us-east-1:rules-not-read"


def test_rule_targets_not_read() -> None:
    [rule] = _model(_snapshot(_drop("ListTargetsByRule"))).all("event_rule")
    assert rule.event_pattern.value["source"] == ["aws.cloudtrail"]
    _unknown(rule.targets, "events:ListTargetsByRule was not called")
