"""Public API: parse a CloudWatch Logs filter pattern once, then match CloudTrail records.

>>> p = parse_filter_pattern('{ $.eventName = "ConsoleLogin" }')
>>> p.kind, p.matches({"eventName": "ConsoleLogin"})
('json', True)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from re import error as re_error
from typing import Any

from ctguard.monitoring.filter_ast import FilterPatternError, Slot, Term, normalise
from ctguard.monitoring.filter_parser import MAX_LENGTH, parse_json, parse_space, parse_terms

__all__ = ["FilterPattern", "FilterPatternError", "parse_filter_pattern", "record_as_log_line"]


def record_as_log_line(record: Any) -> str:
    """A record as CloudTrail writes it to CloudWatch Logs: one compact JSON object per event."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class FilterPattern:
    """A compiled filter pattern.

    kind: "json" ({...}), "space" ([...]) or "terms" (plain terms, quoted terms, ?term, -term,
    %regex%, and the empty pattern).  ``normalised`` is a canonical text: equal for rewrites that
    only reorder &&/|| operands, requote values, or add parentheses and spaces.
    """

    text: str
    kind: str
    normalised: str
    ast: Any = field(repr=False, compare=False)
    _line_test: Callable[[str], bool] | None = field(default=None, repr=False, compare=False)
    _doc_test: Callable[[Any], bool] | None = field(default=None, repr=False, compare=False)

    def matches(self, record: dict[str, Any] | str) -> bool:
        if self._doc_test is not None:
            if isinstance(record, str):
                try:
                    record = json.loads(record)
                except ValueError:
                    return False  # a JSON pattern never matches a non-JSON event
            return isinstance(record, dict) and self._doc_test(record)
        assert self._line_test is not None
        if not isinstance(record, str):
            try:
                record = record_as_log_line(record)
            except (TypeError, ValueError):
                return False
        return self._line_test(record)


def parse_filter_pattern(text: str) -> FilterPattern:
    """Parse ``text``; raise FilterPatternError(message, column) with a 1-based column."""
    if not isinstance(text, str):
        raise FilterPatternError("a filter pattern must be a string", 1)
    if len(text) > MAX_LENGTH:
        raise FilterPatternError(f"a filter pattern is at most {MAX_LENGTH} characters", MAX_LENGTH + 1)
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # the matchers only where a pattern is met: a check without metric filters never needs them (issue 21)
    from ctguard.monitoring.filter_eval import compile_node, compile_space, compile_terms

    try:
        if start < end and text[start] == "{":
            node = parse_json(text, start, end)
            norm = normalise(node)
            return FilterPattern(text, "json", "{ " + norm.render() + " }", norm, _doc_test=compile_node(norm))
        if start < end and text[start] == "[":
            slots = parse_space(text, start, end)
            return FilterPattern(text, "space", _render_space(slots), slots, _line_test=compile_space(slots))
        groups = parse_terms(text, start, end)
        return FilterPattern(text, "terms", _render_terms(groups), groups, _line_test=compile_terms(groups))
    except FilterPatternError:
        raise
    except (RecursionError, ValueError, re_error) as exc:  # defensive: never leak other errors
        raise FilterPatternError(f"invalid pattern: {exc}", start + 1) from None


def _render_space(slots: tuple[Slot, ...]) -> str:
    return "[" + ", ".join(s.render() for s in slots) + "]"


def _render_terms(groups: tuple[tuple[Term, ...], ...]) -> str:
    rendered = sorted(" ".join(sorted(t.render() for t in g)) for g in groups)
    if len(rendered) <= 1:
        return rendered[0] if rendered else ""
    return " ".join("?" + g for g in rendered)
