"""A policy's ``matches`` on a string built from literal text and deploy-time symbols.

``arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/1234...`` is not known until deploy time, but
no Region or account id can make it contain ``alias/aws/``: a region is lower-case letters,
digits and hyphens and an account id is 12 digits, so the slashes of that text can only come
from the literal parts, and none of them is preceded by ``alias``. Deciding such a case instead
of answering UNKNOWN is sound in both directions:

- *never*: the pattern needs a run of literal characters (read from its parse tree) that no
  expansion can contain, each symbol taking any string of its shape (``ctguard.symbols``);
- *always*: the pattern matches inside one literal part of the value without touching its ends,
  so every expansion contains that match (patterns that look around, test word boundaries or
  anchor at a part's edge are not decided this way).

Anything else stays undecided (None) and the caller keeps the UNKNOWN.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # typeshed knows only the deprecated sre_* names
import re._parser as sre_parse  # type: ignore[import-not-found]
from functools import lru_cache

from ctguard.symbols import CLASSES, shape_of
from ctguard.values import Symbol, Symbolic

# Stands for "some character of a neighbouring symbol" around a literal part; a match that would
# use it is not counted (see ``_always``).
_EDGE = "\uffff"
_LOOKING = frozenset({sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.GROUPREF})


def symbolic_search(pattern: str, value: Symbolic) -> bool | None:
    """``re.search(pattern, s)`` for every string ``s`` the value can be: True or False when all
    agree, None when it depends on the symbols (or the pattern is beyond this reasoning)."""
    runs, plain = _analysis(pattern)
    if runs is None:
        return None
    if any(not _can_contain(run, value.parts) for run in runs):
        return False
    if plain and _always(re.compile(pattern), value.parts):
        return True
    return None


@lru_cache(maxsize=64)
def _analysis(pattern: str) -> tuple[tuple[str, ...] | None, bool]:
    """(the runs of literal characters every match contains, whether the pattern is free of
    look-arounds, boundaries and back-references); runs None when the pattern is not read."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None, False
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None, False
    runs: list[str] = []
    current: list[str] = []
    for op, arg in parsed.data:
        if op is sre_constants.LITERAL:
            current.append(chr(arg))
            continue
        if current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return tuple(runs), _plain(parsed.data)


def _plain(data: object) -> bool:
    """No look-around, back-reference or anchor other than the string's start and end."""
    for op, arg in data:  # type: ignore[attr-defined]
        if op in _LOOKING:
            return False
        if op is sre_constants.AT and arg not in (sre_constants.AT_BEGINNING, sre_constants.AT_END):
            return False
        for inner in _children(arg):
            if not _plain(inner):
                return False
    return True


def _children(arg: object) -> list[object]:
    """The sub-pattern lists inside one parse-tree node (groups, branches, repeats)."""
    found: list[object] = []
    if isinstance(arg, sre_parse.SubPattern):
        return [arg.data]
    if isinstance(arg, (tuple, list)):
        for item in arg:
            if isinstance(item, sre_parse.SubPattern):
                found.append(item.data)
            elif isinstance(item, (tuple, list)):
                found += _children(item)
    return found


def _can_contain(needle: str, parts: tuple[str | Symbol, ...]) -> bool:
    """Whether some expansion of ``parts`` has ``needle`` as a substring.

    A set of partial-match lengths is carried through the parts (each character extends a
    partial match when it is the needle's next character, and a new match may start anywhere);
    a symbol's characters are any of its class, repeated low..high times.
    """
    size = len(needle)
    active = {0}
    for part in parts:
        if isinstance(part, str):
            for char in part:
                active = {0} | {j + 1 for j in active if j < size and needle[j] == char}
                if size in active:
                    return True
            continue
        shape = shape_of(part)
        allowed = CLASSES[shape.chars]
        fits = [allowed(c) for c in needle]
        for _ in range(shape.low):
            active = {0} | {j + 1 for j in active if j < size and fits[j]}
            if size in active:
                return True
        # Optional characters: the union over every count; past size + 1 steps nothing new comes.
        extra = size + 1 if shape.high is None else min(shape.high - shape.low, size + 1)
        reachable, frontier = set(active), active
        for _ in range(extra):
            frontier = {0} | {j + 1 for j in frontier if j < size and fits[j]}
            if size in frontier:
                return True
            reachable |= frontier
        active = reachable
    return size in active


def _always(regex: re.Pattern[str], parts: tuple[str | Symbol, ...]) -> bool:
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if not isinstance(part, str) or not part:
            continue
        # A symbol beside the part is shown as a character no pattern here relies on; ^ and $
        # hold only at the value's real ends, which the edges keep them from claiming elsewhere.
        before = "" if index == 0 else _EDGE
        after = "" if index == last else _EDGE
        text = before + part + after
        found = regex.search(text, len(before))
        if found is not None and found.start() >= len(before) and found.end() <= len(before) + len(part):
            return True
    return False


__all__ = ["symbolic_search"]
