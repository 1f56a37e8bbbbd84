"""Reading resource properties into typed model values, recording a span for each.

``Node`` walks the raw template beside the resolver: where a structure is written out
literally (a list of selectors, a mapping of fields) we descend it ourselves, so every model
path gets the span of its own key, and an ``Fn::If`` whose condition the variant decides is
followed into its branch (whose keys have spans too).  Leaves, and structures produced by an
intrinsic, go through the resolver.

CloudFormation accepts ``"true"``/``"false"`` for booleans and numeric strings for numbers,
so converters accept them; any other type mismatch becomes ``Unknown("IsLogging is a list,
expected a boolean")`` (the schema validator reports the problem itself).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ctguard.location import Owner, SourceMap
from ctguard.parsers.cloudformation.intrinsics import Resolver
from ctguard.parsers.cloudformation.trace import NO_VALUE, Trace
from ctguard.values import ABSENT, Known, Unknown, Value

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.template import Path, Template


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _number() -> re.Pattern[str]:
    return re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*\Z")


_MAX_FOLLOW = 16


@dataclass(slots=True)
class Build:
    """What building one variant needs: the template, the resolver, and the shared source map."""

    template: Template
    resolver: Resolver
    source_map: SourceMap


class Node:
    __slots__ = ("build", "path", "raw", "spans")

    def __init__(self, build: Build, raw: Any, path: Path, spans: bool = True) -> None:
        self.build, self.raw, self.path, self.spans = build, raw, path, spans
        self._follow()

    def _follow(self) -> None:
        for _ in range(_MAX_FOLLOW):
            raw = self.raw
            if not (isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("Fn::If"), list)):
                return
            arg = raw["Fn::If"]
            if len(arg) != 3 or not isinstance(arg[0], str):
                return
            if arg[0] not in self.build.template.conditions:
                return  # the resolver reports the undefined condition
            truth = self.build.resolver.condition(arg[0])
            if truth is None:
                return
            branch = 1 if truth else 2
            self.raw, self.path = arg[branch], self.path + ("Fn::If", branch)

    @property
    def absent(self) -> bool:
        return self.raw is NO_VALUE or self.raw == {"Ref": "AWS::NoValue"}

    def is_literal_map(self) -> bool:
        return isinstance(self.raw, dict) and not _is_intrinsic(self.raw)

    def get(self, key: str) -> Node | None:
        """The child ``key`` of a mapping written out literally; None when not set."""
        if not self.is_literal_map() or key not in self.raw:
            return None
        child = Node(self.build, self.raw[key], self.path + (key,), self.spans)
        return None if child.absent else child

    def resolve(self, trace: Trace | None = None) -> Any:
        return self.build.resolver.resolve(self.raw, self.path, trace)

    def items(self, label: str) -> list[Node] | Unknown:
        """List members, each with its own span when the list is written out literally."""
        if isinstance(self.raw, list):
            nodes = [Node(self.build, item, self.path + (i,), self.spans) for i, item in enumerate(self.raw)]
            return [n for n in nodes if not n.absent and n.resolve_is_present()]
        value = self.resolve()
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, list):
            return Unknown(f"{label} is {describe(value)}, expected a list")
        return [Node(self.build, item, self.path, spans=False) for item in value]

    def resolve_is_present(self) -> bool:
        # A member that is an intrinsic yielding AWS::NoValue disappears from the list.
        return not _is_intrinsic(self.raw) or self.resolve() is not NO_VALUE

    def span(self) -> tuple[int, int] | None:
        return self.build.template.key_span(self.path) if self.spans else None


class _Root:
    __slots__ = ()


ROOT = _Root()  # "the resource's Properties", as opposed to None: "a mapping that is not set"


class Reader:
    """Typed access to one resource's properties, recording spans for one owner."""

    def __init__(self, build: Build, logical_id: str, owner: Owner | None) -> None:
        self.build = build
        self.logical_id = logical_id
        self.owner = owner
        resource = build.template.resources.get(logical_id)
        props = resource.get("Properties") if isinstance(resource, dict) else None
        self.root = Node(build, props if isinstance(props, dict) else {}, ("Resources", logical_id, "Properties"))
        if owner is not None:
            span = build.template.spans.get(("Resources", logical_id))
            if span is not None:
                build.source_map.record(owner, (), *span)

    def node(self, name: str) -> Node | None:
        return self.root.get(name)

    def record(self, model_path: tuple[str | int, ...], node: Node | None) -> None:
        if self.owner is None or node is None:
            return
        span = node.span()
        if span is not None:
            self.build.source_map.record(self.owner, model_path, *span)

    def value(
        self,
        name: str,
        model_path: tuple[str | int, ...] | None,
        convert: Converter,
        parent: Node | _Root | None = ROOT,
        label: str | None = None,
    ) -> Value[Any]:
        """Property ``name`` of ``parent`` (default: Properties) converted, as Known/Unknown/Absent.

        ``parent=None`` (an enclosing mapping the template does not set) gives Absent.
        """
        if parent is None:
            return ABSENT
        base = self.root if isinstance(parent, _Root) else parent
        if not base.is_literal_map():
            # A mapping built by an intrinsic, or a scalar where a mapping belongs.
            resolved = base.resolve()
            if isinstance(resolved, Unknown):
                return resolved
            if not isinstance(resolved, dict):
                where = (label or name).rsplit(".", 1)[0] if base is not self.root else "Properties"
                return Unknown(f"{where} is {describe(resolved)}, expected a mapping")
            base = Node(self.build, resolved, base.path, spans=False)
        node = base.get(name)
        if node is None:
            return ABSENT
        if model_path is not None:
            self.record(model_path, node)
        return convert_node(node, convert, label or name)

    def trace(self, name: str) -> tuple[Any, Trace]:
        """Resolved property plus what it referred to (for links); NO_VALUE when not set."""
        trace = Trace()
        node = self.root.get(name)
        return (NO_VALUE if node is None else node.resolve(trace)), trace


Converter = Callable[[Any, str], Any]


def convert_node(node: Node, convert: Converter, label: str) -> Value[Any]:
    trace = Trace()
    resolved = node.resolve(trace)
    return wrap(resolved if resolved is NO_VALUE else convert(resolved, label), trace.via())


def wrap(value: Any, via: str | None = None) -> Value[Any]:
    if value is NO_VALUE:
        return ABSENT
    if isinstance(value, Unknown):
        return value
    return Known(value, via)


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def to_bool(value: Any, label: str) -> bool | Unknown:
    if isinstance(value, (bool, Unknown)):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return Unknown(f"{label} is {describe(value)}, expected a boolean")


def to_int(value: Any, label: str) -> int | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _number().match(value):
        number = float(value)
        if number.is_integer():
            return int(number)
    return Unknown(f"{label} is {describe(value)}, expected an integer")


def to_float(value: Any, label: str) -> float | Unknown:
    if isinstance(value, Unknown):
        return value
    number: float | None = None
    try:
        if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and _number().match(value)
        ):
            number = float(value)
    except OverflowError:  # an integer no float holds (10**400)
        return Unknown(f"{label} is a number too large for any AWS setting")
    if number is None:
        return Unknown(f"{label} is {describe(value)}, expected a number")
    if not math.isfinite(number):
        return Unknown(f"{label} is a number too large for any AWS setting")
    return number


def to_str(value: Any, label: str) -> str | Unknown:
    if isinstance(value, (str, Unknown)):
        return value
    if isinstance(value, bool):  # CloudFormation stringifies scalars
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return Unknown(f"{label} is {describe(value)}, expected a string")


def to_str_list(value: Any, label: str) -> tuple[str | Unknown, ...] | Unknown:
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, list):
        return Unknown(f"{label} is {describe(value)}, expected a list of strings")
    return tuple(to_str(item, f"{label}[{i}]") for i, item in enumerate(value))


def to_document(value: Any, label: str) -> Any:
    # Policy documents are JSON-like; CloudFormation also accepts them as a JSON string.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unknown(f"{label} is a string that is not JSON")
    if isinstance(value, (dict, Unknown)):
        return value
    return Unknown(f"{label} is {describe(value)}, expected a mapping")


def _is_intrinsic(raw: Any) -> bool:
    if not isinstance(raw, dict) or len(raw) != 1:
        return False
    key = next(iter(raw))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))
