"""EventBridge event patterns, CloudTrail envelopes and rule judgement.

Sources, cited per case by tag:
  [OPS]   "Comparison operators for use in event patterns in Amazon EventBridge",
          docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  [CF]    "Content filtering in Amazon EventBridge event patterns"
          (awsdocs/amazon-eventbridge-user-guide@doc_source/eb-event-patterns-content-based-filtering.md
          and content-filtering-with-event-patterns.md)
  [ARR]   "Matching on multiple field values" / arrays, eb-event-patterns-arrays.md
  [SYN]   "Event pattern syntax", docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
  [RULER] aws/event-ruler@README.md (the library behind EventBridge)
  [CWE]   CloudWatch Events EventTypes.html#events-for-services-not-listed (read-only calls not delivered)
"""

from __future__ import annotations

import pytest

from ctguard.monitoring.cis import load_items
from ctguard.monitoring.event_pattern import EventPatternError, parse_event_pattern
from ctguard.monitoring.event_rule import (
    cloudtrail_event_envelope,
    delivered_to_default_bus,
    judge_event_rule,
)

RULER_EVENT = {  # [RULER] "Ruler by Example" event
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
    },
}


def d(**detail):
    return {"source": "aws.test", "detail": detail}


CASES = [
    ({"source": ["aws.ec2", "aws.fargate"]}, {"source": "aws.fargate"}, True),  # [SYN] matching event values
    ({"source": ["aws.ec2"]}, {"source": "aws.s3"}, False),  # [SYN]
    (
        {
            "detail-type": ["EC2 Instance State-change Notification"],
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
            "detail": {"state": ["initializing", "running"]},
        },
        RULER_EVENT,
        True,
    ),  # [RULER] simple matching
    ({"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}, RULER_EVENT, False),  # [SYN] all fields must match
    ({"detail": {"missing": ["x"]}}, RULER_EVENT, False),  # [SYN] "the event must contain all the field names listed"
    (
        {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "x"]},
        {"resources": ["arn:aws:autoscaling:...", "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},
        True,
    ),  # [ARR] intersection non-empty
    ({"resources": ["a"]}, {"resources": ["b", "c"]}, False),  # [ARR]
    (
        {"employees": {"firstName": ["Anna"]}},
        {"employees": [{"firstName": "John"}, {"firstName": "Anna"}]},
        True,
    ),  # [RULER] arrays "crushed out"
    ({"time": [{"prefix": "2017-10-02"}]}, RULER_EVENT, True),  # [CF] prefix matching
    ({"region": [{"prefix": "eu-"}]}, RULER_EVENT, False),  # [CF] prefix example, European regions
    (
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        d(service="eventbridge"),
        True,
    ),  # [CF] prefix ignore case
    ({"detail": {"FileName": [{"suffix": ".png"}]}}, d(FileName="a.png"), True),  # [CF] suffix
    ({"detail": {"FileName": [{"suffix": ".png"}]}}, d(FileName="a.PNG"), False),  # [CF] suffix is case-sensitive
    (
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        d(FileName="a.PNG"),
        True,
    ),  # [CF] suffix ignore case
    (
        {"detail": {"c-count": [{"prefix": "5"}]}},
        RULER_EVENT,
        False,
    ),  # [RULER] "Prefix matches only work on string-valued fields"
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, RULER_EVENT, True),  # [CF] anything-but string
    ({"detail": {"state": [{"anything-but": "running"}]}}, RULER_EVENT, False),  # [CF]
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, RULER_EVENT, True),  # [CF] anything-but number
    ({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, RULER_EVENT, True),  # [CF] anything-but list
    ({"detail": {"x-limit": [{"anything-but": [100, 200, 301.8]}]}}, RULER_EVENT, False),  # [CF] list of numbers
    (
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        d(state="initializing"),
        False,
    ),  # [CF] anything-but prefix
    (
        {"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}},
        d(FileName="a.txt"),
        True,
    ),  # [OPS] anything-but ends with
    (
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}},
        d(state="INITIALIZING"),
        False,
    ),  # [OPS] anything-but ignore case
    (
        {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        d(FilePath="/usr/lib/x"),
        False,
    ),  # [OPS] anything-but wildcard
    ({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, d(FilePath="/usr/bin/x"), True),  # [OPS]
    (
        {"detail": {"state": [{"anything-but": "x"}]}},
        d(other=1),
        False,
    ),  # [RULER] anything-but needs the field (use exists:false for absence)
    (
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        RULER_EVENT,
        True,
    ),  # [CF] numeric
    ({"detail": {"c-count": [{"numeric": [">", 5]}]}}, RULER_EVENT, False),  # [CF] numeric bound
    (
        {"detail": {"c-count": [{"numeric": [">", 0]}]}},
        d(**{"c-count": "5"}),
        False,
    ),  # [CF] "only work with values that are JSON numbers"
    ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, RULER_EVENT, True),  # [CF] IP address matching
    ({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, RULER_EVENT, False),  # [CF]
    ({"detail": {"ip": [{"cidr": "2001:db8::/32"}]}}, d(ip="2001:db8::1"), True),  # [CF] "both IPv4 and IPv6"
    ({"detail": {"c-count": [{"exists": True}]}}, RULER_EVENT, True),  # [RULER] exists true
    ({"detail": {"c-count": [{"exists": False}]}}, d(state=["initializing", "running"]), True),  # [CF] exists false
    (
        {"detail": {"c-count": [{"exists": False}]}},
        d(**{"c-count": {"c1": 100}}),
        True,
    ),  # [CF] "also matches ... because c-count isn't a leaf node"
    (
        {"detail": {"c-count": [{"exists": True}]}},
        d(**{"c-count": {"c1": 100}}),
        False,
    ),  # [CF] exists works on leaf nodes only
    ({"source": [{"equals-ignore-case": "AWS.EC2"}]}, RULER_EVENT, True),  # [OPS] equals ignore case
    ({"detail": {"Name": ["Alice"]}}, d(Name="alice"), False),  # [OPS] equals is case-sensitive
    ({"detail": {"LastName": [""]}}, d(LastName=""), True),  # [OPS] empty
    ({"detail": {"LastName": [None]}}, d(LastName=None), True),  # [OPS] null ("UserID": [ null ])
    ({"detail": {"LastName": [None]}}, d(LastName=""), False),  # [OPS] null is not the empty string
    ({"detail": {"LastName": [None]}}, d(Other=1), False),  # [OPS] null needs the field present
    ({"source": [{"wildcard": "Simple*Service"}]}, {"source": "Simple Queue Service"}, True),  # [RULER] wildcard
    (
        {"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
        d(EventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/default"),
        True,
    ),  # [OPS] wildcard
    ({"detail": {"f": [{"wildcard": "a\\*b"}]}}, d(f="a*b"), True),  # [RULER] escaped asterisk
    ({"detail": {"f": [{"wildcard": "a\\*b"}]}}, d(f="axxb"), False),  # [RULER]
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
        },
        {"source": "aws.cloudwatch", "namespace": "AWS/ES"},
        True,
    ),  # [RULER] "$or"
    (
        {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]},
        {"source": "aws.cloudwatch", "namespace": "AWS/ES"},
        False,
    ),  # [RULER]
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["X"]}, {"metricType": ["MetricType"], "namespace": ["AWS/EC2"]}],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2"},
        True,
    ),  # [RULER] "Or has an And inside"
    ({"detail": {"count": [5]}}, d(count=5.0), True),  # [RULER] JSON numbers compare numerically
    ({"detail": {"count": ["5"]}}, d(count=5), False),  # [RULER] JSON text matching: "5" is a string
]


@pytest.mark.parametrize(("pattern", "event", "expected"), CASES)
def test_documented_examples(pattern: dict, event: dict, expected: bool) -> None:
    assert parse_event_pattern(pattern).matches(event) is expected


ERRORS = [
    ('{"source": ', ""),  # [SYN] a pattern is JSON
    ({}, ""),  # [SYN] a pattern names at least one field
    ({"source": "aws.ec2"}, "/source"),  # [SYN] "the value to match is in a JSON array"
    ({"source": []}, "/source"),  # [SYN] empty arrays match nothing
    ({"detail": {"x": [{"prefix": 5}]}}, "/detail/x/0/prefix"),  # [CF] prefix on strings
    ({"detail": {"x": [{"numeric": [">>", 1]}]}}, "/detail/x/0/numeric/0"),  # [CF] numeric operators
    (
        {"detail": {"x": [{"anything-but": ["a", 1]}]}},
        "/detail/x/0/anything-but",
    ),  # [CF] "lists that contain only strings, or only numbers"
    (
        {"detail": {"x": [{"wildcard": "a**b"}]}},
        "/detail/x/0/wildcard",
    ),  # [RULER] "consecutive wildcard characters are not allowed"
    ({"detail": {"x": [{"wildcard": "a\\b"}]}}, "/detail/x/0/wildcard"),  # [RULER] backslash escapes only * or \
    ({"detail": {"x": [{"cidr": "10.0.0.0/99"}]}}, "/detail/x/0/cidr"),  # [CF] IP address matching
    ({"detail": {"x": [{"exists": "yes"}]}}, "/detail/x/0/exists"),  # [CF] exists true/false
    ({"detail": {"x": [{"contains": "a"}]}}, "/detail/x/0/contains"),  # [OPS] no "contains" operator in the AWS table
    ({"$or": [{"a": ["b"]}]}, "/$or"),  # [RULER] "There are 2+ objects in the $or array"
]


@pytest.mark.parametrize(("pattern", "path"), ERRORS)
def test_invalid_patterns_report_a_path(pattern, path: str) -> None:
    with pytest.raises(EventPatternError) as info:
        parse_event_pattern(pattern)
    assert info.value.path == path


def test_cloudtrail_envelope() -> None:
    items = load_items()
    login = items["console-signin-without-mfa"].must_match[0]
    env = cloudtrail_event_envelope(login)
    assert env["detail-type"] == "AWS Console Sign In via CloudTrail"
    assert env["source"] == "aws.signin" and env["detail"] is login
    iam = items["iam-policy-changes"].must_match[0]
    env = cloudtrail_event_envelope(iam)
    assert (env["source"], env["detail-type"], env["version"]) == ("aws.iam", "AWS API Call via CloudTrail", "0")
    assert env["region"] == iam["awsRegion"] and env["account"]
    svc = cloudtrail_event_envelope({"eventSource": "sso.amazonaws.com", "eventType": "AwsServiceEvent"})
    assert svc["detail-type"] == "AWS Service Event via CloudTrail"


def test_read_only_calls_are_not_delivered_by_default() -> None:
    # [CWE] "Read-only operations - such as those that begin with List, Get, or Describe - aren't supported."
    assert not delivered_to_default_bus({"eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances"})
    assert delivered_to_default_bus(
        {"eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances"}, include_read_only=True
    )
    assert delivered_to_default_bus({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "readOnly": False})
    assert not delivered_to_default_bus({"eventSource": "kms.amazonaws.com", "eventName": "Decrypt", "readOnly": True})
    # "... AWS API call events that are larger than 256 KB in size are not supported."
    assert not delivered_to_default_bus(
        {"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy", "x": "a" * 300_000}
    )


IAM_NAMES = list(load_items()["iam-policy-changes"].event_names)


def test_judge_event_rule_pass_narrow_overbroad() -> None:
    good = {"source": ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"], "detail": {"eventName": IAM_NAMES}}
    assert judge_event_rule("iam-policy-changes", good).passes
    narrow = {"source": ["aws.iam"], "detail": {"eventName": IAM_NAMES[:-1]}}
    assert "iam:DetachGroupPolicy" in judge_event_rule("iam-policy-changes", narrow).missed
    broad = {"source": ["aws.iam"]}
    verdict = judge_event_rule("iam-policy-changes", broad)
    # iam:GetPolicy never reaches the bus, so only the write call counts as over-broad.
    assert verdict.overbroad == ("iam:CreateUser",)


def test_undelivered_required_events_are_not_required() -> None:
    rule = {"detail": {"errorCode": [{"wildcard": "*UnauthorizedOperation"}, {"prefix": "AccessDenied"}]}}
    verdict = judge_event_rule("unauthorized-api-calls", rule)
    assert verdict.passes
    # Read-only calls (List*, Describe*, Decrypt) are not delivered without the all-management-events state.
    assert verdict.not_delivered == (
        "ec2:DescribeInstances (Client.UnauthorizedOperation)",
        "kms:Decrypt (AccessDeniedException)",
        "lambda:ListFunctions20150331 (AccessDenied, IAMUser) [recorded]",
        "ec2:DescribeInstanceAttribute (Client.UnauthorizedOperation, AssumedRole) [recorded]",
    )
    with_reads = judge_event_rule("unauthorized-api-calls", rule, include_read_only=True)
    assert with_reads.passes and not with_reads.not_delivered


def test_console_signin_rule() -> None:
    rule = {
        "detail-type": ["AWS Console Sign In via CloudTrail"],
        "detail": {"eventName": ["ConsoleLogin"], "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]}},
    }
    assert judge_event_rule("console-signin-without-mfa", rule).passes


def test_invalid_rule_is_an_error_verdict() -> None:
    verdict = judge_event_rule("vpc-changes", {"source": "aws.ec2"})
    assert not verdict.passes and "/source" in verdict.error


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "a",
                    "$or",
                    "prefix",
                    "suffix",
                    "numeric",
                    "exists",
                    "cidr",
                    "wildcard",
                    "anything-but",
                    "equals-ignore-case",
                ]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_json, _json)
def test_fuzz_only_documented_errors(pattern, event) -> None:
    try:
        compiled = parse_event_pattern(pattern)
    except EventPatternError:
        return
    compiled.matches(event if isinstance(event, dict) else {"a": event})
