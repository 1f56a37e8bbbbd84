"""``ctguard audit --compare CODE`` end to end against moto: the live account's drift from a template."""

from __future__ import annotations

import json
from pathlib import Path

from estate import ACCOUNT, Estate

from ctguard.cli import main

TEMPLATE = """Resources:
  Main:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: main-trail
      S3BucketName: {bucket}
      IsLogging: true
      IsMultiRegionTrail: true
      EnableLogFileValidation: true
"""


def test_audit_compare_reports_a_trail_stopped_and_one_made_by_hand(proxy, moto_server, tmp_path: Path, capsys) -> None:
    estate = Estate(moto_server)
    bucket = estate.bucket(f"drift-logs-{ACCOUNT}")
    estate.trail("main-trail", bucket, start=False, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    estate.trail("console-trail", bucket)
    code = tmp_path / "trail.yaml"
    code.write_text(TEMPLATE.format(bucket=bucket), encoding="utf-8")
    rc = main(
        ["audit", "--region", "us-east-1", "--max-attempts", "2", "--no-config", "-f", "json", "--compare", str(code)]
    )
    out = capsys.readouterr()
    assert rc == 1, out.err
    findings = [f for f in json.loads(out.out)["findings"] if f["rule_id"].startswith("CT9")]
    by = {(f["rule_id"], f["resource_name"]): f for f in findings}
    stopped = by[("CT903", "main-trail")]
    assert stopped["status"] == "FAIL" and "logging is off in the account" in stopped["message"]
    assert stopped["file"].endswith("trail.yaml") and f"aws://{ACCOUNT}/us-east-1/main-trail" in stopped["message"]
    assert by[("CT902", "console-trail")]["status"] == "FAIL"
    assert by[("CT904", "main-trail")]["status"] == "PASS"
    assert by[("CT905", "main-trail")]["status"] == "PASS"
