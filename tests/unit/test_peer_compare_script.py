"""scripts/peer_compare.py on a KICS-shaped tree built here (it fetches nothing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("peer_compare", ROOT / "scripts" / "peer_compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["peer_compare"] = module
    spec.loader.exec_module(module)
    return module


pc = _load_script()

_TRAIL = 'resource "aws_cloudtrail" "t" {{\n  name = "t"\n  s3_bucket_name = "b"\n{extra}}}\n'


def _tree(tmp_path: Path) -> Path:
    test = tmp_path / "assets" / "queries" / "terraform" / "aws" / "cloudtrail_log_file_validation_disabled" / "test"
    test.mkdir(parents=True)
    (test / "positive1.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = false\n"))
    (test / "negative1.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = true\n"))
    # KICS labels this negative, ctguard fails it: a disagreement the report must list
    (test / "negative2.tf").write_text(_TRAIL.format(extra=""))
    (test / "positive_expected_result.json").write_text("[]")
    other = tmp_path / "assets" / "queries" / "terraform" / "aws" / "s3_bucket_versioning" / "test"
    other.mkdir(parents=True)
    (other / "positive1.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    return tmp_path


def test_rows_count_agreements_and_list_disagreements(tmp_path: Path) -> None:
    rows = {r.query: r for r in pc.compare(str(_tree(tmp_path)))}
    row = rows["cloudtrail_log_file_validation_disabled"]
    assert (row.rule, row.files, row.related, row.silent) == ("CT103", 3, 3, 0)
    assert dict(row.verdicts) == {"FAIL": 2, "PASS": 1}
    assert row.agree == 2
    assert len(row.disagree) == 1 and "negative2.tf: peer PASS, ctguard CT103 FAIL" in row.disagree[0]
    unrelated = rows["s3_bucket_versioning"]
    assert (unrelated.rule, unrelated.files, unrelated.related, unrelated.silent) == (None, 1, 0, 0)


def test_table_and_exit_code(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert pc.main([str(_tree(tmp_path)), "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out
    assert "| cloudtrail_log_file_validation_disabled | CT103 | 3 | 3 | 0 | FAIL 2, PASS 1 | 2 | 1 | 0 |" in out
    assert (tmp_path / "out.json").read_text().startswith("[")
    assert pc.main([str(tmp_path / "missing")]) == 2


# CIS 4.6 as many write it: a filter on errorMessage alone, with no trail in the input (shape of KICS's
# cloudwatch_management_console_auth_failed_alarm_missing tests, Apache-2.0; written here, not copied).
_AUTH_FAILED_ONLY = """resource "aws_cloudwatch_log_group" "g" {
  name = "g"
}
resource "aws_cloudwatch_log_metric_filter" "f" {
  name           = "auth-failures"
  pattern        = "{ $.errorMessage = \\"Failed authentication\\" }"
  log_group_name = aws_cloudwatch_log_group.g.name
  metric_transformation {
    name      = "AuthFailures"
    namespace = "CIS"
    value     = "1"
  }
}
resource "aws_sns_topic" "t" {
  name = "alerts"
}
resource "aws_sns_topic_subscription" "s" {
  topic_arn = aws_sns_topic.t.arn
  protocol  = "email"
  endpoint  = "secops@example.com"
}
resource "aws_cloudwatch_metric_alarm" "a" {
  alarm_name          = "auth-failures"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "AuthFailures"
  namespace           = "CIS"
  period              = 300
  statistic           = "Sum"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.t.arn]
}
"""


def test_a_filter_on_errormessage_alone_is_cloudtrail_related(tmp_path: Path) -> None:
    test = tmp_path / "cloudwatch_management_console_auth_failed_alarm_missing" / "test"
    test.mkdir(parents=True)
    (test / "negative1.tf").write_text(_AUTH_FAILED_ONLY)
    (row,) = pc.compare(str(tmp_path))
    assert (row.rule, row.files, row.related, row.silent) == ("CT506", 1, 1, 0)
    # no trail feeds the group: neither a pass nor a failure, and counted as such
    assert dict(row.verdicts) == {"UNKNOWN": 1} and row.unknown == 1 and row.agree == 0 and not row.disagree


def test_trivy_good_and_bad_folders_are_labelled(tmp_path: Path) -> None:
    check = tmp_path / "trivy" / "cloudtrail" / "enable_log_validation"
    for folder in ("terraform-good-0", "terraform-bad-0", "cloudformation-good-0"):
        (check / folder).mkdir(parents=True)
    (check / "terraform-good-0" / "main.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = true\n"))
    (check / "terraform-bad-0" / "main.tf").write_text(_TRAIL.format(extra="  enable_log_file_validation = false\n"))
    # trivy labels this good although validation is off: listed as a disagreement
    (check / "cloudformation-good-0" / "main.yaml").write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
        "      IsLogging: true\n      S3BucketName: b\n"
    )
    cases = pc.test_cases(str(tmp_path))
    assert {(c.query, c.want) for c in cases} == {("cloudtrail/enable_log_validation", w) for w in ("PASS", "FAIL")}
    (row,) = pc.compare(str(tmp_path))
    assert (row.rule, row.files, row.related, row.silent, row.agree) == ("CT103", 3, 3, 0, 2)
    assert (
        len(row.disagree) == 1 and "cloudformation-good-0/main.yaml: peer PASS, ctguard CT103 FAIL" in row.disagree[0]
    )


def test_checkov_passed_failed_files_are_labelled_and_others_only_counted(tmp_path: Path) -> None:
    folder = tmp_path / "checkov" / "example_CloudtrailLogValidation"
    folder.mkdir(parents=True)
    trail = "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      S3BucketName: b\n"
    (folder / "CloudTrailLogValidation-PASSED.yaml").write_text(trail + "      EnableLogFileValidation: true\n")
    (folder / "CloudTrailLogValidation-FAILED.yaml").write_text(trail)
    docs = tmp_path / "docs-AWS-0001" / "Terraform-0"
    docs.mkdir(parents=True)
    (docs / "main.tf").write_text(_TRAIL.format(extra=""))
    rows = {r.query: r for r in pc.compare(str(tmp_path))}
    labelled = rows["example_CloudtrailLogValidation"]
    assert (labelled.rule, labelled.files, labelled.agree, labelled.disagree) == ("CT103", 2, 2, [])
    unlabelled = rows["docs-AWS-0001"]
    assert (unlabelled.files, unlabelled.related, unlabelled.silent, dict(unlabelled.verdicts)) == (1, 1, 0, {})


def test_a_mapped_query_on_a_file_with_no_trail_is_not_a_disagreement(tmp_path: Path) -> None:
    # KICS's cloudtrail_log_files_s3_bucket_is_publicly_accessible also flags a public bucket no trail uses
    # (its positive2.tf, Apache-2.0; shape written here): nothing CloudTrail-related, so nothing to judge
    test = tmp_path / "cloudtrail_log_files_s3_bucket_is_publicly_accessible" / "test"
    test.mkdir(parents=True)
    (test / "positive2.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl    = "public-read"\n}\n')
    (row,) = pc.compare(str(tmp_path))
    assert (row.rule, row.files, row.related, row.silent) == ("CT401", 1, 0, 0)
    assert dict(row.verdicts) == {"NONE": 1} and row.agree == 0 and row.disagree == []
