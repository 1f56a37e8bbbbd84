"""A problem found while reading a module's files (CT001 parse errors, CT004 duplicate addresses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    rule_id: str
    message: str
    file: str
    line: int = 1
    column: int = 1
