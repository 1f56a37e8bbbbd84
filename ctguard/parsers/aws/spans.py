"""Line and column of the members of a JSON document, down to a fixed depth, in one regex pass.

Composing a multi-megabyte snapshot with the YAML loader only to learn where each call starts
costs seconds; findings need the position of a call, a trail entry or a schema error, never
deeper. Paths and positions follow ``yamlload.Loaded.spans`` (a member's key, a list item's start).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def json_spans(text: str, max_depth: int = 6) -> dict[tuple[Any, ...], tuple[int, int]]:
    """``path -> (line, column)`` (1-based) for every member and item at most ``max_depth`` deep.

    The text must be valid JSON (the caller has parsed it already).
    """
    spans: dict[tuple[Any, ...], tuple[int, int]] = {}
    newlines = [m.start() for m in re.finditer("\n", text)]
    stack: list[list[Any]] = []  # per open container: [kind, path, next index or pending key, expecting key]

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(newlines, offset - 1)
        start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    for match in _TOKEN.finditer(text):
        token = match.group()
        top = stack[-1] if stack else None
        if top is not None and top[0] == "{" and top[3] and token.startswith('"'):
            key = _key(token)
            top[2] = key
            top[3] = False
            if len(top[1]) < max_depth:
                spans[top[1] + (key,)] = position(match.start())
            continue
        if token in ",":
            if top is not None and top[0] == "{":
                top[3] = True
            elif top is not None:
                top[2] += 1
            continue
        if token == ":":
            continue
        if token in "}]":
            stack.pop()
            continue
        # a value starts here: record list items, and open containers
        if top is not None and top[0] == "[":
            here = top[1] + (top[2],)
            if len(top[1]) < max_depth:
                spans[here] = position(match.start())
        elif top is not None:
            here = top[1] + (top[2],)
        else:
            here = ()
        if token == "{":
            stack.append(["{", here, None, True])
        elif token == "[":
            stack.append(["[", here, 0, False])
    return spans


def _key(token: str) -> str:
    return str(json.loads(token))


__all__ = ["json_spans"]
