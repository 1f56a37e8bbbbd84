"""Condition operators with AWS's documented semantics for missing and multivalued keys.

From "IAM JSON policy elements: Condition operators" and "Conditions with multiple context
keys or values" / "Single-valued vs. multivalued context keys":

* a key absent from the request makes a positive operator false and a negated operator
  (StringNotEquals, ArnNotLike, NotIpAddress, ...) true; ``...IfExists`` makes it true;
  ``Null`` tests presence itself;
* several values for one key are OR'd, but for a negated operator they are NOR'd;
* ``ForAllValues:`` is true when every request value matches (and when the key is absent or
  empty); ``ForAnyValue:`` when at least one does (false when absent or empty).

Decisions where the docs are silent (see the module docstring of evaluate.py for the list):
operator names are matched case-insensitively; a plain (non set) operator applied to a request
value with several members is Unknown; ``IfExists`` on a set operator makes an absent key true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from ctguard.iam.matching import arn_like, context_text, glob_match, literal, symbolic_string_match, tokens_of
from ctguard.iam.symbolic import plain_unknown
from ctguard.iam.tri import Tri, t_and, t_not, t_or
from ctguard.values import Symbolic, Unknown

_POSITIVE = {
    "stringequals", "stringequalsignorecase", "stringlike",
    "numericequals", "numericlessthan", "numericlessthanequals",
    "numericgreaterthan", "numericgreaterthanequals",
    "dateequals", "datelessthan", "datelessthanequals", "dategreaterthan", "dategreaterthanequals",
    "bool", "binaryequals", "ipaddress", "arnequals", "arnlike",
}  # fmt: skip
# Negated operator -> the positive operator it negates (values NOR'd, absent key true).
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
# Operators whose values may hold policy variables (Condition operators page).
_VARIABLE_OPS = {"stringequals", "stringequalsignorecase", "stringlike", "bool", "arnequals", "arnlike"}


@dataclass(frozen=True, slots=True)
class Operator:
    """An IAM condition operator, split into its parts."""

    name: str
    base: str  # lower-case, without set prefix and IfExists: "stringnotequals", "null", ...
    set_op: str | None  # "forallvalues" | "foranyvalue" | None
    if_exists: bool

    @property
    def negated(self) -> bool:
        return self.base in _NEGATED


def parse_operator(name: str) -> Operator:
    """Parse ``ForAnyValue:StringLikeIfExists`` and friends; ValueError if AWS would reject it."""
    rest = name.strip()
    set_op = None
    prefix, sep, tail = rest.partition(":")
    if sep:
        set_op = prefix.lower()
        if set_op not in ("forallvalues", "foranyvalue"):
            raise ValueError(f"unknown condition set operator {prefix!r} in {name!r}")
        rest = tail
    base = rest.lower()
    if_exists = base.endswith("ifexists")
    if if_exists:
        base = base[: -len("ifexists")]
    if base == "null":
        if if_exists or set_op:
            raise ValueError(f"{name!r}: Null takes neither IfExists nor a set operator")
    elif base not in _POSITIVE and base not in _NEGATED:
        raise ValueError(f"unknown condition operator {name!r}")
    return Operator(name, base, set_op, if_exists)


def _parse_date(text: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(base: str, policy_value: str, request_value: str) -> bool:
    """Numeric, date and IP operators: unparsable values simply do not match."""
    try:
        if base.startswith("numeric"):
            left: object = float(request_value)
            right: object = float(policy_value)
            op = base[len("numeric") :]
        elif base.startswith("date"):
            left, right, op = _parse_date(request_value), _parse_date(policy_value), base[4:]
        elif base == "ipaddress":
            import ipaddress  # only for IP conditions: with urllib.parse out of the way, ~1 ms of start-up

            network = ipaddress.ip_network(policy_value.strip(), strict=False)
            return ipaddress.ip_address(request_value.strip()) in network
        else:
            return policy_value == request_value  # binaryequals: base64 text compared as is
    except (ValueError, TypeError, OverflowError, OSError):
        return False
    # left and right come from the same branch (both floats or both datetimes), which the
    # object annotation cannot say: hence the operator ignores; every entry is a bool.
    return bool(
        {
            "equals": left == right,
            "lessthan": left < right,  # type: ignore[operator]
            "lessthanequals": left <= right,  # type: ignore[operator]
            "greaterthan": left > right,  # type: ignore[operator]
            "greaterthanequals": left >= right,  # type: ignore[operator]
        }[op]
    )


def _positive_match(
    base: str, policy_value: str | Unknown, request_value: object,
    context: Mapping[str, object], variables: Tri,
) -> Tri:  # fmt: skip
    if plain_unknown(policy_value) is not None:
        return policy_value  # type: ignore[return-value]  # plain_unknown: an Unknown
    if plain_unknown(request_value) is not None:
        return request_value  # type: ignore[return-value]  # plain_unknown: an Unknown
    policy_value = cast("str | Symbolic", policy_value)  # plain Unknowns were returned above
    if isinstance(policy_value, Symbolic) or isinstance(request_value, Symbolic):
        if base in ("stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"):
            request = request_value if isinstance(request_value, Symbolic) else context_text(request_value)
            return symbolic_string_match(base, policy_value, request, context, variables)
        return policy_value if isinstance(policy_value, Symbolic) else request_value  # type: ignore[return-value]  # one of them is Symbolic, an Unknown
    text = context_text(request_value)
    if base not in _VARIABLE_OPS:
        return _compare(base, policy_value, text)
    tokens = tokens_of(policy_value, context, variables)
    if isinstance(tokens, Unknown):
        return tokens
    if base == "stringequals":
        return literal(tokens) == text
    if base == "stringequalsignorecase":
        return literal(tokens).casefold() == text.casefold()
    if base == "stringlike":
        return glob_match(tokens, text)
    if base == "bool":
        return literal(tokens).lower() == text.lower()
    return arn_like(tokens, text)


def evaluate_condition(
    operator: Operator,
    key: str | Unknown,
    values: Sequence[str | Unknown],
    context: Mapping[str, object],
    variables: Tri = True,
) -> Tri:
    """One (operator, key, values) clause against a request context with lower-case keys."""
    if isinstance(key, Unknown):
        return key
    found = context.get(key.lower(), None)
    if operator.base == "null":
        # A key present with an unknown value is still present: Null decides without it.
        present = isinstance(found, Unknown) or bool(found if isinstance(found, (list, tuple)) else found is not None)
        return t_or(
            v
            if isinstance(v, Unknown)
            else (not present if v.lower() == "true" else present if v.lower() == "false" else False)
            for v in values
        )
    if plain_unknown(found) is not None:
        return found  # type: ignore[return-value]  # plain_unknown: found is an Unknown
    members = list(found) if isinstance(found, (list, tuple)) else ([] if found is None else [found])
    if not members:
        if operator.if_exists:
            return True
        if operator.set_op == "forallvalues":
            return True
        if operator.set_op == "foranyvalue":
            return False
        return operator.negated
    positive = _NEGATED.get(operator.base, operator.base)

    def one(member: object) -> Tri:
        matched = t_or(_positive_match(positive, v, member, context, variables) for v in values)
        return t_not(matched) if operator.negated else matched

    if operator.set_op == "forallvalues":
        return t_and(one(m) for m in members)
    if operator.set_op == "foranyvalue":
        return t_or(one(m) for m in members)
    if len(members) > 1:
        return Unknown(
            f"{operator.name} on {key}, which has {len(members)} values in the request: AWS does not "
            "document plain operators on multivalued keys (use ForAnyValue/ForAllValues)"
        )
    return one(members[0])
