"""Tests for ctguard.parsers.cloudformation.schema against the vendored cfn-lint provider schemas."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ctguard.parsers.cloudformation import schema as cfn_schema
from ctguard.parsers.cloudformation.schema import SchemaProblem, known_types, property_names, validate_properties

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "vendor_cfn_schemas.py"
VENDORED = REPO / "ctguard" / "data" / "cfn_schemas.json"

TRAIL = "AWS::CloudTrail::Trail"
BUCKET = "AWS::S3::Bucket"
NO_VALUE = {"Ref": "AWS::NoValue"}
_DROP = object()  # trail(Prop=_DROP) leaves Prop out


def trail(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "TrailName": {"Fn::Sub": "org-trail-${Env}"},
        "S3BucketName": {"Ref": "TrailBucket"},
        "IsLogging": True,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "IsOrganizationTrail": False,
        "KMSKeyId": {"Fn::GetAtt": ["TrailKey", "Arn"]},
        "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["TrailLogs", "Arn"]},
        "CloudWatchLogsRoleArn": {"Fn::GetAtt": ["TrailLogsRole", "Arn"]},
        "EventSelectors": [
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
        "InsightSelectors": [{"InsightType": "ApiCallRateInsight"}],
        "Tags": [{"Key": "team", "Value": "security"}],
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not _DROP}


ADVANCED = [
    {
        "Name": "S3 data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        ],
    }
]


# --- inputs that must validate cleanly -------------------------------------------------

VALID = [
    pytest.param(TRAIL, trail(), id="trail-complete"),
    pytest.param(TRAIL, trail(EventSelectors=_DROP, AdvancedEventSelectors=ADVANCED), id="trail-advanced-selectors"),
    pytest.param(TRAIL, trail(IsMultiRegionTrail="true", IsLogging="False"), id="trail-boolean-strings"),
    pytest.param(
        TRAIL,
        trail(IsLogging={"Fn::If": ["IsProd", True, NO_VALUE]}, EventSelectors={"Fn::If": ["IsProd", [], NO_VALUE]}),
        id="intrinsic-if-novalue",
    ),
    pytest.param(
        TRAIL,
        trail(EventSelectors=[{"Fn::If": ["C", {"ReadWriteType": "Bad"}, NO_VALUE]}]),
        id="intrinsic-list-item-not-descended",
    ),
    pytest.param(
        TRAIL,
        trail(
            AdvancedEventSelectors=[
                {
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": {"Fn::Split": [",", {"Ref": "Categories"}]}},
                        {"Field": {"Ref": "FieldParam"}, "StartsWith": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::b/"}]},
                    ]
                }
            ],
            EventSelectors=_DROP,
        ),
        id="intrinsic-nested",
    ),
    pytest.param(TRAIL, {"Fn::If": ["IsProd", {"IsLogging": True}, {"Foo": 1}]}, id="intrinsic-whole-properties"),
    pytest.param(TRAIL, trail(IsLogging={"Condition": "LoggingOn"}), id="intrinsic-condition-key"),
    pytest.param(
        BUCKET,
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "Key"}},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": "true",
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"},
        },
        id="bucket-encrypted-versioned",
    ),
    # The S3::BucketPolicy schema says PolicyDocument is "type": ["object", "string"].
    pytest.param(
        "AWS::S3::BucketPolicy",
        {"Bucket": {"Ref": "B"}, "PolicyDocument": {"Version": "2012-10-17"}},
        id="bucket-policy-object",
    ),
    pytest.param(
        "AWS::S3::BucketPolicy",
        {"Bucket": "b", "PolicyDocument": '{"Version": "2012-10-17"}'},
        id="bucket-policy-json-string",
    ),
    pytest.param("AWS::KMS::Key", {"EnableKeyRotation": "false", "KeyPolicy": {"Statement": []}}, id="kms-key"),
    # 400 is one of the RetentionInDays values the schema enumerates; "365" compares as 365.
    pytest.param("AWS::Logs::LogGroup", {"RetentionInDays": 400}, id="log-group-retention-400"),
    pytest.param("AWS::Logs::LogGroup", {"RetentionInDays": "365"}, id="log-group-retention-string"),
    pytest.param(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow"}]}, "MaxSessionDuration": "3600", "Path": "/"},
        id="iam-role",
    ),
    pytest.param(
        "AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": {}, "Roles": [{"Ref": "R"}]}, id="iam-policy-roles"
    ),
    pytest.param(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "m",
            "Namespace": "CloudTrailMetrics",
            "Threshold": "1",
            "EvaluationPeriods": "1",
            "Period": 300.0,
            "Statistic": "Sum",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
        id="alarm",
    ),
    pytest.param("AWS::Unknown::Thing", {"Anything": [1, 2]}, id="unknown-type"),
    pytest.param("AWS::Unknown::Thing", None, id="unknown-type-null"),
]


@pytest.mark.parametrize(("resource_type", "properties"), VALID)
def test_valid(resource_type: str, properties: Any) -> None:
    assert validate_properties(resource_type, properties) == []


# --- inputs with exactly the problem named ---------------------------------------------

INVALID = [
    pytest.param(TRAIL, trail(KmsKeyId="alias/x"), ("KmsKeyId",), "unknown-property", id="trail-kmskeyid-case"),
    pytest.param(TRAIL, trail(IsMultiRegionTrial=True), ("IsMultiRegionTrial",), "unknown-property", id="trail-typo"),
    pytest.param(
        TRAIL, trail(IsMultiRegionTrail=[True]), ("IsMultiRegionTrail",), "wrong-type", id="trail-boolean-as-list"
    ),
    pytest.param(TRAIL, trail(IsMultiRegionTrail="yes"), ("IsMultiRegionTrail",), "wrong-type", id="trail-boolean-yes"),
    pytest.param(
        TRAIL,
        trail(EventSelectors={"ReadWriteType": "All"}),
        ("EventSelectors",),
        "wrong-type",
        id="trail-selectors-as-map",
    ),
    pytest.param(
        TRAIL,
        trail(EventSelectors=[{"ReadWriteType": "Everything"}]),
        ("EventSelectors", 0, "ReadWriteType"),
        "invalid-enum",
        id="trail-readwritetype-enum",
    ),
    pytest.param(
        TRAIL,
        trail(EventSelectors=[{"DataResources": [{"Values": ["arn:aws:s3"]}]}]),
        ("EventSelectors", 0, "DataResources", 0),
        "missing-required",
        id="trail-dataresource-type",
    ),
    pytest.param(
        TRAIL,
        trail(
            EventSelectors=_DROP,
            AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "eventCategory", "Equals": "Data"}]}],
        ),
        ("AdvancedEventSelectors", 0, "FieldSelectors", 0, "Equals"),
        "wrong-type",
        id="trail-equals-not-list",
    ),
    pytest.param(
        TRAIL,
        trail(EventSelectors=_DROP, AdvancedEventSelectors=[{"FieldSelectors": []}]),
        ("AdvancedEventSelectors", 0, "FieldSelectors"),
        "length",
        id="trail-fieldselectors-min-items",
    ),
    pytest.param(
        TRAIL,
        trail(EventSelectors=[{"ReadWriteType": "All"}] * 6),
        ("EventSelectors",),
        "length",
        id="trail-too-many-selectors",
    ),
    pytest.param(TRAIL, trail(IsLogging=_DROP), (), "missing-required", id="trail-islogging-missing"),
    pytest.param(TRAIL, trail(IsLogging=NO_VALUE), (), "missing-required", id="trail-islogging-novalue"),
    pytest.param(
        TRAIL,
        trail(Arn="arn:aws:cloudtrail:us-east-1:111122223333:trail/t"),
        ("Arn",),
        "read-only",
        id="trail-arn-read-only",
    ),
    pytest.param(TRAIL, trail(IsLogging=None), ("IsLogging",), "wrong-type", id="null-value"),
    pytest.param(TRAIL, trail(Tags=[{"Key": "k"}]), ("Tags", 0), "missing-required", id="tag-without-value"),
    pytest.param(
        BUCKET,
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
            }
        },
        ("BucketEncryption", "ServerSideEncryptionConfiguration"),
        "wrong-type",
        id="bucket-encryption-not-list",
    ),
    pytest.param(
        BUCKET,
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "KMS"}}]
            }
        },
        ("BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"),
        "invalid-enum",
        id="bucket-sse-algorithm",
    ),
    pytest.param(
        BUCKET,
        {"BucketEncryption": {"SSEAlgorithm": "aws:kms"}},
        ("BucketEncryption", "SSEAlgorithm"),
        "unknown-property",
        id="bucket-encryption-flattened",
    ),
    pytest.param(
        BUCKET,
        {"VersioningConfiguration": {"Status": "Enable"}},
        ("VersioningConfiguration", "Status"),
        "invalid-enum",
        id="bucket-versioning-status",
    ),
    pytest.param(
        BUCKET,
        {
            "MetadataTableConfiguration": {
                "S3TablesDestination": {"TableBucketArn": "arn", "TableName": "t", "TableArn": "arn:x"}
            }
        },
        ("MetadataTableConfiguration", "S3TablesDestination", "TableArn"),
        "read-only",
        id="bucket-nested-read-only",
    ),
    pytest.param(
        "AWS::S3::BucketPolicy",
        {"Bucket": "b", "PolicyDocument": ["Statement"]},
        ("PolicyDocument",),
        "wrong-type",
        id="bucket-policy-list",
    ),
    pytest.param(
        "AWS::KMS::Key", {"EnableKeyRotation": "yes"}, ("EnableKeyRotation",), "wrong-type", id="kms-rotation-yes"
    ),
    pytest.param(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": 42},
        ("RetentionInDays",),
        "invalid-enum",
        id="log-group-retention-42",
    ),
    pytest.param(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": "forever"},
        ("RetentionInDays",),
        "wrong-type",
        id="log-group-retention-text",
    ),
    pytest.param("AWS::IAM::Role", {"RoleName": "r"}, (), "missing-required", id="iam-role-no-trust-policy"),
    pytest.param(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": [{"Effect": "Allow"}]},
        ("AssumeRolePolicyDocument",),
        "wrong-type",
        id="iam-role-trust-policy-list",
    ),
    pytest.param(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {}, "MaxSessionDuration": 60},
        ("MaxSessionDuration",),
        "range",
        id="iam-role-session-too-short",
    ),
    pytest.param(
        "AWS::IAM::Policy",
        {"PolicyName": "p", "PolicyDocument": {}},
        (),
        "missing-required",
        id="iam-policy-no-principal",
    ),
    pytest.param(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "m", "Metrics": [], "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold"},
        ("MetricName",),
        "excluded",
        id="alarm-metric-and-metrics",
    ),
    pytest.param("AWS::Events::Rule", {"State": "ENABLED"}, (), "missing-required", id="rule-no-pattern"),
    pytest.param("AWS::KMS::Key", None, (), "wrong-type", id="null-properties"),
    pytest.param("AWS::KMS::Key", [{"EnableKeyRotation": True}], (), "wrong-type", id="list-properties"),
    pytest.param("AWS::KMS::Key", {123: True}, (123,), "wrong-type", id="number-as-name"),
    pytest.param("AWS::KMS::Key", {True: "x"}, (True,), "wrong-type", id="boolean-as-name"),
]


@pytest.mark.parametrize(("resource_type", "properties", "path", "kind"), INVALID)
def test_invalid(resource_type: str, properties: Any, path: tuple[str | int, ...], kind: str) -> None:
    problems = validate_properties(resource_type, properties)
    assert (path, kind) in {(p.path, p.kind) for p in problems}, problems
    assert all(p.message for p in problems)


def test_case_insensitive_did_you_mean_message() -> None:
    [problem] = validate_properties(TRAIL, trail(KmsKeyId="alias/x"))
    assert problem.message == (
        "Unknown property 'KmsKeyId' for AWS::CloudTrail::Trail "
        "(did you mean 'KMSKeyId'? property names are case-sensitive)"
    )


def test_difflib_did_you_mean_and_nested_message() -> None:
    [typo] = validate_properties(TRAIL, trail(IsMultiRegionTrial=True))
    assert "did you mean 'IsMultiRegionTrail'?" in typo.message
    [nested] = validate_properties(TRAIL, trail(EventSelectors=[{"ReadWriteType": "All", "DataResource": []}]))
    assert nested.path == ("EventSelectors", 0, "DataResource")
    assert "in 'EventSelectors[0]' of AWS::CloudTrail::Trail" in nested.message
    assert "did you mean 'DataResources'?" in nested.message


def test_messages_say_found_and_expected() -> None:
    [wrong] = validate_properties(TRAIL, trail(IsMultiRegionTrail=[True]))
    assert "expected a boolean" in wrong.message and "got a list of 1 item" in wrong.message
    [enum] = validate_properties(BUCKET, {"VersioningConfiguration": {"Status": "enabled"}})
    assert "'Enabled', 'Suspended'" in enum.message and "did you mean 'Enabled'?" in enum.message
    [either] = validate_properties("AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": {}})
    assert "'Users', 'Groups', 'Roles'" in either.message


def test_only_the_expected_problems_for_a_mixed_resource() -> None:
    props = trail(KmsKeyId="k", IsLogging=_DROP, Arn="a", EventSelectors={"ReadWriteType": "All"})
    kinds = sorted((p.kind, p.path) for p in validate_properties(TRAIL, props))
    assert kinds == [
        ("missing-required", ()),
        ("read-only", ("Arn",)),
        ("unknown-property", ("KmsKeyId",)),
        ("wrong-type", ("EventSelectors",)),
    ]


class _Node(dict):  # stands in for cfn-lint's dict_node / str_node, which carry line marks
    pass


class _Str(str):
    pass


def test_decoder_node_subclasses_are_handled() -> None:
    props = _Node(
        {
            _Str("S3BucketName"): _Node({_Str("Ref"): _Str("B")}),
            _Str("IsLogging"): _Str("true"),
            _Str("KmsKeyId"): _Node({_Str("Fn::GetAtt"): ["K", "Arn"]}),
        }
    )
    problems = validate_properties(TRAIL, props)
    assert [(p.path, p.kind) for p in problems] == [(("KmsKeyId",), "unknown-property")]


def test_self_referencing_structure_does_not_crash() -> None:
    loop: list[Any] = []
    loop.append(loop)
    problems = validate_properties(TRAIL, trail(EventSelectors=loop, Tags=loop))
    assert problems and all(isinstance(p, SchemaProblem) for p in problems)
    # a nested read-only path is searched through lists: this one never ends
    assert "too-deep" in {p.kind for p in validate_properties(BUCKET, {"MetadataConfiguration": loop})}


def test_schema_problem_is_frozen() -> None:
    problem = SchemaProblem(("A", 0), "wrong-type", "m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.kind = "x"  # type: ignore[misc]


def test_known_types_and_property_names() -> None:
    types = known_types()
    assert {TRAIL, "AWS::CloudTrail::EventDataStore", BUCKET, "AWS::Organizations::Organization"} <= types
    assert len(types) == 17
    names = property_names(TRAIL)
    assert {"KMSKeyId", "IsLogging", "AdvancedEventSelectors", "Arn"} <= names and "KmsKeyId" not in names
    assert property_names("AWS::Unknown::Thing") == frozenset()


def test_vendored_file_records_its_source() -> None:
    meta = json.loads(VENDORED.read_text(encoding="utf-8"))["meta"]
    assert meta["cfn_lint_version"] and meta["cfn_lint_version"][0].isdigit()
    assert meta["region"] == "us-east-1"
    assert cfn_schema.schema_source()["cfn_lint_version"] == meta["cfn_lint_version"]


def test_runtime_and_script_import_neither_cfnlint_nor_jsonschema() -> None:
    code = (
        "import runpy, sys, tempfile, os\n"
        "from ctguard.parsers.cloudformation.schema import validate_properties\n"
        "validate_properties('AWS::CloudTrail::Trail', {'KmsKeyId': 1})\n"
        "assert not {'cfnlint', 'jsonschema'} & set(sys.modules), 'runtime'\n"
        "if len(sys.argv) > 1:\n"
        "    sys.argv = ['vendor', '--quiet', '--output', os.path.join(tempfile.mkdtemp(), 'o.json')]\n"
        "    try:\n"
        f"        runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "    assert 'cfnlint' not in sys.modules, 'script'\n"
    )
    args = [sys.executable, "-c", code] + (["script"] if importlib.util.find_spec("cfnlint") else [])
    subprocess.run(args, cwd=REPO, check=True)


@pytest.mark.skipif(importlib.util.find_spec("cfnlint") is None, reason="cfn-lint is not installed")
def test_generation_is_deterministic_and_matches_committed_file(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.json", "b.json"):
        subprocess.run([sys.executable, str(SCRIPT), "--quiet", "--output", str(tmp_path / name)], check=True)
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    installed = json.loads(outputs[0])["meta"]["cfn_lint_version"]
    committed = json.loads(VENDORED.read_text(encoding="utf-8"))["meta"]["cfn_lint_version"]
    if installed != committed:
        pytest.skip(f"installed cfn-lint {installed} != vendored {committed}: re-run {SCRIPT.name}")
    assert outputs[0] == VENDORED.read_bytes()


def test_an_integer_no_float_holds_is_validated_without_a_crash() -> None:
    """Found by the fuzzer: float(10**400) raised OverflowError inside the range check."""
    huge = 10**400
    problems = validate_properties(
        "AWS::CloudWatch::Alarm",
        {
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": huge,
            "MetricName": "m",
            "Namespace": "n",
            "Period": 300,
            "Statistic": "Sum",
            "Threshold": 1,
        },
    )
    assert isinstance(problems, list)  # validated (a whole number, so the type holds) without an internal error
