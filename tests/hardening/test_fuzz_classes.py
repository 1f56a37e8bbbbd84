"""One fixture per crash and silent-drop class the fuzzers found (``fixtures/fuzz/``, issue 17).

Each must come through without a crash (no ERROR but CT001, no internal parser error), keep
its trail or say why (no silent drop), and report the rule ids its ``# expects:`` line names.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from ctguard.api import check
from ctguard.parsers.context import ParseContext

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_run

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fuzz"
CASES = sorted(p for p in FIXTURES.iterdir() if p.name != "README.md")
CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")


def _text(case: Path) -> str:
    return "".join(p.read_text() for p in sorted(case.rglob("*.tf"))) if case.is_dir() else case.read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fuzz_class(case: Path) -> None:
    text = _text(case)
    expects = re.search(r"# expects: (.+)", text)
    assert expects, f"{case.name} has no # expects: line"
    report = check([case], context=CONTEXT)
    kind = "tf" if case.is_dir() else "cfn-yaml"
    assert fuzz_run.classify(report, kind, text) == []
    rules = {f.rule_id for f in report.findings}
    assert set(expects.group(1).split()) <= rules, sorted(rules)
