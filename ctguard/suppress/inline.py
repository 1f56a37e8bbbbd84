"""Inline ``ctguard:skip=ID:reason`` comments in Terraform and CloudFormation YAML.

No parser is involved: the file text is scanned for comments, and each one is attached to a
resource by its position relative to the resource headers the parser recorded (the owner root
spans of the input's SourceMap):

* a comment on the line(s) directly above a header belongs to that resource (trivy's
  convention), and
* a comment inside a resource's block belongs to it (checkov's), where the block runs from the
  header to the last line indented deeper than the header (or the closing brace at its level).

A comment that belongs to no resource is reported as a warning rather than silently ignored.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict

from ctguard.inputs import ParsedInput
from ctguard.suppress.rules import Owner, Skip, checked, parse_spec

_MARK = "ctguard:skip="
_COMMENT = re.compile(r"(?:#|//|/\*)\s*ctguard:skip=([^\n]*?)\s*(?:\*/\s*)?$")
_COMMENT_LINE = re.compile(r"^\s*(#|//|/\*|\*)")
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


def inline_skips(parsed: ParsedInput, warnings: list[str]) -> list[Skip]:
    if parsed.source_map is None:
        return []
    headers: dict[str, dict[int, Owner]] = defaultdict(dict)
    for owner in sorted(parsed.source_map.owners()):
        span = parsed.source_map.exact(owner, ())
        if span is not None:
            headers[span.file].setdefault(span.line, owner)
    skips: list[Skip] = []
    for file in sorted(headers):
        text = _read(file)
        if text is None or _MARK not in text:
            continue
        skips.extend(_file_skips(file, text.splitlines(), headers[file], warnings))
    return skips


def _read(file: str) -> str | None:
    if not os.path.isfile(file):
        return None
    try:
        with open(file, encoding="utf-8-sig", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _file_skips(file: str, lines: list[str], headers: dict[int, Owner], warnings: list[str]) -> list[Skip]:
    out: list[Skip] = []
    blocks = {line: (line, block_end(lines, line)) for line in headers}
    for index, text in enumerate(lines):
        if _MARK not in text:
            continue
        match = _COMMENT.search(text)
        if match is None:
            continue
        number = index + 1
        where = f"{file}:{number}"
        header = _owner_line(lines, number, blocks)
        parsed = parse_spec(match.group(1))
        if parsed is None:
            warnings.append(f"{where}: cannot read 'ctguard:skip={match.group(1)}'; expected ctguard:skip=ID:reason")
            continue
        if header is None:
            warnings.append(
                f"{where}: ctguard:skip comment is not inside or directly above a resource "
                "ctguard checks; it suppresses nothing"
            )
            continue
        first, last = blocks[header]
        ids, reason, expires = parsed
        for rule in ids:
            out.append(
                checked(Skip(rule, "inline", where, reason, expires, owner=headers[header], block=(file, first, last)))
            )
    return out


def _owner_line(lines: list[str], number: int, blocks: dict[int, tuple[int, int]]) -> int | None:
    below = number + 1  # directly above a header, with only comments in between
    while below <= len(lines) and _COMMENT_LINE.match(lines[below - 1]):
        below += 1
    if below in blocks:
        return below
    above = [h for h in blocks if h <= number]
    if not above:
        return None
    header = max(above)
    first, last = blocks[header]
    return header if first <= number <= last else None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def block_end(lines: list[str], header: int) -> int:
    """Last line of the block whose header is on line ``header`` (1-based)."""
    level = _indent(lines[header - 1])
    last = header
    heredoc: str | None = None
    for index in range(header, len(lines)):
        text = lines[index]
        stripped = text.strip()
        if heredoc is not None:  # HCL heredoc bodies may start at column 1 (JSON policies, EOF)
            last = index + 1
            if stripped == heredoc:
                heredoc = None
            continue
        if not stripped:
            continue
        if _COMMENT_LINE.match(text):
            if _indent(text) > level:
                last = index + 1
            continue
        opened = _HEREDOC.search(text)
        if opened is not None and _indent(text) > level:
            heredoc = opened.group(1)
        if _indent(text) <= level:
            if stripped[0] in "}])":
                return index + 1
            return last
        last = index + 1
    return last
