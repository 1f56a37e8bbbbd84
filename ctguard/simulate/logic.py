"""Kleene three-valued logic on ints: 1 true, 0 false, 2 unknown.

Ints rather than ``bool | None`` because the matchers return them on every event and they
compare and index cheaply; ``to_bool`` converts at the API boundary.
"""

from __future__ import annotations


def and3(*xs: int) -> int:
    """False wins over unknown: an Unknown that cannot change the outcome is ignored."""
    if 0 in xs:
        return 0
    return 2 if 2 in xs else 1


def or3(*xs: int) -> int:
    if 1 in xs:
        return 1
    return 2 if 2 in xs else 0


def to_bool(x: int) -> bool | None:
    return None if x == 2 else bool(x)
