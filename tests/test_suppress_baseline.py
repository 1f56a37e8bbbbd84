"""Baselines: keyed on repository-relative file, resource address and rule id, never on lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from ctguard.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA = json.loads((FIXTURES.parent / "ctguard" / "schemas" / "baseline.schema.json").read_text())


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "suppressions" / "metadata.yaml", tmp_path / "trail.yaml")
    shutil.copytree(FIXTURES / "suppressions" / "terraform", tmp_path / "tf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_create_then_only_new_findings_fail(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", ".", "--create-baseline", ".ctguard.baseline"]) == 0
    assert "wrote baseline .ctguard.baseline" in capsys.readouterr().err
    data = json.loads((repo / ".ctguard.baseline").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["findings"] == sorted(data["findings"], key=lambda e: (e["file"], e["resource"]))
    files = {e["file"] for e in data["findings"]}
    assert files == {"trail.yaml", "tf/main.tf"}
    trail = next(e for e in data["findings"] if e["file"] == "trail.yaml")
    assert trail["resource"] == "Trail" and "CT109" in trail["rule_ids"]
    assert "CT101" not in trail["rule_ids"]  # suppressed in the template: not the baseline's business
    assert "line" not in json.dumps(data)

    # shifting every line and checking from another directory with an absolute path changes nothing
    (repo / "trail.yaml").write_text("# moved\n\n\n" + (repo / "trail.yaml").read_text())
    assert main(["check", str(repo), "--baseline", str(repo / ".ctguard.baseline")]) == 0
    out = capsys.readouterr().out
    assert "CT109 LOW [suppressed by baseline: in baseline" in out

    # a new problem fails the gate
    text = (repo / "trail.yaml").read_text().replace("EnableLogFileValidation: true", "EnableLogFileValidation: false")
    (repo / "trail.yaml").write_text(text)
    assert main(["check", ".", "--baseline", ".ctguard.baseline"]) == 1
    failing = [ln for ln in capsys.readouterr().out.splitlines() if ": CT" in ln and "suppressed" not in ln]
    assert len(failing) == 1 and " CT103 " in failing[0]


def test_bad_baseline_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "b.json").write_text('{"findings": []}')
    assert main(["check", ".", "--baseline", "b.json"]) == 2
    assert "not a ctguard baseline" in capsys.readouterr().err
    (repo / "b.json").write_text('{"version": 1,\n "findings": [}')
    assert main(["check", ".", "--baseline", "b.json"]) == 2
    assert "b.json:2: baseline is not valid JSON" in capsys.readouterr().err
    assert main(["check", ".", "--baseline", "missing.json"]) == 2
