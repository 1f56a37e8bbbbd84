"""Live collection over HTTP against moto: which calls are made, with which params, and what is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from estate import ACCOUNT, Estate

from ctguard.audit.errors import failed_reads
from ctguard.audit.plan import BUCKET_OPERATIONS
from ctguard.audit.run import AuditRequest, canonical, run_audit
from ctguard.audit.session import ClientOptions
from ctguard.calls import CallStore


def _audit(**kwargs: Any) -> Any:
    kwargs.setdefault("regions", ["us-east-1", "eu-west-1"])
    kwargs.setdefault("client", ClientOptions(max_attempts=2, connect_timeout=2, read_timeout=5))
    return run_audit(AuditRequest(**kwargs))


def _ops(store: CallStore, account: str = ACCOUNT) -> set[tuple[str, str, str]]:
    return {(k[1], k[2], k[3]) for k, _ in store.calls() if k[0] == account}


def test_reads_every_contract_call_for_a_fully_wired_trail(proxy, moto_server) -> None:
    arn = Estate(moto_server).full_trail()
    outcome = _audit()
    store = outcome.store
    assert not list(failed_reads(store)), list(failed_reads(store))
    assert not outcome.incomplete
    ops = _ops(store)
    for region in ("us-east-1", "eu-west-1"):
        assert (region, "cloudtrail", "DescribeTrails") in ops
        assert (region, "cloudtrail", "ListEventDataStores") in ops
    # The multi-region trail shows up in eu-west-1 as a shadow copy, but is read once, at home, by ARN.
    shadow = store.get(ACCOUNT, "eu-west-1", "cloudtrail", "DescribeTrails", {"includeShadowTrails": True})
    assert [t["TrailARN"] for t in shadow.response["trailList"]] == [arn]
    for operation, params in (
        ("GetTrailStatus", {"Name": arn}),
        ("GetEventSelectors", {"TrailName": arn}),
        ("GetInsightSelectors", {"TrailName": arn}),
        ("ListTags", {"ResourceIdList": [arn]}),
    ):
        assert store.get(ACCOUNT, "us-east-1", "cloudtrail", operation, params).ok
        assert store.get(ACCOUNT, "eu-west-1", "cloudtrail", operation, params) is None
    tags = store.get(ACCOUNT, "us-east-1", "cloudtrail", "ListTags", {"ResourceIdList": [arn]}).response
    assert tags["ResourceTagList"][0]["TagsList"] == [{"Key": "owner", "Value": "security"}]
    bucket = f"org-audit-trail-logs-{ACCOUNT}"
    for operation in BUCKET_OPERATIONS:
        assert store.get(ACCOUNT, None, "s3", operation, {"Bucket": bucket}) is not None, operation
    assert store.get(ACCOUNT, None, "s3", "GetBucketVersioning", {"Bucket": bucket}).response["Status"] == "Enabled"
    # "Not configured" answers are recorded as errors, and do not make the audit incomplete.
    lock = store.get(ACCOUNT, None, "s3", "GetObjectLockConfiguration", {"Bucket": bucket})
    assert lock.error.code == "ObjectLockConfigurationNotFoundError"
    key = store.get(ACCOUNT, "us-east-1", "kms", "DescribeKey", {"KeyId": _trail(store, arn)["KmsKeyId"]}).response[
        "KeyMetadata"
    ]["Arn"]
    assert (
        store.get(ACCOUNT, "us-east-1", "kms", "GetKeyRotationStatus", {"KeyId": key}).response["KeyRotationEnabled"]
        is True
    )
    assert store.get(ACCOUNT, "us-east-1", "kms", "GetKeyPolicy", {"KeyId": key, "PolicyName": "default"}).ok
    group = "/cloudtrail/org-audit-trail"
    groups = store.get(ACCOUNT, "us-east-1", "logs", "DescribeLogGroups", {"logGroupNamePrefix": group}).response
    assert groups["logGroups"][0]["retentionInDays"] == 365
    filters = store.get(ACCOUNT, "us-east-1", "logs", "DescribeMetricFilters", {"logGroupName": group}).response
    assert filters["metricFilters"][0]["metricTransformations"][0]["metricName"] == "RootUsage"
    alarms = store.get(ACCOUNT, "us-east-1", "cloudwatch", "DescribeAlarms", {}).response
    assert alarms["MetricAlarms"][0]["AlarmName"] == "root-usage"
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:org-audit-trail-alerts"
    subs = store.get(ACCOUNT, "us-east-1", "sns", "ListSubscriptionsByTopic", {"TopicArn": topic}).response
    assert subs["Subscriptions"][0]["Protocol"] == "email"
    role = "org-audit-trail-to-logs"
    assert store.get(ACCOUNT, "us-east-1", "iam", "GetRolePolicy", {"RoleName": role, "PolicyName": "deliver"}).ok
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/{role}-describe"
    assert store.get(ACCOUNT, "us-east-1", "iam", "GetPolicyVersion", {"PolicyArn": policy_arn, "VersionId": "v1"}).ok
    targets = store.get(
        ACCOUNT, "us-east-1", "events", "ListTargetsByRule", {"Rule": "iam-changes", "EventBusName": "default"}
    ).response
    assert targets["Targets"][0]["Arn"] == topic
    assert store.get(ACCOUNT, "us-east-1", "s3control", "GetPublicAccessBlock", {"AccountId": ACCOUNT}) is not None
    assert (
        store.get(ACCOUNT, "us-east-1", "organizations", "DescribeOrganization", {}).error.code
        == "AWSOrganizationsNotInUseException"
    )
    # No region outside the audited ones was read, apart from the global services' us-east-1.
    assert {k[1] for k, _ in store.calls()} == {"us-east-1", "eu-west-1"}
    # The snapshot text is stable and reads back into the same calls, in a stable order.
    saved, text = canonical(store)
    again, text2 = canonical(saved)
    assert text == text2 and list(saved.calls()) == list(again.calls()) and len(saved) == len(store)
    assert saved.meta["accounts"] == [ACCOUNT] and saved.meta["regions"] == ["eu-west-1", "us-east-1"]


def _trail(store: CallStore, arn: str) -> dict[str, Any]:
    answer = store.get(ACCOUNT, "us-east-1", "cloudtrail", "DescribeTrails", {"includeShadowTrails": True})
    return next(t for t in answer.response["trailList"] if t["TrailARN"] == arn)


def test_faults_become_recorded_errors_and_everything_else_is_still_read(proxy, moto_server) -> None:
    arn = Estate(moto_server).full_trail()
    proxy.add("GetBucketPolicy", "denied")
    proxy.add("GetEventSelectors", "throttle")  # beyond the 2 attempts
    proxy.add("DescribeKey", "500")
    # The read timeout holds for every call: leave moto room on a busy machine.
    proxy.add("DescribeLogGroups", "timeout", delay=2.5)
    outcome = _audit(client=ClientOptions(max_attempts=2, connect_timeout=2, read_timeout=1.2))
    store = outcome.store
    failed = {k[3]: e for k, e in failed_reads(store)}
    assert set(failed) == {"GetBucketPolicy", "GetEventSelectors", "DescribeKey", "DescribeLogGroups"}
    assert (failed["GetBucketPolicy"].code, failed["GetBucketPolicy"].http_status) == ("AccessDenied", 403)
    assert failed["GetEventSelectors"].code == "ThrottlingException"
    assert proxy.count("GetEventSelectors") == 2, [s for s in proxy.seen if s.operation == "GetEventSelectors"]
    assert failed["DescribeKey"].http_status == 500
    assert failed["DescribeLogGroups"].code == "ReadTimeoutError"
    assert outcome.incomplete
    # What did not fail was read: the other trail calls, the rest of the bucket, the metric filters.
    assert store.get(ACCOUNT, "us-east-1", "cloudtrail", "GetTrailStatus", {"Name": arn}).ok
    bucket = f"org-audit-trail-logs-{ACCOUNT}"
    assert store.get(ACCOUNT, None, "s3", "GetBucketVersioning", {"Bucket": bucket}).ok
    assert store.get(
        ACCOUNT, "us-east-1", "logs", "DescribeMetricFilters", {"logGroupName": "/cloudtrail/org-audit-trail"}
    ).ok
    # Without DescribeKey there is no key ARN, so the key's rotation and policy are not asked for.
    assert not any(k[3] in ("GetKeyRotationStatus", "GetKeyPolicy") for k, _ in store.calls())


def test_throttling_within_retries_is_not_surfaced(proxy, moto_server) -> None:
    Estate(moto_server).full_trail()
    proxy.add("DescribeTrails", "throttle", region="us-east-1", times=1)
    outcome = _audit(client=ClientOptions(max_attempts=3))
    assert not outcome.incomplete, list(failed_reads(outcome.store))
    assert proxy.count("DescribeTrails") == 3  # us-east-1: throttled, then answered; eu-west-1: answered
    assert outcome.accounts[0].trails == 1


def test_opt_in_region_that_is_not_enabled_is_skipped_not_failed(proxy, moto_server) -> None:
    Estate(moto_server).full_trail()
    outcome = _audit(regions=["us-east-1", "ap-east-1"])
    [account] = outcome.accounts
    assert account.regions == ["us-east-1"]
    assert "not enabled" in account.skipped_regions["ap-east-1"]
    assert not any(k[1] == "ap-east-1" for k, _ in outcome.store.calls())
    assert not outcome.incomplete
    assert outcome.store.meta["skipped_regions"] == {ACCOUNT: account.skipped_regions}


def test_default_regions_are_the_enabled_ones(proxy, moto_server) -> None:
    outcome = _audit(regions=None)
    answer = outcome.store.get(ACCOUNT, "us-east-1", "ec2", "DescribeRegions", {"AllRegions": True}).response
    enabled = sorted(r["RegionName"] for r in answer["Regions"] if r["OptInStatus"] != "not-opted-in")
    assert outcome.accounts[0].regions == enabled
    assert "ap-east-1" not in enabled
    assert sorted(outcome.store.regions(ACCOUNT, "cloudtrail")) == enabled


def test_unreadable_region_list_falls_back_and_is_an_incomplete_read(proxy, moto_server) -> None:
    proxy.add("DescribeRegions", "denied")
    outcome = _audit(regions=["eu-west-1"])
    assert outcome.accounts[0].regions == ["eu-west-1"]
    assert [k[3] for k, _ in failed_reads(outcome.store)] == ["DescribeRegions"]


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_retry_mode_reaches_botocore(mode: str) -> None:
    config = ClientOptions(retry_mode=mode, max_attempts=7).config()
    assert config.retries == {"mode": mode, "total_max_attempts": 7}


def test_event_data_stores_are_read_by_arn_in_their_region(proxy) -> None:
    # moto has no CloudTrail Lake: the proxy answers as AWS would for one store in eu-west-1.
    lake = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:eventdatastore/0d1e2f"
    proxy.reset()
    proxy.add(
        "ListEventDataStores",
        "stub",
        region="eu-west-1",
        body={"EventDataStores": [{"EventDataStoreArn": lake, "Name": "org-lake"}]},
    )
    proxy.add("ListEventDataStores", "stub", body={"EventDataStores": []})
    proxy.add(
        "GetEventDataStore",
        "stub",
        body={
            "EventDataStoreArn": lake,
            "Name": "org-lake",
            "RetentionPeriod": 2557,
            "TerminationProtectionEnabled": True,
        },
    )
    store = _audit().store
    answer = store.get(ACCOUNT, "eu-west-1", "cloudtrail", "GetEventDataStore", {"EventDataStore": lake})
    assert answer.response["RetentionPeriod"] == 2557
    assert [k[1] for k, _ in store.calls() if k[3] == "GetEventDataStore"] == ["eu-west-1"]
