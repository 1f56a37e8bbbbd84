"""AST of CloudWatch Logs filter patterns, shared by the parser and the evaluator.

Source of the language: "Filter pattern syntax for metric filters, subscription filters,
filter log events" (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
mirrored in awsdocs/amazon-cloudwatch-logs-user-guide@doc_source/FilterAndPatternSyntax.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


class FilterPatternError(ValueError):
    """A filter pattern AWS would reject; ``column`` is 1-based into the original text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Value:
    """Right-hand side of a comparison.

    kind: "string" (may carry leading/trailing ``*``), "number", "regex" or "any" (a lone ``*``).
    """

    kind: str
    text: str
    number: float | None = None

    def render(self) -> str:
        if self.kind == "any":
            return "*"
        if self.kind == "number":
            return self.text
        if self.kind == "regex":
            return f"%{self.text}%"
        # Always quoting is never wrong (aws-cdk pattern.ts quoteTerm), so requoted and unquoted
        # spellings of one value normalise to the same text.
        return json.dumps(self.text)


@dataclass(frozen=True, slots=True)
class Comparison:
    """``$.a.b[0] OP value`` or a postfix test (IS NULL, NOT EXISTS, IS TRUE, IS FALSE)."""

    path: tuple[str | int, ...]
    op: str
    value: Value | None = None
    space: bool = False  # a space-delimited field name, not a JSON selector

    def render_path(self) -> str:
        if self.space:
            return str(self.path[0])
        out = "$"
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def render(self) -> str:
        if self.value is None:
            return f"{self.render_path()} {self.op}"
        return f"{self.render_path()} {self.op} {self.value.render()}"


@dataclass(frozen=True, slots=True)
class BoolOp:
    """A boolean operator node of a metric filter pattern."""

    op: str  # "&&" or "||"
    operands: tuple[Node, ...]

    def render(self) -> str:
        return f" {self.op} ".join(_wrap(o) for o in self.operands)


Node = Comparison | BoolOp


def _wrap(node: Node) -> str:
    return f"({node.render()})" if isinstance(node, BoolOp) else node.render()


def normalise(node: Node) -> Node:
    """Flatten nested same-operator groups, drop duplicates and sort operands.

    && and || are commutative and associative, so reordered or re-parenthesised rewrites of
    one filter get the same normal form; that is what equivalence reporting compares.
    """
    if isinstance(node, Comparison):
        return node
    flat: list[Node] = []
    for operand in node.operands:
        operand = normalise(operand)
        if isinstance(operand, BoolOp) and operand.op == node.op:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    unique = {_wrap(o): o for o in flat}
    ordered = tuple(unique[k] for k in sorted(unique))
    return ordered[0] if len(ordered) == 1 else BoolOp(node.op, ordered)


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a plain-text pattern."""

    text: str
    regex: bool = False
    exclude: bool = False

    def render(self) -> str:
        body = f"%{self.text}%" if self.regex else json.dumps(self.text)
        return ("-" if self.exclude else "") + body


@dataclass(frozen=True, slots=True)
class Slot:
    """One comma-separated field of a space-delimited pattern."""

    name: str | None  # None for an unnamed slot; "..." for the ellipsis
    condition: Node | None = None

    def render(self) -> str:
        if self.condition is not None:
            return self.condition.render()
        return self.name or ""
