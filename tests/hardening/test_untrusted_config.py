"""A pull request cannot make ctguard run its code (issue 22, bullet 1).

The checkout is built at test time the way an attacker would write it: a ``.ctguard.yaml`` naming
a policy directory whose policy has ``impl:`` pointing at a module in the checkout, plus modules
named like libraries ctguard imports lazily (``jsonschema``, ``lark``).  Each module writes a
marker file when imported; the run must not create any marker, must warn, and must still check
the trail.  The trusted ways (``--policies`` on the command line, ``--config`` with
``--trust-config``) do import the module, which proves the markers work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WEAK_TRAIL = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Weak:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: logs
      IsMultiRegionTrail: false
"""
TF_TRAIL = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "logs"\n}\n'
POLICY = """id: CT9001
name: pr-policy
title: A policy a pull request brought
severity: low
scope: trail
impl: pr_evil_policy:check
message:
  fail: "Trail {trail} failed"
  pass: "Trail {trail} passed"
  unknown: "Cannot tell for {trail}: {reason}"
docs:
  what: Checks something a pull request wants checked.
  why: Because the pull request says so, which is exactly the problem.
  fix:
    cloudformation: "IsLogging: true"
    terraform: "enable_logging = true"
    cli: "aws cloudtrail start-logging --name <trail>"
"""
DECLARATIVE = """id: CT9002
name: pr-declarative
title: A declarative policy a pull request brought
severity: low
scope: trail
check:
  attribute: is_logging
  equals: true
message:
  fail: "Trail {trail} is not logging"
  pass: "Trail {trail} is logging"
  unknown: "Cannot tell for {trail}: {reason}"
docs:
  what: Checks something a pull request wants checked.
  why: Because the pull request says so, which is exactly the problem.
  fix:
    cloudformation: "IsLogging: true"
    terraform: "enable_logging = true"
    cli: "aws cloudtrail start-logging --name <trail>"
"""
MARKER_MODULE = (
    "from pathlib import Path\nPath({marker!r}).write_text('imported')\ndef check(*a, **k):\n    return []\n"
)
SHADOWED = ("pr_evil_policy", "jsonschema", "lark")


def _checkout(root: Path) -> Path:
    pr = root / "pr"
    (pr / ".git").mkdir(parents=True)
    (pr / "pol").mkdir()
    (pr / ".ctguard.yaml").write_text("policies: [pol]\n")
    (pr / "pol" / "CT9001-pr-policy.yaml").write_text(POLICY)
    (pr / "pol" / "CT9002-pr-declarative.yaml").write_text(DECLARATIVE)
    for name in SHADOWED:
        (pr / f"{name}.py").write_text(MARKER_MODULE.format(marker=str(root / f"marker-{name}")))
    (pr / "trail.yaml").write_text(WEAK_TRAIL)
    (pr / "main.tf").write_text(TF_TRAIL)
    return pr


def _ctguard_command() -> list[str]:
    beside = Path(sys.executable).parent / "ctguard"  # a virtualenv's bin directory
    script = str(beside) if beside.exists() else shutil.which("ctguard")
    assert script, "the ctguard console script is installed (pip install -e .)"
    return [script]


def _run(command: list[str], pr: Path, *extra: str, pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["XDG_CACHE_HOME"] = str(pr.parent / "cache")  # no validation cache: jsonschema gets imported
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run(
        [*command, "check", ".", "--format", "json", "--jobs", "1", "--show-passed", *extra],
        cwd=pr,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _trusted_lib(root: Path) -> str:
    """Where a trusted setup installs its policy module (only that one: the checkout stays off the path)."""
    lib = root / "lib"
    lib.mkdir()
    (lib / "pr_evil_policy.py").write_text(MARKER_MODULE.format(marker=str(root / "marker-pr_evil_policy")))
    return str(lib)


def _markers(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("marker-*"))


@pytest.mark.parametrize("how", ["python -m ctguard", "ctguard"])
def test_pull_request_config_and_modules_are_never_imported(how: str, tmp_path: Path) -> None:
    pr = _checkout(tmp_path)
    command = [sys.executable, "-m", "ctguard"] if how != "ctguard" else _ctguard_command()
    result = _run(command, pr)
    assert _markers(tmp_path) == [], result.stderr
    assert result.returncode == 1, result.stderr  # findings, not "policy error"
    assert "CT9001" in result.stderr and "was not loaded" in result.stderr
    report = json.loads(result.stdout)
    rules = {(f["rule_id"], f["status"]) for f in report["findings"]}
    assert ("CT101", "FAIL") in rules  # the trail was still checked by the built-in policies
    # declarative policies are data: they still run; the one naming code does not
    assert ("CT9002", "PASS") in rules
    assert all(f["rule_id"] != "CT9001" for f in report["findings"])


def test_policies_on_the_command_line_are_trusted(tmp_path: Path) -> None:
    pr = _checkout(tmp_path)
    result = _run(
        [sys.executable, "-m", "ctguard"], pr, "--no-config", "--policies", "pol", pythonpath=_trusted_lib(tmp_path)
    )
    assert _markers(tmp_path) == ["marker-pr_evil_policy"], result.stderr
    assert "was not loaded" not in result.stderr


def test_explicit_trusted_config_may_load_code(tmp_path: Path) -> None:
    pr = _checkout(tmp_path)
    result = _run(
        _ctguard_command(), pr, "--config", ".ctguard.yaml", "--trust-config", pythonpath=_trusted_lib(tmp_path)
    )
    assert _markers(tmp_path) == ["marker-pr_evil_policy"], result.stderr


def test_explicit_config_without_trust_is_still_data_only(tmp_path: Path) -> None:
    pr = _checkout(tmp_path)
    result = _run(_ctguard_command(), pr, "--config", ".ctguard.yaml", pythonpath=_trusted_lib(tmp_path))
    assert "marker-pr_evil_policy" not in _markers(tmp_path), result.stderr
    assert result.returncode == 1 and "was not loaded" in result.stderr


def test_trust_config_needs_an_explicit_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ctguard.cli import main

    pr = _checkout(tmp_path)
    assert main(["check", str(pr), "--trust-config"]) == 2
    assert "--trust-config needs --config" in capsys.readouterr().err


@pytest.mark.parametrize(
    "line",
    [
        "format: [text, 'sarif:../../escaped.sarif']",
        "output: ../escaped.txt\nformat: json",
        "var-file: /proc/self/environ",
        "baseline: ../escaped.baseline",
    ],
)
def test_discovered_config_names_no_file_outside_the_checkout(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ctguard.cli import main

    pr = _checkout(tmp_path)
    (pr / ".ctguard.yaml").write_text(line + "\n")
    assert main(["check", str(pr), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "may only name files inside it" in err and ".ctguard.yaml:1" in err
    assert not list(tmp_path.rglob("escaped*"))


def test_trusted_config_may_name_files_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ctguard.cli import main

    pr = _checkout(tmp_path)
    (pr / ".ctguard.yaml").write_text("format: [text, 'json:../escaped.json']\n")
    code = main(
        ["check", str(pr / "trail.yaml"), "--jobs", "1", "--config", str(pr / ".ctguard.yaml"), "--trust-config"]
    )
    capsys.readouterr()
    assert code == 1 and (tmp_path / "escaped.json").exists()


def test_audit_shares_the_trust_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctguard.cli import main

    monkeypatch.chdir(_checkout(tmp_path))
    assert main(["audit", "--trust-config"]) == 2
    assert "--trust-config needs --config" in capsys.readouterr().err
    (Path(".ctguard.yaml")).write_text("output: ../escaped.txt\nformat: json\n")
    assert main(["audit"]) == 2
    assert "may only name files inside it" in capsys.readouterr().err
