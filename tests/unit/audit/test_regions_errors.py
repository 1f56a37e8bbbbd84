from __future__ import annotations

import sys

import pytest

from ctguard.audit.errors import failed_reads, is_not_configured, to_api_error
from ctguard.audit.regions import global_region, partition, plan_regions
from ctguard.calls import ApiError, CallResult, CallStore

STATUSES = {
    "us-east-1": "opt-in-not-required",
    "eu-west-1": "opt-in-not-required",
    "af-south-1": "opted-in",
    "ap-east-1": "not-opted-in",
}


def test_default_regions_are_every_enabled_region() -> None:
    assert plan_regions(None, STATUSES, ["x"]).audit == ["af-south-1", "eu-west-1", "us-east-1"]


def test_requested_regions_that_are_not_enabled_are_skipped_with_the_reason() -> None:
    plan = plan_regions(["eu-west-1", "ap-east-1", "mars-1"], STATUSES, [])
    assert plan.audit == ["eu-west-1"]
    assert "not enabled" in plan.skipped["ap-east-1"] and "not a region" in plan.skipped["mars-1"]


def test_without_the_region_list_the_requested_or_fallback_regions_are_tried() -> None:
    assert plan_regions(["ap-east-1"], None, ["us-east-1"]).audit == ["ap-east-1"]
    assert plan_regions(None, None, ["us-east-1", "eu-west-1"]).audit == ["us-east-1", "eu-west-1"]


def test_partitions() -> None:
    assert (global_region("eu-west-1"), partition("eu-west-1")) == ("us-east-1", "aws")
    assert (global_region("cn-northwest-1"), partition("cn-northwest-1")) == ("cn-north-1", "aws-cn")
    assert (global_region("us-gov-east-1"), partition("us-gov-east-1")) == ("us-gov-west-1", "aws-us-gov")


def test_client_errors_keep_code_message_and_status() -> None:
    from botocore.exceptions import ClientError

    exc = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
        "GetBucketPolicy",
    )
    assert to_api_error(exc) == ApiError("AccessDenied", "no", 403)
    html = ClientError(
        {"Error": {"Code": "500", "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "DescribeKey"
    )
    assert to_api_error(html).describe() == "500 (HTTP 500): HTTP 500 answer"


def test_html_error_pages_are_reduced_to_one_line() -> None:
    from botocore.exceptions import ClientError

    page = "<!doctype html>\n<html><title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1></html>"
    exc = ClientError({"Error": {"Code": "500", "Message": page}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "X")
    assert to_api_error(exc).message == "500 Internal Server Error Internal Server Error"


def test_transport_errors_are_named_by_their_kind() -> None:
    from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

    assert to_api_error(EndpointConnectionError(endpoint_url="https://x")).code == "EndpointConnectionError"
    assert to_api_error(ReadTimeoutError(endpoint_url="https://x")).code == "ReadTimeoutError"


def test_not_configured_answers_do_not_count_as_failed_reads() -> None:
    store = CallStore()
    store.record(
        "1", "us-east-1", "s3", "GetBucketPolicy", {"Bucket": "b"}, CallResult(error=ApiError("NoSuchBucketPolicy"))
    )
    store.record(
        "1",
        "us-east-1",
        "cloudtrail",
        "GetInsightSelectors",
        {"TrailName": "t"},
        CallResult(error=ApiError("InsightNotEnabledException")),
    )
    store.record("1", "us-east-1", "s3", "GetBucketAcl", {"Bucket": "b"}, CallResult(error=ApiError("AccessDenied")))
    store.record("1", "us-east-1", "s3", "GetBucketVersioning", {"Bucket": "b"}, CallResult(response={}))
    assert [k[3] for k, _ in failed_reads(store)] == ["GetBucketAcl"]
    assert is_not_configured(ApiError("ObjectLockConfigurationNotFoundError"))
    assert not is_not_configured(ApiError("ThrottlingException"))


def test_missing_boto3_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ctguard.cli import main

    monkeypatch.setitem(sys.modules, "boto3", None)
    assert main(["audit", "--region", "us-east-1"]) == 2
    assert "pip install 'ctguard[aws]'" in capsys.readouterr().err
