"""The CloudFormation parser never raises: mutated templates and random intrinsics give a ParsedInput."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctguard.inputs import ParsedInput
from ctguard.parsers.cloudformation.parse import MAX_VARIANTS, parse
from ctguard.parsers.context import ParseContext

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cloudformation"
TEXTS = [p.read_text() for p in sorted(FIXTURES.iterdir()) if p.is_file()]
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SNIPPETS = [
    "!Ref ",
    "!GetAtt ",
    "!Sub ",
    "!If [",
    "!Join [",
    "!Select [",
    "!Split [",
    "!FindInMap [",
    "!Equals [",
    "!Not [",
    "!Condition ",
    "!ImportValue ",
    "!Base64 ",
    "Fn::If: ",
    "Ref: ",
    "${",
    "}",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "\t",
    "&a ",
    "*a",
    "'",
    '"',
    "#",
    "AWS::NoValue",
    "Trail",
    "Bucket",
    "IsProd",
    "Condition: ",
    "Properties:",
    "Type: AWS::CloudTrail::Trail",
    "EventSelectors:",
    "true",
    "null",
    "1e9",
]


def check(result: ParsedInput) -> None:
    assert isinstance(result, ParsedInput)
    assert result.kind == "cloudformation"
    if result.unusable:
        assert result.variants == []
    else:
        assert 1 <= len(result.variants) <= MAX_VARIANTS
    for problem in result.problems:
        assert problem.span.line >= 1 and problem.span.column >= 1


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        lines = text.split("\n")
        if kind == "delete" and text:
            start = draw(st.integers(0, len(text) - 1))
            text = text[:start] + text[start + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            piece = draw(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=8)))
            text = text[:at] + piece + text[at:]
        elif kind == "duplicate":
            i = draw(st.integers(0, len(lines) - 1))
            text = "\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])
        else:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@SETTINGS
@given(mutated(), st.booleans())
def test_mutated_templates_never_raise(text, with_context):
    context = ParseContext(account_id="111122223333", region="us-east-1") if with_context else ParseContext()
    check(parse("fuzz.yaml", text, context))


NAMES = st.sampled_from(
    [
        "Trail",
        "Bucket",
        "Key",
        "Logs",
        "Env",
        "IsProd",
        "AWS::Region",
        "AWS::NoValue",
        "AWS::AccountId",
        "Nope",
        "Bucket.Arn",
        "Key.Arn",
        "Trail.Arn",
        "Map",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    NAMES,
    st.text(max_size=6),
    st.just("${Env}-${Bucket.Arn}-${!x}-${AWS::Region}"),
)
FUNCTIONS = [
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::FindInMap",
    "Fn::Base64",
    "Fn::GetAZs",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Condition",
    "Fn::Nope",
]
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(NAMES, st.sampled_from(["ReadWriteType", "Field", "Equals", "Type", "Values", "Key", "Value"])),
            inner,
            max_size=3,
        ),
        st.builds(lambda fn, arg: {fn: arg}, st.sampled_from(FUNCTIONS), inner),
    ),
    max_leaves=12,
)
TRAIL_PROPS = [
    "TrailName",
    "S3BucketName",
    "KMSKeyId",
    "IsLogging",
    "IsMultiRegionTrail",
    "EventSelectors",
    "AdvancedEventSelectors",
    "InsightSelectors",
    "Tags",
    "CloudWatchLogsLogGroupArn",
    "SnsTopicName",
]


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(TRAIL_PROPS), VALUES, max_size=6),
    st.dictionaries(st.sampled_from(["IsProd", "Other", "Third"]), VALUES, max_size=3),
    VALUES,
    VALUES,
)
def test_random_values_never_raise(properties, conditions, bucket_name, param_default):
    template = {
        "Parameters": {"Env": {"Type": "String", "Default": param_default}},
        "Mappings": {"Map": {"a": {"b": "c"}}},
        "Conditions": conditions,
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket_name}},
            "Key": {"Type": "AWS::KMS::Key", "Condition": "IsProd"},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": bucket_name}},
            "Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": properties},
        },
    }
    text = json.dumps(template, default=str)
    check(parse("fuzz.json", text, ParseContext()))
