"""Validate CloudFormation resource ``Properties`` against vendored provider schemas.

The schemas are a subset of the ones cfn-lint ships (see ``scripts/vendor_cfn_schemas.py``),
so ctguard reports unknown properties and wrong types without importing cfn-lint (over a
second) or jsonschema (tens of ms, and its errors map poorly to property paths).  The walker
implements exactly the keywords the vendoring script keeps, with cfn-lint's leniency:
CloudFormation coerces scalars, and any intrinsic function may stand for any value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ctguard.data_files import load_json
from ctguard.regex_cache import compile_packaged

# cfn-lint's BOOLEAN_STRINGS: CloudFormation converts these, and YAML users often quote them.
_BOOL_STRINGS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_INT_RE = re.compile(r"[+-]?\d+\Z")
_NO_VALUE = {"Ref": "AWS::NoValue"}
_ENUM_SHOWN = 25
_NAMES_SHOWN = 10
_RANGE_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})

_Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One finding; ``path`` is relative to ``Properties`` (str keys, int list indices).

    kind: unknown-property, wrong-type, missing-required, invalid-enum, read-only, pattern,
    length, range, excluded (mutually exclusive properties) or too-deep.
    """

    path: tuple[str | int, ...]
    kind: str
    message: str


_cache: dict[str, Any] | None = None
_read_only_cache: dict[str, list[tuple[str, ...]]] = {}
_regex = functools.lru_cache(maxsize=None)(compile_packaged)  # patterns repeat across resources


def _data() -> dict[str, Any]:
    global _cache
    if _cache is None:  # a race only loads the same file twice: no lock needed
        _cache = load_json("cfn_schemas.json")
    return _cache


def known_types() -> frozenset[str]:
    return frozenset(_data()["types"])


def property_names(resource_type: str) -> frozenset[str]:
    """Every property the schema declares, read-only ones included."""
    return frozenset(_data()["types"].get(resource_type, {}).get("properties", ()))


def schema_source() -> dict[str, Any]:
    """Provenance of the vendored schemas: cfn-lint version, region, schema hashes."""
    return dict(_data()["meta"])


def validate_properties(resource_type: str, properties: object) -> list[SchemaProblem]:
    """Problems with one resource's ``Properties`` (pass ``{}`` when the key is absent).

    Unknown resource types yield no problems: ctguard only vouches for the types it vendors.
    """
    schema = _data()["types"].get(resource_type)
    if schema is None:  # not a type we vendor: cfn-lint's business, not ours
        return []
    walker = _Walker(resource_type, schema)
    if not _is_intrinsic(properties) and not isinstance(properties, dict):
        walker.add((), "wrong-type", f"Properties of {resource_type}: expected a mapping, got {_describe(properties)}")
        return walker.out
    try:
        for ro_path in _read_only_paths(resource_type, schema):
            for found in _find(properties, ro_path, ()):
                walker.add(
                    found,
                    "read-only",
                    f"{walker.where(found)} is read-only: CloudFormation sets it "
                    "(read it with Fn::GetAtt), a template cannot",
                )
        walker.walk(properties, schema, ())
    except RecursionError:  # a self-referencing YAML alias, not a real template
        walker.add((), "too-deep", f"Properties of {resource_type} are nested too deeply to check")
    return walker.out


def _read_only_paths(type_name: str, schema: dict[str, Any]) -> list[tuple[str, ...]]:
    paths = _read_only_cache.get(type_name)
    if paths is None:
        # "/properties/A/B" is property B inside A (CloudFormation's pointer style, not JSON
        # Schema's); "*" marks list items, which _find expands anyway.
        paths = []
        for pointer in schema.get("readOnlyProperties", ()):
            parts = [p for p in pointer.strip("/").split("/") if p != "*"]
            if len(parts) > 1 and parts[0] == "properties":
                paths.append(tuple(parts[1:]))
        _read_only_cache[type_name] = paths
    return paths


def _find(inst: Any, parts: tuple[str, ...], path: _Path) -> list[_Path]:
    if not parts:
        return [path]
    if isinstance(inst, list):
        return [f for i, v in enumerate(inst) for f in _find(v, parts, path + (i,))]
    if isinstance(inst, dict) and not _is_intrinsic(inst) and _present(inst, parts[0]):
        return _find(inst[parts[0]], parts[1:], path + (parts[0],))
    return []


def _is_intrinsic(value: Any) -> bool:
    # isinstance, not type(): cfn-lint's decoder and our YAML loader return dict subclasses.
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition")


def _present(inst: dict[Any, Any], name: str) -> bool:
    # `Prop: !Ref AWS::NoValue` removes the property, so it cannot satisfy `required`.
    return name in inst and inst[name] != _NO_VALUE


def _is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return isinstance(v, int) or v.is_integer()
    return isinstance(v, str) and _INT_RE.match(v.strip()) is not None


def _as_number(v: Any) -> float | None:
    if isinstance(v, (bool, dict, list)) or v is None:
        return None
    try:
        n = float(v)
    except (TypeError, ValueError, OverflowError):  # an integer no float holds is no CloudFormation number
        return None
    return n if n - n == 0 else None  # NaN and infinities are not CloudFormation numbers


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    # CloudFormation stringifies scalars, so only containers and null are not strings.
    "string": lambda v: v is not None and not isinstance(v, (dict, list)),
    "boolean": lambda v: isinstance(v, bool) or (isinstance(v, str) and v in _BOOL_STRINGS),
    "integer": _is_int,
    "number": lambda v: _as_number(v) is not None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_accept: Callable[[Any], bool] = lambda v: True  # noqa: E731 - a type name we do not know: never a false alarm
_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "integer": "an integer",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


class _Walker:
    __slots__ = ("out", "root", "type_name")

    def __init__(self, type_name: str, root: dict[str, Any]) -> None:
        self.type_name = type_name
        self.root = root
        self.out: list[SchemaProblem] = []

    def add(self, path: _Path, kind: str, message: str) -> None:
        self.out.append(SchemaProblem(path, kind, message))

    def where(self, path: _Path) -> str:
        return f"Property '{_format_path(path)}' of {self.type_name}" if path else f"Properties of {self.type_name}"

    def inside(self, path: _Path) -> str:
        return f"in '{_format_path(path)}' of {self.type_name}" if path else f"for {self.type_name}"

    def resolve(self, ref: str) -> dict[str, Any] | None:
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else None

    def walk(self, inst: Any, schema: dict[str, Any], path: _Path) -> None:
        if _is_intrinsic(inst):
            return  # resolved at deploy time; descending would misreport Fn::If branches
        ref = schema.get("$ref")
        if ref is not None and (target := self.resolve(ref)) is not None:
            self.walk(inst, target, path)
        expected = schema.get("type")
        if expected is not None:
            names: list[str] = expected if isinstance(expected, list) else [expected]
            if not any(_TYPE_CHECKS.get(t, _accept)(inst) for t in names):
                words = " or ".join(_TYPE_WORDS.get(t, t) for t in names)
                self.add(path, "wrong-type", f"{self.where(path)}: expected {words}, got {_describe(inst)}")
                return  # every further keyword would only restate the type error
        if isinstance(inst, dict):
            self.walk_object(inst, schema, path)
        elif isinstance(inst, list):
            items = schema.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(inst):
                    self.walk(item, items, path + (i,))
            self.bounds(len(inst), schema.get("minItems"), schema.get("maxItems"), "items", path)
        else:
            self.walk_scalar(inst, schema, path)
        for sub in schema.get("allOf", ()):
            self.walk(inst, sub, path)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                self.any_of(inst, schema[keyword], path)

    def walk_object(self, inst: dict[Any, Any], schema: dict[str, Any], path: _Path) -> None:
        props: dict[str, Any] = schema.get("properties", {})
        pattern_props: dict[str, Any] = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in inst.items():
            if not isinstance(key, str):  # YAML reads unquoted 123 / yes / 1.5 keys as non-strings
                self.add(
                    path + (key if isinstance(key, int) else str(key),),
                    "wrong-type",
                    f"{self.where(path)}: property name {key!r} is {_describe(key)}, expected a string",
                )
                continue
            child = path + (key,)
            if key in props:
                self.walk(value, props[key], child)
                continue
            matched = [sub for pattern, sub in pattern_props.items() if _regex(pattern).search(key)]
            for sub in matched:
                self.walk(value, sub, child)
            if matched:
                continue
            if extra is False:
                self.add(child, "unknown-property", self.unknown_message(key, path, props))
            elif isinstance(extra, dict):
                self.walk(value, extra, child)
        for name in schema.get("required", ()):
            if not _present(inst, name):
                self.add(path, "missing-required", f"Missing required property {name!r} {self.inside(path)}")
        if xor := schema.get("requiredXor"):
            given = [n for n in xor if _present(inst, n)]
            if not given:
                self.add(path, "missing-required", f"One of {_names(xor)} is required {self.inside(path)}")
            elif len(given) > 1:
                self.add(path, "excluded", f"Only one of {_names(given)} may be set {self.inside(path)}")
        if (any_of := schema.get("requiredOr")) and not any(_present(inst, n) for n in any_of):
            self.add(path, "missing-required", f"At least one of {_names(any_of)} is required {self.inside(path)}")
        for name, excluded in schema.get("dependentExcluded", {}).items():
            if _present(inst, name):
                for other in excluded:
                    if _present(inst, other):
                        self.add(
                            path + (other,),
                            "excluded",
                            f"{other!r} cannot be used together with {name!r} {self.inside(path)}",
                        )

    def walk_scalar(self, inst: Any, schema: dict[str, Any], path: _Path) -> None:
        if isinstance(inst, str):
            before = len(self.out)
            self.bounds(len(inst), schema.get("minLength"), schema.get("maxLength"), "characters", path)
            pattern = schema.get("pattern")  # skipped after a length error, which explains more
            if pattern is not None and len(self.out) == before and not _regex(pattern).search(inst):
                self.add(path, "pattern", f"{self.where(path)}: {_short(inst)} does not match the pattern {pattern!r}")
        number = _as_number(inst) if _RANGE_KEYWORDS & schema.keys() else None
        if number is not None:
            for keyword, too_far in (
                ("minimum", number.__lt__),
                ("maximum", number.__gt__),
                ("exclusiveMinimum", number.__le__),
                ("exclusiveMaximum", number.__ge__),
            ):
                limit = schema.get(keyword)
                if limit is not None and too_far(limit):
                    self.add(path, "range", f"{self.where(path)}: {inst!r} is out of range ({keyword} {limit})")
        allowed = schema.get("enum")
        if allowed is None and "const" in schema:
            allowed = [schema["const"]]
        if allowed is not None and _enum_key(inst) not in {_enum_key(a) for a in allowed}:
            shown = ", ".join(repr(a) for a in allowed[:_ENUM_SHOWN])
            if len(allowed) > _ENUM_SHOWN:
                shown += f" and {len(allowed) - _ENUM_SHOWN} more"
            hint = next(
                (
                    f" (did you mean {a!r}? values are case-sensitive)"
                    for a in allowed
                    if isinstance(a, str) and isinstance(inst, str) and a.lower() == inst.lower()
                ),
                "",
            )
            self.add(path, "invalid-enum", f"{self.where(path)}: {inst!r} is not one of {shown}{hint}")

    def bounds(self, size: int, low: int | None, high: int | None, unit: str, path: _Path) -> None:
        kind = "length"
        if low is not None and size < low:
            self.add(path, kind, f"{self.where(path)}: has {size} {unit}, expected at least {low}")
        if high is not None and size > high:
            self.add(path, kind, f"{self.where(path)}: has {size} {unit}, expected at most {high}")

    def any_of(self, inst: Any, branches: list[dict[str, Any]], path: _Path) -> None:
        # oneOf is treated as anyOf: the registry schemas use it for "one of these shapes".
        failures: list[list[SchemaProblem]] = []
        for branch in branches:
            trial = _Walker(self.type_name, self.root)
            trial.walk(inst, branch, path)
            if not trial.out:
                return
            failures.append(trial.out)
        if all(set(b) == {"required"} for b in branches):
            listed = ", ".join(" + ".join(repr(n) for n in b["required"]) for b in branches)
            self.add(path, "missing-required", f"At least one of {listed} is required {self.inside(path)}")
            return

        # The branch whose type matched with the fewest problems explains the failure best.
        def badness(found: list[SchemaProblem]) -> tuple[bool, int]:
            return any(p.kind == "wrong-type" and p.path == path for p in found), len(found)

        best: list[SchemaProblem] = min(failures, key=badness)
        self.out.extend(best)

    def unknown_message(self, key: str, path: _Path, props: dict[str, Any]) -> str:
        text = f"Unknown property {key!r} {self.inside(path)}"
        same = [n for n in props if n.lower() == key.lower()]
        if same:
            return f"{text} (did you mean {same[0]!r}? property names are case-sensitive)"
        import difflib  # only on this error path: importing it costs ~2 ms

        close = difflib.get_close_matches(key, list(props), n=1, cutoff=0.75)
        if close:
            return f"{text} (did you mean {close[0]!r}?)"
        if props and len(props) <= _NAMES_SHOWN:
            return f"{text}; expected one of: {', '.join(sorted(props))}"
        return text


def _enum_key(value: Any) -> str:
    # cfn-lint compares enum values through str(): 365 == "365", True == "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _format_path(path: _Path) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _short(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return f"a {'boolean' if isinstance(value, bool) else 'number'} ({value!r})"
    if isinstance(value, str):
        return f"a string ({_short(value)})"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    return "a mapping" if isinstance(value, dict) else type(value).__name__
