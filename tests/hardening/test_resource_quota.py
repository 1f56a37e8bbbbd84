"""A template declaring more resources than CloudFormation's quota (500) cannot be deployed: it is
CT001 at its Resources line and not checked, the rest of the run is (issue 22 bullet 3: a 1 MB
JSON template of 11,908 buckets took 2 s to build, conform and check)."""

from __future__ import annotations

import json
from pathlib import Path

from ctguard.api import check
from ctguard.cli import main
from ctguard.findings import Status
from ctguard.parsers.cloudformation.parse import MAX_TEMPLATE_RESOURCES

TRAIL = {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": False, "S3BucketName": {"Ref": "B0"}}}


def _template(path: Path, resources: int) -> Path:
    body = {"Trail": TRAIL} | {f"B{i}": {"Type": "AWS::S3::Bucket"} for i in range(resources - 1)}
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": body}, indent=1))
    return path


def test_over_the_quota_is_ct001_at_resources_and_the_rest_is_checked(tmp_path: Path) -> None:
    big = _template(tmp_path / "big.json", MAX_TEMPLATE_RESOURCES + 1)
    ok = _template(tmp_path / "ok.json", 3)
    report = check([big, ok])
    errors = [f for f in report.findings if f.rule_id == "CT001"]
    assert [(Path(f.file).name, f.line, f.status) for f in errors] == [("big.json", 3, Status.ERROR)]
    assert "declares 501 resources" in errors[0].message and "more than 500" in errors[0].message
    # Nothing of the refused template is judged; the other template's trail is (it is not logging).
    assert {Path(f.file).name for f in report.findings if f.rule_id != "CT001"} == {"ok.json"}
    assert any(f.rule_id == "CT102" and f.status is Status.FAIL for f in report.findings)
    assert main(["check", str(big), str(ok), "-q"]) == 3


def test_at_the_quota_the_template_is_read(tmp_path: Path) -> None:
    report = check([_template(tmp_path / "t.json", MAX_TEMPLATE_RESOURCES)])
    assert not [f for f in report.findings if f.rule_id == "CT001"]
    assert any(f.rule_id == "CT102" and f.status is Status.FAIL for f in report.findings)
