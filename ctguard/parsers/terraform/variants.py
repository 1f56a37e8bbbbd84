"""Two-way module count/for_each conditions as model variants.

``module "trail" { count = var.enabled ? 1 : 0 }`` with ``var.enabled`` unset is a module that
exists in one deployment and not in another. Judging it once "as if created" would pass checks on
a trail that may not exist and hide what is missing when it does not; so, as a CloudFormation
``Condition`` does, the predicate splits the input into variants: one built as if it were true,
one as if false. Findings that hold only in some variants then read "(when var.enabled is true)".

The predicate is named by its source text (prefixed with the calling module's address), so two
calls gated by the same ``var.enabled`` share one assumption. Only a conditional at the top of
the expression counts; any other unknown count stays Unknown and is reported by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from ctguard.parsers.terraform.refs import has_unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.expr import Evaluator
    from ctguard.parsers.terraform.loader import Loader

# Each variant re-reads the whole module tree; 3 independent switches are 8 variants. Past the
# cap a switch stays unknown and its module is judged "may not be created" (a CT005 says so).
MAX_VARIANTS = 8
_MAX_NAME = 80


def chosen(expr: Tree[Token] | Token, ev: Evaluator, loader: Loader, prefix: str) -> Tree[Token] | Token:
    """The expression to evaluate for a module call's count/for_each under the loader's assumptions.

    An undecided top-level predicate is recorded on the loader (``undecided``) for the caller to split on."""
    node = _unwrap(expr)
    if not (isinstance(node, Tree) and node.data == "conditional"):
        return expr
    exprs = [k for k in node.children if isinstance(k, Tree)]
    if len(exprs) != 3:
        return expr
    predicate = ev.eval(exprs[0])
    if isinstance(predicate, bool) or has_unknown(predicate, ev.trace) is None:
        return expr  # decided by the values given: nothing to split
    name = prefix + render(exprs[0])
    if name in loader.assumptions:
        return exprs[1] if loader.assumptions[name] else exprs[2]
    if name not in loader.undecided:
        loader.undecided.append(name)
    return expr


def assumed(expr: Tree[Token] | Token, ev: Evaluator, loader: Loader, prefix: str) -> bool:
    """True when this run's assumptions, not the values given, decide the expression's predicate."""
    node = _unwrap(expr)
    if not (isinstance(node, Tree) and node.data == "conditional"):
        return False
    exprs = [k for k in node.children if isinstance(k, Tree)]
    return len(exprs) == 3 and prefix + render(exprs[0]) in loader.assumptions


def split(assumptions: dict[str, bool], undecided: list[str], pending: int) -> list[dict[str, bool]]:
    """The assumption sets that replace ``assumptions`` (empty when the run stands as it is).

    ``pending`` is how many variants are already finished or queued besides this one."""
    new = [name for name in undecided if name not in assumptions]
    if not new or pending + 2 > MAX_VARIANTS:
        return []
    return [{**assumptions, new[0]: True}, {**assumptions, new[0]: False}]


def _unwrap(node: Any) -> Any:
    # `(cond ? 1 : 0)` and the parser's single-child expr_term wrappers mean the same expression
    while isinstance(node, Tree) and node.data == "expr_term":
        kids = [k for k in node.children if isinstance(k, Tree)]
        if len(kids) != 1:
            return node
        node = kids[0]
    return node


_SPACED = {"?", ":", "&&", "||", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"}


def render(node: Any) -> str:
    """Source-like text of an expression, for messages ("var.enabled", "module.this.enabled")."""
    parts: list[str] = []
    _leaves(node, parts)
    text = "".join(parts).strip()
    return text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 3] + "..."


def _leaves(node: Any, parts: list[str]) -> None:
    if isinstance(node, Token):
        value = str(node)
        if value.strip() in _SPACED:
            parts.append(f" {value.strip()} ")
        elif value.strip() == ",":
            parts.append(", ")
        elif node.type != "NEWLINE_OR_COMMENT" and not value.isspace():
            parts.append(value)
        return
    if isinstance(node, Tree):
        if node.data == "new_line_or_comment":
            return
        if node.data == "string":  # the quotes are tokens of their own; keep the parts together
            parts.append(
                '"' + "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)) if str(t) != '"') + '"'
            )
            return
        for child in node.children:
            _leaves(child, parts)
