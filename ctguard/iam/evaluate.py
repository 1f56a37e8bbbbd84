"""Decide one request against policy documents, three-valued.

Semantics ("Policy evaluation logic", "The difference between explicit and implicit denies"):
a request is explicitly denied if any applicable statement denies it, allowed if none denies
and at least one allows, implicitly denied otherwise. A statement applies when its Principal
(resource-based policies only), Action, Resource and every Condition clause match.

Decisions where the docs are unclear or silent:

* ``"Principal": "*"`` and ``{"AWS": "*"}`` match every principal: anonymous callers, IAM
  principals and AWS service principals (the Principal page calls the two forms equivalent).
* An account principal (``"123456789012"`` or ``arn:aws:iam::123456789012:root``) matches every
  IAM principal of that account, never a service principal; a role ARN also matches its
  ``sts`` assumed-role sessions. Other wildcards in AWS principals are not patterns.
* A missing Resource/NotResource matches (role trust policies have none); a missing Principal
  in a resource-based policy, or a Principal in an identity-based one, is a PolicyDocumentError.
* Policy variables: see matching.py (unresolved -> Unknown). Version absent -> 2008-10-17
  (variables are literal text), as the Version element page says.
* Keys absent from ``Request.context`` are absent from the request: callers model the whole
  request context, and use an ``Unknown`` value for a key that is present with unknown value.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ctguard.iam import symbolic
from ctguard.iam.conditions import evaluate_condition
from ctguard.iam.document import Document, Element, PolicyDocumentError, PrincipalEntry, Statement, normalize
from ctguard.iam.matching import action_matches, resource_matches
from ctguard.iam.tri import Tri, t_and, t_not, t_or
from ctguard.symbols import joined
from ctguard.values import Symbol, Symbolic, Unknown, concat, show

_ACCOUNT = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):root$")


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _session() -> re.Pattern[str]:
    return re.compile(r"^arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/.+$")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request."""

    kind: str  # "service" | "aws" | "anonymous" | "federated" | "canonical"
    id: str | Unknown

    @classmethod
    def service(cls, name: str | Unknown) -> Principal:
        return cls("service", name)

    @classmethod
    def aws(cls, arn_or_account: str | Unknown) -> Principal:
        if isinstance(arn_or_account, str) and _ACCOUNT.match(arn_or_account):
            arn_or_account = f"arn:aws:iam::{arn_or_account}:root"
        elif _is_account_symbol(arn_or_account):
            arn_or_account = concat("arn:aws:iam::", arn_or_account, ":root")
        return cls("aws", arn_or_account)

    @classmethod
    def anonymous(cls) -> Principal:
        return cls("anonymous", "*")

    @property
    def account(self) -> str | Unknown | None:
        if isinstance(self.id, Unknown):
            return self.id
        parts = self.id.split(":")
        return parts[4] if self.kind == "aws" and len(parts) > 4 and parts[4] else None

    def __str__(self) -> str:
        return "anonymous (*)" if self.kind == "anonymous" else f"{self.kind} principal {_show(self.id)}"


@dataclass(frozen=True)
class Request:
    """The request a policy is evaluated for."""

    principal: Principal
    action: str | Unknown
    resource: str | Unknown
    context: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Condition keys are case-insensitive, so the context is keyed by lower case once.
        object.__setattr__(self, "context", {k.lower(): v for k, v in self.context.items()})


class Outcome(enum.Enum):
    ALLOW = "ALLOW"
    EXPLICIT_DENY = "EXPLICIT_DENY"
    IMPLICIT_DENY = "IMPLICIT_DENY"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class StatementRef:
    """Which statement of which document decided."""

    document: int
    index: int
    sid: str | Unknown | None

    def __str__(self) -> str:
        where = f"statement {self.index}" + (f" of document {self.document}" if self.document else "")
        return where + (f" (Sid {_show(self.sid)})" if self.sid is not None else "")


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement's three-valued answer to a request."""

    ref: StatementRef
    statement: Statement
    applies: Tri
    failed: str | None  # which element did not match (or was Unknown), for explanations


@dataclass(frozen=True)
class Decision:
    """The three-valued answer of a set of policies to a request."""

    outcome: Outcome
    allowed: bool | None  # None when unknown; False also covers "denied, but which way is unknown"
    reason: str
    statement: StatementRef | None = None
    unknown: Unknown | None = None
    results: tuple[StatementResult, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """A three-valued answer to one question, with why and the statement that decided it."""

    ok: bool | None
    reason: str
    statement: StatementRef | None = None
    unknown: Unknown | None = None  # when undecided: what it waits on (its symbols, if any)


def _show(value: object) -> str:
    if isinstance(value, Symbolic):
        return repr(show(value))
    return f"<unknown: {value.reason}>" if isinstance(value, Unknown) else repr(value)


def _is_account_symbol(value: object) -> bool:
    return (
        isinstance(value, Symbolic)
        and len(value.parts) == 1
        and isinstance(value.parts[0], Symbol)
        and value.parts[0].shape == "account"
    )


def _symbolic_aws_principal(value: str | Symbolic, principal_id: str | Symbolic) -> Tri:
    """An AWS principal element against a principal where either holds deploy-time symbols:
    ``${AWS::AccountId}`` (or its root ARN) names every principal of that account."""
    if isinstance(value, Unknown) and not isinstance(value, Symbolic):
        return value
    if (isinstance(value, str) and _ACCOUNT.match(value)) or _is_account_symbol(value):
        value = concat("arn:aws:iam::", value, ":root")
    wanted = symbolic.value_items(value)
    have = symbolic.value_items(principal_id)
    if wanted[-5:] == symbolic.literal_items(":root"):

        def account(items: list[symbolic.Item]) -> list[symbolic.Item]:
            parts: list[list[symbolic.Item]] = [[]]
            for item in items:
                if item == ("lit", ":"):
                    parts.append([])
                else:
                    parts[-1].append(item)
            return parts[4] if len(parts) > 5 else [("lit", "\n")]

        return symbolic.match_items(account(wanted), account(have))
    return symbolic.match_items(wanted, have)


def _principal_matches(entry: PrincipalEntry, principal: Principal) -> Tri:
    kind, value = entry.kind, entry.value
    if isinstance(kind, Unknown):
        return kind
    if kind == "*" or (kind == "AWS" and value == "*"):
        return True
    if isinstance(value, Unknown) and not isinstance(value, Symbolic):
        return value
    wanted = {"AWS": "aws", "Service": "service", "Federated": "federated", "CanonicalUser": "canonical"}[kind]
    if principal.kind != wanted:
        return False
    if kind == "AWS" and (isinstance(value, Symbolic) or isinstance(principal.id, Symbolic)):
        if isinstance(principal.id, Unknown) and not isinstance(principal.id, Symbolic):
            return principal.id
        return _symbolic_aws_principal(value, principal.id)
    if isinstance(value, Unknown):
        return value
    if isinstance(principal.id, Unknown):
        return principal.id
    if kind == "Service":
        return value.lower() == principal.id.lower()
    if kind != "AWS":
        return value == principal.id
    if _ACCOUNT.match(value):
        value = f"arn:aws:iam::{value}:root"
    root = _ROOT.match(value)
    if root:
        return principal.account == root.group(1)
    session = _session().match(principal.id)
    if session:
        return value in (principal.id, f"arn:{session.group(1)}:iam::{session.group(2)}:role/{session.group(3)}")
    return value == principal.id


def _element(element: Element, match: Any) -> Tri:
    hit = t_or(match(v) for v in element.values)
    return t_not(hit) if element.negated else hit


def _variables(version: object) -> Tri:
    if isinstance(version, Unknown):
        return version
    return version == "2012-10-17"


def evaluate_statement(
    statement: Statement, request: Request, *, resource_based: bool, variables: Tri
) -> tuple[Tri, str | None]:
    """(applies, the first element that did not definitely match)."""
    ctx = request.context
    checks: list[tuple[str, Any]] = []
    if resource_based:
        if statement.principal is None:
            raise PolicyDocumentError(f"Statement[{statement.index}] of a resource-based policy has no Principal")
        checks.append(
            ("Principal", lambda: _element(statement.principal, lambda e: _principal_matches(e, request.principal)))
        )
    elif statement.principal is not None and not all(isinstance(e.kind, Unknown) for e in statement.principal.values):
        # (an opaque, unresolved statement may or may not name a principal: it stays Unknown)
        raise PolicyDocumentError(f"Statement[{statement.index}] of an identity-based policy has a Principal")
    checks.append(("Action", lambda: _element(statement.action, lambda p: action_matches(p, request.action))))
    if statement.resource is not None:
        resource = statement.resource
        checks.append(
            ("Resource", lambda: _element(resource, lambda p: resource_matches(p, request.resource, ctx, variables)))
        )
    for clause in statement.conditions:
        name = f"Condition {_show(getattr(clause.operator, 'name', clause.operator))} {_show(clause.key)}"
        if isinstance(clause.operator, Unknown):
            checks.append((name, lambda c=clause: c.operator))
        else:
            checks.append((name, lambda c=clause: evaluate_condition(c.operator, c.key, c.values, ctx, variables)))
    unknowns: list[tuple[Unknown, str]] = []
    for name, check in checks:
        result = check()
        if result is False:
            return False, name
        if isinstance(result, Unknown):
            unknowns.append((result, name))
    return (joined([u for u, _ in unknowns]), unknowns[0][1]) if unknowns else (True, None)


def effect_is(statement: Statement, effect: str) -> Tri:
    return statement.effect if isinstance(statement.effect, Unknown) else statement.effect == effect


def evaluate(documents: Sequence[Any], request: Request, *, resource_based: bool = True) -> Decision:
    """Evaluate every statement of every document together (explicit deny wins)."""
    results: list[StatementResult] = []
    allow: list[tuple[Tri, StatementResult]] = []
    deny: list[tuple[Tri, StatementResult]] = []
    for d, raw in enumerate(documents):
        doc: Document = normalize(raw)
        variables = _variables(doc.version)
        for st in doc.statements:
            applies, failed = evaluate_statement(st, request, resource_based=resource_based, variables=variables)
            res = StatementResult(StatementRef(d, st.index, st.sid), st, applies, failed)
            results.append(res)
            allow.append((t_and([applies, effect_is(st, "Allow")]), res))
            deny.append((t_and([applies, effect_is(st, "Deny")]), res))
    denied, allowed = t_or(v for v, _ in deny), t_or(v for v, _ in allow)
    what = f"{_show(request.action)} on {_show(request.resource)} by {request.principal}"
    done = tuple(results)
    if denied is True:
        ref = next(r for v, r in deny if v is True).ref
        return Decision(Outcome.EXPLICIT_DENY, False, f"{ref} explicitly denies {what}", ref, results=done)
    if denied is False and allowed is True:
        ref = next(r for v, r in allow if v is True).ref
        return Decision(Outcome.ALLOW, True, f"{ref} allows {what}", ref, results=done)
    if denied is False and allowed is False:
        return Decision(Outcome.IMPLICIT_DENY, False, f"no statement allows {what}{_near_miss(done)}", results=done)
    # Deny candidates first: an undecided Deny is the more important thing to report.
    pending = [
        (v, r, verb) for verb, pairs in (("deny", deny), ("allow", allow)) for v, r in pairs if isinstance(v, Unknown)
    ]
    _, res, verb = pending[0]
    # What the answer waits on: every undecided Deny, and every undecided Allow unless one allows.
    unknown = joined([v for v, _, w in pending if w == "deny" or allowed is not True])
    ok = False if allowed is False else None
    # Reasons often say "depends on ..." themselves: do not say it twice.
    because = unknown.reason if unknown.reason.startswith("depends on ") else f"depends on {unknown.reason}"
    reason = f"{res.ref} may {verb} {what}: {res.failed or 'element'} {because}"
    return Decision(Outcome.UNKNOWN, ok, reason, res.ref, unknown, done)


def _near_miss(results: tuple[StatementResult, ...]) -> str:
    """Point at the Allow statement that came closest, which is usually the one with a typo."""
    order = ["Principal", "Action", "Resource"]
    best: StatementResult | None = None
    for res in results:
        if res.statement.effect != "Allow" or res.failed is None:
            continue
        rank = order.index(res.failed) if res.failed in order else len(order)
        if best is None or rank > (order.index(best.failed) if best.failed in order else len(order)):
            best = res
    if best is None or best.failed == "Principal":
        return ""
    shown = best.statement.resource.values if best.failed == "Resource" and best.statement.resource else ()
    detail = f" (it grants {', '.join(map(_show, shown))})" if shown else ""
    return f"; closest is {best.ref}, whose {best.failed} does not match{detail}"


def allows(documents: Sequence[Any], request: Request, *, resource_based: bool = True) -> Verdict:
    decision = evaluate(documents, request, resource_based=resource_based)
    return Verdict(decision.allowed, decision.reason, decision.statement)
