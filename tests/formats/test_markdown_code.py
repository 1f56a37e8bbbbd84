"""Markdown code spans are literal: placeholders read <trail>, not &lt;trail&gt;."""

from __future__ import annotations

from pathlib import Path

from ctguard import api
from ctguard.formatters import renderer
from ctguard.formatters.markdown_parts import code

REPO = Path(__file__).resolve().parents[2]


def test_code_span_fences_and_pipes() -> None:
    assert code("a <b> | c") == "`a <b> \\| c`"
    assert code("x`y", table=False) == "``x`y``"
    assert code("`a`", table=False) == "`` `a` ``"


def test_fix_placeholders_are_shown_as_written() -> None:
    report = api.check([REPO / "examples" / "cloudformation" / "weak-trail.yaml"])
    text = renderer("markdown")(report, {})
    fixes = text.split("## How to fix", 1)[1]
    assert "<trail>" in fixes or "<" in fixes
    assert "&lt;" not in fixes and "&gt;" not in fixes
