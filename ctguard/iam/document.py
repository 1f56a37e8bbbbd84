"""Normalise a JSON-like policy document into frozen Statement objects.

Accepts every shape IAM accepts: ``Statement`` as one object or a list; Action / NotAction /
Resource / NotResource as a string or a list; ``"Principal": "*"``; ``{"AWS": ...}``,
``{"Service": ...}``, ``{"Federated": ...}``, ``{"CanonicalUser": ...}`` with a string or a
list; JSON booleans and numbers in condition values (read as their JSON text).

Anything a parser could not resolve may be a ``ctguard.values.Unknown`` at any position; it
is carried into the normalised form so evaluation can answer Unknown only where it matters.
Structures IAM would reject (wrong types, both Action and NotAction, an unknown condition
operator, an Effect other than Allow/Deny, ...) raise ``PolicyDocumentError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctguard.iam.conditions import Operator, parse_operator
from ctguard.values import Unknown

Text = str | Unknown

_VERSIONS = ("2012-10-17", "2008-10-17")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_STATEMENT_KEYS = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
}  # fmt: skip


class PolicyDocumentError(ValueError):
    """The document is not a policy IAM would accept; the message says where and why."""


@dataclass(frozen=True, slots=True)
class PrincipalEntry:
    """One principal of a statement."""

    kind: Text  # "*" (for "Principal": "*"), "AWS", "Service", "Federated", "CanonicalUser"
    value: Text


@dataclass(frozen=True, slots=True)
class Element:
    """Action/Resource/Principal and their Not- forms: a statement matches when any value does
    (or, negated, when none does)."""

    values: tuple[Any, ...]  # Text for actions and resources, PrincipalEntry for principals
    negated: bool


@dataclass(frozen=True, slots=True)
class Clause:
    """One condition clause of a statement."""

    operator: Operator | Unknown
    key: Text
    values: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One normalized policy statement."""

    index: int
    sid: str | Unknown | None
    effect: Text  # "Allow" | "Deny" | Unknown
    action: Element
    resource: Element | None  # None: the element is absent (allowed in trust policies)
    principal: Element | None  # None: identity-based statement
    conditions: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A normalized IAM or resource policy document."""

    version: Text | None
    statements: tuple[Statement, ...]


def _where(index: int, element: str) -> str:
    return f"Statement[{index}].{element}"


def _texts(value: Any, where: str, *, allow_empty: bool = False) -> tuple[Text, ...]:
    if isinstance(value, (str, Unknown)):
        return (value,)
    if isinstance(value, list):
        if not value and not allow_empty:
            raise PolicyDocumentError(f"{where} is an empty list")
        for item in value:
            if not isinstance(item, (str, Unknown)):
                raise PolicyDocumentError(f"{where} holds {type(item).__name__}, expected strings")
        return tuple(value)
    raise PolicyDocumentError(f"{where} is {type(value).__name__}, expected a string or a list of strings")


def _scalar_texts(value: Any, where: str) -> tuple[Text, ...]:
    """Condition values: strings, JSON booleans and numbers (IAM compares their text)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise PolicyDocumentError(f"{where} is an empty list")
    out: list[Text] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, Unknown)):
            out.append(item)
        elif isinstance(item, (int, float)):
            out.append(str(item))
        else:
            raise PolicyDocumentError(f"{where} holds {type(item).__name__}, expected strings")
    return tuple(out)


def _principal(value: Any, where: str) -> tuple[PrincipalEntry, ...]:
    if isinstance(value, Unknown):
        return (PrincipalEntry(value, value),)
    if value == "*":
        return (PrincipalEntry("*", "*"),)
    if not isinstance(value, dict) or not value:
        raise PolicyDocumentError(f'{where} must be "*" or a non-empty map of principal types')
    entries: list[PrincipalEntry] = []
    for kind, ids in value.items():
        if not isinstance(kind, Unknown) and kind not in _PRINCIPAL_TYPES:
            raise PolicyDocumentError(f"{where} has unknown principal type {kind!r}")
        entries.extend(PrincipalEntry(kind, v) for v in _texts(ids, f"{where}.{kind}"))
    return tuple(entries)


def _conditions(value: Any, where: str) -> tuple[Clause, ...]:
    if isinstance(value, Unknown):
        return (Clause(value, value, (value,)),)
    if not isinstance(value, dict):
        raise PolicyDocumentError(f"{where} must be a map of condition operators")
    clauses: list[Clause] = []
    for op_name, block in value.items():
        op_where = f"{where}.{op_name}"
        operator: Operator | Unknown
        if isinstance(op_name, Unknown):
            operator = op_name
        elif isinstance(op_name, str):
            try:
                operator = parse_operator(op_name)
            except ValueError as exc:
                raise PolicyDocumentError(f"{op_where}: {exc}") from None
        else:
            raise PolicyDocumentError(f"{where} has a non-string operator {op_name!r}")
        if isinstance(block, Unknown):
            clauses.append(Clause(operator, block, (block,)))
            continue
        if not isinstance(block, dict) or not block:
            raise PolicyDocumentError(f"{op_where} must be a non-empty map of condition keys")
        for key, values in block.items():
            if not isinstance(key, (str, Unknown)):
                raise PolicyDocumentError(f"{op_where} has a non-string key {key!r}")
            clauses.append(Clause(operator, key, _scalar_texts(values, f"{op_where}.{key}")))
    return tuple(clauses)


def _pair(raw: dict[Any, Any], name: str, index: int, *, required: bool) -> Element | None:
    positive, negative = name, "Not" + name
    if positive in raw and negative in raw:
        raise PolicyDocumentError(f"{_where(index, positive)} and {negative} are both set")
    for key, negated in ((positive, False), (negative, True)):
        if key in raw:
            if name == "Principal":
                return Element(_principal(raw[key], _where(index, key)), negated)
            return Element(_texts(raw[key], _where(index, key)), negated)
    if required:
        raise PolicyDocumentError(f"Statement[{index}] has neither {positive} nor {negative}")
    return None


def _statement(raw: Any, index: int) -> Statement:
    if isinstance(raw, Unknown):
        opaque = Element((raw,), False)
        return Statement(
            index, None, raw, opaque, opaque, Element((PrincipalEntry(raw, raw),), False), (Clause(raw, raw, (raw,)),)
        )
    if not isinstance(raw, dict):
        raise PolicyDocumentError(f"Statement[{index}] is {type(raw).__name__}, expected an object")
    for key in raw:
        if not isinstance(key, Unknown) and key not in _STATEMENT_KEYS:
            raise PolicyDocumentError(f"Statement[{index}] has unknown element {key!r}")
    if any(isinstance(key, Unknown) for key in raw):
        # An element whose very name is unresolved could be anything, even a NotAction.
        return _statement(next(k for k in raw if isinstance(k, Unknown)), index)
    effect = raw.get("Effect")
    if not isinstance(effect, Unknown) and effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f'{_where(index, "Effect")} is {effect!r}, expected "Allow" or "Deny"')
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, (str, Unknown)):
        raise PolicyDocumentError(f"{_where(index, 'Sid')} must be a string")
    action = _pair(raw, "Action", index, required=True)
    assert action is not None
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        action=action,
        resource=_pair(raw, "Resource", index, required=False),
        principal=_pair(raw, "Principal", index, required=False),
        conditions=_conditions(raw["Condition"], _where(index, "Condition")) if "Condition" in raw else (),
    )


def normalize(document: Any) -> Document:
    """Normalise a policy; a ``Document`` passes through unchanged."""
    if isinstance(document, Document):
        return document
    if isinstance(document, Unknown):
        return Document(document, (_statement(document, 0),))
    if not isinstance(document, dict):
        raise PolicyDocumentError(f"policy document is {type(document).__name__}, expected an object")
    version = document.get("Version")
    if version is not None and not isinstance(version, Unknown) and version not in _VERSIONS:
        raise PolicyDocumentError(f"Version is {version!r}, expected one of {', '.join(_VERSIONS)}")
    if "Statement" not in document:
        raise PolicyDocumentError("policy document has no Statement")
    raw = document["Statement"]
    if isinstance(raw, (dict, Unknown)):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyDocumentError(f"Statement is {type(raw).__name__}, expected an object or a list")
    return Document(version, tuple(_statement(item, i) for i, item in enumerate(raw)))
