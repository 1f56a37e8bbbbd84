"""Hostile names in the outputs of ``simulate``, ``explain``/``rules`` and the audit summary tables.

``test_hostile_names`` covers the report formats of ``check``; these commands print input names
through their own code, so each gets the same hazards: a file or trail name with a newline that
starts a GitHub workflow command, ``ESC`` sequences, a bidi override, and Markdown links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctguard.api import Report
from ctguard.cli import main
from ctguard.formatters.audit_summary import summary_rows, table_markdown, table_text
from ctguard.inputs import ParsedInput
from ctguard.model import Model, Trail
from ctguard.values import Known

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "fixtures" / "simulate" / "events"
HOSTILE = "x\n::error file=a,line=1::injected\x1b[2J\u202e [link](https://evil.example) @victim | cell"
# YAML double-quoted escapes put the hostile characters into the trail name itself.
YAML_HOSTILE = '"x\\n::error file=a,line=1::injected\\x1b[2J\\u202e [link](https://evil.example) @victim | cell"'
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: {name}
      IsLogging: true
      S3BucketName: logs
      IsMultiRegionTrail: true
"""
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f\u202e]")  # a line break is fine, any other control is not


def _assert_inert_text(out: str) -> None:
    assert not _RAW.search(out), repr(out)
    assert not [line for line in out.splitlines() if re.match(r"\s*(::|##\[)", line)], out
    assert "injected" in out  # the name is shown, escaped, not dropped


def test_simulate_text_neutralises_file_and_trail_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "a\n::error::injected by name\x1b[31m.yaml"
    old.write_text(TEMPLATE.format(name=YAML_HOSTILE))
    new = tmp_path / "\u202enew.yaml"
    new.write_text(TEMPLATE.format(name="plain"))
    code = main(
        [
            "simulate",
            "--diff",
            str(old),
            str(new),
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--events",
            str(EVENTS),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    _assert_inert_text(out)
    assert "a\\n::error::injected by name\\x1b[31m.yaml" in out and "\\u202enew.yaml" in out


def test_simulate_error_neutralises_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE.format(name="plain"))
    missing = tmp_path / "gone\n::error::by-archive\x1b[31m"
    code = main(
        ["simulate", str(template), "--account", "111122223333", "--region", "us-east-1", "--events", str(missing)]
    )
    err = capsys.readouterr().err
    assert code == 3 and "by-archive" in err, err
    assert not _RAW.search(err) and not [line for line in err.splitlines() if line.startswith("::")], err


def _policy_dir(tmp_path: Path) -> Path:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "ORG1-prefix.yaml").write_text(
        f"id: ORG1\nname: key-prefix\ntitle: {YAML_HOSTILE}\nseverity: low\nscope: trail\n"
        "check: {attribute: s3_key_prefix, exists: true}\nmessage: {fail: 'Trail {trail} has no S3 key prefix'}\n"
        f"docs: {{what: {YAML_HOSTILE}, why: Our buckets are shared., fix: {{cloudformation: S3KeyPrefix, "
        "terraform: s3_key_prefix, cli: --s3-key-prefix}}\n"
    )
    return pol


def test_explain_and_rules_neutralise_a_policy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pol = _policy_dir(tmp_path)
    assert main(["explain", "ORG1", "--policies", str(pol)]) == 0
    page = capsys.readouterr().out
    _assert_inert_text(page)
    assert page.startswith("ORG1 key-prefix: x\\n::error")
    assert main(["rules", "--policies", str(pol)]) == 0
    _assert_inert_text(capsys.readouterr().out)


def test_audit_summary_tables_neutralise_names() -> None:
    model = Model(account_id=Known("111122223333"))
    model.trails.append(Trail("arn:t1", name=Known(HOSTILE), home_region=Known("us-east-1\x1b[0m")))
    rows = summary_rows(Report(inputs=[ParsedInput("snap.json", "aws-snapshot", variants=[model])]))
    text = table_text(rows)
    _assert_inert_text(text)
    assert len(text.splitlines()) == 3  # header, the account row, the trail row: no injected line
    markdown = table_markdown(rows)
    assert not _RAW.search(markdown) and len(markdown.splitlines()) == 4
    (row,) = [line for line in markdown.splitlines() if "injected" in line]
    # Six cells: the name's "|" is escaped, its link and mention sit inside a code span.
    assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
    assert re.search(r"`[^`]*\[link\]\(https://evil\.example\)[^`]*`", row), row
