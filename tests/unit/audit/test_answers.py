"""The before-parse check of AWS answers (ctguard/audit/answers.py), against botocore's own models."""

from __future__ import annotations

from typing import Any

import pytest

botocore_session = pytest.importorskip("botocore.session")

from ctguard.audit.answers import MalformedResponse, check_answer  # noqa: E402


def _operation(service: str, name: str) -> Any:
    return botocore_session.get_session().get_service_model(service).operation_model(name)


def _check(service: str, name: str, body: bytes, status: int = 200) -> None:
    check_answer(_operation(service, name), {"status_code": status, "body": body, "headers": {}})


@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"TrailARN": "arn:aws:cloudtrail:us-east-1:1:trail/t", "EventSel', "not valid JSON"),
        (b'{"EventSelectors": "All"}', "EventSelectors is a string, not a list"),
        (b'{"EventSelectors": [{"IncludeManagementEvents": "yes"}]}', "IncludeManagementEvents is a string"),
        (b"", "empty"),
    ],
)
def test_json_answers_that_are_cut_short_or_mistyped_are_refused(body: bytes, words: str) -> None:
    with pytest.raises(MalformedResponse, match=words):
        _check("cloudtrail", "GetEventSelectors", body)


def test_well_formed_answers_and_errors_pass_through() -> None:
    _check("cloudtrail", "GetEventSelectors", b'{"EventSelectors": [{"ReadWriteType": "All"}]}')
    _check("cloudtrail", "GetEventSelectors", b'{"__type": "AccessDenied', status=400)  # errors parse leniently
    _check(
        "iam",
        "ListRolePolicies",
        b"<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames>"
        b"<member>p</member></PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult>"
        b"</ListRolePoliciesResponse>",
    )


def test_xml_answers_that_are_cut_short_or_mistyped_are_refused() -> None:
    with pytest.raises(MalformedResponse, match="not well-formed XML"):
        _check("iam", "ListRolePolicies", b"<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNa")
    with pytest.raises(MalformedResponse, match="IsTruncated is 'maybe', not a boolean"):
        _check(
            "iam",
            "ListRolePolicies",
            b"<ListRolePoliciesResponse><ListRolePoliciesResult>"
            b"<IsTruncated>maybe</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>",
        )
    with pytest.raises(MalformedResponse, match="BlockPublicPolicy is 'garbled'"):
        _check(
            "s3",
            "GetPublicAccessBlock",
            b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
            b"<BlockPublicPolicy>garbled</BlockPublicPolicy></PublicAccessBlockConfiguration>",
        )
    # S3 GetBucketPolicy's body is the policy itself, not XML.
    _check("s3", "GetBucketPolicy", b'{"Version": "2012-10-17"}')
