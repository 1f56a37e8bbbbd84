"""Kleene three-valued logic over ``bool`` and ``ctguard.values.Unknown``.

Unknown is falsy-proof (``bool(Unknown)`` raises), so every combination of policy facts goes
through these helpers instead of ``and``/``or``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ctguard.symbols import joined
from ctguard.values import Unknown

Tri = bool | Unknown


def t_not(value: Tri) -> Tri:
    return value if isinstance(value, Unknown) else not value


def t_and(values: Iterable[Tri]) -> Tri:
    """False wins over Unknown, so a definite mismatch decides even next to an Unknown."""
    unknown: list[Unknown] = []
    for value in values:
        if isinstance(value, Unknown):
            unknown.append(value)
        elif not value:
            return False
    return joined(unknown) if unknown else True


def t_or(values: Iterable[Tri]) -> Tri:
    """True wins over Unknown: one definite match is enough whatever the others are."""
    unknown: list[Unknown] = []
    for value in values:
        if isinstance(value, Unknown):
            unknown.append(value)
        elif value:
            return True
    return joined(unknown) if unknown else False
