"""Snapshot files (``{"ctguard_snapshot": "1.0", ...}``): validate, load into a CallStore, map.

A file that does not follow ``ctguard/schemas/snapshot.schema.json`` is unusable (CT001, exit 3)
and the message names the JSON path of the first problem, e.g. ``calls/3/region``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ctguard.calls import CallStore, canonical_params
from ctguard.inputs import ParsedInput
from ctguard.parsers.aws.api import SNAPSHOT, build_inputs
from ctguard.parsers.aws.reader import CallSpans
from ctguard.parsers.aws.shapes import SHAPE_ERRORS, response_problem, trail_list_problem
from ctguard.parsers.aws.spans import json_spans
from ctguard.parsers.context import ParseContext

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "snapshot.schema.json"
# Past this size findings point at line 1 (spans cost about 0.3 s per MB).
SPAN_LIMIT = 16 * 1024 * 1024
DEPTH = 6  # calls / i / response / trailList / j / key: the deepest position a finding needs


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # $ref lookups dominate validation time on thousands of calls; the schema is small, inline it.
    return jsonschema.Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node and str(node["$ref"]).startswith("#/$defs/"):
            return _inline(defs[node["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def schema_errors(data: Any) -> list[tuple[str, str]]:
    """(JSON path, message) of every way ``data`` breaks the snapshot schema, most relevant first."""
    import jsonschema

    errors = list(_validator().iter_errors(data))
    if not errors:
        return []
    best = jsonschema.exceptions.best_match(errors)
    ordered = [best] + [e for e in errors if e is not best]
    return [("/".join(str(p) for p in e.absolute_path) or "(top level)", _message(e)) for e in ordered]


def _message(error: Any) -> str:
    call = isinstance(error.instance, dict) and "operation" in error.instance
    if call and error.validator == "not":
        return "a call has both response and error; it needs exactly one of them"
    if call and error.validator == "required" and "'response'" in error.message:
        return "a call needs exactly one of response and error"
    return str(error.message)


def parse(path: str, text: str, context: ParseContext) -> list[ParsedInput]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [
            ParsedInput.unreadable(
                path,
                SNAPSHOT,
                f"cannot parse snapshot: {getattr(exc, 'msg', exc)}",
                getattr(exc, "lineno", 1),
                getattr(exc, "colno", 1),
            )
        ]
    problems = schema_errors(data)
    if problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        line, column = _position(text, where)
        return [
            ParsedInput.unreadable(
                path,
                SNAPSHOT,
                f"snapshot does not follow the snapshot schema at {where}: {message}{more}",
                line,
                column,
            )
        ]
    bad_trails = _trail_list_problem(data["calls"])
    if bad_trails:
        where, message = bad_trails
        line, column = _position(text, where)
        return [
            ParsedInput.unreadable(
                path,
                SNAPSHOT,
                f"snapshot call {where} is not a DescribeTrails answer AWS gives: {message}",
                line,
                column,
            )
        ]
    _refuse_malformed(data["calls"])
    store = CallStore.from_json(data)
    spans = _spans(path, text)
    if len(store) != len(data["calls"]):
        spans.order = _first_positions(data["calls"])
    try:
        inputs = build_inputs(store, path, kind=SNAPSHOT, spans=spans)
    except SHAPE_ERRORS as exc:
        return [
            ParsedInput.unreadable(
                path,
                SNAPSHOT,
                f"a response in the snapshot is not shaped as AWS returns it "
                f"({type(exc).__name__}: {exc}); not checked",
            )
        ]
    if not inputs:  # a valid snapshot without calls still is an input, with nothing in it
        inputs = [ParsedInput(path, SNAPSHOT)]
    return inputs


def _trail_list_problem(calls: list[dict[str, Any]]) -> tuple[str, str] | None:
    for i, call in enumerate(calls):
        if call["operation"] == "DescribeTrails" and isinstance(call.get("response"), dict):
            problem = trail_list_problem(call["response"].get("trailList", []))
            if problem:
                return f"calls/{i}/response/trailList", problem
    return None


def _refuse_malformed(calls: list[dict[str, Any]]) -> None:
    """An answer boto3 could not have given counts as a failed call: its values are Unknown, with why."""
    for i, call in enumerate(calls):
        if "response" not in call:
            continue
        problem = response_problem(call["service"], call["operation"], call["response"])
        if problem:
            del call["response"]
            call["error"] = {"code": "MalformedResponse", "message": f"calls/{i}/response: {problem}"}


def _spans(path: str, text: str) -> CallSpans:
    if len(text) > SPAN_LIMIT:
        return CallSpans(path)
    return CallSpans(path, json_spans(text, DEPTH))


def _first_positions(calls: list[dict[str, Any]]) -> list[int]:
    """A call recorded twice keeps its first position in the store (and its last answer)."""
    seen: dict[tuple[Any, ...], int] = {}
    for i, c in enumerate(calls):
        seen.setdefault((c["account"], c["region"], c["service"], c["operation"], canonical_params(c.get("params"))), i)
    return sorted(seen.values())


def _position(text: str, where: str) -> tuple[int, int]:
    if where == "(top level)" or len(text) > SPAN_LIMIT:
        return 1, 1
    spans = json_spans(text, DEPTH)
    key = tuple(int(p) if p.isdigit() else p for p in where.split("/"))
    while key:
        if key in spans:
            return spans[key]
        key = key[:-1]
    return 1, 1


__all__ = ["SCHEMA_PATH", "parse", "schema_errors"]
