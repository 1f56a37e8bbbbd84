"""Mutation operators shared by the fuzz targets (``test_fuzz.py``) and the long run (``fuzz_run.py``).

Every operator takes a ``random.Random`` (hypothesis hands one over through ``st.randoms()``),
so the pytest targets shrink and replay while the long run draws fast from a seed.  Besides the
generic operators (drop, retype, duplicate, reorder, unicode, truncate), these are the kinds an
independent fuzzer found crashes and silent drops with (issue 17): type swaps of whole
properties (a trail's ``Properties`` as a list, a scalar, null), quoting changes in HCL block
labels, huge numbers, swapped CloudFormation intrinsics, Terraform expressions every function
of the table gets with wrong-typed arguments, and values nested deeper than the evaluators go.
"""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

UNICODE = ["\u202e", "\u0000", "\ufeff", "é", "𝔘", "\ud7ff", "\u2028", "中文", "\U0001f600", "\\u0000"]
HUGE = [10**30, -(10**30), 10**400, 1.5e308, -1.7e308, 2**63, 2**64 + 1, 1e-320, 0, -0.0]
SCALARS: list[Any] = [None, 0, -1, 1.5, True, False, "", "x", [], {}, [None], {"a": None}]
INTRINSICS = [
    "Ref",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::ImportValue",
    "Fn::FindInMap",
    "Fn::Base64",
    "Fn::GetAZs",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Fn::Cidr",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::Transform",
    "Condition",
]
DEEP = 70  # deeper than the 64 levels the Terraform evaluator allows itself


# --- JSON-shaped documents ---------------------------------------------------------------------
def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if len(prefix) > 24:  # below a nesting mutation: nothing more to find there
        return out
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, prefix + (i,))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _ids(doc: Any) -> list[str]:
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    return [k for k in resources if isinstance(k, str)] if isinstance(resources, dict) else ["X"]


def _intrinsic(rng: random.Random, doc: Any, value: Any) -> Any:
    ids = _ids(doc) + ["AWS::NoValue", "AWS::Region", "AWS::AccountId", "Missing"]
    name = rng.choice(INTRINSICS)
    arg: Any = {
        "Ref": rng.choice(ids),
        "Fn::GetAtt": [rng.choice(ids), rng.choice(["Arn", "Name", "Nope"])],
        "Fn::If": [rng.choice(["IsProd", "Missing"]), value, {"Ref": "AWS::NoValue"}],
        "Fn::Sub": rng.choice(["${AWS::Region}-${Missing}", "${" * 3, "x"]),
        "Fn::Join": ["", [value, copy.deepcopy(value)]],
        "Fn::Select": [rng.choice([0, 99, -1, "a", 10**30]), [value]],
        "Fn::Split": [",", value],
        "Fn::FindInMap": ["M", "k", "v"],
    }.get(name, value)
    return {name: arg}


def _type_swap(rng: random.Random, value: Any) -> Any:
    """A whole property of another type: a mapping as a list, a scalar, null, a string."""
    return rng.choice(
        [
            [value],
            None,
            "text",
            7,
            True,
            [],
            {"Wrapped": value},
            json.dumps(value) if not isinstance(value, str) else {"S": value},
        ]
    )


def _deep(rng: random.Random, value: Any) -> Any:
    for _ in range(DEEP):
        value = rng.choice([[value], {"Fn::If": ["C", value, None]}, {"Fn::Join": ["", [value]]}, {"k": value}])
    return value


def _pick_path(rng: random.Random, doc: Any) -> tuple[Any, ...] | None:
    paths = [p for p in _paths(doc) if p]
    if not paths:
        return None
    # Bias towards what defines a trail: its Properties and the keys in them.
    favoured = [p for p in paths if "Properties" in p[-2:] or p[-1] in ("values", "after", "trailList")]
    return rng.choice(favoured if favoured and rng.random() < 0.5 else paths)


def mutate_doc(rng: random.Random, base: Any, rounds: int | None = None) -> Any:
    doc = json.loads(json.dumps(base))
    for _ in range(rounds or rng.randint(1, 5)):
        path = _pick_path(rng, doc)
        if path is None:
            break
        parent, key = _get(doc, path[:-1]), path[-1]
        op = rng.choice(
            [
                "drop",
                "retype",
                "duplicate",
                "reorder",
                "unicode",
                "typeswap",
                "typeswap",
                "huge",
                "intrinsic",
                "intrinsic",
                "deep",
            ]
        )
        if op == "drop":
            del parent[key]
        elif op == "retype":
            parent[key] = rng.choice(SCALARS + [10**30])
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif op == "duplicate" and isinstance(parent, dict):
            # A copy, not the same object: a later round mutating one inside the other made cycles
            # (a fuzz run died on "Circular reference detected").
            parent[f"{key}Copy"] = copy.deepcopy(parent[key])
        elif op == "reorder" and isinstance(parent, dict):
            items = list(parent.items())
            rng.shuffle(items)
            parent.clear()
            parent.update(items)
        elif op == "unicode" and isinstance(parent[key], str):
            text = parent[key]
            at = rng.randint(0, len(text))
            parent[key] = text[:at] + rng.choice(UNICODE) + text[at:]
        elif op == "typeswap":
            parent[key] = _type_swap(rng, parent[key])
        elif op == "huge":
            parent[key] = rng.choice(HUGE) if not isinstance(parent[key], str) else str(rng.choice(HUGE))
        elif op == "intrinsic":
            value = parent[key]
            if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
                parent[key] = {rng.choice(INTRINSICS): next(iter(value.values()))}  # swap the function
            else:
                parent[key] = _intrinsic(rng, doc, value)
        elif op == "deep":
            parent[key] = _deep(rng, parent[key])
    return doc


def dump_doc(doc: Any) -> str:
    """JSON text; numbers JSON cannot write (inf) come out as the literal a fuzzer would type."""
    return json.dumps(doc).replace("Infinity", "1e999").replace("NaN", "0")


# --- text (YAML, HCL) -----------------------------------------------------------------------------
def mutate_text(rng: random.Random, base: str, rounds: int | None = None) -> str:
    text = base
    for _ in range(rounds or rng.randint(1, 4)):
        op = rng.choice(["truncate", "unicode", "delete", "repeat"])
        at = rng.randint(0, len(text))
        if op == "truncate":
            text = text[:at]
        elif op == "unicode":
            text = text[:at] + rng.choice(UNICODE) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + rng.randint(1, 40) :]
        else:
            end = min(len(text), at + rng.randint(1, 80))
            text = text[:end] + text[at:end] + text[end:]
    return text


_LABELS = re.compile(r'^(\s*)(resource|data|module|variable|locals|output|dynamic)((?:\s+"[^"\n]*")*)\s*\{', re.M)
_ATTR = re.compile(r"^(\s*)([A-Za-z_][\w-]*)(\s*=\s*)(.+)$", re.M)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")

# Expressions that exercise every function of the table (and the operators) with wrong-typed
# arguments, huge numbers, conversions that fail and whole-module references.
HCL_EXPRESSIONS = [
    "[true]",
    "{ a = 1 }",
    "null",
    "1e400",
    "-1e400",
    "99999999999999999999999999999 * 99999999999999999999",
    "1 / 0",
    "5 % 0",
    "0 / 0",
    "1e308 * 10",
    "-true",
    "!5",
    '"${[1]}"',
    '"${{a = 1}}"',
    'tonumber("x")',
    "tonumber(true)",
    "tobool(3)",
    'tobool("maybe")',
    "tostring([1])",
    "tostring({})",
    'lookup(var.nope, "k")',
    'lookup("s", "k")',
    "lookup({}, 1)",
    'lookup(module.child, "x")',
    'contains(module.child, "a")',
    'contains("s", "a")',
    "contains(5, 5)",
    "module.child",
    "module.child.out",
    "element([], 0)",
    "element(5, 1)",
    'element(["a"], "x")',
    'element(["a"], 1e400)',
    'jsondecode("[")',
    "jsondecode(5)",
    "length(5)",
    "length(null)",
    "join(1, 2)",
    'join(",", "a")',
    'join(",", [[1]])',
    'format("%d")',
    'format("%s %s", "a")',
    "format(5)",
    'format("%")',
    'merge("a")',
    "merge([1])",
    "concat(1)",
    'concat("a", ["b"])',
    'keys("s")',
    "keys([1])",
    'values("s")',
    "split(1, 2)",
    'split(",", 5)',
    "replace(1, 2, 3)",
    "flatten(3)",
    "toset(1)",
    "tolist(5)",
    "distinct(5)",
    "compact(5)",
    "coalesce()",
    "coalesce(null)",
    "try()",
    "lower(5)",
    "lower([1])",
    "upper({})",
    "trimspace(null)",
    "jsonencode()",
    "jsonencode(module.child)",
    "var.x ? 1 : 2",
    "5 ? 1 : 2",
    "[for x in 5 : x]",
    '{for k, v in "s" : k => v}',
    "[for x in [1, 2] : x if x]",
    "{for x in [1, 1] : x => x}",
    "pow(10, 400)",
    '"${1e400}"',
    "[1, 2][99999999999999999999]",
    '{a = 1}["b"]',
    "[1][-1]",
    "local.nope[0]",
    '"${var.a}${var.b}"',
    "[1, 2]...",
    "aws_s3_bucket.nope.arn",
    "data.aws_caller_identity.current",
    "count.index",
    "each.key",
    '1 < "a"',
    '"a" + 1',
    "true && 1",
    "[1] == [1]",
    "1e400 > 1e400",
]


def _nested_expression(rng: random.Random) -> str:
    kind = rng.choice(["list", "paren", "object", "call"])
    open_, close = {"list": ("[", "]"), "paren": ("(", ")"), "object": ("{ a = ", " }"), "call": ("tolist([", "])")}[
        kind
    ]
    return open_ * DEEP + "true" + close * DEEP


def hcl_label_swap(rng: random.Random, text: str) -> str:
    """Quoting changes in block labels: unquoted, escaped, a comment between, an odd character."""
    found = list(_LABELS.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    labels = re.findall(r'"([^"\n]*)"', m.group(3))
    how = rng.choice(["unquote", "escape", "comment", "odd", "single"])
    if how == "unquote":
        new = " ".join(labels)
    elif how == "escape":
        new = " ".join(
            '"' + "".join(f"\\u{ord(c):04x}" if rng.random() < 0.3 else c for c in label) + '"' for label in labels
        )
    elif how == "comment":
        new = " /* c */ ".join(f'"{label}"' for label in labels)
    elif how == "single":
        new = " ".join(f"'{label}'" for label in labels)
    else:
        new = " ".join(f'"{label}{rng.choice(["-", ".", "é", "$", "0", " "])}"' for label in labels)
    return text[: m.start(3)] + " " + new + text[m.end(3) :]


def hcl_value_swap(rng: random.Random, text: str) -> str:
    found = list(_ATTR.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    value = _nested_expression(rng) if rng.random() < 0.15 else rng.choice(HCL_EXPRESSIONS)
    return text[: m.start(4)] + value + text[m.end(4) :]


def hcl_huge_number(rng: random.Random, text: str) -> str:
    found = list(_NUMBER.finditer(text))
    extra = rng.choice(
        [
            "count = 1e400",
            "count = -1",
            'count = "x"',
            "for_each = 5",
            "count = 99999999999",
            'for_each = toset(["a", "a"])',
            "count = 1 / 0",
        ]
    )
    if not found or rng.random() < 0.3:
        blocks = list(_LABELS.finditer(text))
        if not blocks:
            return text
        m = rng.choice(blocks)
        return text[: m.end()] + "\n  " + extra + "\n" + text[m.end() :]
    m = rng.choice(found)
    return (
        text[: m.start()]
        + rng.choice(["1e400", "99999999999999999999999999", "-1e308", "0.0000001e-400", "18446744073709551617"])
        + text[m.end() :]
    )


def hcl_body_swap(rng: random.Random, text: str) -> str:
    """A trail-typed block whose body cannot be used: an attribute form, a list, an empty label."""
    found = list(_LABELS.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    how = rng.choice(["equals", "empty", "nested"])
    if how == "equals":  # `resource "aws_cloudtrail" "x" = {` is not a block
        return text[: m.end() - 1] + "= {" + text[m.end() :]
    if how == "empty":
        return text[: m.start(3)] + ' "" ""' + text[m.end(3) :]
    return text[: m.end()] + "\n  lifecycle {\n    ignore_changes = all\n  }\n" + text[m.end() :]


def mutate_hcl(rng: random.Random, base: str) -> str:
    text = base
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["label", "value", "value", "value", "huge", "body", "text"])
        if op == "label":
            text = hcl_label_swap(rng, text)
        elif op == "value":
            text = hcl_value_swap(rng, text)
        elif op == "huge":
            text = hcl_huge_number(rng, text)
        elif op == "body":
            text = hcl_body_swap(rng, text)
        else:
            text = mutate_text(rng, text, 1)
    return text


_YAML_PROPS = re.compile(r"^(\s*)Properties:\s*$", re.M)


def mutate_yaml(rng: random.Random, base: str) -> str:
    """CloudFormation YAML: text operators, plus the trail's Properties made a list, scalar or null."""
    text = base
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["text", "text", "props", "number", "tag"])
        if op == "props":
            found = list(_YAML_PROPS.finditer(text))
            if found:
                m = rng.choice(found)
                text = (
                    text[: m.end()]
                    + rng.choice([" []", " null", " 7", " text", " !Ref X", " [1, 2]"])
                    + text[m.end() :]
                )
        elif op == "number":
            found = list(_NUMBER.finditer(text))
            if found:
                m = rng.choice(found)
                text = (
                    text[: m.start()]
                    + rng.choice(["1e400", "99999999999999999999999999", ".inf", "-.inf", ".nan"])
                    + text[m.end() :]
                )
        elif op == "tag":
            tags = list(re.finditer(r"!(Ref|GetAtt|Sub|If|Join|Select|Split|ImportValue|FindInMap|Equals)\b", text))
            if tags:
                m = rng.choice(tags)
                text = (
                    text[: m.start(1)]
                    + rng.choice(
                        [
                            "Ref",
                            "GetAtt",
                            "Sub",
                            "If",
                            "Join",
                            "Select",
                            "Split",
                            "ImportValue",
                            "Base64",
                            "Condition",
                            "Nope",
                        ]
                    )
                    + text[m.end(1) :]
                )
        else:
            text = mutate_text(rng, text, 1)
    return text


__all__ = [
    "DEEP",
    "HCL_EXPRESSIONS",
    "dump_doc",
    "hcl_body_swap",
    "hcl_huge_number",
    "hcl_label_swap",
    "hcl_value_swap",
    "mutate_doc",
    "mutate_hcl",
    "mutate_text",
    "mutate_yaml",
]
