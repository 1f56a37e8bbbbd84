"""One budget per input (issue 22 bullet 3): each breach is a finding with file and line, the rest is checked.

The hostile inputs are built at test time, smaller than issue 22's where the limit allows
(``bench/hostile_budget.py`` runs the full-size ones and reports time and memory).
"""

from __future__ import annotations

import json
from pathlib import Path

from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers.aws.cli import MAX_LISTED_TRAILS
from ctguard.parsers.context import ParseContext

CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
TRAIL_TF = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n  enable_logging = true\n}\n'


def test_a_template_over_cloudformations_limit_is_refused_and_the_rest_checked(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      Tags:\n"
        + "        - {Key: k, Value: v}\n" * 50_000
    )
    other = tmp_path / "ok.json"
    other.write_text(
        json.dumps(
            {
                "Resources": {
                    "T": {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": True, "S3BucketName": "b"}}
                }
            }
        )
    )
    report = check([big, other], context=CONTEXT)
    [refused] = report.unusable
    assert refused.file.endswith("big.yaml") and "1 MB" in refused.message
    assert any(f.file.endswith("ok.json") and f.rule_id == "CT102" and f.status is Status.PASS for f in report.findings)
    assert report.exit_code() == 3


def test_a_template_over_the_limit_is_never_loaded(tmp_path: Path, monkeypatch) -> None:
    """Refused for its size, it is not loaded either to see whether it is something else (a 4 MB
    file took 7 s in the YAML composer that way)."""
    from ctguard.parsers.cloudformation import embedded as cfn_embedded

    big = tmp_path / "big.yaml"
    big.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      Tags:\n"
        + "        - {Key: k, Value: v}\n" * 50_000
    )

    def no_load(*args, **kwargs):
        raise AssertionError("an oversized template was loaded")

    monkeypatch.setattr(cfn_embedded, "load", no_load)
    report = check([big], context=CONTEXT)
    [refused] = report.unusable
    assert "1 MB" in refused.message and report.exit_code() == 3


def test_a_tf_file_over_the_limit_is_ct001_and_the_modules_other_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "trail.tf").write_text(TRAIL_TF)
    (tmp_path / "huge.tf").write_text('locals {\n  x = "' + "a" * 1_100_000 + '"\n}\n')
    report = check([tmp_path], context=CONTEXT)
    assert [f.file.endswith("huge.tf") for f in report.unusable] == [True]
    assert sum(len(m.trails) for p in report.inputs for m in p.variants) == 1


def test_describe_trails_with_more_trails_than_an_account_holds(tmp_path: Path) -> None:
    trails = [
        {
            "Name": f"t{i}",
            "S3BucketName": "b",
            "HomeRegion": "eu-west-1",
            "IsMultiRegionTrail": True,
            "TrailARN": f"arn:aws:cloudtrail:eu-west-1:111122223333:trail/t{i}",
        }
        for i in range(150)
    ]
    path = tmp_path / "trails.json"
    path.write_text(json.dumps({"trailList": trails}))
    report = check([path], context=CONTEXT)
    assert sum(len(m.trails) for p in report.inputs for m in p.variants) == MAX_LISTED_TRAILS
    assert any(f.rule_id == "CT002" and "lists 150 trails" in f.message for f in report.findings)


def test_a_name_longer_than_any_aws_setting_is_ct002_at_its_line_and_not_repeated(tmp_path: Path) -> None:
    """Issue 22: a 2 MB trail name made 430 MB of reports (a smaller one shows the mechanism)."""
    name = "n" * 200_000
    (tmp_path / "main.tf").write_text(TRAIL_TF.replace('name = "t"', f'name = "{name}"'))
    report = check([tmp_path], context=CONTEXT)
    notes = [f for f in report.findings if f.rule_id == "CT002"]  # the name, and the ARN built from it
    assert any(n.line == 2 and n.message.startswith("name is 200,000 characters") for n in notes), notes
    assert all(name not in f.message for f in report.findings)
    assert sum(len(f.message) for f in report.findings) < 100_000


def test_problems_of_one_rule_are_capped_per_input(tmp_path: Path) -> None:
    """Issue 22: findings and report size; a generated template repeats one mistake thousands of times."""
    tags = "".join(f"        - Key: k{i}\n          Value: [a, b]\n" for i in range(120))
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      IsLogging: true\n"
        "      S3BucketName: b\n      Tags:\n" + tags
    )
    report = check([path], context=CONTEXT)
    ct002 = [f for f in report.findings if f.rule_id == "CT002"]
    assert len(ct002) == 51
    assert "70 more CT002 problems" in ct002[-1].message or any("70 more CT002" in f.message for f in ct002)
