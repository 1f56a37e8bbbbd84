"""Wildcard matching where the pattern, the value or both hold deploy-time symbols.

A match is decided only when it holds for every value the symbols can take:

1. **For every value** -- each symbol is read as one opaque character of its own, so it equals
   only itself: ``${AWS::AccountId}`` in the policy matches ``${AWS::AccountId}`` in the
   request, and a ``*`` absorbs a symbol. A match this way holds whatever the values are
   (a ``?`` never absorbs a symbol, which is longer than one character; a segment-bound ``*``
   in an ARN's first five parts never absorbs a free-text symbol, which may hold a colon).
2. **For no value** -- each symbol becomes its shape (``ctguard.symbols``: 12 digits for an
   account id ...) and the question is whether any string fits both the pattern and the value:
   a product of two small automata over a representative alphabet. When none does, no
   deployment can make them match.
3. Otherwise the answer depends on the deployment: Unknown naming the symbols that decide it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

from ctguard.iam.tri import Tri
from ctguard.symbols import CLASSES, describe, shape_of
from ctguard.values import Symbol, Symbolic, Unknown

# ("lit", ch) | ("star", segment_bound) | ("one", segment_bound) | ("sym", Symbol)
Item = tuple[str, str | bool | Symbol]

_PUA = 0xF0000  # supplementary private use: apart from Terraform's markers and the foreign digit
_EXTRA_REPRESENTATIVES = "0agA-._/:~ "


def literal_items(text: str) -> list[Item]:
    return [("lit", ch) for ch in text]


def value_items(value: str | Symbolic) -> list[Item]:
    """The request side: literal characters and symbols."""
    if isinstance(value, str):
        return literal_items(value)
    items: list[Item] = []
    for part in value.parts:
        items.extend([("sym", part)] if isinstance(part, Symbol) else literal_items(part))
    return items


def pattern_items(tokens_per_part: Sequence[Sequence[tuple[str, bool]] | Symbol], arn_segments: bool) -> list[Item]:
    """The policy side from ``matching.tokens_of`` output per part (symbols as they are)."""
    flat: list[tuple[str, bool] | Symbol] = []
    for part in tokens_per_part:
        if isinstance(part, Symbol):
            flat.append(part)
        else:
            flat.extend(part)
    items: list[Item] = []
    colons = 0
    for i, token in enumerate(flat):
        if isinstance(token, Symbol):
            items.append(("sym", token))
            continue
        ch, wild = token
        in_prefix = arn_segments and colons < 5
        if ch == ":":
            colons += 1
        if wild and ch == "*":
            following = flat[i + 1] if i + 1 < len(flat) else None
            ends_segment = following is None or (isinstance(following, tuple) and following[0] == ":")
            items.append(("star", in_prefix and not ends_segment))
        elif wild and ch == "?":
            items.append(("one", in_prefix))
        else:
            items.append(("lit", ch))
    return items


def symbols_in(*sides: Sequence[Item]) -> list[Symbol]:
    found: dict[Symbol, None] = {}
    for side in sides:
        for kind, payload in side:
            if kind == "sym":
                found[payload] = None  # type: ignore[index]  # a "sym" item carries a Symbol
    return list(found)


def _opaque(pattern: list[Item], value: list[Item], chars: Mapping[Symbol, str], ignore_case: bool) -> bool:
    symbol_chars = "".join(chars.values())
    free = "".join(c for s, c in chars.items() if shape_of(s).chars == "any")
    parts: list[str] = []
    for kind, payload in pattern:
        if kind == "lit":
            parts.append(re.escape(cast(str, payload)))  # a "lit" item carries its text
        elif kind == "sym":
            parts.append(re.escape(chars[payload]))  # type: ignore[index]  # a "sym" item carries a Symbol
        elif kind == "star":
            parts.append(f"[^:{re.escape(free)}]*" if payload else ".*")
        else:
            excluded = ":" + symbol_chars if payload else symbol_chars
            parts.append(f"[^{re.escape(excluded)}]" if excluded else ".")
    subject = "".join(chars[p] if k == "sym" else p for k, p in value)  # type: ignore[misc, index]  # "sym" items carry a Symbol, the others (lit) a str
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch("".join(parts), subject, flags) is not None


# NFA item: (accepted representatives, "one" | "opt" | "star")
_Step = tuple[frozenset[str], str]


def _expand(items: list[Item], reps: frozenset[str]) -> list[_Step]:
    steps: list[_Step] = []
    for kind, payload in items:
        if kind == "lit":
            steps.append((frozenset({payload}) & reps, "one"))  # type: ignore[arg-type]  # a "lit" item carries a str
        elif kind in ("star", "one"):
            accepted = frozenset(c for c in reps if c != ":") if payload else reps
            steps.append((accepted, "star" if kind == "star" else "one"))
        else:
            shape = shape_of(payload)  # type: ignore[arg-type]  # the remaining kind, "sym", carries a Symbol
            test = CLASSES[shape.chars]
            accepted = frozenset(c for c in reps if test(c))
            steps.extend([(accepted, "one")] * shape.low)
            if shape.high is None:
                steps.append((accepted, "star"))
            else:
                steps.extend([(accepted, "opt")] * (shape.high - shape.low))
    return steps


def _closure(steps: list[_Step], i: int) -> list[int]:
    out = [i]
    while i < len(steps) and steps[i][1] != "one":
        i += 1
        out.append(i)
    return out


def _intersect(pattern: list[_Step], value: list[_Step]) -> bool:
    """Does some string fit both step sequences?"""
    end = (len(pattern), len(value))
    seen: set[tuple[int, int]] = set()
    work = [(i, j) for i in _closure(pattern, 0) for j in _closure(value, 0)]
    while work:
        state = work.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == end:
            return True
        i, j = state
        if i == len(pattern) or j == len(value):
            continue
        if not pattern[i][0] & value[j][0]:
            continue
        ni = i if pattern[i][1] == "star" else i + 1
        nj = j if value[j][1] == "star" else j + 1
        work.extend((a, b) for a in _closure(pattern, ni) for b in _closure(value, nj))
    return False


def possible(pattern: list[Item], value: list[Item]) -> bool:
    """Could some deployment make ``value`` match ``pattern``?"""
    reps = frozenset(_EXTRA_REPRESENTATIVES) | {cast(str, p) for k, p in pattern + value if k == "lit"}
    return _intersect(_expand(pattern, reps), _expand(value, reps))


def _strip_common(pattern: list[Item], value: list[Item]) -> tuple[list[Item], list[Item]]:
    """Drop the literal characters and symbols both sides start (and end) with: one symbol in
    the same place on both sides has the same value there, whatever it is."""
    start = 0
    while (
        start < len(pattern)
        and start < len(value)
        and pattern[start] == value[start]
        and pattern[start][0] in ("lit", "sym")
    ):
        start += 1
    end = 0
    while (
        end < len(pattern) - start
        and end < len(value) - start
        and pattern[-1 - end] == value[-1 - end]
        and pattern[-1 - end][0] in ("lit", "sym")
    ):
        end += 1
    return pattern[start : len(pattern) - end], value[start : len(value) - end]


def match_items(pattern: list[Item], value: list[Item], *, ignore_case: bool = False) -> Tri:
    symbols = symbols_in(pattern, value)
    chars = {s: chr(_PUA + i) for i, s in enumerate(symbols)}
    if _opaque(pattern, value, chars, ignore_case):
        return True
    if not symbols:
        return False
    if ignore_case:
        deciding = symbols
    else:
        pattern, value = _strip_common(pattern, value)
        deciding = symbols_in(pattern, value)
        if not deciding or not possible(pattern, value):
            return False
    return Symbolic(f"the deploy-time value of {describe(Symbolic('', tuple(deciding)))}", tuple(deciding))


def show_items(items: Sequence[Item]) -> str:
    shown = {"star": "*", "one": "?"}
    return "".join(shown.get(kind) or str(payload) for kind, payload in items)


def is_symbolic(value: object) -> bool:
    return isinstance(value, Symbolic)


def plain_unknown(value: object) -> Unknown | None:
    """An Unknown that is not a symbolic string (it stays Unknown whatever we compare)."""
    return value if isinstance(value, Unknown) and not isinstance(value, Symbolic) else None


__all__ = [
    "Item",
    "is_symbolic",
    "literal_items",
    "match_items",
    "pattern_items",
    "plain_unknown",
    "possible",
    "show_items",
    "symbols_in",
    "value_items",
]
