"""Untrusted text in reports: make it print as what it is, never as a command or markup.

File names, resource names, messages and suppression reasons come from the checked files, which
a pull request writes.  Each output format has its own hazard: a newline or ``ESC`` in terminal
text, a line starting with ``::error`` that GitHub's runner executes as a workflow command,
characters XML 1.0 forbids, Markdown links, images, ``@mentions`` and raw HTML, SARIF embedded
links.  Formatters call these functions on every value that came from an input; the escapes are
visible (``\\n``, ``\\x1b``, ``\\u202e``) so a reader sees that something odd was there.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the XML formatters build trees; a text report never imports ElementTree
    import xml.etree.ElementTree as ET


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
# C0 and C1 controls (newlines and ESC included), DEL, the Unicode line and paragraph
# separators, bidirectional overrides and isolates (they reorder what a terminal shows), and
# lone surrogates (undecodable bytes in a file name: they cannot be encoded for output).
@cache
def _control() -> re.Pattern[str]:
    return re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
@cache
def _not_xml() -> re.Pattern[str]:
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# GitHub's runner reads a line as a workflow command when, after leading white space, it starts
# with "::" (``::error``, ``::add-mask``, ``::stop-commands``) or the legacy "##[".
@cache
def _workflow_command() -> re.Pattern[str]:
    return re.compile(r"\A(\s*)(::|##\[)")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """One printable line: control, separator and bidi characters as visible escapes."""
    return _control().sub(_escape, str(text))


def no_workflow_command(line: str) -> str:
    """A line that GitHub Actions would execute as a workflow command, made inert."""
    return _workflow_command().sub(
        lambda m: m.group(1) + "\\x3a:" if m.group(2) == "::" else m.group(1) + "\\x23#[", line, count=1
    )


def text_line(text: str) -> str:
    """Untrusted text for a terminal or CI log line: no control characters, no workflow command."""
    return no_workflow_command(escape_controls(text))


def text_lines(text: str) -> str:
    """Several lines (a multi-line fix snippet): each neutralised, the line breaks kept."""
    return "\n".join(text_line(line) for line in str(text).split("\n"))


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: forbidden characters as visible escapes (ElementTree escapes the rest)."""
    return _not_xml().sub(_escape, str(text))


def xml_tree(root: ET.Element) -> ET.Element:
    """Every attribute value, text and tail in the tree made XML-safe, in place."""
    for element in root.iter():
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
    return root


def markdown_code(text: str, table: bool = True) -> str:
    """Untrusted text as a Markdown code span (safe in a table cell).

    Inside a code span nothing is markup: no links, images, ``@mentions``, emphasis or HTML.
    Backticks in the text cannot close it because the fence is longer than any run of them;
    in a table (``table``) ``|`` is escaped because GitHub splits table cells before it parses
    code spans.
    """
    text = " ".join(escape_controls(text).split())
    if not text:
        return ""
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(text: str) -> str:
    """Untrusted text for an HTML report: escaped markup (quotes too, so it is safe in attributes)
    and visible escapes for control characters."""
    import html

    return html.escape(escape_controls(text), quote=True)


def sarif_text(text: str) -> str:
    """A SARIF plain-text message: ``[`` and ``]`` escaped so no embedded link can be formed (SARIF 3.11.6)."""
    return str(text).replace("[", "\\[").replace("]", "\\]")
