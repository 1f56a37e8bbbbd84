"""`ctguard check` ends with how many UNKNOWN results --account/--region would settle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from ctguard.cli import main

REPO = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((REPO / "ctguard" / "schemas" / "report.schema.json").read_text())
# The log group ARN names us-east-1, the trail deploys to ${AWS::Region}: only --region decides.
FIXTURE = REPO / "fixtures" / "rules" / "CT417" / "unknown" / "symbolic-fixed-region-arn.yaml"
_LINE = re.compile(
    r"^ctguard: (\d+) of the unknown results? depends? only on the deploy account or Region: "
    r"--account/--region would settle them$"
)


def _settled(out: str) -> int | None:
    for line in out.splitlines():
        found = _LINE.match(line)
        if found:
            return int(found.group(1))
    return None


def test_default_run_counts_unknowns_the_context_would_settle(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--no-config", str(FIXTURE)])
    out, _ = capsys.readouterr()
    count = _settled(out)
    assert count is not None and count >= 1, out
    assert "CT417" in out and "AWS::Region (--region settles it)" in out


def test_the_context_settles_them(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--no-config", str(FIXTURE)])
    before = _settled(capsys.readouterr()[0])
    main(["check", "--no-config", "--account", "111122223333", "--region", "us-east-1", str(FIXTURE)])
    out, _ = capsys.readouterr()
    after = _settled(out) or 0
    assert before is not None and after < before
    assert "CT417" not in out.split("ctguard:")[0] or "[unknown]" not in out.split("CT417", 1)[1].split("\n", 1)[0]


def test_json_summary_carries_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--no-config", "-f", "json", str(FIXTURE)])
    report = json.loads(capsys.readouterr()[0])
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["unknown_settled_by_context"] >= 1


CT402_UNKNOWN = REPO / "fixtures" / "rules" / "CT402" / "unknown"


def _ct402(capsys: pytest.CaptureFixture[str], name: str, *context: str) -> tuple[dict[str, object], int]:
    main(["check", "--no-config", "-f", "json", *context, str(CT402_UNKNOWN / name)])
    report = json.loads(capsys.readouterr()[0])
    found = [f for f in report["findings"] if f["rule_id"] == "CT402"]
    assert len(found) == 1
    return found[0], report["summary"]["unknown_settled_by_context"]


def test_count_is_structural_not_read_from_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    # Both messages end "(--account and --region settle it)": only the result that waits on
    # nothing else is counted.
    alone, counted = _ct402(capsys, "source-arn-literal-account.yaml")
    assert alone["status"] == "UNKNOWN" and counted == 1
    mixed, counted = _ct402(capsys, "source-arn-and-parameter.yaml")
    assert mixed["status"] == "UNKNOWN" and "--account and --region settle it" in str(mixed["message"])
    assert counted == 0


def test_the_counted_result_is_settled_by_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    context = ("--account", "111122223333", "--region", "us-east-1")
    settled, counted = _ct402(capsys, "source-arn-literal-account.yaml", *context)
    assert settled["status"] != "UNKNOWN" and counted == 0
    still, _ = _ct402(capsys, "source-arn-and-parameter.yaml", *context)
    assert still["status"] == "UNKNOWN"
