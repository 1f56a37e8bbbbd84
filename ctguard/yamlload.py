"""Safe YAML/JSON loading that remembers where every key and value came from.

We let PyYAML (its C parser when present) compose the node graph and build plain Python
objects ourselves.  That gives three things a plain ``safe_load`` does not:

* a side table of spans keyed by the path of each value (never stored inside the data);
* CloudFormation short-form tags (``!Ref X``, ``!GetAtt A.B``, ``!Sub ...``) turned into
  their long forms, and unknown tags kept as data rather than executed;
* duplicate keys reported (PyYAML silently keeps the last), and budgets against alias bombs
  and deep nesting, since composition alone does not expand aliases but construction would.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

try:  # the C composer is ~10x faster; fall back quietly where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

MAX_NODES = 1_000_000  # constructed values, counting each alias expansion again
MAX_DEPTH = 200

_TAG_STR = "tag:yaml.org,2002:str"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_NULL = "tag:yaml.org,2002:null"

# CloudFormation short forms whose long form is not simply "Fn::" + name.
_SHORT_TAGS = {"!Ref": "Ref", "!Condition": "Condition"}


class LoadError(Exception):
    """The document could not be loaded; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A mapping key given twice: where it first stood and where it stands again."""

    path: Path
    key: str
    first_line: int
    line: int
    column: int


@dataclass(slots=True)
class Loaded:
    """A loaded document with the line and column of every key and value."""

    data: Any
    # path -> (line, column) of the key (for mapping members) or of the item (for list items)
    spans: dict[Path, tuple[int, int]] = field(default_factory=dict)
    value_spans: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)


class _Builder:
    __slots__ = ("cfn_tags", "duplicates", "spans", "value_spans")

    def __init__(self, cfn_tags: bool) -> None:
        self.spans: dict[Path, tuple[int, int]] = {}
        self.value_spans: dict[Path, tuple[int, int]] = {}
        self.duplicates: list[Duplicate] = []
        self.cfn_tags = cfn_tags

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError(
                f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, node.start_mark.column + 1
            )
        self.value_spans[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = node.tag
        intrinsic = _long_name(tag) if self.cfn_tags and tag.startswith("!") else None
        # Children of a short-form tag live under the long form's key in the data
        # ({"Fn::If": [...]}), so their spans must be keyed the same way.
        inner = path + (intrinsic,) if intrinsic else path
        if intrinsic:
            self.value_spans[inner] = self.value_spans[path]
        if isinstance(node, yaml.ScalarNode):
            value = _scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = [self._item(child, inner + (i,), depth) for i, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            value = self._mapping(node, inner, depth)
        else:  # pragma: no cover - PyYAML has no other node kinds
            raise LoadError(f"unsupported YAML node {type(node).__name__}")
        if intrinsic:
            return _intrinsic(intrinsic, value)
        return value

    def _item(self, child: yaml.Node, path: Path, depth: int) -> Any:
        self.spans[path] = (child.start_mark.line + 1, child.start_mark.column + 1)
        return self.build(child, path, depth + 1)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise LoadError(
                    "YAML merge keys ('<<') are not supported in templates",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or isinstance(key, (list, dict)):
                raise LoadError(
                    "mapping keys must be plain scalars",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in result:
                self.duplicates.append(Duplicate(path + (key,), key, first_seen[key], line, col))
            first_seen.setdefault(key, line)
            self.spans[path + (key,)] = (line, col)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int) -> int:
    """How many values construction would create, counting every alias expansion again.

    Memoised on node identity (aliases share nodes), so this is linear in the composed size
    even for a billion-laughs document, whose expansion we then refuse before building it.
    """
    seen = memo.get(id(node))
    if seen is not None:
        return seen
    if depth > MAX_DEPTH:
        raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        total = 1
    elif isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(child, memo, depth + 1) for child in node.value)
    else:
        total = 1 + sum(_expanded_size(k, memo, depth + 1) + _expanded_size(v, memo, depth + 1) for k, v in node.value)
    memo[id(node)] = total
    return min(total, MAX_NODES + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _TAG_STR or tag.startswith("!"):
        return node.value
    if tag in _TYPED:
        try:
            return _TYPED[tag](node)
        except (ValueError, TypeError, yaml.YAMLError):
            return node.value
    return node.value  # timestamps, binary and other tags stay text: we never need them typed


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TYPED = {
    _TAG_NULL: _CONSTRUCTOR.construct_yaml_null,
    _TAG_BOOL: _CONSTRUCTOR.construct_yaml_bool,
    _TAG_INT: _CONSTRUCTOR.construct_yaml_int,
    _TAG_FLOAT: _CONSTRUCTOR.construct_yaml_float,
}


def _long_name(tag: str) -> str:
    return _SHORT_TAGS.get(tag) or "Fn::" + tag[1:]


def _intrinsic(name: str, value: Any) -> Any:
    if name == "Fn::GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {name: value}


def load(text: str, *, cfn_tags: bool = True) -> Loaded:
    """Parse YAML (or JSON, a subset) text into plain data plus spans."""
    if "\\u" in text and text.lstrip()[:1] in ("{", "["):
        pairs = list(_PAIR.finditer(text))
        if pairs:
            return _with_pairs_joined(text, pairs, cfn_tags)
    return _load(text, cfn_tags)


# JSON writes a character outside the BMP as an escaped UTF-16 pair ("\ud83d\ude80": Python's
# json.dumps does by default, so troposphere templates and scripted plans carry them); YAML's
# parser refuses surrogate escapes. Only JSON text is rewritten (every string of it is
# double-quoted, so an escape preceded by an even run of backslashes is a real one).
_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _with_pairs_joined(text: str, pairs: list[re.Match[str]], cfn_tags: bool) -> Loaded:
    """Load with each pair written as YAML's 8-digit escape, two characters shorter, then move the
    columns that follow a rewrite on its line back to where they are in the file."""
    # line -> rewritten-text columns (1-based, increasing) of the first character after each rewrite
    after: dict[int, list[int]] = {}
    parts: list[str] = []
    last, line, line_start = 0, 1, 0
    for m in pairs:
        newlines = text.count("\n", last, m.start())
        if newlines:
            line += newlines
            line_start = text.rfind("\n", last, m.start()) + 1
        high, low = int(m[2], 16), int(m[3], 16)
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        parts += [text[last : m.start()], m[1], f"\\U{code:08X}"]
        on_line = after.setdefault(line, [])
        on_line.append(m.end() - line_start + 1 - 2 * (len(on_line) + 1))
        last = m.end()
    parts.append(text[last:])

    def back(line: int, column: int) -> int:
        return column + 2 * bisect_right(after.get(line, ()), column)

    try:
        loaded = _load("".join(parts), cfn_tags)
    except LoadError as exc:
        raise LoadError(exc.message, exc.line, back(exc.line, exc.column)) from None
    loaded.spans = {k: (ln, back(ln, col)) for k, (ln, col) in loaded.spans.items()}
    loaded.value_spans = {k: (ln, back(ln, col)) for k, (ln, col) in loaded.value_spans.items()}
    loaded.duplicates = [replace(d, column=back(d.line, d.column)) for d in loaded.duplicates]
    return loaded


def _load(text: str, cfn_tags: bool) -> Loaded:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        if mark is not None:
            raise LoadError(message, mark.line + 1, mark.column + 1) from None
        raise LoadError(message) from None
    except yaml.YAMLError as exc:
        raise LoadError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    except RecursionError:
        raise LoadError(f"nesting too deep to parse (more than {MAX_DEPTH} levels)") from None
    builder = _Builder(cfn_tags)
    if root is None:
        return Loaded(None)
    try:
        size = _expanded_size(root, {}, 0)
        if size > MAX_NODES:
            raise LoadError(
                f"document expands to more than {MAX_NODES:,} values through aliases (YAML alias bomb?)",
                root.start_mark.line + 1,
                root.start_mark.column + 1,
            )
        data = builder.build(root, (), 0)
    except RecursionError:
        raise LoadError(f"nesting too deep to load (more than {MAX_DEPTH} levels)") from None
    return Loaded(data, builder.spans, builder.value_spans, builder.duplicates)


def count_values(text: str, limit: int) -> tuple[int, int]:
    """How many values (scalars, aliases, mappings, sequences) ``text`` holds, stopping past ``limit``.

    Returns the count (at most ``limit + 1``) and the 1-based line where counting stopped. Only the
    C parser's events are read, no node graph is composed: about a fifth of ``load``'s cost, and
    bounded by ``limit``, so a caller can refuse a pathological document before paying for it.
    A syntax error ends the count early; ``load`` then reports it.
    """
    loader = _Loader(text)
    count, line = 0, 1
    try:
        while count <= limit:
            event = loader.get_event()
            if event is None:
                break
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                count += 1
                line = event.start_mark.line + 1 if event.start_mark is not None else line
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return count, line
