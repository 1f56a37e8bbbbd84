"""Terraform JSON syntax (``*.tf.json``) into the same Body/Block/Attr structure as HCL files.

JSON cannot tell a nested block from an attribute holding an object; Terraform decides with the
provider schema.  Without schemas we use the shape: an object (or a list of objects) is a nested
block unless the name is one of the map-valued arguments below, and whole-body kinds whose
members are all arguments (``locals``, ``module`` inputs) never have nested blocks.  Strings are
string templates, as in Terraform; a string that is exactly one ``${...}`` keeps the value's type.
Each value is rewritten as HCL expression text and parsed by the HCL parser, so ``tf_expr``
evaluates both syntaxes the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token, Tree

from ctguard.parsers.terraform.hcl import Attr, Block, Body, HclError, parse_expression
from ctguard.parsers.terraform.template import matching_brace
from ctguard.yamlload import LoadError, load

# Top-level block types and how many labels each has.
_LABELS = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
}
# Arguments whose value is a map, not a nested block (resources and data sources).
MAP_ARGUMENTS = frozenset(
    {
        "tags",
        "tags_all",
        "variables",
        "triggers",
        "config",
        "providers",
        "default",
        "value",
        "context",
        "labels",
        "parameters",
        "environment_variables",
        "defaults",
    }
)
_ALL_ATTRIBUTES = frozenset({"locals", "module", "output"})
_INVALID: Tree[Token] = Tree("json_value_not_understood", [])


def parse_json_text(file: str, text: str) -> Body | HclError:
    try:
        loaded = load(text.lstrip("\ufeff"), cfn_tags=False)
    except LoadError as exc:
        return HclError(file, f"Terraform JSON syntax error: {exc.message}", exc.line or 1, exc.column or 1)
    if not isinstance(loaded.data, dict):
        return HclError(file, "Terraform JSON must hold an object at the top level")
    return _Builder(file, loaded.spans).top(loaded.data)


class _Builder:
    def __init__(self, file: str, spans: dict[tuple[Any, ...], tuple[int, int]]) -> None:
        self.file, self.spans = file, spans

    def _at(self, path: tuple[Any, ...]) -> tuple[int, int]:
        return self.spans.get(path, (1, 1))

    def top(self, doc: dict[str, Any]) -> Body:
        body = Body()
        for kind, value in doc.items():
            if kind not in _LABELS:
                continue  # "//" comments and block types ctguard does not read
            for labels, obj, path in _bodies(value, _LABELS[kind], (kind,)):
                body.blocks.append(Block(kind, labels, self.body(obj, path, kind), self.file, *self._at(path)))
        return body

    def body(self, obj: dict[str, Any], path: tuple[Any, ...], kind: str) -> Body:
        body = Body()
        for key, value in obj.items():
            here = path + (key,)
            if key == "//":
                continue
            if kind == "dynamic" and key == "content":
                for _, inner, at in _bodies(value, 0, here):
                    body.blocks.append(Block("content", (), self.body(inner, at, "content"), self.file, *self._at(at)))
            elif kind not in _ALL_ATTRIBUTES and key == "dynamic" and isinstance(value, dict):
                for labels, inner, at in _bodies(value, 1, here):
                    body.blocks.append(
                        Block("dynamic", labels, self.body(inner, at, "dynamic"), self.file, *self._at(at))
                    )
            elif kind not in _ALL_ATTRIBUTES and key not in MAP_ARGUMENTS and _is_block(value):
                for _, inner, at in _bodies(value, 0, here):
                    body.blocks.append(Block(key, (), self.body(inner, at, key), self.file, *self._at(at)))
            else:
                raw = kind == "variable" and key == "type" and isinstance(value, str)
                expr = parse_expression(value) if raw else parse_expression(hcl_text(value))
                body.attributes[key] = Attr(key, expr if expr is not None else _INVALID, self.file, *self._at(here))
        return body


def _is_block(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _bodies(
    value: Any, labels: int, path: tuple[Any, ...], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], tuple[Any, ...]]]:
    """(labels, body object, path) of each block; JSON allows a list of bodies at any level."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _bodies(item, labels, path + (i,), prefix)
        return
    if not isinstance(value, dict):
        return
    if labels == 0:
        yield prefix, value, path
        return
    for label, inner in value.items():
        if label != "//":
            yield from _bodies(inner, labels - 1, path + (label,), prefix + (str(label),))


def parse_tfvars_json(file: str, text: str) -> Body | HclError:
    """``terraform.tfvars.json`` / ``*.auto.tfvars.json``: variable values, taken literally."""
    try:
        loaded = load(text.lstrip("\ufeff"), cfn_tags=False)
    except LoadError as exc:
        return HclError(file, f"variables JSON syntax error: {exc.message}", exc.line or 1, exc.column or 1)
    if not isinstance(loaded.data, dict):
        return HclError(file, "a .tfvars.json file must hold an object at the top level")
    body = Body()
    for name, value in loaded.data.items():
        expr = parse_expression(hcl_text(value, literal=True))
        line, column = loaded.spans.get((name,), (1, 1))
        body.attributes[name] = Attr(name, expr if expr is not None else _INVALID, file, line, column)
    return body


def hcl_text(value: Any, literal: bool = False) -> str:
    """HCL expression text with the meaning Terraform gives the JSON value (``literal``: no templates)."""
    if isinstance(value, str):
        whole = None if literal else _single_interpolation(value)
        if whole is not None:
            return f"({whole})"
        if literal:
            value = value.replace("${", "$${").replace("%{", "%%{")
        escaped = (
            value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        return f'"{escaped}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_text(v, literal) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{hcl_text(str(k), True)} = {hcl_text(v, literal)}" for k, v in value.items() if k != "//")
            + "}"
        )
    return "null"


def _single_interpolation(text: str) -> str | None:
    """The inner expression when ``text`` is exactly ``${ expr }``."""
    if not (text.startswith("${") and text.endswith("}")):
        return None
    end = matching_brace(text, 2)
    return text[2:end] if end == len(text) - 1 else None
