"""Suppressions: inline comments, CloudFormation Metadata (YAML and JSON), --skip and --only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ctguard import api
from ctguard.cli import main
from ctguard.findings import Status
from ctguard.suppress import Gate, from_entry
from ctguard.suppress.rules import parse_spec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "suppressions"


def states(report: api.Report) -> dict[str, str]:
    """rule id -> FAIL / PASS / UNKNOWN / 'suppressed:<source>:<reason>'"""
    out = {}
    for f in report.findings:
        if f.suppression is not None:
            out[f.rule_id] = f"suppressed:{f.suppression.source}:{f.suppression.reason}"
        else:
            out[f.rule_id] = f.status.value
    return out


def test_spec_parsing() -> None:
    assert parse_spec("CT101") == (["CT101"], None, None)
    assert parse_spec("ct101, CT106:regional: see ADR-12") == (["CT101", "CT106"], "regional: see ADR-12", None)
    assert parse_spec("CT105:exp:2026-01-31:planned") == (["CT105"], "planned", "2026-01-31")
    assert parse_spec("CT105:planned:exp:2026-01-31") == (["CT105"], "planned", "2026-01-31")
    assert parse_spec(":nothing") is None
    assert from_entry({"id": "CT101", "expires": dt.date(2030, 1, 2)}, "config", "x")[0].expires == "2030-01-02"
    assert from_entry("CT101:exp:soon", "cli", "--skip")[0].problem is not None
    assert from_entry(42, "config", "x")[0].problem is not None


def test_inline_comments_inside_and_above_the_resource() -> None:
    report = api.check([FIXTURES / "inline.yaml"])
    got = states(report)
    assert got["CT101"] == "suppressed:inline:regional trail by design, see ADR-12"
    assert got["CT108"] == "suppressed:inline:notifications go through EventBridge"  # comment above the header
    assert got["CT104"] == "suppressed:inline:None"  # accepted without a reason, but flagged
    assert got["CT105"] == "FAIL"  # expired on 2020-01-31: counts again
    assert got["CT103"] == "PASS" and got["CT109"] == "FAIL"
    warnings = "\n".join(report.warnings)
    assert "inline.yaml:19: the skip of CT104 gives no reason" in warnings
    assert "expired on 2020-01-31" in warnings
    assert "inline.yaml:24: ctguard:skip comment is not inside or directly above a resource" in warnings


def test_expiry_in_the_future_holds_and_passes_later(tmp_path: Path) -> None:
    gate = Gate(today=dt.date(2019, 12, 1))
    assert states(api.check([FIXTURES / "inline.yaml"], gate=gate))["CT105"].startswith("suppressed:inline:")


def test_terraform_inline_comments() -> None:
    got = states(api.check([FIXTURES / "terraform"]))
    assert got["CT101"] == "suppressed:inline:regional trail by design"
    assert got["CT108"] == "suppressed:inline:notifications go through EventBridge"
    assert got["CT104"] == "suppressed:inline:key rollout in Q3"  # // comment, expiry in 2999
    assert got["CT110"] == "FAIL"  # that comment sits in another resource


@pytest.mark.parametrize("name", ["metadata.yaml", "metadata.json"])
def test_cloudformation_metadata(name: str) -> None:
    report = api.check([FIXTURES / name])
    got = states(report)
    assert got["CT101"] == "suppressed:metadata:regional trail by design"
    assert got["CT108"].startswith("suppressed:metadata:")
    if name == "metadata.yaml":
        assert got["CT105"] == "suppressed:metadata:checkov's key name"
        assert got["CT104"] == "suppressed:metadata:None"
        assert any("metadata.yaml:12: the skip of CT104 gives no reason" in w for w in report.warnings)
    assert next(f for f in report.findings if f.rule_id == "CT109").status is Status.FAIL


def test_metadata_on_another_resource_and_template_level(tmp_path: Path) -> None:
    template = (
        (FIXTURES / "metadata.yaml").read_text().replace("    Metadata:\n      ctguard:", "    Metadata:\n      other:")
    )
    template = "Metadata:\n  ctguard:\n    skip: ['CT109:whole file']\n" + template
    (tmp_path / "t.yaml").write_text(template)
    got = states(api.check([tmp_path / "t.yaml"]))
    assert got["CT109"] == "suppressed:metadata:whole file" and got["CT101"] == "FAIL"


def test_cli_skip_and_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = str(FIXTURES / "metadata.yaml")
    assert (
        main(["check", template, "--skip", "CT109,CT110:insights cost", "--only", "CT1*", "--fail-on", "medium"]) == 0
    )
    out = capsys.readouterr().out
    assert "CT109 LOW [suppressed by cli: insights cost]" in out and "CT110 LOW [suppressed by cli" in out
    assert main(["check", template, "--only", "CT109", "--show-passed"]) == 1
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ": CT" in ln]
    assert lines and all(" CT109 " in ln for ln in lines)
    assert main(["check", template, "--only", "CT109,CT110", "--show-passed"]) == 1
    rules = {ln.split(": ")[1].split()[0] for ln in capsys.readouterr().out.splitlines() if ": CT" in ln}
    assert rules == {"CT109", "CT110"}
    assert main(["check", template, "--skip", ":oops"]) == 2
    assert "cannot read skip" in capsys.readouterr().err


def test_suppressed_findings_do_not_fail_but_stay_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = str(FIXTURES / "metadata.yaml")
    assert main(["check", template, "--fail-on", "high"]) == 0  # CT101 (high) is suppressed
    assert main(["check", template, "--fail-on", "high", "--no-config", "--severity", "CT109=critical"]) == 1
    out = capsys.readouterr().out
    assert "CT109 CRITICAL" in out and "CT101 HIGH [suppressed by metadata: regional trail by design]" in out


def test_block_extent_in_hcl_and_yaml() -> None:
    from ctguard.suppress.inline import block_end

    hcl = [
        'resource "aws_s3_bucket_policy" "p" {',  # 1
        "  policy = <<EOF",  # 2
        "{",  # 3: heredoc body at column 1
        '  "Version": "2012-10-17"',  # 4
        "}",  # 5
        "EOF",  # 6
        "  # ctguard:skip=CT401:shared bucket",  # 7
        "}",  # 8
        "",
        'resource "aws_sns_topic" "t" {}',
    ]  # 10
    assert block_end(hcl, 1) == 8 and block_end(hcl, 10) == 10
    yaml_lines = ["Resources:", "  A:", "    Type: X", "    # inside A", "  # above B", "  B:", "    Type: Y"]
    assert block_end(yaml_lines, 2) == 4 and block_end(yaml_lines, 6) == 7
