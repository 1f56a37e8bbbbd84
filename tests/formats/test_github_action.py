"""action.yml: the run step, executed with bash the way a GitHub runner executes it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(("soft_fail", "expected"), [("false", 1), ("true", 0)])
def test_run_step_writes_sarif_annotations_and_summary(tmp_path: Path, soft_fail: str, expected: int) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "ctguard"  # the installed console script, pointing at this checkout
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -m ctguard "$@"\n')
    shim.chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)  # setup-python's python
    workspace = tmp_path / "ws"
    (workspace / "infra").mkdir(parents=True)
    (workspace / ".git").mkdir()
    shutil.copy(REPO / "examples" / "cloudformation" / "weak-trail.yaml", workspace / "infra")
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path),
        "CTGUARD_PATHS": "'infra'",
        "CTGUARD_SARIF": "results.sarif",
        "CTGUARD_FAIL_ON": "medium",
        "CTGUARD_SOFT_FAIL": soft_fail,
        "CTGUARD_ARGS": "--skip 'CT108:handled elsewhere, see ADR 7' --compact",
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == expected, proc.stdout + proc.stderr
    assert "::error file=infra/weak-trail.yaml,line=37" in proc.stdout
    sarif = json.loads((workspace / "results.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"infra/weak-trail.yaml"}
    assert summary.read_text().startswith("# ctguard report")
    assert "exit-code=1" in output.read_text() and "sarif-file=results.sarif" in output.read_text()
    assert "| CT108 |" in summary.read_text()  # suppressed via args, listed in the summary
    assert "handled elsewhere, see ADR 7" in summary.read_text()  # a quoted reason stays one argument
