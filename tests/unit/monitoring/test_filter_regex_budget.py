"""Filter regexes Python would backtrack on for seconds are refused with a reason (issue 17 bullet 4)."""

from __future__ import annotations

import pytest

from ctguard.monitoring.cis import judge_filter, load_items

ITEM = next(iter(load_items()))


@pytest.mark.parametrize("pattern", ["{ $.eventName = %.*.*.*x% }", "%a+b+%", "%.*x.*y.*z%", "%a{1,}b*%"])
def test_more_than_one_unbounded_repetition_is_not_evaluated(pattern: str) -> None:
    verdict = judge_filter(ITEM, pattern)
    assert verdict.error and "at most one unbounded repetition" in verdict.error
    assert not verdict.passes


@pytest.mark.parametrize("pattern", ["%x.*y.*%", "%.*Delete.*%", "%a{1,9}b+%", "{ $.eventName = %^Delete.*% }"])
def test_patterns_with_one_unbounded_repetition_are_evaluated(pattern: str) -> None:
    assert judge_filter(ITEM, pattern).error is None
