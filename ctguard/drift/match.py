"""Pair the code's trails and stores with the account's: by ARN when the code states it, else by name.

Trail and store names are unique per account and region, so a name alone decides unless the
account has that name in several regions; then the code's region (``--region``, the provider's)
chooses, and without one the pairing is UNKNOWN rather than a guess.
"""
from __future__ import annotations

from dataclasses import dataclass

from ctguard.drift.sides import Resource
from ctguard.values import Known, Unknown


@dataclass(frozen=True, slots=True)
class Pairing:
    code: Resource
    account: Resource | None
    unknown: str | None = None  # why the account's counterpart cannot be told


def pair(code: list[Resource], account: list[Resource]) -> tuple[list[Pairing], list[Resource]]:
    """(one Pairing per code resource, the account resources nothing in the code claims)."""
    pairings = [_find(c, account) for c in code]
    claimed = {id(p.account) for p in pairings if p.account is not None}
    return pairings, [a for a in account if id(a) not in claimed]


def _find(code: Resource, account: list[Resource]) -> Pairing:
    same_kind = [a for a in account if a.kind == code.kind]
    mine = code.account()
    if mine:  # --account (or an ARN in the code) says which account of a multi-account snapshot
        same_kind = [a for a in same_kind if a.account() in (None, mine)]
    arn = code.arn
    if isinstance(arn, Known) and isinstance(arn.value, str) and arn.value:
        hit = [a for a in same_kind if isinstance(a.arn, Known) and a.arn.value == arn.value]
        if hit:
            return Pairing(code, hit[0])
    name = code.known_name()
    if name is None:
        raw = code.name
        if isinstance(raw, Unknown):
            why = f"its name is not known ({raw.reason})"
        elif isinstance(raw, Known) and "generated" in (raw.via or ""):
            why = "its name is generated at deploy time; give it a name (TrailName / Name) to compare it"
        else:
            why = "it has no name"
        return Pairing(code, None, why)
    named = [a for a in same_kind if a.known_name() == name]
    if len(named) <= 1:
        return Pairing(code, named[0] if named else None)
    region = code.region()
    here = [a for a in named if a.region() == region] if region else []
    if len(here) == 1:
        return Pairing(code, here[0])
    regions = ", ".join(sorted(a.region() or "?" for a in named))
    return Pairing(code, None, f"the account has {len(named)} of that name ({regions}) and the code's region is "
                               f"{'not known' if not region else region + ', none of them'}")


__all__ = ["Pairing", "pair"]
