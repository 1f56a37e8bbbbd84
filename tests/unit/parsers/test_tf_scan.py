"""Pre-commit behaviour of Terraform scanning: unrelated modules cost no HCL parse; a broken
module is a clear CT001 (exit 3) while every other input is still checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2

from ctguard.api import check

REPO = Path(__file__).resolve().parents[3]
TF = REPO / "fixtures" / "terraform"


def _tree(tmp_path: Path) -> Path:
    shutil.copytree(TF / "unrelated", tmp_path / "network")
    shutil.copytree(TF / "syntax_error", tmp_path / "broken")
    shutil.copy(REPO / "examples" / "cloudformation" / "weak-trail.yaml", tmp_path / "weak-trail.yaml")
    (tmp_path / "lambda").mkdir()
    (tmp_path / "lambda" / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = aws_iam_role.r.arn\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n',
        encoding="utf-8",
    )
    return tmp_path


def test_unrelated_modules_are_skipped_without_an_hcl_parse(tmp_path, monkeypatch):
    tree = tmp_path / "t"
    tree.mkdir()
    shutil.copytree(TF / "unrelated", tree / "network")
    (tree / "lambda").mkdir()
    (tree / "lambda" / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n', encoding="utf-8"
    )

    def no_parse(*args, **kwargs):
        raise AssertionError("the HCL parser ran on an unrelated module")

    monkeypatch.setenv("CTGUARD_HCL_PARSER", "lark")  # no parse-cache hit may stand in for the parser
    monkeypatch.setattr(hcl2, "parses_to_tree", no_parse)
    report = check([tree])
    assert report.findings == [] and report.inputs == []


def test_related_module_is_parsed(tmp_path, monkeypatch):
    """The other side of the prefilter: the same patch makes a trail module fail loudly."""
    calls = []
    monkeypatch.setenv("CTGUARD_HCL_PARSER", "lark")  # a warm parse cache would answer without the parser
    real = hcl2.parses_to_tree
    monkeypatch.setattr(hcl2, "parses_to_tree", lambda text: calls.append(1) or real(text))
    shutil.copytree(TF / "count_zero", tmp_path / "trail")
    check([tmp_path / "trail"])
    assert calls


def test_syntax_error_is_ct001_exit_3_and_other_inputs_are_checked(tmp_path):
    tree = _tree(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "ctguard", "check", str(tree), "--format", "json"],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    findings = json.loads(run.stdout)["findings"]
    broken = [f for f in findings if f["rule_id"] == "CT001"]
    assert len(broken) == 1
    assert broken[0]["file"].endswith(os.path.join("broken", "main.tf")) and broken[0]["line"] == 4
    assert "HCL syntax error" in broken[0]["message"]
    # the CloudFormation template next to it is still judged
    assert any(f["file"].endswith("weak-trail.yaml") and f["status"] == "FAIL" for f in findings)
    # unrelated modules stay silent
    assert not any("network" in f["file"] or "lambda" in f["file"] for f in findings)


def test_registry_trail_module_is_reported_not_skipped(tmp_path):
    """A module whose only trail comes from the registry is not "unrelated": it says it was not checked."""
    (tmp_path / "main.tf").write_text(
        'module "cloudtrail" {\n  source  = "cloudposse/cloudtrail/aws"\n  version = "0.24.0"\n  name = "audit"\n}\n',
        encoding="utf-8",
    )
    report = check([tmp_path])
    (finding,) = [f for f in report.findings if f.rule_id == "CT005"]
    assert finding.rule_id == "CT005" and "not checked" in finding.message and finding.line == 1
