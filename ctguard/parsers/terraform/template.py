"""HCL string templates: escapes, heredoc bodies and the ``${...}`` parts of heredoc text.

Quoted strings arrive from the grammar already split into text and interpolations; heredocs
arrive as raw text, so their interpolations are found here and parsed as lone expressions.
``%{...}`` directives are not evaluated (the evaluator makes them Unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lark import Token, Tree

from ctguard.values import Unknown

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "uU":
            try:
                return chr(int(esc[1:], 16))
            except ValueError:
                return m.group(0)
        return _ESCAPES.get(esc, m.group(0))

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", sub, text)


def matching_brace(text: str, pos: int) -> int:
    depth, quote = 0, False
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return -1


def heredoc_text(raw: str, trim: bool) -> str:
    """The body of a ``<<EOT`` / ``<<-EOT`` heredoc token, indentation removed for the latter."""
    lines = raw.split("\n")
    body = lines[1:-2] if lines[-1] == "" else lines[1:-1]
    if trim:
        indent = min((len(ln) - len(ln.lstrip(" \t")) for ln in body if ln.strip()), default=0)
        body = [ln[indent:] for ln in body]
    return "\n".join(body) + ("\n" if body else "")


def template_parts(text: str) -> Iterator[str | Tree[Token] | Token | Unknown]:
    """Literal text and parsed interpolation expressions of heredoc text, in order."""
    from ctguard.parsers.terraform.hcl import parse_expression

    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            yield text[pos:]
            return
        if start > 0 and text[start - 1] == "$":  # $${ escapes
            yield text[pos : start - 1] + "${"
            pos = start + 2
            continue
        yield text[pos:start]
        end = matching_brace(text, start + 2)
        if end < 0:
            yield Unknown("unterminated interpolation in heredoc")
            return
        expr = parse_expression(text[start + 2 : end])
        yield Unknown("interpolation could not be parsed") if expr is None else expr
        pos = end + 1
