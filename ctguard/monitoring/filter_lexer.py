"""Tokenizer for the JSON and space-delimited filter pattern syntaxes.

Positions are 0-based offsets into the original pattern text; the parser turns them into the
1-based columns of FilterPatternError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ctguard.monitoring.filter_ast import FilterPatternError

# Unquoted values stop at anything that has a meaning in either syntax.
_STOP = set(' \t\r\n(){}[],"&|=!<>%')


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _name() -> re.Pattern[str]:
    return re.compile(r"[A-Za-z0-9_\-]+")


@cache
def _index() -> re.Pattern[str]:
    return re.compile(r"\[(\d+)\]")


@cache
def _number() -> re.Pattern[str]:
    return re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


# "Filter patterns with regex can only include" alphanumerics, these symbols and these operators;
# "The () operator is not supported" (CloudWatch Logs, "Supported regular expressions (regex)
# syntax", docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html).  Space is
# accepted as well because aws-cdk's regexValue example puts one in a JSON regex.
@cache
def _regex_chars() -> re.Pattern[str]:
    return re.compile(r"[A-Za-z0-9:_#=@/;,\-^$?\[\]{}|\\*+. ]*")


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a metric filter pattern."""

    kind: str  # LBRACE RBRACE LBRACK RBRACK LPAREN RPAREN COMMA AND OR OP SELECTOR STRING REGEX WORD ELLIPSIS EOF
    text: str
    pos: int
    path: tuple[str | int, ...] = ()


def is_number(text: str) -> bool:
    return bool(_number().match(text))


def read_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read a double-quoted string starting at ``pos``; backslash escapes the next character."""
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise FilterPatternError("unterminated quoted string", pos + 1)


def read_regex(text: str, pos: int) -> tuple[str, int]:
    end = text.find("%", pos + 1)
    if end < 0:
        raise FilterPatternError("unterminated regular expression (missing closing %)", pos + 1)
    body = text[pos + 1 : end]
    if not body:
        raise FilterPatternError("empty regular expression", pos + 1)
    for offset, ch in enumerate(body):
        if ch in "()":
            raise FilterPatternError("the () operator is not supported in filter regex", pos + 2 + offset)
        if not _regex_chars().fullmatch(ch):
            raise FilterPatternError(f"character {ch!r} is not allowed in a filter regex", pos + 2 + offset)
    _bounded_regex(body, pos + 2)
    return body, end + 1


# Python's backtracking matcher takes seconds for ".*.*.*x" on one log line (n^4 steps); CloudWatch
# matches such patterns in linear time.  More than one repetition without a small bound is not
# evaluated (an error naming the pattern, so the run stays bounded; issue 17 bullet 4).
@cache
def _repeat() -> re.Pattern[str]:
    return re.compile(r"(?<!\\)(?:[*+]|\{\d*,(\d*)\})")


MAX_REPEAT_BOUND = 50


def _bounded_regex(body: str, column: int) -> None:
    # A leading or trailing ".*" adds nothing to a search (and does not backtrack into the rest).
    core = body[2:] if body.startswith(".*") else body
    core = core[:-2] if core.endswith(".*") and not core.endswith("\\.*") else core
    open_ended = [
        m
        for m in _repeat().finditer(core)
        if m.group(0) in "*+" or not m.group(1) or int(m.group(1)) > MAX_REPEAT_BOUND
    ]
    if len(open_ended) > 1:
        raise FilterPatternError(
            "ctguard evaluates at most one unbounded repetition (*, +, {n,}) per filter "
            "regex; this one has more, so it is not judged: simplify it",
            column,
        )


def _read_selector(text: str, pos: int) -> Token:
    i = pos + 1
    path: list[str | int] = []
    while i < len(text) and text[i] in ".[":
        if text[i] == ".":
            m = _name().match(text, i + 1)
            if not m:
                raise FilterPatternError("expected a property name after '.'", i + 2)
            path.append(m.group())
            i = m.end()
        else:
            m = _index().match(text, i)
            if not m:
                # Only [NUMBER] is documented ("Array elements are denoted with [NUMBER] syntax").
                raise FilterPatternError("array index must be [NUMBER]", i + 1)
            if not path:
                raise FilterPatternError("array elements must follow a property", i + 1)
            path.append(int(m.group(1)))
            i = m.end()
    if not path:
        raise FilterPatternError("selector '$' must name a property, e.g. $.eventName", pos + 1)
    return Token("SELECTOR", text[pos:i], pos, tuple(path))


def tokenize(text: str, start: int, end: int) -> list[Token]:
    """Tokens of ``text[start:end]``; EOF is placed at ``end``."""
    tokens: list[Token] = []
    i = start
    while i < end:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        two = text[i : i + 2]
        if two in ("&&", "||"):
            tokens.append(Token("AND" if two == "&&" else "OR", two, i))
            i += 2
        elif two in ("!=", "<=", ">="):
            tokens.append(Token("OP", two, i))
            i += 2
        elif ch in "=<>":
            tokens.append(Token("OP", ch, i))
            i += 1
        elif ch in "&|!":
            raise FilterPatternError(f"unexpected {ch!r}; use &&, || or !=", i + 1)
        elif ch in "(){}[],":
            kinds = {
                "(": "LPAREN",
                ")": "RPAREN",
                "{": "LBRACE",
                "}": "RBRACE",
                "[": "LBRACK",
                "]": "RBRACK",
                ",": "COMMA",
            }
            tokens.append(Token(kinds[ch], ch, i))
            i += 1
        elif ch == '"':
            body, nxt = read_quoted(text[:end], i)
            tokens.append(Token("STRING", body, i))
            i = nxt
        elif ch == "%":
            body, nxt = read_regex(text[:end], i)
            tokens.append(Token("REGEX", body, i))
            i = nxt
        elif ch == "$":
            tok = _read_selector(text[:end], i)
            tokens.append(tok)
            i = tok.pos + len(tok.text)
        else:
            j = i
            while j < end and text[j] not in _STOP:
                j += 1
            word = text[i:j]
            tokens.append(Token("ELLIPSIS" if word == "..." else "WORD", word, i))
            i = j
    tokens.append(Token("EOF", "", end))
    return tokens
