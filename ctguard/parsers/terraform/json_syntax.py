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

from ctguard.parsers.terraform.budget import MAX_JSON_VALUES
from ctguard.parsers.terraform.hcl import Attr, Block, Body, HclError, parse_expression, parse_text
from ctguard.parsers.terraform.template import matching_brace
from ctguard.yamlload import LoadError, count_values, load

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
    if len(text) > MAX_JSON_VALUES:  # a value takes a character at least: only then worth counting
        count, line = count_values(text.lstrip("\ufeff"), MAX_JSON_VALUES)
        if count > MAX_JSON_VALUES:
            return HclError(
                file,
                f"the file holds more than {MAX_JSON_VALUES:,} JSON values (the limit was passed at line {line}); "
                "ctguard reads at most that many per Terraform JSON file, more than CDK for Terraform writes "
                "in the 1 MiB it reads: split the file",
                line,
            )
    try:
        loaded = load(text.lstrip("\ufeff"), cfn_tags=False)
    except LoadError as exc:
        return HclError(file, f"Terraform JSON syntax error: {exc.message}", exc.line or 1, exc.column or 1)
    if not isinstance(loaded.data, dict):
        return HclError(file, "Terraform JSON must hold an object at the top level")
    builder = _Builder(file, loaded.spans)
    body = builder.top(loaded.data)
    builder.parse_pending()
    return body


class _Builder:
    def __init__(self, file: str, spans: dict[tuple[Any, ...], tuple[int, int]]) -> None:
        self.file, self.spans = file, spans
        # Attributes built with a placeholder, and the HCL text of their value: parsed together.
        self.pending: list[tuple[Attr, str]] = []

    def parse_pending(self) -> None:
        """Parse every value's HCL text in as few parses as possible.

        One parse per value cost ~0.1 ms of set-up each: a 1 MB ``.tf.json`` of 26,000 buckets took
        3.3 s. Texts without a line break are parsed as one document of ``__xN = <text>`` lines.
        The grammar takes several attributes on one line, the last of a name winning, so a value's
        text could define another ``__xN``: a document that does not parse into exactly its N
        attributes, each the one that starts line N + 1, is split in halves, down to single texts
        parsed as before. One bad value costs a few parses and gets the same tree (or None,
        ``_INVALID``) it got parsed alone.
        """
        single = [(attr, text) for attr, text in self.pending if "\n" in text or "\r" in text]
        batch = [(attr, text) for attr, text in self.pending if "\n" not in text and "\r" not in text]
        for attr, text in single:
            attr.expr = _or_invalid(parse_expression(text))
        _parse_batch(batch)
        self.pending = []

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
                attr = Attr(key, _INVALID, self.file, *self._at(here))
                self.pending.append((attr, value if raw else hcl_text(value)))
                body.attributes[key] = attr
        return body


def _or_invalid(expr: Tree[Token] | Token | None) -> Tree[Token] | Token:
    return expr if expr is not None else _INVALID


_SMALL_BATCH = 4


def _parse_batch(items: list[tuple[Attr, str]]) -> None:
    if len(items) <= _SMALL_BATCH:
        for attr, text in items:
            attr.expr = _or_invalid(parse_expression(text))
        return
    parsed = parse_text("<expr>", "".join(f"__x{n} = {text}\n" for n, (_, text) in enumerate(items)))
    if not isinstance(parsed, HclError) and len(parsed.attributes) == len(items):
        found = [parsed.attributes.get(f"__x{n}") for n in range(len(items))]
        # HCL's grammar here takes several attributes on one line, the last of a name winning: a
        # value's text could define another __xN. Each must be the one at the start of its own line.
        if all(a is not None and (a.line, a.column) == (n + 1, 1) for n, a in enumerate(found)):
            for (attr, _), got in zip(items, found, strict=True):
                assert got is not None
                attr.expr = got.expr
            return
    middle = len(items) // 2
    _parse_batch(items[:middle])
    _parse_batch(items[middle:])


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
