"""The shapes of deploy-time symbols, and which command-line option settles each.

A shape is a character class and a length range that every value the symbol can take fits
in. Shapes only ever decide inequalities ("a 12-digit account id cannot spell
``my-sensitive-bucket``"), so each is a superset of the real values: a looser shape makes a
comparison Unknown, never wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ctguard.values import Symbol, Symbolic, Unknown, symbolic


@dataclass(frozen=True, slots=True)
class Shape:
    """The shape of a symbolic string: its character class and length bounds."""

    chars: str  # a key of CLASSES
    low: int
    high: int | None  # None: unbounded
    settled_by: str | None = None  # the ctguard option that gives the value, if any


CLASSES: dict[str, Callable[[str], bool]] = {
    "digits": lambda c: "0" <= c <= "9",
    "hex": lambda c: "0" <= c <= "9" or "a" <= c <= "f",
    "lower-digits-hyphen": lambda c: "a" <= c <= "z" or "0" <= c <= "9" or c == "-",
    "lower-hyphen": lambda c: "a" <= c <= "z" or c == "-",
    "lower-dot": lambda c: "a" <= c <= "z" or c == ".",
    "lower-digits": lambda c: "a" <= c <= "z" or "0" <= c <= "9",
    "alnum-hyphen": lambda c: c.isascii() and (c.isalnum() or c == "-"),
    "alnum-hyphen-underscore": lambda c: c.isascii() and (c.isalnum() or c in "-_"),
    "any": lambda c: True,
}

# Lengths: us-east-1 (9) to eu-isoe-west-1 / ap-southeast-7 (14), with room for new names.
SHAPES: dict[str, Shape] = {
    "account": Shape("digits", 12, 12, "--account"),
    "region": Shape("lower-digits-hyphen", 9, 16, "--region"),
    "partition": Shape("lower-hyphen", 3, 12, "--region"),
    "url-suffix": Shape("lower-dot", 10, 20, "--region"),
    "stack-name": Shape("alnum-hyphen", 1, None),
    "hex": Shape("hex", 1, None),
    "base64url": Shape("alnum-hyphen-underscore", 1, None),
    "decimal": Shape("digits", 1, None),
    "uuid": Shape("lower-digits-hyphen", 36, 36),
    "generated-suffix": Shape("lower-digits", 26, 26),
    "organization": Shape("lower-digits-hyphen", 12, 34),
    "text": Shape("any", 0, None),
    "nonempty-text": Shape("any", 1, None),
}


def shape_of(symbol: Symbol) -> Shape:
    return SHAPES.get(symbol.shape, SHAPES["text"])


def settled_by(value: object) -> set[str] | None:
    """The options (``--account``, ``--region``) that would give every symbol of ``value`` a
    value, or None when some symbol is settled by none of them (a variable, a random id)."""
    if not isinstance(value, Symbolic):
        return None
    options: set[str] = set()
    for symbol in value.symbols:
        option = shape_of(symbol).settled_by
        if option is None:
            return None
        options.add(option)
    return options


# Identity keys: every spelling of the deploying account (AWS::AccountId, a caller-identity data
# source, the account a trail's ARN names) is one value; likewise the default deploy region.
ACCOUNT = "account"
REGION = "region"
ORGANIZATION = "organization"


def non_empty(value: Symbolic) -> bool:
    """Whether every value of the symbolic string is non-empty."""
    return any(p != "" if isinstance(p, str) else shape_of(p).low > 0 for p in value.parts)


def account_symbol(name: str = "AWS::AccountId", reason: str | None = None) -> Symbolic:
    reason = reason or f"{name} is the deploying account, known at deploy time (pass --account)"
    return symbolic(name, "account", reason, ACCOUNT)


def organization_symbol(name: str = "the organization id", reason: str | None = None) -> Symbolic:
    return symbolic(name, "organization", reason or f"{name} is known only where the organization is", ORGANIZATION)


def region_symbol(name: str = "AWS::Region", reason: str | None = None) -> Symbolic:
    reason = reason or f"{name} is the deploy region, known at deploy time (pass --region)"
    return symbolic(name, "region", reason, REGION)


def text_symbol(name: str, reason: str, shape: str = "text") -> Symbolic:
    return symbolic(name, shape, reason)


def describe(value: Unknown) -> str:
    """Which symbols an Unknown depends on, for messages, and whether a ctguard option settles
    them all: ``AWS::AccountId, AWS::Region (--account and --region settle it)``."""
    if not isinstance(value, Symbolic):
        return value.reason
    names = [symbol.name for symbol in value.symbols]
    options = settled_by(value)
    if options:
        return f"{', '.join(names)} ({' and '.join(sorted(options))} settle{'s' if len(options) == 1 else ''} it)"
    return f"{', '.join(names)} (chosen at deploy time)"


def joined(unknowns: list[Unknown]) -> Unknown:
    """What several Unknowns together depend on, keeping the first one's reason for messages:
    the union of their symbols when each is symbolic, else a plain Unknown, which no option
    settles (a result undecided by the account and by a variable is not settled by --account)."""
    first = unknowns[0]
    if len(unknowns) == 1:
        return first
    if all(isinstance(u, Symbolic) for u in unknowns):
        symbols = dict.fromkeys(s for u in unknowns for s in u.symbols)  # type: ignore[attr-defined]
        return Symbolic(first.reason, tuple(symbols))
    return Unknown(first.reason)


def settled_options(value: object) -> tuple[str, ...]:
    """``settled_by`` as a sorted tuple, empty when no option settles ``value``."""
    return tuple(sorted(settled_by(value) or ()))


__all__ = [
    "ACCOUNT",
    "CLASSES",
    "ORGANIZATION",
    "REGION",
    "SHAPES",
    "Shape",
    "account_symbol",
    "describe",
    "joined",
    "non_empty",
    "organization_symbol",
    "region_symbol",
    "settled_by",
    "settled_options",
    "shape_of",
    "text_symbol",
]
