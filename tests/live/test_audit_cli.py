"""``ctguard audit`` end to end over HTTP: exit codes, output, and snapshots that ``check`` reproduces."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from estate import ACCOUNT, Estate

from ctguard.cli import main

REGIONS = ["--region", "us-east-1,eu-west-1", "--max-attempts", "2"]


def test_saved_snapshot_reproduces_the_audit_byte_for_byte(
    proxy, moto_server, tmp_path: Path, capsys, monkeypatch
) -> None:
    estate = Estate(moto_server)
    estate.full_trail()
    estate.trail("second-trail", estate.bucket(f"second-logs-{ACCOUNT}", "eu-west-1"), "eu-west-1", start=False)
    monkeypatch.chdir(tmp_path)
    audit_rc = main(["audit", *REGIONS, "--save", "snap.json", "--format", "json"])
    audited = capsys.readouterr()
    assert audit_rc in (0, 1), audited.err
    saved = json.loads((tmp_path / "snap.json").read_text())
    assert saved["ctguard_snapshot"] == "1.0" and saved["meta"]["accounts"] == [ACCOUNT]
    check_rc = main(["check", "snap.json", "--format", "json"])
    checked = capsys.readouterr()
    assert checked.out == audited.out
    assert check_rc == audit_rc
    report = json.loads(audited.out)
    assert report["unparsed"] == []
    assert report["summary"]["trails"] == 2
    # The stopped trail is a finding of the audit (CT8xx live health or CT1xx logging).
    stopped = [f for f in report["findings"] if f["resource_name"] == "second-trail" and f["status"] == "FAIL"]
    assert stopped, report["findings"]
    # The summary table goes to stderr when stdout carries JSON.
    assert "second-trail" in audited.err and "eu-west-1" in audited.err


def test_a_failed_read_gives_exit_3_and_unknown_findings(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    proxy.add("GetBucketPolicy", "denied")
    proxy.add("GetTrailStatus", "500")
    rc = main(["audit", *REGIONS, "--format", "json"])
    out = capsys.readouterr()
    assert rc == 3, out.err
    assert "2 reads failed" in out.err
    assert "s3:GetBucketPolicy" in out.err and "AccessDenied (HTTP 403)" in out.err
    findings = json.loads(out.out)["findings"]
    # Whether the trail logs could not be read: UNKNOWN with the error, never PASS or FAIL.
    logging = [f for f in findings if f["rule_id"] in ("CT102", "CT801")]
    assert logging and all(f["status"] == "UNKNOWN" for f in logging), logging
    assert any("500" in f["message"] for f in logging), logging
    # Everything else was still checked.
    assert any(f["rule_id"] == "CT101" and f["status"] == "PASS" for f in findings)


def test_text_output_ends_with_the_summary_table(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    rc = main(["audit", "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert rc in (0, 1)
    lines = out.splitlines()
    header = max(i for i, line in enumerate(lines) if line.split()[:3] == ["account", "region", "trail"])
    rows = [line.split() for line in lines[header + 1 :] if line.strip()]
    assert rows[1][:3] == [ACCOUNT, "us-east-1", "org-audit-trail"] and rows[0][:2] == [ACCOUNT, "(account)"]
    assert all(cell.isdigit() for row in rows for cell in row[-3:])


def test_several_formats_and_suppressions_work_as_for_check(proxy, moto_server, tmp_path: Path, capsys) -> None:
    Estate(moto_server).full_trail()
    sarif = tmp_path / "audit.sarif"
    rc = main(
        [
            "audit",
            "--region",
            "us-east-1",
            "--no-config",
            "-f",
            "json",
            "-f",
            f"sarif:{sarif}",
            "--skip",
            "CT109:insights are not wanted here",
        ]
    )
    out = capsys.readouterr()
    assert rc in (0, 1), out.err
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    findings = json.loads(out.out)["findings"]
    assert {f["suppression"]["reason"] for f in findings if f["rule_id"] == "CT109"} == {"insights are not wanted here"}


def test_without_credentials_the_audit_stops_with_a_clear_message(proxy, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    rc = main(["audit", "--region", "us-east-1"])
    assert rc == 2
    assert "no AWS credentials found" in capsys.readouterr().err


def test_without_the_mapper_the_calls_are_still_saved(proxy, moto_server, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ctguard.parsers.aws.snapshot", None)
    proxy.add("DescribeRegions", "denied")  # one failed read is enough to have something to save
    rc = main(["audit", "--region", "us-east-1", "--save", str(tmp_path / "s.json")])
    assert rc == 2
    assert "cannot map live API answers" in capsys.readouterr().err
    assert json.loads((tmp_path / "s.json").read_text())["calls"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["audit", "--org"], "--org needs --role-name"),
        (["audit", "--max-attempts", "0"], "must be at least 1"),
        (["audit", "--fail-on", "severe"], "unknown severity"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
