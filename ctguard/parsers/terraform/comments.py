"""HCL comments blanked out before parsing, keeping lines and columns where they were.

The HCL native syntax treats a comment as white space wherever white space may stand
(``is_multi_region_trail = /* org-wide */ true``, ``resource /* x */ "aws_cloudtrail" ...``);
python-hcl2's grammar accepts comments only at line ends. Replacing each comment's characters by
spaces gives the grammar text it accepts, with the same positions (a block comment over several
lines moves its line breaks to the end of the line where it ends).
Comments are found by scanning the lexical structure: never inside a quoted string (including
the nested strings of its ``${ }``/``%{ }`` templates) or a heredoc.
"""

from __future__ import annotations

import re

_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


def blank_comments(text: str) -> str:
    if "#" not in text and "//" not in text and "/*" not in text:
        return text
    out = list(text)
    scanner = _Scanner(text, out)
    scanner.code(0, top=True)
    return "".join(out) + "\n" * scanner.pending


class _Scanner:
    def __init__(self, text: str, out: list[str]) -> None:
        self.text, self.out, self.n = text, out, len(text)
        self.pending = 0  # line breaks of block comments, moved to the end of their last line

    def _blank(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.out[i] not in "\r\n":
                self.out[i] = " "

    def code(self, i: int, top: bool = False) -> int:
        """Scan expressions/bodies from ``i``; inside a template, stop after its closing brace."""
        text, depth = self.text, 0
        while i < self.n:
            c = text[i]
            if c == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                end = self.n if end < 0 else end
                self._blank(i, end)
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = self.n if end < 0 else end + 2
                # A block comment is white space, not a line break: `x = /* a\n b */ 1` is one
                # attribute. Its breaks move to the end of the line it ends on, so only the rest
                # of that line shifts.
                breaks = text.count("\n", i, end)
                self._blank(i, end)
                for k in range(i, end):
                    if self.out[k] == "\n":
                        self.out[k] = " "
                self.pending += breaks
                i = end
            elif c == "\n" and self.pending:
                self.out[i] = "\n" * (self.pending + 1)
                self.pending = 0
                i += 1
            elif c == '"':
                i = self.string(i + 1)
            elif c == "<" and text.startswith("<<", i) and (m := _HEREDOC.match(text, i)):
                i = self.heredoc(m.end(), m.group(1))
            elif c == "{":
                depth += 1
                i += 1
            elif c == "}":
                i += 1
                if not top:
                    if depth == 0:
                        return i
                    depth -= 1
                else:
                    depth = max(0, depth - 1)
            else:
                i += 1
        return i

    def string(self, i: int) -> int:
        """After the opening quote; returns the index after the closing quote."""
        text = self.text
        while i < self.n:
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "\n":
                return i  # an unterminated string: the parser reports it
            elif c in "$%" and text.startswith(c + c + "{", i):
                i += 3  # $${ and %%{ are literal text
            elif c in "$%" and text.startswith("{", i + 1):
                i = self.code(i + 2)
            else:
                i += 1
        return i

    def heredoc(self, i: int, marker: str) -> int:
        """Heredoc bodies are templates; their ``${ }`` are code, their text is not."""
        text = self.text
        while i < self.n:
            line_end = text.find("\n", i)
            line_end = self.n if line_end < 0 else line_end
            if text[i:line_end].strip() == marker:
                return line_end
            j = i
            while j < line_end:
                if text[j] in "$%" and text.startswith(text[j] * 2 + "{", j):
                    j += 3
                elif text[j] in "$%" and text.startswith("{", j + 1):
                    j = self.code(j + 2)
                else:
                    j += 1
            i = max(j, line_end) + 1
        return i
