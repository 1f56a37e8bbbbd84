"""Wildcard matching for Action, Resource and string/ARN condition values.

Sources (quoted in tests/unit/iam/test_evaluate.py):

* IAM JSON policy elements: Action -- prefix and action name are case-insensitive, ``*`` and
  ``?`` wildcards.
* IAM JSON policy elements: Resource -- case-sensitive; ``*``/``?`` work within an ARN
  segment, and "If the * wildcard is the last character of a resource ARN segment, it can
  expand to match beyond the colon boundaries"; in the resource part ``*`` crosses ``/``.
* Condition operators: ``ArnLike`` checks "each of the six colon-delimited components of the
  ARN ... separately"; ``StringLike`` is a plain case-sensitive glob over the whole string.

Policy variables (``${aws:username}``) are resolved from the request context only when the
document's Version is 2012-10-17 (earlier versions treat them as literal text, as IAM does).
``${Name}`` without a colon is no policy variable (every one names ``prefix:key``): it is kept as
literal text, which is how parsers spell names AWS generates (``${TrailBucket}``).
A variable whose key the request context lacks yields Unknown rather than "no match": AWS only
says such a statement "might" become invalid, so we refuse to guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache

from ctguard.iam import symbolic
from ctguard.iam.tri import Tri, t_and
from ctguard.values import Symbol, Symbolic, Unknown

# (character, wildcard-capable): characters that came from a variable's value or from the
# escapes ${*} ${?} ${$} are literal even when they are '*' or '?'.
Token = tuple[str, bool]
Tokens = tuple[Token, ...]


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _variable() -> re.Pattern[str]:
    return re.compile(r"\$\{([^}]*)\}")


_MISSING = object()


def context_text(value: object) -> str:
    """How a context or policy scalar reads as a string (JSON ``false`` is "false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tokens_of(pattern: str, context: Mapping[str, object], variables: Tri) -> Tokens | Unknown:
    """Split a policy value into tokens, substituting ``${...}`` policy variables."""
    if "${" not in pattern or variables is False:
        return tuple((ch, True) for ch in pattern)
    if isinstance(variables, Unknown):
        return variables
    tokens: list[Token] = []
    pos = 0
    for found in _variable().finditer(pattern):
        tokens.extend((ch, True) for ch in pattern[pos : found.start()])
        pos = found.end()
        body = found.group(1).strip()
        if body in ("*", "?", "$"):
            tokens.append((body, False))
            continue
        if ":" not in body:
            # Every policy variable names a keyed context value (${aws:username}, ${s3:prefix},
            # ${cognito-identity.amazonaws.com:sub}); ${LogicalId} is the token a parser uses for
            # a name CloudFormation generates, the same text on both sides: keep it literal.
            tokens.extend((ch, False) for ch in found.group(0))
            continue
        name, _, default_text = body.partition(",")
        default_text = default_text.strip()
        default = default_text[1:-1] if len(default_text) >= 2 and default_text[0] == default_text[-1] == "'" else None
        value = context.get(name.strip().lower(), _MISSING)
        if isinstance(value, Unknown):
            return value
        if value is _MISSING or isinstance(value, (list, tuple)):
            # Multivalued keys cannot be variables (IAM docs); a missing key falls back to
            # the documented default syntax ${key, 'default'} when present.
            if default is None:
                return Unknown(f"policy variable ${{{name.strip()}}} has no single value in the request")
            value = default
        tokens.extend((ch, False) for ch in context_text(value))
    tokens.extend((ch, True) for ch in pattern[pos:])
    return tuple(tokens)


def literal(tokens: Tokens) -> str:
    return "".join(ch for ch, _ in tokens)


@lru_cache(maxsize=4096)
def _regex(tokens: Tokens, arn_segments: bool, ignore_case: bool) -> re.Pattern[str]:
    parts: list[str] = []
    colons = 0
    for i, (ch, wild) in enumerate(tokens):
        in_prefix = arn_segments and colons < 5
        if ch == ":":
            colons += 1
        if wild and ch == "*":
            ends_segment = i + 1 == len(tokens) or tokens[i + 1][0] == ":"
            parts.append("[^:]*" if in_prefix and not ends_segment else ".*")
        elif wild and ch == "?":
            parts.append("[^:]" if in_prefix else ".")
        else:
            parts.append(re.escape(ch))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


@lru_cache(maxsize=4096)
def _plain(tokens: Tokens) -> tuple[str, bool] | None:
    """(text, True) for a pattern with no wildcard but a trailing ``*``, (text, False) for one with
    none at all, None otherwise: most actions and ARNs a policy names are one of these, and
    comparing them directly spares compiling a regex for each (~0.1 ms apiece, issue 21)."""
    wild = [i for i, (ch, is_wild) in enumerate(tokens) if is_wild and ch in "*?"]
    if not wild:
        return literal(tokens), False
    if wild == [len(tokens) - 1] and tokens[-1][0] == "*":
        return literal(tokens[:-1]), True
    return None


def _fullmatch(tokens: Tokens, value: str, arn_segments: bool, ignore_case: bool) -> bool:
    plain = _plain(tokens)
    if plain is not None:
        text, open_end = plain
        if ignore_case:
            # re.IGNORECASE folds some non-ASCII letters onto ASCII ones (the long s, the Kelvin sign)
            if not (text.isascii() and value.isascii()):
                return _regex(tokens, arn_segments, ignore_case).fullmatch(value) is not None
            text, value = text.lower(), value.lower()
        # a trailing * is ".*" (DOTALL) in both modes: it ends its ARN segment
        return value.startswith(text) if open_end else value == text
    return _regex(tokens, arn_segments, ignore_case).fullmatch(value) is not None


def glob_match(tokens: Tokens, value: str, *, ignore_case: bool = False) -> bool:
    return _fullmatch(tokens, value, False, ignore_case)


def action_matches(pattern: str | Unknown, action: str | Unknown) -> Tri:
    if isinstance(pattern, Unknown):
        return pattern
    if pattern == "*":
        return True
    if isinstance(action, Unknown):
        return action
    return glob_match(tokens_of(pattern, {}, False), action, ignore_case=True)  # type: ignore[arg-type]  # tokens_of without variables is never Unknown


def symbolic_pattern(
    pattern: str | Symbolic, context: Mapping[str, object], variables: Tri, *, wildcards: bool, arn_segments: bool
) -> list[symbolic.Item] | Unknown:
    """A policy value (literal text, policy variables, deploy-time symbols) as match items."""
    parts: list[Tokens | Symbol] = []
    for part in pattern.parts if isinstance(pattern, Symbolic) else (pattern,):
        if isinstance(part, Symbol):
            parts.append(part)
            continue
        tokens = tokens_of(part, context, variables)
        if isinstance(tokens, Unknown):
            return tokens
        parts.append(tokens if wildcards else tuple((ch, False) for ch, _ in tokens))
    return symbolic.pattern_items(parts, arn_segments)


def resource_matches(
    pattern: str | Unknown,
    resource: str | Unknown,
    context: Mapping[str, object],
    variables: Tri,
) -> Tri:
    if symbolic.plain_unknown(pattern) is not None:
        return pattern  # type: ignore[return-value]  # plain_unknown: pattern is an Unknown
    if pattern == "*":
        return True  # even an unknown resource: "*" names every resource
    if isinstance(pattern, Symbolic) or isinstance(resource, Symbolic):
        if symbolic.plain_unknown(resource) is not None:
            return resource  # type: ignore[return-value]  # plain_unknown: resource is an Unknown
        items = symbolic_pattern(pattern, context, variables, wildcards=True, arn_segments=True)  # type: ignore[arg-type]  # not a plain Unknown (returned above): str or Symbolic
        if isinstance(items, Unknown):
            return items
        return symbolic.match_items(items, symbolic.value_items(resource))  # type: ignore[arg-type]  # not a plain Unknown (returned above): str or Symbolic
    tokens = tokens_of(pattern, context, variables)  # type: ignore[arg-type]  # neither Unknown nor Symbolic here: a str
    if isinstance(tokens, Unknown):
        return tokens
    if isinstance(resource, Unknown):
        return resource
    return _fullmatch(tokens, resource, True, False)


def _split_arn(tokens: Tokens) -> list[Tokens]:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token[0] == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(token)
    return [tuple(p) for p in parts]


def arn_like(tokens: Tokens, value: str) -> bool:
    """ArnEquals/ArnLike: component-wise glob; values that are not six-part ARNs never match."""
    if literal(tokens) == "*" and tokens[0][1]:
        return True
    pattern_parts = _split_arn(tokens)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=False))


def _split_items(items: list[symbolic.Item]) -> list[list[symbolic.Item]]:
    parts: list[list[symbolic.Item]] = [[]]
    for item in items:
        if item == ("lit", ":") and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(item)
    return parts


def symbolic_string_match(
    base: str,
    policy_value: str | Symbolic,
    request_value: str | Symbolic,
    context: Mapping[str, object],
    variables: Tri,
) -> Tri:
    """StringEquals/StringLike/ArnEquals/ArnLike (and IgnoreCase) where a side holds symbols."""
    wildcards = base in ("stringlike", "arnlike", "arnequals")
    pattern = symbolic_pattern(policy_value, context, variables, wildcards=wildcards, arn_segments=False)
    if isinstance(pattern, Unknown):
        return pattern
    value = symbolic.value_items(request_value)
    if base in ("stringequals", "stringlike", "stringequalsignorecase"):
        return symbolic.match_items(pattern, value, ignore_case=base == "stringequalsignorecase")
    if pattern == [("star", False)]:
        return True
    pattern_parts, value_parts = _split_items(pattern), _split_items(value)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        # a free-text symbol may hold the missing colons
        free = [s for s in symbolic.symbols_in(pattern, value) if s.shape == "text"]
        return Symbolic(f"the deploy-time value of {free[0].name}", tuple(free)) if free else False
    return t_and(symbolic.match_items(p, v) for p, v in zip(pattern_parts, value_parts, strict=False))
