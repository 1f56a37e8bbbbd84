"""Outputs that are checked in match what the code prints now: the README's samples and the
golden reports of every format (failing, pass-only, suppressed and unreadable inputs, a 90-file
tree, a live-audit snapshot).

On a deliberate change, refresh them with ``python scripts/refresh_outputs.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("refresh_outputs", REPO / "scripts" / "refresh_outputs.py")
assert _spec and _spec.loader
refresh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refresh)

HINT = "run `python scripts/refresh_outputs.py` and review the diff"


def _diff(path: Path, want: str) -> str:
    have = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = list(difflib.unified_diff(have.splitlines(), want.splitlines(), str(path), "now", lineterm="", n=1))
    return "\n".join(lines[:40])


def test_readme_samples_are_what_ctguard_prints() -> None:
    text = refresh.README.read_text(encoding="utf-8")
    assert len(refresh.SAMPLE.findall(text)) >= 2
    want = refresh.readme_text()
    assert text == want, f"README sample output drifted; {HINT}\n{_diff(refresh.README, want)}"


@pytest.mark.parametrize("case", sorted(refresh.golden_cases()))
def test_golden_reports(case: str) -> None:
    produced = refresh.golden_cases()[case]()
    folder = refresh.GOLDEN / case
    assert {p.name for p in folder.iterdir()} == set(produced), f"golden files of {case} differ in names; {HINT}"
    for name, text in produced.items():
        path = folder / name
        assert path.read_text(encoding="utf-8") == text, f"{case}/{name} drifted; {HINT}\n{_diff(path, text)}"


def test_tree_reports_respect_their_limits() -> None:
    """The 90-file tree is large enough to need the caps: they are in the golden files."""
    log = (refresh.GOLDEN / "tree-90" / "report.log").read_text(encoding="utf-8")
    annotations = [line for line in log.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]
    for level in ("::error ", "::warning ", "::notice "):
        assert sum(line.startswith(level) for line in annotations) <= 10
    assert "more findings were not annotated" in log
    markdown = (refresh.GOLDEN / "tree-90" / "report.md").read_text(encoding="utf-8")
    assert len(markdown.encode()) <= 60 * 1024 and "<details>" in markdown
