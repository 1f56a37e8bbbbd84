"""Compile filter pattern ASTs into predicates.

Semantics, each from FilterAndPatternSyntax.md (awsdocs/amazon-cloudwatch-logs-user-guide)
unless noted:

* Matching is case sensitive ("Metric filters are case sensitive").
* ``*`` is a wildcard only at the start and/or end of a value: "*Event will match PutEvent ...
  Event* will match EventId ... Ev*ent will only match the actual string Ev*ent".  It keeps that
  meaning inside double quotes, which is how CIS writes ``"*UnauthorizedOperation"``.
* A selector must point to a value node: "both {$.users = 1} and {$.users != 1} will fail to
  match a log event where users is an array".  Objects and null are treated the same way.
* A missing property makes ``=`` and ``!=`` false; only NOT EXISTS is true.  AWS does not spell
  this out; DataBiosphere/azul#5884 shows it with the console's test-pattern tool
  ("$.userIdentity.invokedBy != ... is not a TRUE condition for records without the field").
* ``IS NULL`` is true only for an explicit null; ``IS TRUE``/``IS FALSE`` only for JSON booleans.
* Regex values (``%...%``) search the value text, unanchored (use ^ and $ to anchor).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ctguard.monitoring.filter_ast import Comparison, Node, Slot, Term, Value
from ctguard.monitoring.filter_lexer import is_number

Predicate = Callable[[Any], bool]
_MISSING = object()


def string_matcher(text: str) -> Callable[[str], bool]:
    if text == "*":
        return lambda s: True
    lead = text.startswith("*")
    trail = len(text) > 1 and text.endswith("*")
    core = text[1 if lead else 0 : len(text) - 1 if trail else len(text)]
    if lead and trail:
        return lambda s: core in s
    if lead:
        return lambda s: s.endswith(core)
    if trail:
        return lambda s: s.startswith(core)
    return lambda s: s == core


def _scalar_text(v: Any) -> str | None:
    """The text a value node is compared as; None when it is not a value node."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return None


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and is_number(v.strip()):
        return float(v)
    return None


def _value_test(op: str, value: Value) -> Callable[[Any], bool]:
    """Test for a present, non-null scalar."""
    negate = op == "!="
    if value.kind == "any":
        return lambda v: not negate
    if value.kind == "regex":
        rx = re.compile(value.text)
        return lambda v: bool(rx.search(_scalar_text(v) or "")) != negate
    if value.kind == "number":
        num = value.number
        assert num is not None
        if op in ("=", "!="):

            def eq(v: Any) -> bool:
                n = _as_number(v)
                same = (n == num) if n is not None else (_scalar_text(v) == value.text)
                return same != negate

            return eq
        cmp = {"<": float.__lt__, ">": float.__gt__, "<=": float.__le__, ">=": float.__ge__}[op]

        def numeric(v: Any) -> bool:
            n = _as_number(v)
            return n is not None and cmp(n, num)

        return numeric
    match = string_matcher(value.text)
    return lambda v: match(_scalar_text(v) or "") != negate


def _resolve(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(doc, list) or part >= len(doc):
                return _MISSING
        elif not isinstance(doc, dict) or part not in doc:
            return _MISSING
        doc = doc[part]
    return doc


def compile_comparison(cmp: Comparison, lookup: Callable[[Any, tuple[str | int, ...]], Any] = _resolve) -> Predicate:
    path, op = cmp.path, cmp.op
    if op == "NOT EXISTS":
        return lambda doc: lookup(doc, path) is _MISSING
    if op == "IS NULL":
        return lambda doc: lookup(doc, path) is None
    if op in ("IS TRUE", "IS FALSE"):
        want = op == "IS TRUE"
        return lambda doc: lookup(doc, path) is want
    assert cmp.value is not None
    test = _value_test(op, cmp.value)

    def predicate(doc: Any) -> bool:
        v = lookup(doc, path)
        if v is _MISSING or v is None or isinstance(v, (dict, list)):
            return False
        return test(v)

    return predicate


def compile_node(node: Node, lookup: Callable[[Any, tuple[str | int, ...]], Any] = _resolve) -> Predicate:
    if isinstance(node, Comparison):
        return compile_comparison(node, lookup)
    parts = tuple(compile_node(o, lookup) for o in node.operands)
    if node.op == "&&":
        return lambda doc: all(p(doc) for p in parts)
    return lambda doc: any(p(doc) for p in parts)


def compile_terms(groups: tuple[tuple[Term, ...], ...]) -> Callable[[str], bool]:
    def term_test(term: Term) -> Callable[[str], bool]:
        if term.regex:
            rx = re.compile(term.text)
            return lambda line: bool(rx.search(line))
        return lambda line: term.text in line

    compiled = [([term_test(t) for t in g if not t.exclude], [term_test(t) for t in g if t.exclude]) for g in groups]
    if not compiled:
        return lambda line: True  # the empty pattern matches every event

    def predicate(line: str) -> bool:
        return any(all(t(line) for t in inc) and not any(t(line) for t in exc) for inc, exc in compiled)

    return predicate


def split_fields(line: str) -> list[str]:
    """Split a log line; text between [] or "" is one field ("Using Metric Filters to Extract
    Values from Space-Delimited Log Events")."""
    fields: list[str] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        close = {'"': '"', "[": "]"}.get(ch)
        if close:
            end = line.find(close, i + 1)
            end = n if end < 0 else end
            fields.append(line[i + 1 : end])
            i = end + 1
            continue
        j = i
        while j < n and not line[j].isspace():
            j += 1
        fields.append(line[i:j])
        i = j
    return fields


def compile_space(slots: tuple[Slot, ...]) -> Callable[[str], bool]:
    names = [s.name for s in slots]
    conds = [
        compile_node(s.condition, lambda env, p: env.get(p[0], _MISSING)) for s in slots if s.condition is not None
    ]
    ellipsis = names.index("...") if "..." in names else None
    fixed = len(slots) - (1 if ellipsis is not None else 0)

    def predicate(line: str) -> bool:
        fields = split_fields(line)
        if ellipsis is None:
            if len(fields) != fixed:
                return False
            bound = list(zip(names, fields, strict=False))
        else:
            tail = fixed - ellipsis
            if len(fields) < fixed:
                return False
            bound = list(zip(names[:ellipsis], fields[:ellipsis], strict=False))
            bound += list(zip(names[ellipsis + 1 :], fields[len(fields) - tail :] if tail else [], strict=False))
        env = {name: value for name, value in bound if name}
        return all(c(env) for c in conds)

    return predicate
