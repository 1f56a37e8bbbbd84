"""What expression evaluation produces besides plain values, and its conversion to model data.

``Ref`` records a reference met on the way (so the resource layer can link a trail to
``aws_s3_bucket.logs`` even through variables); ``Trace`` collects them and numbers the
``Unknown`` parts of partly known strings, which stay in the text as private-use markers so a
heredoc policy keeps its known statements; ``Namespace`` is anything a traversal walks into;
``JsonDoc`` is ``jsonencode(x)`` output.  ``finalize`` turns all that into model values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctguard.parsers.terraform.budget import Budget
from ctguard.values import Symbol, Symbolic, Unknown, concat

if TYPE_CHECKING:
    from ctguard.parsers.terraform.expr import Evaluator

MARK = re.compile("\ue000(\\d+)\ue001")


@dataclass(frozen=True, slots=True)
class Ref:
    text: str  # "var.bucket", "aws_s3_bucket.logs.id"
    address: str | None = None  # full resource address when the reference names a resource
    origin: str | None = None  # where a variable's value came from ("terraform.tfvars")

    def describe(self) -> str:
        return f"{self.text} ({self.origin})" if self.origin else self.text


@dataclass(slots=True)
class Trace:
    """Shared by all evaluators of one parse: reference capture and unknown markers."""

    stack: list[list[Ref]] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)
    depth: int = 0
    budget: Budget = field(default_factory=Budget)  # shared limits of the whole parse

    def add(self, ref: Ref) -> None:
        for refs in self.stack:
            if ref not in refs:  # memoised values replay their references; keep the first
                refs.append(ref)

    def mark(self, unknown: Unknown) -> str:
        self.unknowns.append(unknown)
        return f"\ue000{len(self.unknowns) - 1}\ue001"

    def first_unknown(self, text: str) -> Unknown | None:
        m = MARK.search(text)
        return self.unknowns[int(m.group(1))] if m else None

    def resolved(self, text: str) -> Any:
        """A string with markers as model data: the text when it has none, a symbolic string when
        every unknown part is a deploy-time symbol, else the first unknown part."""
        if MARK.search(text) is None:
            return text
        pieces: list[Any] = []
        pos = 0
        for m in MARK.finditer(text):
            pieces.append(text[pos : m.start()])
            part = self.unknowns[int(m.group(1))]
            if not isinstance(part, Symbolic):
                return self.first_unknown(text)
            pieces.append(part)
            pos = m.end()
        pieces.append(text[pos:])
        return concat(*pieces)

    def opaque(self, value: Any, what: str) -> Any:
        """A function applied to a symbolic value: a new symbol named after the call
        (``lower(var.x)`` equals only itself), never the argument's symbol."""
        text = value if isinstance(value, str) else None
        symbolic_value = value if isinstance(value, Symbolic) else self.resolved(text) if text is not None else None
        if not isinstance(symbolic_value, Symbolic):
            return None
        name = f"{what}({symbolic_value.text})"
        return Symbolic(f"{name} depends on {', '.join(s.name for s in symbolic_value.symbols)}", (Symbol(name),))


class Namespace:
    """Something a traversal walks into: ``var``, ``aws_s3_bucket``, a resource instance..."""

    def attr(self, name: str, ev: Evaluator) -> Any:
        return Unknown(f"{self!r} has no attribute {name}")

    def index(self, key: Any, ev: Evaluator) -> Any:
        return Unknown(f"{self!r} cannot be indexed")

    def expand(self, ev: Evaluator) -> Any:
        """The value this object stands for when used whole (a resource as an object)."""
        return Unknown(f"whole object {self!r} is not evaluated")


@dataclass(frozen=True, slots=True)
class JsonDoc:
    """``jsonencode(x)`` / ``aws_iam_policy_document.json``: text for strings, ``obj`` for documents."""

    obj: Any


def has_unknown(value: Any, trace: Trace) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return trace.first_unknown(value)
    if isinstance(value, JsonDoc):
        return has_unknown(value.obj, trace)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = has_unknown(item, trace)
            if found is not None:
                return found
    return None


def finalize(value: Any, trace: Trace, document: bool = False) -> Any:
    """Turn an evaluated value into model data: markers into Unknown, namespaces resolved.

    ``document=True`` parses JSON text (heredoc policies) and keeps Unknown placeholders inside;
    otherwise any unknown part makes the whole value Unknown.
    """
    if isinstance(value, JsonDoc):
        value = value.obj if document else value
    if document and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            unknown = trace.first_unknown(value)
            return unknown if unknown is not None else Unknown("policy is not valid JSON")
        return _placeholders(value, trace)
    if document:
        return _placeholders(value, trace)
    if isinstance(value, JsonDoc):
        unknown = has_unknown(value.obj, trace)
        if unknown is not None:
            return unknown
        return json.dumps(_placeholders(value.obj, trace), separators=(",", ":"))
    if isinstance(value, Namespace):
        return Unknown(f"reference to a whole object ({value!r})")
    if isinstance(value, str):
        return trace.resolved(value)
    if isinstance(value, list):
        return [finalize(v, trace) for v in value]
    if isinstance(value, dict):
        return {k: finalize(v, trace) for k, v in value.items()}
    return value


def _placeholders(value: Any, trace: Trace) -> Any:
    if isinstance(value, str):
        return trace.resolved(value)
    if isinstance(value, JsonDoc):
        return _placeholders(value.obj, trace)
    if isinstance(value, Namespace):
        return Unknown(f"reference to a whole object ({value!r})")
    if isinstance(value, list):
        return [_placeholders(v, trace) for v in value]
    if isinstance(value, dict):
        return {k: _placeholders(v, trace) for k, v in value.items()}
    return value
