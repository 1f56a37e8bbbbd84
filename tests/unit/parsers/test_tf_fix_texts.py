"""Every trail policy's Terraform remediation is HCL that, pasted into a trail, fixes the finding.

The engine shows ``docs.fix.terraform`` as the remediation of Terraform findings, so the text
must parse as the body of an ``aws_cloudtrail`` block and turn the policy's finding into PASS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.hcl import HclError, parse_text

REPO = Path(__file__).resolve().parents[3]
# CT112 is being reworked elsewhere; its fix text is that change's to settle.
SKIP = {"CT112"}
# Resources the fix texts may reference.
SUPPORT = """
resource "aws_kms_key" "trail" {
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "trail" {
  name = "/aws/cloudtrail/audit"
}

resource "aws_iam_role" "trail_logs" {
  name               = "cloudtrail-logs"
  assume_role_policy = "{}"
}

resource "aws_sns_topic" "trail" {
  name = "cloudtrail-delivery"
}
"""
# Policies whose fix is the default: a bare trail already passes.
DEFAULT_IS_FIX = {"CT102", "CT106", "CT107"}
# Extra trail content that makes a bare trail fail the policy.
NEEDS = {
    "CT111": 'insight_selector {\n  insight_type = "ApiCallRateInsight"\n}\nevent_selector {\n  read_write_type = "ReadOnly"\n}\n',
    "CT107": "is_multi_region_trail = true\n",
}


def _trail_policies() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "policies").glob("CT1*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if doc.get("scope") == "trail" and doc["id"] not in SKIP:
            out.append((doc["id"], doc["docs"]["fix"]["terraform"]))
    return out


def _module(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "m"
    directory.mkdir(exist_ok=True)
    (directory / "main.tf").write_text(
        'resource "aws_cloudtrail" "main" {\n  name           = "audit"\n  s3_bucket_name = "acme-logs"\n'
        + body
        + "}\n"
        + SUPPORT,
        encoding="utf-8",
    )
    return directory


def _status(tmp_path: Path, rule: str, body: str, fix: str) -> Status:
    report = check([_module(tmp_path, body)], context=ParseContext(account_id="111122223333", region="eu-west-1"))
    assert not [f for f in report.findings if f.rule_id < "CT100"], [f.message for f in report.findings]
    (finding,) = [f for f in report.findings if f.rule_id == rule]
    if finding.status is Status.FAIL:  # the engine shows this very text on Terraform findings
        assert finding.remediation == fix.strip()
    return finding.status


def test_every_trail_policy_is_covered() -> None:
    assert len(_trail_policies()) >= 11


@pytest.mark.parametrize("rule,fix", _trail_policies(), ids=[r for r, _ in _trail_policies()])
def test_fix_is_hcl_that_fixes(tmp_path: Path, rule: str, fix: str) -> None:
    parsed = parse_text("fix.tf", f'resource "aws_cloudtrail" "x" {{\n{fix}\n}}\n')
    assert not isinstance(parsed, HclError), f"{rule}: fix is not HCL: {parsed}"
    before = NEEDS.get(rule, "")
    if rule not in DEFAULT_IS_FIX:
        assert _status(tmp_path, rule, before, fix) is Status.FAIL, f"{rule}: the bare trail should fail"
    # CT111's fix replaces the offending selector rather than adding a second one.
    with_fix = before.split("event_selector")[0] if rule == "CT111" else before
    assert _status(tmp_path, rule, with_fix + fix + "\n", fix) is Status.PASS, f"{rule}: {fix!r} does not fix it"


def test_multi_line_fix_stays_aligned_in_text_output(tmp_path: Path) -> None:
    from ctguard.formatters.text_format import render

    report = check([_module(tmp_path, "")], context=ParseContext(account_id="111122223333", region="eu-west-1"))
    text = render(report, {"detail": "verbose"})  # fixes are printed with --verbose
    assert (
        '    fix: cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
        "         cloud_watch_logs_role_arn  = aws_iam_role.trail_logs.arn\n" in text
    )
