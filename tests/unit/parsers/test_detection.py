"""Detection by meaning: every shape under fixtures/detection/ is read as what it is (issue 15 bullet 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ctguard.api import check
from ctguard.parsers import dispatch
from ctguard.parsers.context import ParseContext
from ctguard.values import Known

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "detection"

ONE_TRAIL = [
    "tf-unquoted-labels",
    "tf-comment-before-label",
    "tf-escaped-label",
    "tf-inline-comment",
    "tf-json",
    "cfn-yaml-x-escape",
    "cfn-folded-type",
    "cfn-json-u-escape",
    "plan-escaped",
    "serverless",
]


def _inputs(path: Path) -> list:
    return list(dispatch.parse_paths([str(path)], ParseContext(), jobs=1))


@pytest.mark.parametrize("name", ONE_TRAIL)
def test_each_spelling_of_a_trail_is_read_as_one_trail(name: str) -> None:
    inputs = _inputs(FIX / name)
    assert len(inputs) == 1, [i.path for i in inputs]
    parsed = inputs[0]
    assert not [p for p in parsed.problems if p.rule_id == "CT001"], parsed.problems
    trails = [t for model in parsed.variants for t in model.trails]
    assert len(trails) == 1
    assert trails[0].is_multi_region == Known(True) or name == "serverless"


def test_inline_block_comments_are_white_space() -> None:
    (parsed,) = _inputs(FIX / "tf-inline-comment")
    (trail,) = parsed.variants[0].trails
    assert trail.log_file_validation.value is True  # the value after a two-line /* */ comment
    assert trail.is_organization.value is True
    assert trail.tags.value == {"Owner": "security"}


def test_a_module_of_cis_metric_filters_alone_is_checked() -> None:
    report = check([FIX / "tf-cis-alarms-only"])
    assert len(report.inputs) == 1
    ids = {f.rule_id for f in report.findings}
    assert "CT501" in ids and "CT503" in ids  # judged on the filters it holds
    assert not report.unusable


def test_serverless_findings_point_into_the_serverless_file() -> None:
    report = check([FIX / "serverless"])
    located = [f for f in report.findings if f.resource == "Trail" and f.line > 1]
    assert located and all(f.file.endswith("serverless.yml") for f in located)
    assert min(f.line for f in located) >= 15  # the trail's lines, not the file's head


def test_describe_trails_sidecars_scan_clean(tmp_path: Path) -> None:
    report = check([FIX / "describe-trails-sidecars"])
    assert not report.unusable
    assert [i.kind for i in report.inputs] == ["aws-cli"]


def test_a_sidecar_given_alone_checks_its_describe_trails_file() -> None:
    """What the pre-commit hook does when only a sidecar changed."""
    sidecar = FIX / "describe-trails-sidecars" / "trails.main-trail.event-selectors.json"
    inputs = _inputs(sidecar)
    assert [Path(i.path).name for i in inputs] == ["trails.json"]
    assert not inputs[0].problems or all(p.rule_id != "CT001" for p in inputs[0].problems)


def test_a_sidecar_without_its_describe_trails_file_is_an_error(tmp_path: Path) -> None:
    shutil.copy(FIX / "describe-trails-sidecars" / "trails.main-trail.event-selectors.json", tmp_path)
    (parsed,) = _inputs(tmp_path)
    assert [p.rule_id for p in parsed.problems] == ["CT001"]
    assert "describe-trails" in parsed.problems[0].message


def test_files_that_only_mention_cloudtrail_are_not_inputs() -> None:
    assert _inputs(FIX / "not-inputs") == []


def test_a_broken_template_that_mentions_a_trail_is_reported(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("Resources:\n  T:\n    Type: >-\n      AWS::CloudTrail::Trail\n  : [\n")
    (parsed,) = _inputs(tmp_path)
    assert [p.rule_id for p in parsed.problems] == ["CT001"]


def test_a_file_too_large_to_read_is_reported_when_a_trail_is_past_its_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctguard.parsers import scan

    monkeypatch.setattr(scan, "MAX_FILE_BYTES", 100_000)
    filler = "".join(f"  R{i}:\n    Type: Custom::Filler\n" for i in range(8000))
    (tmp_path / "big.yaml").write_text("Resources:\n" + filler + '  T:\n    Type: "AWS::Cloud\\x54rail::Trail"\n')
    (parsed,) = _inputs(tmp_path)
    assert "larger than" in parsed.problems[0].message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "cfn-custom-resource-trail",
            ["TrailFunction (AWS::Lambda::Function) calls CreateTrail", "Trail (Custom::Trail) looks like a trail"],
        ),
        ("cfn-foreach", ["Fn::ForEach::Trails creates trails in a loop"]),
        ("cfn-macro", ["macro AcmeTrailDefaults"]),
    ],
)
def test_trails_ctguard_cannot_see_inside_are_named(name: str, expected: list[str]) -> None:
    report = check([FIX / name])
    ct005 = sorted(f.message for f in report.findings if f.rule_id == "CT005")
    assert len(ct005) == len(expected)
    for message, start in zip(ct005, sorted(expected), strict=False):
        assert start in message and ("ctguard audit" in message or "Processed" in message)


def test_a_custom_resource_that_is_not_a_trail_is_not_named(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "Resources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
        "      S3BucketName: b\n      IsLogging: true\n  Seed:\n    Type: Custom::Seed\n"
        "    Properties:\n      ServiceToken: arn:aws:lambda:us-east-1:1:function:f\n"
        "      TableName: t\n"
    )
    assert not [f for f in check([tmp_path]).findings if f.rule_id == "CT005"]


def test_cdk_out_templates_are_read_and_assets_are_not() -> None:
    inputs = _inputs(FIX / "cdk-app")
    assert [Path(i.path).name for i in inputs] == ["AuditStack.template.json"]
    assert [t.key for t in inputs[0].variants[0].trails] == ["Trail022F0CF2"]


def test_references_into_counted_modules_reach_their_resources() -> None:
    (parsed,) = _inputs(FIX.parent / "terraform" / "module_count")
    model = parsed.variants[0]
    buckets = {t.key: t.bucket for t in model.trails}
    assert buckets == {
        "aws_cloudtrail.indexed": "module.log_bucket[0].aws_s3_bucket.logs",
        "aws_cloudtrail.one_of_splat": "module.optional_bucket[0].aws_s3_bucket.logs",
        "aws_cloudtrail.keyed": 'module.regional_bucket["eu"].aws_s3_bucket.logs',
    }
    names = {t.key: t.s3_bucket_name for t in model.trails}
    assert names["aws_cloudtrail.keyed"] == Known("acme-eu-logs")


def test_nested_stacks_by_path_are_read_and_packaged_ones_are_named() -> None:
    report = check([FIX / "cfn-nested-stacks"])
    assert sorted(Path(i.path).name for i in report.inputs) == ["parent.yaml", "trail.yaml"]
    ct005 = [f for f in report.findings if f.rule_id == "CT005"]
    assert [f.message.split()[0] for f in ct005] == ["AlarmsStack"]
    assert any(f.rule_id == "CT101" and f.file.endswith("trail.yaml") for f in report.findings)


def test_a_commented_out_module_call_does_not_hide_the_module(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "trail").mkdir()
    (tmp_path / "env" / "main.tf").write_text(
        '# module "t" {\n#   source = "../trail"\n# }\nresource "aws_s3_bucket" "x" {\n  bucket = "y"\n}\n'
    )
    (tmp_path / "trail" / "main.tf").write_text(
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'
    )
    inputs = _inputs(tmp_path)
    assert [Path(i.path).name for i in inputs] == ["trail"]
    assert [t.key for t in inputs[0].variants[0].trails] == ["aws_cloudtrail.t"]


def test_a_trail_whose_template_is_broken_around_it_is_a_ct001(tmp_path) -> None:
    """Shapes of the final fuzz run: the Resources key garbled (the file still loads), or the
    YAML broken on the line before the trail. Both used to be '0 CloudTrail-related inputs'."""
    from ctguard.api import check

    (tmp_path / "garbled-key.yaml").write_text(
        "R\u00e9sources:\n  Trail:\n    Type: >-\n      AWS::CloudTrail::Trail\n    Properties:\n"
        "      S3BucketName: b\n",
        encoding="utf-8",
    )
    (tmp_path / "broken-line.yaml").write_text(
        "Description: Trail notifying the topic esources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n",
        encoding="utf-8",
    )
    report = check([tmp_path])
    unreadable = sorted(f.file.rsplit("/", 1)[-1] for f in report.unusable)
    assert unreadable == ["broken-line.yaml", "garbled-key.yaml"], report.findings
    assert report.exit_code() == 3


def test_a_broken_file_that_names_a_trail_type_is_a_ct001(tmp_path: Path) -> None:
    """Shapes of this session's fuzz run: the Type key garbled away, a stray character between the
    key and the type, a bidi mark inside a folded type. Each was '0 CloudTrail-related inputs'."""
    from ctguard.api import check

    (tmp_path / "no-type-key.json").write_text(
        '{"R "AWS::CloudTrail::Trail", "Properties": {"S3BucketName": "coBucketName": "co', encoding="utf-8"
    )
    (tmp_path / "stray-char.json").write_text(
        '{"Resources": {"Trail":\u202e {"Type": \U0001d518"AWS::CloudTrail::Trail", "Properties": {}}}}',
        encoding="utf-8",
    )
    (tmp_path / "bidi-folded.yaml").write_text(
        "Resources:\n  Trail:\n    Type: >-\n   \u202e   AWS::CloudTrail::Trail\n    Properties: [1, 2]\n"
        "      S3BucketName: acme-trail-logs\n",
        encoding="utf-8",
    )
    (tmp_path / "broken-unrelated.json").write_text('{"name": "AWS CloudTrail notes", "x": ', encoding="utf-8")
    report = check([tmp_path])
    unreadable = sorted(f.file.rsplit("/", 1)[-1] for f in report.unusable)
    assert unreadable == ["bidi-folded.yaml", "no-type-key.json", "stray-char.json"], report.findings


def test_a_trail_two_levels_under_an_unknown_key_is_a_ct001(tmp_path: Path) -> None:
    """The final fuzz run of session 6: a serverless.yml whose `resources` key was mistyped
    (`re\U0001d518sources:`) holds its template two levels down; the framework ignores the key, so
    the trail is never deployed. Said as CT001, not '0 CloudTrail-related inputs'."""
    (tmp_path / "serverless.yml").write_text(
        "service: audit\nprovider:\n  name: aws\nre\U0001d518sources:\n  Resources:\n    Trail:\n"
        "      Type: AWS::CloudTrail::Trail\n      Properties:\n        S3BucketName: b\n",
        encoding="utf-8",
    )
    (tmp_path / "template.yaml").write_text(  # the Resources line joined a comment (final fuzz run, seed 631)
        "# every fieldResources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n", encoding="utf-8"
    )
    (tmp_path / "notes.yaml").write_text(  # a deeper mention in an unrelated document stays silent
        "a:\n  b:\n    c:\n      d:\n        Trail:\n          Type: AWS::CloudTrail::Trail\n", encoding="utf-8"
    )
    report = check([tmp_path])
    assert sorted(f.file.rsplit("/", 1)[-1] for f in report.unusable) == ["serverless.yml", "template.yaml"], (
        report.findings
    )
    assert report.exit_code() == 3
