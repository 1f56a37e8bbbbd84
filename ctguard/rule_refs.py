"""Rule ids named by the user (``--only``, ``--skip``, ``--severity``, config, baseline) must exist.

A typo such as ``--only CT10`` would otherwise select no rule at all and turn the gate green
without checking anything; ``--skip CT999`` would silently suppress nothing.  Every id or glob
must match at least one loaded policy; the error names the id and the closest real ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from ctguard.suppress import Gate


class UnknownRuleError(ValueError):
    """A rule id or glob that matches no loaded policy (a usage error, exit code 2)."""


def matches_any(pattern: str, known: Iterable[str]) -> bool:
    upper = pattern.upper()
    return any(fnmatchcase(rule_id.upper(), upper) for rule_id in known)


def closest(pattern: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The real ids that look most like ``pattern`` (globs compared without their wildcards)."""
    import difflib  # only for a typo'd rule id: kept off the start-up path

    bare = pattern.upper().replace("*", "").replace("?", "")

    def score(rule_id: str) -> tuple[int, float, str]:
        # A longer shared prefix wins (CT10 -> CT101), then similarity (CT1O1 -> CT101).
        prefix = len(_common_prefix(bare, rule_id))
        return (-prefix, -difflib.SequenceMatcher(None, bare, rule_id).ratio(), rule_id)

    ranked = sorted(set(known), key=score)
    return [r for r in ranked if difflib.SequenceMatcher(None, bare, r).ratio() >= 0.5][:n]


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


def describe(pattern: str, where: str, known: Iterable[str]) -> str:
    known = list(known)
    near = closest(pattern, known)
    hint = f"; did you mean {', '.join(near)}?" if near else "; `ctguard rules` lists them"
    return f"{where}: {pattern!r} matches no rule{hint}"


def check_gate(gate: Gate, known: Iterable[str]) -> None:
    """Raise UnknownRuleError for the first id in the gate that names no loaded policy."""
    known = frozenset(known)
    for pattern in gate.only:
        if not matches_any(pattern, known):
            raise UnknownRuleError(describe(pattern, "--only / only", known))
    for skip in gate.skips:
        if skip.source in ("config", "cli") and not matches_any(skip.rule, known):
            raise UnknownRuleError(describe(skip.rule, skip.where, known))
    for rule_id in gate.severity:
        if rule_id.upper() not in known:
            raise UnknownRuleError(describe(rule_id, "--severity / severity", known))
    if gate.baseline is not None:
        for _, _, rule_id in sorted(gate.baseline.keys):
            if rule_id.upper() not in known:
                raise UnknownRuleError(describe(rule_id, f"baseline {gate.baseline.path}", known))


__all__ = ["UnknownRuleError", "check_gate", "closest", "matches_any"]
