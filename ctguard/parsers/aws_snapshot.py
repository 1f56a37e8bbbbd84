"""Snapshot files (``{"ctguard_snapshot": "1.0", ...}``): validate, load into a CallStore, map.

A file that does not follow ``ctguard/schemas/snapshot.schema.json`` is unusable (CT001, exit 3)
and the message names the JSON path of the first problem, e.g. ``calls/3/region``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ctguard.audit.calls import CallStore
from ctguard.inputs import PARSE_ERROR, ParsedInput
from ctguard.parsers.aws_api import SNAPSHOT, build_inputs
from ctguard.parsers.aws_reader import CallSpans
from ctguard.parsers.context import ParseContext

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "snapshot.schema.json"
# Spans cost a YAML composition of the whole file; past this size findings point at line 1.
SPAN_LIMIT = 4 * 1024 * 1024


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


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
    if error.validator == "oneOf" and isinstance(error.instance, dict) and "operation" in error.instance:
        return "a call needs exactly one of response and error"
    return str(error.message)


def parse(path: str, text: str, context: ParseContext) -> list[ParsedInput]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [_unusable(path, f"cannot parse snapshot: {getattr(exc, 'msg', exc)}",
                          getattr(exc, "lineno", 1), getattr(exc, "colno", 1))]
    problems = schema_errors(data)
    if problems:
        where, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        line = _line_of(text, where)
        return [_unusable(path, f"snapshot does not follow the snapshot schema at {where}: {message}{more}", line)]
    store = CallStore.from_json(data)
    inputs = build_inputs(store, path, kind=SNAPSHOT, spans=_spans(path, text))
    if not inputs:  # a valid snapshot without calls still is an input, with nothing in it
        inputs = [ParsedInput(path, SNAPSHOT)]
    return inputs


def _spans(path: str, text: str) -> CallSpans | None:
    if len(text) > SPAN_LIMIT:
        return CallSpans(path)
    from ctguard import yamlload

    try:
        loaded = yamlload.load(text, cfn_tags=False)
    except yamlload.LoadError:
        return CallSpans(path)  # valid JSON YAML cannot compose (it happens with odd escapes): no lines
    return CallSpans(path, loaded.spans)


def _line_of(text: str, where: str) -> int:
    if where == "(top level)" or len(text) > SPAN_LIMIT:
        return 1
    from ctguard import yamlload

    try:
        spans = yamlload.load(text, cfn_tags=False).spans
    except yamlload.LoadError:
        return 1
    key = tuple(int(p) if p.isdigit() else p for p in where.split("/"))
    while key:
        if key in spans:
            return spans[key][0]
        key = key[:-1]
    return 1


def _unusable(path: str, message: str, line: int = 1, column: int = 1) -> ParsedInput:
    parsed = ParsedInput(path, SNAPSHOT)
    parsed.problem(PARSE_ERROR, message, line, column)
    return parsed


__all__ = ["SCHEMA_PATH", "parse", "schema_errors"]
