"""ctguard's policies inside cfn-lint (``--append-rules``), and cfn-lint kept out of ctguard's start-up."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WEAK = REPO / "examples" / "cloudformation" / "weak-trail.yaml"


def cfn_lint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runner = "import sys; from cfnlint.runner import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", runner, "-f", "parseable", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("cfnlint") is None:
        pytest.skip("cfn-lint is not installed (pip install 'ctguard[cfn-lint]')")
    root = tmp_path_factory.mktemp("cfn")
    shutil.copy(WEAK, root / "weak.yaml")
    text = WEAK.read_text()
    anchor = "  Trail:\n    Type: AWS::CloudTrail::Trail\n"
    assert anchor in text
    (root / "skipped.yaml").write_text(
        text.replace(
            anchor,
            anchor
            + (
                "    Metadata:\n      ctguard:\n        skip: ['CT101:regional by design']\n"
                "      cfn-lint:\n        config:\n          ignore_checks: [E9112]\n"
            ),
        )
    )
    return root


def test_append_rules_reports_ctguard_findings_and_honours_both_suppressions(templates: Path) -> None:
    proc = cfn_lint(
        "--append-rules",
        "ctguard.integrations.cfnlint.rules",
        "--include-checks",
        "I",
        "--",
        str(templates / "weak.yaml"),
        str(templates / "skipped.yaml"),
    )
    assert proc.returncode & 2, proc.stdout + proc.stderr  # cfn-lint's error bit
    weak = [ln for ln in proc.stdout.splitlines() if "weak.yaml:" in ln]
    skipped = [ln for ln in proc.stdout.splitlines() if "skipped.yaml:" in ln]
    assert any(":37:7:" in ln and ":E9101:[CT101] Trail main is not multi-region" in ln for ln in weak), weak
    assert any(":W9103:[CT103]" in ln for ln in weak) and any(":I9108:[CT108]" in ln for ln in weak)
    assert not any("E9101" in ln for ln in skipped)  # Metadata.ctguard.skip
    assert not any("E9112" in ln for ln in skipped)  # Metadata.cfn-lint.config.ignore_checks
    assert any(":W9103:[CT103]" in ln for ln in skipped)


def test_ctguard_start_up_imports_no_cfnlint() -> None:
    code = (
        "import sys, ctguard, ctguard.cli\n"
        "ctguard.cli.build_parser()\n"
        "assert not [m for m in sys.modules if m.startswith(('cfnlint', 'ctguard.integrations'))]\n"
        "assert 'ctguard.api' not in sys.modules\n"
        "print('clean')"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == "clean", proc.stderr
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ctguard", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "cfnlint" not in proc.stderr and proc.stdout.startswith("ctguard ")
