"""CloudFormation parser problems: CT001 syntax, CT002 schema, CT003 duplicates, CT004 references."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard.parsers.cloudformation.parse import parse
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cloudformation"


def parse_fixture(name: str):
    return parse(name, (FIXTURES / name).read_text(), ParseContext())


def summary(result) -> list[tuple[str, int, int]]:
    return [(p.rule_id, p.span.line, p.span.column) for p in result.problems]


# --- CT001 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line, column, words",
    [
        ("broken.yaml", 8, 1, "invalid YAML"),
        ("broken.json", 6, 7, "invalid JSON: Expecting ',' delimiter"),
    ],
)
def test_syntax_errors(name, line, column, words):
    result = parse_fixture(name)
    assert result.unusable
    (problem,) = result.problems
    assert (problem.rule_id, problem.span.line, problem.span.column) == ("CT001", line, column)
    assert words in problem.message
    assert result.variants == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- a\n- b\n", "the document is a list"),
        ("just a string\n", "the document is a string"),
        (
            "AWSTemplateFormatVersion: '2010-09-09'\nParameters: {}\n",
            "no Resources section although it has AWSTemplateFormatVersion, Parameters",
        ),
        ("Resources:\n  - Type: AWS::S3::Bucket\n", "Resources is a list"),
        ("Resources: !Ref X\n", "Resources is an intrinsic function (Ref)"),
        ("a: &x [*x]\n", ""),
        ("Resources:\n  A: {<<: {Type: x}}\n", "merge keys"),
        ("[1, 2", "invalid JSON"),
        ('{"Resources": {"A": {]}}', "invalid JSON"),
    ],
)
def test_unusable_documents(text, words):
    result = parse("t.yaml", text, ParseContext())
    assert result.unusable
    assert result.problems[0].rule_id == "CT001"
    assert words in result.problems[0].message
    assert result.variants == []


# --- CT003 --------------------------------------------------------------------------------------


def test_duplicate_keys():
    result = parse_fixture("duplicate-keys.yaml")
    assert summary(result) == [("CT003", 11, 7), ("CT003", 15, 11)]
    assert "'IsLogging'" in result.problems[0].message and "line 9" in result.problems[0].message
    assert "line 13" in result.problems[1].message
    (trail,) = result.variants[0].trails
    assert trail.is_logging == Unknown("duplicate key IsLogging (lines 9 and 11)")
    assert trail.is_multi_region == Known(True)
    (selector,) = trail.event_selectors.value
    assert selector.read_write_type == Unknown("duplicate key ReadWriteType (lines 13 and 15)")
    assert selector.include_management_events == Known(True)


def test_duplicate_parameter_default_and_logical_id():
    text = """
Parameters:
  Name:
    Type: String
    Default: a
    Default: b
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: {S3BucketName: x, IsLogging: true}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: {S3BucketName: !Ref Name, IsLogging: true}
"""
    result = parse("t.yaml", text, ParseContext())
    assert summary(result) == [("CT003", 6, 5), ("CT003", 11, 3)]
    (trail,) = result.variants[0].trails  # a duplicated logical id: the loader keeps the last one
    assert trail.s3_bucket_name == Unknown("duplicate key Default (lines 5 and 6)")


# --- CT004 --------------------------------------------------------------------------------------


def test_undefined_references():
    result = parse_fixture("undefined-ref.yaml")
    assert summary(result) == [("CT004", 10, 21), ("CT004", 11, 17), ("CT004", 12, 20), ("CT004", 13, 18)]
    messages = [p.message for p in result.problems]
    assert "Ref to undefined 'Buckett'" in messages[0]
    assert "Fn::GetAtt to undefined resource 'Kee'" in messages[1]
    assert "'Missing'" in messages[2]
    assert "undefined condition 'IsProduction'" in messages[3]
    (trail,) = result.variants[0].trails
    assert trail.s3_bucket_name == Unknown("Ref to undefined 'Buckett'")
    assert trail.kms_key_id == Unknown("Fn::GetAtt to undefined resource 'Kee'")
    assert isinstance(trail.s3_key_prefix, Unknown) and isinstance(trail.is_logging, Unknown)
    assert trail.bucket is None and trail.kms_key is None


def test_problems_are_reported_once_across_variants():
    text = """
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: !Ref Nope
      IsLogging: !If [IsProd, true, false]
"""
    result = parse("t.yaml", text, ParseContext())
    assert len(result.variants) == 2
    assert summary(result) == [("CT004", 10, 21)]


def test_undefined_mapping():
    text = """
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: !FindInMap [Missing, a, b]
      IsLogging: true
"""
    result = parse("t.yaml", text, ParseContext())
    assert [p.rule_id for p in result.problems] == ["CT004"]
    assert "Missing" in result.problems[0].message


# --- wrong types: the model side (no schema validator needed) -------------------------------------


@pytest.mark.parametrize(
    "field, expected",
    [
        ("is_logging", Unknown("IsLogging is a list, expected a boolean")),
        ("is_multi_region", Unknown("IsMultiRegionTrail is a string ('yes please'), expected a boolean")),
        ("log_file_validation", Unknown("EnableLogFileValidation is a mapping, expected a boolean")),
        ("s3_key_prefix", Unknown("S3KeyPrefix is a list, expected a string")),
        ("include_global_service_events", Known(True)),  # "TRUE" is accepted
        ("event_selectors", Unknown("EventSelectors is a string ('All'), expected a list")),
        ("insight_selectors", Unknown("InsightSelectors[0] is a string ('ApiCallRateInsight'), expected a mapping")),
        ("tags", Unknown("Tags is a mapping, expected a list")),
        ("kms_key_id", ABSENT),
    ],
)
def test_wrong_types_become_unknown(field, expected):
    (trail,) = parse_fixture("wrong-types.yaml").variants[0].trails
    assert getattr(trail, field) == expected


def test_wrong_types_in_related_resources_and_selectors():
    model = parse_fixture("wrong-types.yaml").variants[0]
    bucket = model.resource("bucket", "Bucket")
    assert bucket.versioning == Unknown("VersioningConfiguration is a string ('Enabled'), expected a mapping")
    assert bucket.object_lock == Unknown("ObjectLockEnabled is a list, expected a boolean")
    assert model.resource("log_group", "Logs").retention_days == Unknown(
        "RetentionInDays is a string ('a year'), expected an integer"
    )
    (selector,) = model.trails[0].advanced_event_selectors.value
    (field,) = selector.field_selectors
    assert field.field == "eventCategory"
    assert isinstance(field.equals[0], Unknown)


def test_structural_mistakes_in_resources():
    text = """
Resources:
  NoType:
    Properties: {}
  NotAMapping: 42
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: [1, 2]
"""
    result = parse("t.yaml", text, ParseContext())
    assert summary(result)[:3] == [("CT002", 3, 3), ("CT002", 5, 3), ("CT002", 8, 5)]
    (trail,) = result.variants[0].trails
    # Not read is not "left at the AWS default": nothing about the trail may PASS (issue 17).
    assert trail.is_logging == Unknown("the trail's Properties are a list, not a mapping")


def test_self_referencing_names_do_not_hang():
    text = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Bucket
  Other:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Third}-x"
  Third:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !GetAtt Other.Arn
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: {S3BucketName: !Ref Bucket, IsLogging: true, S3KeyPrefix: !Ref Other}
"""
    (model,) = parse("t.yaml", text, ParseContext()).variants
    trail = model.trails[0]
    assert trail.s3_bucket_name == Unknown("the name of Bucket refers to itself")
    assert isinstance(trail.s3_key_prefix, Unknown)
    assert trail.bucket == "Bucket"


# --- CT002 from the resource-schema validator ---------------------------------------------------


def test_kmskeyid_typo_is_reported_and_does_not_set_the_key():
    pytest.importorskip("ctguard.parsers.cloudformation.schema")
    result = parse_fixture("kmskeyid-typo.yaml")
    (problem,) = result.problems
    assert (problem.rule_id, problem.span.line, problem.span.column) == ("CT002", 15, 7)
    assert "KmsKeyId" in problem.message
    assert problem.owner == ("trail", "Trail")


def test_kmskeyid_typo_model_without_validator():
    (trail,) = parse_fixture("kmskeyid-typo.yaml").variants[0].trails
    assert trail.kms_key_id is ABSENT
    assert trail.kms_key is None


def test_wrong_types_are_reported_at_their_keys():
    pytest.importorskip("ctguard.parsers.cloudformation.schema")
    result = parse_fixture("wrong-types.yaml")
    assert all(p.rule_id == "CT002" for p in result.problems)
    lines = {p.span.line for p in result.problems}
    # bucket versioning/object lock, log group retention, then the trail's IsLogging .. Tags
    assert {6, 7, 11, 16, 17, 18, 19, 21, 23, 28} <= lines
    assert not any(p.span.line == 20 for p in result.problems)  # "TRUE" is a boolean to CloudFormation
    is_logging = next(p for p in result.problems if p.span.line == 16)
    assert "IsLogging" in is_logging.message
    assert is_logging.path == ("is_logging",)


def test_missing_required_properties_point_at_the_resource():
    pytest.importorskip("ctguard.parsers.cloudformation.schema")
    text = """
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
  Other:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
"""
    result = parse("t.yaml", text, ParseContext())
    found = {(p.span.line, p.span.column) for p in result.problems if p.rule_id == "CT002"}
    assert (3, 3) in found  # no Properties at all: the logical id
    assert (7, 5) in found  # S3BucketName missing: the Properties key
