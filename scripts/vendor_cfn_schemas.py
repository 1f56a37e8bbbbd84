#!/usr/bin/env python3
"""Vendor the CloudFormation resource schemas ctguard validates against.

Reads the provider schemas that an installed cfn-lint ships as data files and writes a
compact, deterministic subset to ``ctguard/data/cfn_schemas.json``.  cfn-lint stays an
optional dependency: this script runs at development time only, and it never imports
cfn-lint (``import cfnlint`` alone pulls in sympy, samtranslator and boto3, over a second);
the package directory is located with ``importlib.util.find_spec`` and read as plain files.

cfn-lint applies its JSON patches (``data/schemas/patches``) when it downloads the schemas,
so the ``resources/<hash>.json`` files it ships are already patched and are exactly what
cfn-lint validates against: they are vendored as shipped, and patches are not re-applied
(that would need jsonpatch and could disagree with cfn-lint).  Patch operations whose value
differs from the shipped file are listed on stderr for information.
The separate ``data/schemas/extensions`` schemas are rule-specific if/then checks used by
individual cfn-lint rules (e.g. S3 ownership controls), not property schemas: not vendored.

Usage: python scripts/vendor_cfn_schemas.py [--output PATH] [--region us-east-1]
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import sys
from typing import Any

TYPES = (
    "AWS::CloudTrail::Trail",
    "AWS::CloudTrail::EventDataStore",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::CloudWatch::Alarm",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::Events::Rule",
    "AWS::Organizations::Organization",
)

# Exactly the keywords ctguard/parsers/cloudformation/schema.py implements: vendoring anything else would
# make the file look stricter than the validator is.  `format` is dropped on purpose: the
# cfn-lint formats (AWS::KMS::Key.Arn ...) are cfn-lint-specific and lenient.
SCHEMA_KEYWORDS = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "requiredXor",
        "requiredOr",
        "dependentExcluded",
        "items",
        "minItems",
        "maxItems",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "anyOf",
        "oneOf",
        "allOf",
    }
)

# The registry schemas use ECMA/PCRE \p{..} classes that Python's `re` lacks; inside a
# character class these widen to \w / \s, which errs towards accepting (no false alarms).
_UNICODE_CLASSES = {r"\p{L}": r"\w", r"\p{N}": r"\w", r"\p{Z}": r"\s"}

DEFAULT_OUTPUT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ctguard", "data", "cfn_schemas.json"
)


def cfnlint_root() -> str:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cfn-lint is not installed: pip install 'cfn-lint>=1,<2'")
    return next(iter(spec.submodule_search_locations))


def cfnlint_version(root: str) -> str:
    with open(os.path.join(root, "version.py"), encoding="utf-8") as fh:
        match = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", fh.read())
    if not match:
        raise SystemExit(f"cannot read the cfn-lint version from {root}/version.py")
    return match.group(1)


def provider_types(root: str, region: str) -> dict[str, str]:
    """Parse providers/<region>.py (`types = {name: hash}`) as a literal, without importing."""
    json_path = os.path.join(root, "data", "schemas", "providers", region + ".json")
    if os.path.exists(json_path):  # cfn-lint >= 1.5x keeps the mapping as JSON
        with open(json_path, encoding="utf-8") as fh:
            return dict(json.load(fh))
    path = os.path.join(root, "data", "schemas", "providers", region.replace("-", "_") + ".py")
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id == "types" and node.value is not None:
            return dict(ast.literal_eval(node.value))
    raise SystemExit(f"no `types` mapping in {path}")


def load_schema(root: str, region: str, type_name: str, hashes: dict[str, str]) -> dict[str, Any] | None:
    schemas = os.path.join(root, "data", "schemas")
    if type_name in hashes:  # cfn-lint >= 1.4x: hash-addressed, deduplicated across regions
        path = os.path.join(schemas, "resources", hashes[type_name] + ".json")
    else:  # older 1.x layout: providers/<region>/<aws-service-type>.json
        path = os.path.join(
            schemas, "providers", region.replace("-", "_"), type_name.lower().replace("::", "-") + ".json"
        )
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _pointer_get(doc: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise KeyError(pointer)
    return doc


def unreflected_patches(root: str, type_name: str, schema: dict[str, Any]) -> list[str]:
    """add/replace patch operations whose value differs from the shipped (patched) schema.

    cfn-lint applies each patch file atomically at download time and skips a file whose
    `test` operation fails, so those files are not discrepancies.  What remains are values
    AWS changed upstream since the patch was written; cfn-lint validates against the shipped
    value, and so do we: this is reported for information only.
    """
    slug = type_name.lower().replace("::", "_")
    notes: list[str] = []
    for kind in ("providers", "extensions"):
        folder = os.path.join(root, "data", "schemas", "patches", kind, "all", slug)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                ops = json.load(fh)
            if not all(_pointer_matches(schema, op) for op in ops if op.get("op") == "test"):
                continue
            notes += [
                f"{kind}/{slug}/{name}: {op['op']} {op['path']}"
                for op in ops
                if op.get("op") in ("add", "replace") and not _pointer_matches(schema, op)
            ]
    return notes


def _pointer_matches(schema: dict[str, Any], op: dict[str, Any]) -> bool:
    try:
        return _pointer_get(schema, op["path"]) == op["value"]
    except KeyError:
        return False


def _python_pattern(pattern: str) -> str | None:
    for src, dst in _UNICODE_CLASSES.items():
        pattern = pattern.replace(src, dst)
    try:
        re.compile(pattern)
    except re.error:
        return None
    return pattern


def strip(schema: Any, where: str, dropped: list[str]) -> Any:
    """Keep only the validation keywords; descend into every sub-schema position."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYWORDS:
            continue
        if key in ("properties", "patternProperties"):
            value = {k: strip(v, f"{where}/{key}/{k}", dropped) for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            value = strip(value, f"{where}/{key}", dropped)
        elif key in ("anyOf", "oneOf", "allOf"):
            value = [strip(v, f"{where}/{key}/{i}", dropped) for i, v in enumerate(value)]
            if key != "allOf" and any(v == {} for v in value):
                continue  # a branch that accepts everything (e.g. only `format`): no constraint
            value = [v for v in value if v != {}]
            if not value:
                continue
        elif key == "pattern":
            value = _python_pattern(value)
            if value is None:
                dropped.append(f"{where}/pattern")
                continue
        elif key == "additionalProperties" and value is True:
            continue  # the JSON Schema default
        out[key] = value
    if "patternProperties" in out:
        kept = {}
        for pat, sub in out["patternProperties"].items():
            py = _python_pattern(pat)
            if py is None:
                dropped.append(f"{where}/patternProperties/{pat}")
            else:
                kept[py] = sub
        out["patternProperties"] = kept
    return out


def _refs(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref[len("#/definitions/") :])
        for value in schema.values():
            _refs(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _refs(value, found)


def compact(type_name: str, schema: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    top = strip(schema, type_name, dropped)
    definitions = {
        name: strip(sub, f"{type_name}/definitions/{name}", dropped)
        for name, sub in schema.get("definitions", {}).items()
    }
    # Only definitions reachable from the properties: the registry schemas carry leftovers.
    reachable: set[str] = set()
    todo = [top]
    while todo:
        found: set[str] = set()
        _refs(todo.pop(), found)
        for name in sorted(found - reachable):
            if name in definitions:
                reachable.add(name)
                todo.append(definitions[name])
    if reachable:
        top["definitions"] = {name: definitions[name] for name in sorted(reachable)}
    if schema.get("readOnlyProperties"):
        top["readOnlyProperties"] = sorted(schema["readOnlyProperties"])
    top.setdefault("type", "object")
    return top


def build(region: str) -> tuple[str, list[str]]:
    root = cfnlint_root()
    hashes = provider_types(root, region)
    version = cfnlint_version(root)
    types: dict[str, Any] = {}
    hashes_used: dict[str, str] = {}
    skipped: list[str] = []
    notes: list[str] = []
    dropped: list[str] = []
    for type_name in TYPES:
        schema = load_schema(root, region, type_name, hashes)
        if schema is None:
            skipped.append(type_name)
            continue
        notes += [f"shipped value differs from patch: {m}" for m in unreflected_patches(root, type_name, schema)]
        types[type_name] = compact(type_name, schema, dropped)
        if type_name in hashes:
            hashes_used[type_name] = hashes[type_name]
    notes += [f"pattern not expressible with Python re, dropped: {d}" for d in dropped]
    meta = {
        "cfn_lint_version": version,
        "dropped_patterns": dropped,
        "format": 1,
        "generator": "scripts/vendor_cfn_schemas.py",
        "region": region,
        "schema_hashes": hashes_used,
        "skipped_types": skipped,
    }

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    # One type per line: still compact, but a cfn-lint upgrade shows up as a readable diff.
    lines = ["{", f'"meta":{dump(meta)},', '"types":{']
    names = sorted(types)
    for i, name in enumerate(names):
        lines.append(f"{dump(name)}:{dump(types[name])}{',' if i < len(names) - 1 else ''}")
    lines += ["}", "}"]
    return "\n".join(lines) + "\n", notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="default: %(default)s")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--quiet", action="store_true", help="no summary on stderr")
    args = parser.parse_args(argv)
    text, notes = build(args.region)
    json.loads(text)  # never write a file the runtime cannot read
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    if not args.quiet:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"wrote {args.output} ({len(text.encode())} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
