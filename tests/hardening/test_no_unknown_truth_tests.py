"""No code tests the truth of a helper that returns an Unknown (issue 17 bullet 1).

``contains_unknown``, ``has_unknown`` and ``first_unknown`` return the Unknown they found (or
None); ``if contains_unknown(x):`` calls ``Unknown.__bool__``, which raises. That is how CT501-
CT515 crashed on an EventBridge pattern with an Unknown inside. Every use must compare with None.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "ctguard"
RETURNS_UNKNOWN = {"contains_unknown", "has_unknown", "first_unknown"}


def _name(call: ast.AST) -> str | None:
    if isinstance(call, ast.Call):
        func = call.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _truth_tested(tree: ast.AST) -> list[ast.AST]:
    """Expressions whose truth value Python takes: if/while/assert/ternary tests, and/or/not operands."""
    out: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            out.append(node.test)
        elif isinstance(node, ast.BoolOp):
            out.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append(node.operand)
        elif isinstance(node, ast.comprehension):
            out.extend(node.ifs)
    return out


def test_helpers_returning_an_unknown_are_compared_with_none() -> None:
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for expr in _truth_tested(tree):
            if _name(expr) in RETURNS_UNKNOWN:
                offenders.append(f"{path.relative_to(SOURCE.parent)}:{expr.lineno}: truth of {_name(expr)}(...)")
    assert not offenders, "\n".join(offenders)


def test_the_check_finds_the_pattern_it_looks_for() -> None:
    tree = ast.parse("if a and contains_unknown(b):\n    pass\nx = [y for y in z if ev.trace.first_unknown(y)]\n")
    assert [_name(e) for e in _truth_tested(tree) if _name(e) in RETURNS_UNKNOWN] == [
        "contains_unknown",
        "first_unknown",
    ]
