"""Loading a CloudFormation template: data, spans and the sections the other cfn_* modules read.

YAML is a superset of JSON, so one marked loader serves both.  JSON that YAML rejects (tab
indentation is the usual reason) is retried two ways: tabs can only sit between JSON tokens
(``json`` refuses raw tabs inside strings), so swapping each for a space keeps every line and
column and lets the marked loader give us spans after all; if even that fails but ``json``
accepts the text, we use json's data without spans and every span falls back to line 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

from ctguard.values import Unknown
from ctguard.yamlload import Duplicate, LoadError, count_values, load

Path = tuple[str | int, ...]

# Keys that mark a mapping as a CloudFormation template even before we see Resources.
_TEMPLATE_KEYS = ("AWSTemplateFormatVersion", "Transform", "Parameters", "Conditions", "Mappings", "Outputs")

# Values (scalars, mappings, lists) one template may hold. Loading costs ~10 us per value (the C
# composer builds a node and two marks for each; we then build data and spans): 139,000 values took
# 1.7-2.0 s CPU for the whole check on the shared machine, so the limit keeps a template near 1.5 s.
# Real templates hold 20-55 values per KB (YAML, indented JSON; the largest in fixtures/ and the
# real-world corpus, 40 KB, holds 1,957), ~100 per KB minified; CloudFormation accepts at most
# 1 MB, so an indented real template holds at most ~55,000. A 1 MB file of tiny list items holds
# 250,000 (issue 22).
MAX_TEMPLATE_VALUES = 120_000
TOO_MANY_VALUES = "the template holds more than"  # how a caller tells this refusal from a syntax error


class TemplateError(Exception):
    """The text is not a usable template (CT001); ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Template:
    """A loaded CloudFormation template with its source positions."""

    data: dict[str, Any]
    spans: dict[Path, tuple[int, int]] = field(default_factory=dict)
    value_spans: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    # The data with duplicated values replaced by Unknown: what the model is built from.
    # ``data`` keeps the loader's last-wins values for schema validation.
    model_data: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.model_data.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def resources(self) -> dict[str, Any]:
        return self.section("Resources")

    @property
    def parameters(self) -> dict[str, Any]:
        return self.section("Parameters")

    @property
    def conditions(self) -> dict[str, Any]:
        return self.section("Conditions")

    @property
    def mappings(self) -> dict[str, Any]:
        return self.section("Mappings")

    def resource_type(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        if isinstance(res, dict) and isinstance(res.get("Type"), str):
            return cast(str, res["Type"])  # a str: checked above
        return None

    def key_span(self, path: Path) -> tuple[int, int] | None:
        return _lookup(self.spans, path)

    def nearest_span(self, path: Path) -> tuple[int, int]:
        """Span of ``path`` or of its nearest recorded ancestor (line 1 without spans)."""
        for end in range(len(path), 0, -1):
            found = _lookup(self.spans, path[:end])
            if found is not None:
                return found
        return (1, 1)

    def ref_span(self, path: Path) -> tuple[int, int]:
        """Where an intrinsic at ``path`` is written: its argument, or the tag for short forms."""
        for candidate in (path + ("Ref",), path + ("Fn::GetAtt",), path + ("Fn::Sub",), path):
            found = _lookup(self.value_spans, candidate)
            if found is not None:
                return found
        return self.nearest_span(path)


def _lookup(spans: dict[Path, tuple[int, int]], path: Path) -> tuple[int, int] | None:
    return spans.get(path)


def load_template(text: str) -> Template:
    """Parse ``text`` into a Template, or raise TemplateError (CT001)."""
    check_value_budget(text)
    try:
        loaded = load(text)
        template = Template(_root(loaded.data), loaded.spans, loaded.value_spans, loaded.duplicates)
    except LoadError as yaml_error:
        if not text.lstrip().startswith(("{", "[")):
            raise TemplateError(f"invalid YAML: {yaml_error.message}", yaml_error.line, yaml_error.column) from None
        template = _load_json(text)
    template.model_data = _mask_duplicates(template.data, template.duplicates)
    return template


def check_value_budget(text: str) -> None:
    # Every value takes at least about one character ("{a,b}" holds four), so a shorter text
    # cannot exceed the budget and pays nothing. Tabs are counted as the JSON retry will read them.
    if len(text) <= MAX_TEMPLATE_VALUES:
        return
    count, line = count_values(text.replace("\t", " "), MAX_TEMPLATE_VALUES)
    if count > MAX_TEMPLATE_VALUES:
        raise TemplateError(
            f"{TOO_MANY_VALUES} {MAX_TEMPLATE_VALUES:,} values (the limit was passed at line "
            f"{line}); ctguard reads at most {MAX_TEMPLATE_VALUES:,} per template, far more than a deployable "
            "template holds: split it into nested stacks, or check the trail's template on its own",
            line,
        )


def _load_json(text: str) -> Template:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise TemplateError("invalid JSON: nesting too deep") from None
    root = _root(data)
    try:
        loaded = load(text.replace("\t", " "))
    except LoadError:
        return Template(root)
    if isinstance(loaded.data, dict):
        return Template(loaded.data, loaded.spans, loaded.value_spans, loaded.duplicates)
    return Template(root)


def _root(data: Any) -> dict[str, Any]:
    if data is None:
        raise TemplateError("the document is empty; expected a CloudFormation template with a Resources mapping")
    if not isinstance(data, dict):
        raise TemplateError(
            f"the document is {_kind(data)}; expected a CloudFormation template (a mapping with Resources)"
        )
    if "Resources" not in data:
        markers = [k for k in _TEMPLATE_KEYS if k in data]
        why = f" although it has {', '.join(markers)}" if markers else ""
        raise TemplateError(f"the template has no Resources section{why}; CloudFormation requires one")
    resources = data["Resources"]
    if not isinstance(resources, dict):
        raise TemplateError(f"Resources is {_kind(resources)}; expected a mapping of logical ids to resources")
    if len(resources) == 1:
        (key,) = resources
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::") and not key.startswith("Fn::ForEach")):
            raise TemplateError(
                f"Resources is an intrinsic function ({key}); expected a mapping of logical ids to resources"
            )
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def _mask_duplicates(data: dict[str, Any], duplicates: list[Duplicate]) -> dict[str, Any]:
    """Copy ``data`` with each duplicated value replaced by Unknown, copying only along the paths.

    Duplicated sections and logical ids keep the loader's last value (there is no single value
    to make Unknown); anything deeper is a value we refuse to guess.
    """
    if not duplicates:
        return data
    result: dict[str, Any] = dict(data)
    for dup in duplicates:
        path = dup.path
        if len(path) < 2 or (path[0] == "Resources" and len(path) == 2):
            continue
        reason = Unknown(f"duplicate key {dup.key} (lines {dup.first_line} and {dup.line})")
        result = _replace(result, path, reason)
    return result


mask_duplicates = _mask_duplicates


def _replace(node: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict) and head in node:
        copy = dict(node)
        copy[head] = _replace(node[head], rest, value)
        return copy
    if isinstance(node, list) and isinstance(head, int) and 0 <= head < len(node):
        items = list(node)
        items[head] = _replace(node[head], rest, value)
        return items
    return node
