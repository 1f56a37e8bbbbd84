"""Shared helpers for turning a resource view into model fields: spans and type coercion.

A *view* is anything with ``has``, ``value``, ``blocks``, ``span`` and a header position: the
HCL ``BlockView`` or the plan's JSON view, so one builder per resource type serves both.
Spans are collected first and flushed under an owner later, because a split S3 resource only
learns which bucket it belongs to at link time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ctguard.location import Owner, Path, SourceMap
from ctguard.parsers.terraform.expr import Ref
from ctguard.values import ABSENT, Absent, Known, Unknown, Value

PROVIDER_DEFAULT = "provider default"


class View(Protocol):
    file: str
    line: int
    column: int

    def has(self, name: str) -> bool: ...

    def value(self, name: str, document: bool = False) -> tuple[Value[Any], list[Ref]]: ...

    def blocks(self, name: str) -> Sequence[View] | Unknown: ...

    def span(self, name: str) -> tuple[str, int, int] | None: ...


@dataclass(slots=True)
class Rec:
    """Reads values from views and remembers where each model path came from."""

    spans: list[tuple[Path, str, int, int]] = field(default_factory=list)
    refs: dict[str, list[Ref]] = field(default_factory=dict)  # argument -> references (for links)
    values: dict[str, Value[Any]] = field(default_factory=dict)  # argument -> value (literal links)

    def here(self, view: View, path: Path) -> None:
        self.spans.append((tuple(path), view.file, view.line, view.column))

    def get(self, view: View, name: str, path: Path, document: bool = False) -> Value[Any]:
        value, refs = view.value(name, document)
        self.values.setdefault(name, value)
        if refs:
            self.refs.setdefault(name, []).extend(refs)
        where = view.span(name)
        if where is not None:
            self.spans.append((tuple(path), *where))
        return value

    def read(self, view: View, name: str) -> Value[Any]:
        """An argument read only to link (``bucket = aws_s3_bucket.x.id``): no span of its own."""
        value, refs = view.value(name)
        self.values.setdefault(name, value)
        if refs:
            self.refs.setdefault(name, []).extend(refs)
        return value

    def flush(self, sm: SourceMap, owner: Owner) -> None:
        for path, file, line, column in self.spans:
            sm.record(owner, path, line, column, file=file)

    def linked(self, name: str, *types: str) -> list[str]:
        """Addresses of resources of the given types that argument ``name`` referenced."""
        out: list[str] = []
        for ref in self.refs.get(name, []):
            if ref.address and _type_of(ref.address) in types and ref.address not in out:
                out.append(ref.address)
        return out


def _type_of(address: str) -> str:
    parts = address.split(".")
    # module.a.module.b.aws_x.name[0] -> aws_x
    while parts and parts[0] == "module":
        parts = parts[2:]
    return parts[0] if parts else ""


def as_bool(v: Value[Any]) -> Value[Any]:
    if isinstance(v, Known) and not isinstance(v.value, bool):
        if v.value in ("true", "false"):
            return Known(v.value == "true", via=v.via)
        return Unknown(f"expected a bool, got {v.value!r}")
    return v


def as_int(v: Value[Any]) -> Value[Any]:
    if isinstance(v, Known) and (isinstance(v.value, bool) or not isinstance(v.value, (int, float, str))):
        return Unknown(f"expected a number, got {v.value!r}")
    if isinstance(v, Known) and not isinstance(v.value, int):
        try:
            return Known(int(float(v.value)), via=v.via)
        except ValueError:
            return Unknown(f"expected a number, got {v.value!r}")
    return v


def as_str(v: Value[Any]) -> Value[Any]:
    if isinstance(v, Known) and not isinstance(v.value, str):
        if isinstance(v.value, bool):
            return Known("true" if v.value else "false", via=v.via)
        if isinstance(v.value, (int, float)):
            return Known(str(v.value), via=v.via)
        return Unknown(f"expected a string, got {type(v.value).__name__}")
    return v


def as_strs(v: Value[Any]) -> Value[Any]:
    """A list of strings (Unknown items allowed) as a tuple."""
    if not isinstance(v, Known):
        return v
    items = v.value if isinstance(v.value, (list, tuple)) else [v.value]
    return Known(tuple(x if isinstance(x, (str, Unknown)) else str(x) for x in items if x is not None), via=v.via)


def items(v: Value[Any]) -> tuple[Any, ...]:
    """Plain tuple of a list value for dataclass fields that are not three-valued."""
    if isinstance(v, Unknown):
        return (v,)
    if isinstance(v, Absent):
        return ()
    return tuple(as_strs(v).value)  # type: ignore[union-attr]


def plain(v: Value[Any]) -> Any:
    """The value itself for fields typed ``str | Unknown`` (None when absent)."""
    if isinstance(v, Known):
        return v.value if isinstance(v.value, str) else str(v.value)
    return v if isinstance(v, Unknown) else None


def default(v: Value[Any], value: Any) -> Value[Any]:
    """The provider's default for an argument the input leaves out."""
    return Known(value, via=PROVIDER_DEFAULT) if isinstance(v, Absent) else v


def first_block(view: View, name: str, rec: Rec, path: Path) -> View | Unknown | None:
    blocks = view.blocks(name)
    if isinstance(blocks, Unknown):
        return blocks
    if not blocks:
        return None
    rec.here(blocks[0], path)
    return blocks[0]


__all__ = [
    "ABSENT",
    "PROVIDER_DEFAULT",
    "Rec",
    "View",
    "as_bool",
    "as_int",
    "as_str",
    "as_strs",
    "default",
    "first_block",
    "items",
    "plain",
]
