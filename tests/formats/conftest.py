from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ctguard import api
from ctguard.engine.policy import load_policies
from ctguard.findings import Finding, Severity, Status

REPO = Path(__file__).resolve().parents[2]
SUPPRESSIONS = REPO / "fixtures" / "suppressions"


@pytest.fixture()
def repo_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> api.Report:
    """A checked repository: a git root with a template that has failures, unknowns and suppressions."""
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra"
    infra.mkdir()
    shutil.copy(SUPPRESSIONS / "inline.yaml", infra / "trail.yaml")
    monkeypatch.chdir(REPO)  # relative URIs come from the .git root, not the CWD
    return api.check([str(infra)])


@pytest.fixture()
def live_report() -> api.Report:
    """Findings from a live audit: no file, the resource is an ARN."""
    arn = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org, "main"'
    findings = [
        Finding(
            "CT101",
            Status.FAIL,
            Severity.HIGH,
            "Trail main is not multi-region\nsecond line: 100%",
            "aws://111122223333",
            resource=arn,
            resource_name="main",
            source_kind="snapshot",
        ),
        Finding(
            "CT103",
            Status.UNKNOWN,
            Severity.MEDIUM,
            "Cannot tell: access denied",
            "aws://111122223333",
            resource=arn,
            source_kind="snapshot",
        ),
    ]
    return api.Report(findings=findings, policies=load_policies())
