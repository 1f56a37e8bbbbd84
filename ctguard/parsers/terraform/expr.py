"""Static evaluation of HCL expressions (Lark trees) into plain values with Unknown placeholders.

Nothing is executed: references resolve through ``Namespace`` objects the module layer provides
(``var``, ``local``, resource types, ``data``, ``module``), functions through a short allow-list
in ``tf_funcs``; anything else is ``Unknown`` with the reason.  Templates, references and the
conversion to model data live in ``tf_template`` and ``tf_refs`` (re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lark import Token, Tree

from ctguard.parsers.terraform import funcs as tf_funcs
from ctguard.parsers.terraform.refs import MARK, JsonDoc, Namespace, Ref, Trace, finalize, has_unknown
from ctguard.parsers.terraform.template import heredoc_text, template_parts, unescape
from ctguard.values import ABSENT, Known, Unknown, Value

MAX_DEPTH = 64  # nested evaluations (locals -> vars -> module inputs); beyond it: Unknown
MAX_VALUE_SIZE = 1_000_000  # characters of a string, items of a list or object


class Evaluator:
    def __init__(
        self,
        trace: Trace,
        lookup: Callable[[str], Any],
        functions: dict[str, Callable[..., Any]],
        bindings: dict[str, Any] | None = None,
    ) -> None:
        self.trace = trace
        self.lookup = lookup  # root name -> value or Namespace; raises KeyError when unknown
        self.functions = functions
        self.bindings = bindings or {}  # count, each, for-expression and dynamic iterators

    def bind(self, **names: Any) -> Evaluator:
        return Evaluator(self.trace, self.lookup, self.functions, {**self.bindings, **names})

    def evaluate(self, node: Tree[Token] | Token) -> tuple[Any, list[Ref]]:
        """Value of a top-level expression and the references it went through."""
        refs: list[Ref] = []
        self.trace.stack.append(refs)
        try:
            return self.eval(node), refs
        finally:
            self.trace.stack.pop()

    def eval(self, node: Tree[Token] | Token) -> Any:
        if self.trace.depth > MAX_DEPTH:
            return Unknown("expression nesting too deep (reference cycle?)")
        if not self.trace.budget.step():
            self._out_of_steps(node)
            return Unknown("the input's expression evaluation budget is spent")
        self.trace.depth += 1
        try:
            return self._bounded(self._eval(node), node)
        except RecursionError:
            return Unknown("expression nesting too deep")
        except (ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            # Evaluation is total: whatever Python refuses is an Unknown with the reason, never a crash.
            return Unknown(f"expression could not be evaluated: {_reason(exc)}")
        finally:
            self.trace.depth -= 1

    def _bounded(self, value: Any, node: Tree[Token] | Token) -> Any:
        """Values that outgrow any CloudTrail setting (a string each local doubles) stop growing here."""
        size = len(value) if isinstance(value, (str, list, dict)) else 0
        if size <= MAX_VALUE_SIZE:
            return value
        meta = getattr(node, "meta", None)
        self.trace.budget.exceeded(
            f"an expression builds a value of {size:,} {'characters' if isinstance(value, str) else 'items'}, "
            f"more than the {MAX_VALUE_SIZE:,} ctguard evaluates; it is left Unknown: simplify the expression",
            "",
            getattr(meta, "line", None) or 1,
            getattr(meta, "column", None) or 1,
        )
        return Unknown(
            f"value of {size:,} {'characters' if isinstance(value, str) else 'items'} is too large to evaluate"
        )

    def _out_of_steps(self, node: Tree[Token] | Token) -> None:
        meta = getattr(node, "meta", None)
        line = getattr(meta, "line", None) or getattr(node, "line", None) or 1
        column = getattr(meta, "column", None) or getattr(node, "column", None) or 1
        self.trace.budget.exceeded(
            "expression evaluation takes more than the input's budget of steps (a local or variable that "
            "grows with every reference, or nested for expressions over large collections); ctguard leaves "
            "the rest Unknown: simplify the expression",
            "",
            line,
            column,
        )

    def _eval(self, node: Tree[Token] | Token) -> Any:
        if isinstance(node, Token):
            return _token_value(node)
        kind = node.data
        kids = [c for c in node.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
        handler = getattr(self, "_e_" + str(kind), None)
        if handler is None:
            return Unknown(f"unsupported expression ({kind})")
        return handler(kids)

    # terms -----------------------------------------------------------------------------
    def _e_expr_term(self, kids: list[Any]) -> Any:
        inner = [k for k in kids if isinstance(k, Tree)]
        return self.eval(inner[0]) if inner else Unknown("empty expression")

    def _e_literal_value(self, kids: list[Any]) -> Any:
        return {"true": True, "false": False, "null": None}[str(kids[0])]

    def _e_int_lit(self, kids: list[Any]) -> Any:
        return number(str(kids[0]))

    def _e_float_lit(self, kids: list[Any]) -> Any:
        return number(str(kids[0]))

    def _e_identifier(self, kids: list[Any]) -> Any:
        name = str(kids[0])
        if name in self.bindings:
            return self.bindings[name]
        try:
            return self.lookup(name)
        except KeyError:
            return Unknown(f"unknown name {name}")

    def _e_tuple(self, kids: list[Any]) -> Any:
        return [self.eval(k) for k in kids if isinstance(k, Tree)]

    def _e_object(self, kids: list[Any]) -> Any:
        result: dict[str, Any] = {}
        for elem in kids:
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            key_node, value_node = elem.children[0], elem.children[2]
            key = self._object_key(key_node)
            if has_unknown(key, self.trace) is not None:
                return Unknown("object key is not known")
            result[str(key) if not isinstance(key, bool) else str(key).lower()] = self.eval(value_node)
        return result

    def _object_key(self, key_node: Tree[Token]) -> Any:
        inner = key_node.children[0]
        # A bare identifier as key is a literal name in HCL, not a variable.
        if isinstance(inner, Tree) and inner.data == "expr_term":
            first = inner.children[0]
            if isinstance(first, Tree) and first.data in ("identifier", "keyword", "literal_value"):
                return str(first.children[0])
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        return self.eval(inner)

    # strings ---------------------------------------------------------------------------
    def _e_string(self, kids: list[Any]) -> Any:
        parts: list[Any] = []
        for part in kids:
            if not isinstance(part, Tree):
                continue  # the quotes
            token = part.children[0]
            if isinstance(token, Token):
                if token.type == "STRING_CHARS":
                    parts.append(unescape(str(token)))
                else:  # $${ and %%{ escapes are literal text
                    parts.append(str(token)[1:])
            elif token.data == "interpolation":
                parts.append(self.eval(token.children[1]))
            else:
                return Unknown("template directives (%{ ... }) are not evaluated")
        return self.join_template(parts)

    def join_template(self, parts: list[Any]) -> Any:
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0] if isinstance(parts[0], Unknown) else self.to_text(parts[0])
        return "".join(self.to_text(p) for p in parts)

    def to_text(self, value: Any) -> str:
        """Text of a value inside a template; unknown parts become markers."""
        if isinstance(value, Unknown):
            return self.trace.mark(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, JsonDoc):
            return tf_funcs.json_text(value.obj, self)
        if value is None:
            return self.trace.mark(Unknown("null in a string template"))
        return self.trace.mark(Unknown("a collection cannot be used in a string template"))

    def _e_heredoc_template(self, kids: list[Any]) -> Any:
        return self._heredoc(str(kids[0]), trim=False)

    def _e_heredoc_template_trim(self, kids: list[Any]) -> Any:
        return self._heredoc(str(kids[0]), trim=True)

    def _heredoc(self, raw: str, trim: bool) -> Any:
        parts = [p if isinstance(p, (str, Unknown)) else self.eval(p) for p in template_parts(heredoc_text(raw, trim))]
        return self.join_template(parts)

    def _e_template_string(self, kids: list[Any]) -> Any:
        return Unknown("template directive string is not evaluated")

    # operators -------------------------------------------------------------------------
    def _e_conditional(self, kids: list[Any]) -> Any:
        exprs = [k for k in kids if isinstance(k, Tree)]
        cond = self.eval(exprs[0])
        unknown = has_unknown(cond, self.trace)
        if unknown is not None:
            return Unknown(f"condition is unknown: {unknown.reason}")
        if not isinstance(cond, bool):
            return Unknown("condition is not a bool")
        return self.eval(exprs[1] if cond else exprs[2])

    def _e_binary_op(self, kids: list[Any]) -> Any:
        left = self.eval(kids[0])
        term = kids[1]
        op = str(term.children[0].children[0])
        right_node = [c for c in term.children if isinstance(c, Tree) and c.data != "new_line_or_comment"][-1]
        if (op == "&&" and left is False) or (op == "||" and left is True):
            return left  # short-circuit also when the right side is unknown
        return tf_funcs.binary(op, left, self.eval(right_node), self)

    def _e_unary_op(self, kids: list[Any]) -> Any:
        value = self.eval(kids[1])
        unknown = has_unknown(value, self.trace)
        if unknown is not None:
            return unknown
        if str(kids[0]) == "!":
            return (not value) if isinstance(value, bool) else Unknown("! of a non-bool")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        return Unknown("Unsuitable value for unary operand: a number is required")

    # traversals ------------------------------------------------------------------------
    def _e_get_attr_expr_term(self, kids: list[Any]) -> Any:
        return self.get_attr(self.eval(kids[0]), _name(kids[1].children[-1]))

    def _e_index_expr_term(self, kids: list[Any]) -> Any:
        return self.index(self.eval(kids[0]), self._index_key(kids[1]))

    def _index_key(self, index: Tree[Token]) -> Any:
        if index.data == "short_index":
            return int(str(index.children[-1]))
        return self.eval(next(c for c in index.children if isinstance(c, Tree) and c.data != "new_line_or_comment"))

    def _e_attr_splat_expr_term(self, kids: list[Any]) -> Any:
        return self._splat(self.eval(kids[0]), kids[1])

    _e_full_splat_expr_term = _e_attr_splat_expr_term

    def _splat(self, base: Any, splat: Tree[Token]) -> Any:
        if isinstance(base, Namespace):
            base = base.expand(self)
        if isinstance(base, Unknown):
            return base
        items = base if isinstance(base, list) else ([] if base is None else [base])
        steps = [c for c in splat.children if isinstance(c, Tree)]
        result = []
        for item in items:
            for step in steps:
                item = (
                    self.get_attr(item, _name(step.children[-1]))
                    if step.data == "get_attr"
                    else self.index(item, self._index_key(step))
                )
            result.append(item)
        return result

    def get_attr(self, base: Any, name: str) -> Any:
        if isinstance(base, Namespace):
            return base.attr(name, self)
        if isinstance(base, Unknown):
            return base
        if isinstance(base, dict):
            return base[name] if name in base else Unknown(f"no attribute {name}")
        return Unknown(f"cannot read .{name} of a {type(base).__name__}")

    def index(self, base: Any, key: Any) -> Any:
        if isinstance(base, Unknown):
            return base
        if has_unknown(key, self.trace) is not None:
            return Unknown("index is unknown")
        if isinstance(base, Namespace):
            return base.index(key, self)
        if isinstance(base, list) and isinstance(key, (int, float)) and not isinstance(key, bool):
            if not (isinstance(key, int) or (math.isfinite(key) and key.is_integer())):
                return Unknown(f"Invalid index: the index {key} is not a whole number")
            i = int(key)
            return base[i] if -len(base) <= i < len(base) else Unknown(f"index {i} out of range")
        if isinstance(base, dict):
            return base.get(str(key), Unknown(f"no key {key}"))
        return Unknown(f"cannot index a {type(base).__name__}")

    # functions and for expressions ----------------------------------------------------------
    def _e_function_call(self, kids: list[Any]) -> Any:
        names = [k for k in kids if isinstance(k, Tree) and k.data == "identifier"]
        if len(names) > 1:
            return Unknown(f"provider function {'::'.join(_name(n) for n in names)}")
        name = _name(names[0])
        fn = self.functions.get(name)
        if fn is None:
            return Unknown(f"function {name}")
        args_node = next((k for k in kids if isinstance(k, Tree) and k.data == "arguments"), None)
        arg_nodes = (
            []
            if args_node is None
            else [c for c in args_node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        )
        expand = args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        )
        try:
            return fn(self, arg_nodes, expand)
        except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            return Unknown(f"function {name} could not be evaluated: {_reason(exc)}")

    def _e_for_tuple_expr(self, kids: list[Any]) -> Any:
        return tf_funcs.for_expr(self, kids, as_object=False)

    def _e_for_object_expr(self, kids: list[Any]) -> Any:
        return tf_funcs.for_expr(self, kids, as_object=True)


def number(text: str) -> Any:
    """An HCL number literal; one no float can hold (1e400) or too long to read is Unknown."""
    if text.isdigit() and len(text) > 300:
        return Unknown(f"number literal of {len(text)} digits is outside the range ctguard evaluates")
    value: int | float = int(text) if text.isdigit() else float(text)
    if isinstance(value, float) and (
        not math.isfinite(value) or (value == 0 and any(c in "123456789" for c in text.split("e")[0].split("E")[0]))
    ):
        return Unknown(f"number {text} is outside the range ctguard evaluates")  # inf, or underflow to 0
    return value


def _reason(exc: BaseException) -> str:
    """Terraform's wording where it has one for what Python refused."""
    if isinstance(exc, ZeroDivisionError):
        return "can't divide by zero"
    if isinstance(exc, OverflowError):
        return "number is outside the range ctguard evaluates"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _name(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    return "".join(_name(c) for c in node.children)


def _token_value(token: Token) -> Any:
    return str(token)


def to_value(raw: Any, refs: list[Ref], ev: Evaluator) -> Value[Any]:
    """An evaluated argument as a model value (Absent for null)."""
    if raw is None or raw is ABSENT:
        return ABSENT
    final = finalize(raw, ev.trace)
    if isinstance(final, Unknown):
        return final
    return Known(final, via=refs[0].describe() if refs else None)


__all__ = [
    "MARK",
    "MAX_DEPTH",
    "Evaluator",
    "JsonDoc",
    "Namespace",
    "Ref",
    "Trace",
    "finalize",
    "has_unknown",
    "unescape",
]
