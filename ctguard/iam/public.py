"""S3 bucket-policy questions: is it public, and does it refuse plain HTTP?

``is_public`` follows "Blocking public access to your Amazon S3 storage", section
'The meaning of "public"' (awsdocs/amazon-s3-userguide@0009290d:
doc_source/access-control-block-public-access.md): a policy is public unless every grant is to
fixed values (no wildcard, no policy variable) of a principal or of one of the listed
condition keys; ``aws:SourceIp`` ranges broader than /8 (IPv4) or /32 (IPv6), RFC 1918 aside,
stay public.

Decisions the page leaves open, all on the conservative (public) side:

* only Allow statements grant, so Deny statements never make a policy non-public;
* a limiting condition must use a plain positive operator (StringEquals, StringEqualsIgnoreCase,
  StringLike or ArnEquals/ArnLike without wildcards, IpAddress): IfExists, negated operators
  and ForAnyValue/ForAllValues do not limit, since an absent key would satisfy them;
* ``NotPrincipal`` with Allow and ``Federated`` principals are public (the page's own example);
* besides the listed keys, ``aws:PrincipalAccount``, ``aws:PrincipalArn`` and
  ``aws:SourceOrgID`` count as fixed principals, like the page's ``aws:PrincipalOrgID``;
* ``aws:userid`` of the form ``<ID>:*`` with a fixed ID is fixed (one role's sessions).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from ctguard.iam.document import Clause, PolicyDocumentError, Statement, normalize
from ctguard.iam.evaluate import Decision, Principal, Request, StatementRef, Verdict, effect_is, evaluate
from ctguard.iam.tri import Tri, t_and, t_not, t_or
from ctguard.symbols import CLASSES, shape_of
from ctguard.values import Symbolic, Unknown, concat, show

if TYPE_CHECKING:
    import ipaddress

_LIMITING_KEYS = {
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid", "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount", "aws:principalorgid", "aws:principalaccount", "aws:principalarn",
    "aws:sourceorgid",
}  # fmt: skip
_FIXED_OPS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _access_points() -> re.Pattern[str]:
    return re.compile(r"^arn:aws[\w-]*:s3:[a-z0-9-]+:\d{12}:accesspoint/\*$")


@cache
def _userid() -> re.Pattern[str]:
    return re.compile(r"^[A-Za-z0-9]+:\*$")


@cache
def _private() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    import ipaddress  # only for a source-IP condition: ~1 ms of every start-up otherwise

    return [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def _wild(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


def _symbolic_wild(value: Symbolic) -> Tri:
    """A deploy-time symbol is one fixed value; only one whose shape admits ``*`` may be a wildcard."""
    if any(isinstance(p, str) and _wild(p) for p in value.parts):
        return True
    loose = [s for s in value.symbols if CLASSES[shape_of(s).chars]("*")]
    return Unknown(f"{loose[0].name} is not a wildcard") if loose else False


def _fixed_value(key: str, value: str | Unknown) -> Tri:
    if isinstance(value, Symbolic):
        return t_not(_symbolic_wild(value))
    if isinstance(value, Unknown):
        return value
    if key == "s3:dataaccesspointarn" and _access_points().match(value):
        return True  # the page allows a wildcard access point name under a fixed account
    if key == "aws:userid" and _userid().match(value):
        return True
    return not _wild(value)


def _narrow_cidr(value: str | Unknown) -> Tri:
    if isinstance(value, Unknown):
        return value
    import ipaddress

    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    if any(net.version == p.version and net.subnet_of(p) for p in _private()):  # type: ignore[arg-type]  # subnet_of runs only on networks of the same version
        return True
    return net.prefixlen >= (8 if net.version == 4 else 32)


def _limits(clause: Clause) -> Tri:
    op, key = clause.operator, clause.key
    if isinstance(op, Unknown):
        return op
    if isinstance(key, Unknown):
        return key
    if op.set_op or op.if_exists or op.negated:
        return False
    key = key.lower()
    if key == "aws:sourceip" and op.base == "ipaddress":
        return t_and(_narrow_cidr(v) for v in clause.values)
    if key in _LIMITING_KEYS and op.base in _FIXED_OPS:
        return t_and(_fixed_value(key, v) for v in clause.values)
    return False


def _open_principal(statement: Statement) -> Tri:
    if statement.principal is None:
        raise PolicyDocumentError(f"Statement[{statement.index}] of a bucket policy has no Principal")
    if statement.principal.negated:
        return True

    def one(entry: Any) -> Tri:
        if isinstance(entry.kind, Unknown):
            return entry.kind
        if entry.kind == "*":
            return True
        if entry.kind == "AWS" and isinstance(entry.value, Symbolic):
            return _symbolic_wild(entry.value)
        if isinstance(entry.value, Unknown):
            return entry.value
        if entry.kind == "AWS":
            return _wild(entry.value)
        return bool(entry.kind == "Federated")

    return t_or(one(e) for e in statement.principal.values)


def statement_is_public(statement: Statement) -> Tri:
    return t_and(
        [
            effect_is(statement, "Allow"),
            _open_principal(statement),
            t_not(t_or(_limits(c) for c in statement.conditions)),
        ]
    )


def is_public(document: Any, account_id: str | None = None) -> Verdict:
    """ok=True: S3 would call this bucket policy public (ok=None: an Unknown could make it so)."""
    if document is None:
        return Verdict(False, "there is no bucket policy, so it grants nothing")
    doc = normalize(document)
    first_unknown: tuple[Unknown, Statement] | None = None
    outsiders: list[str] = []
    for st in doc.statements:
        public = statement_is_public(st)
        ref = StatementRef(0, st.index, st.sid)
        if public is True:
            return Verdict(True, f"{ref} grants to a non-fixed principal without a fixed limiting condition", ref)
        if isinstance(public, Unknown) and first_unknown is None:
            first_unknown = (public, st)
        if account_id and st.effect == "Allow" and st.principal and not st.principal.negated:
            for e in st.principal.values:
                if e.kind == "AWS" and isinstance(e.value, str) and account_id not in e.value and not _wild(e.value):
                    outsiders.append(f"{ref} grants to {e.value}")
    if first_unknown:
        unknown, st = first_unknown
        ref = StatementRef(0, st.index, st.sid)
        what = (
            unknown.reason if not isinstance(unknown, Symbolic) else unknown.reason.removesuffix(" is not a wildcard")
        )
        return Verdict(None, f"{ref} is public unless {what} is a fixed value", ref)
    extra = f"; cross-account grants: {'; '.join(outsiders)}" if outsiders else ""
    return Verdict(
        False, "every Allow statement grants only to fixed principals or under a fixed limiting condition" + extra
    )


def _shown(value: str | Unknown) -> str:
    return show(value)


def denied(decision: Decision) -> Tri:
    """Whether some statement explicitly denies, whatever the Allow statements say."""
    return t_or(t_and([r.applies, effect_is(r.statement, "Deny")]) for r in decision.results)


def denies_insecure_transport(document: Any, bucket_arn: str | Unknown) -> Verdict:
    """ok=True when every plain-HTTP request to the bucket and to its objects is explicitly denied,
    for any caller. Probing objects separately catches TLS statements that list only the
    bucket ARN and forget ``/*`` (or the reverse)."""
    if document is None:
        return Verdict(False, "there is no bucket policy, so nothing denies plain-HTTP requests")
    if isinstance(bucket_arn, str) and not bucket_arn.startswith("arn:"):
        bucket_arn = f"arn:aws:s3:::{bucket_arn}"
    if isinstance(bucket_arn, Symbolic) and not (
        isinstance(bucket_arn.parts[0], str) and bucket_arn.parts[0].startswith("arn:")
    ):
        bucket_arn = concat("arn:aws:s3:::", bucket_arn)
    obj: str | Unknown = concat(bucket_arn, "/ctguard-probe/object")
    probes = [("s3:GetObject", obj), ("s3:PutObject", obj), ("s3:DeleteObject", obj), ("s3:ListBucket", bucket_arn)]
    callers = [Principal.anonymous(), Principal.aws("arn:aws:iam::999999999999:user/ctguard-probe")]
    first: StatementRef | None = None
    unknown: str | None = None
    for caller in callers:
        for action, resource in probes:
            decision = evaluate([document], Request(caller, action, resource, {"aws:SecureTransport": False}))
            verdict = denied(decision)
            if verdict is False:
                return Verdict(False, f"{action} on {_shown(resource)} over plain HTTP by {caller} is not denied", None)
            if isinstance(verdict, Unknown):
                unknown = unknown or f"{action} on {_shown(resource)}: {verdict.reason}"
            elif first is None:
                first = decision.statement
    if unknown:
        return Verdict(None, f"plain-HTTP denial is not certain for {unknown}", first)
    return Verdict(True, f"{first} denies every plain-HTTP request to the bucket and its objects", first)
