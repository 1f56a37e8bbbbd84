"""Compare the code's inputs with the account's and return CT9xx findings.

Each finding points at the code (file:line of the resource or of the property that differs) and
names the account side as ``aws://<account>/<region>/<name>`` with the snapshot line it was read
from; a resource only the account has points at its aws:// location.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ctguard.drift.fields import FieldDiff, compare_fields
from ctguard.drift.match import Pairing, pair
from ctguard.drift.selectors import compare_selectors
from ctguard.drift.sides import Resource, Side, collect, is_foreign
from ctguard.engine.evaluate import remediation_for
from ctguard.engine.policy import Policy
from ctguard.findings import Finding, Severity, Status
from ctguard.inputs import ParsedInput
from ctguard.location import Path
from ctguard.values import Known

MISSING, EXTRA, SELECTORS = "CT901", "CT902", "CT906"
FIELD_RULES = ("CT903", "CT904", "CT905")


@dataclass(frozen=True, slots=True)
class Result:
    findings: list[Finding]
    by_input: dict[str, list[Finding]]  # input path -> its findings (inline skips of the code apply there)


def compare(
    code_inputs: Iterable[ParsedInput], account_inputs: Iterable[ParsedInput], policies: Iterable[Policy]
) -> Result:
    by_id = {p.id: p for p in policies}
    code, account = collect(code_inputs), collect(account_inputs)
    pairings, unclaimed = pair(code.resources, account.resources)
    by_input: dict[str, list[Finding]] = defaultdict(list)
    for p in pairings:
        by_input[p.code.parsed.path].extend(_pairing(p, account, by_id))
    unsure_kinds = {p.code.kind for p in pairings if p.unknown}
    for a in unclaimed:
        if is_foreign(a):
            continue  # another account's organization trail: that account's code defines it
        by_input[a.parsed.path].append(_extra(a, a.kind in unsure_kinds, by_id))
    return Result([f for fs in by_input.values() for f in fs], dict(by_input))


def _finding(
    rule: str,
    status: Status,
    message: str,
    res: Resource,
    path: Path,
    by_id: dict[str, Policy],
    *,
    file: str | None = None,
) -> Finding:
    policy = by_id.get(rule)
    span = res.span(path)
    return Finding(
        rule_id=rule,
        status=status,
        severity=policy.severity if policy else Severity.MEDIUM,
        message=message,
        file=file or span.file,
        line=1 if file else span.line,
        column=1 if file else span.column,
        resource=res.key,
        resource_name=res.known_name(),
        resource_kind=res.kind,
        model_path=path,
        source_kind=res.parsed.kind,
        remediation=remediation_for(policy, res.parsed.kind) if policy and status is Status.FAIL else None,
    )


def _there(a: Resource) -> str:
    return f"{a.aws_location()}, read from {a.where()}"


def _pairing(p: Pairing, account: Side, by_id: dict[str, Policy]) -> list[Finding]:
    c = p.code
    title = c.label()[0].upper() + c.label()[1:]
    if p.unknown:
        return [
            _finding(
                MISSING,
                Status.UNKNOWN,
                f"Cannot tell whether {c.label()} of the code exists in the account: {p.unknown}",
                c,
                (),
                by_id,
            )
        ]
    a = p.account
    if a is None:
        if c.kind == "event_data_store" and account.unread_stores:
            return [
                _finding(
                    MISSING,
                    Status.UNKNOWN,
                    f"Cannot tell whether {c.label()} of the code exists in the "
                    f"account: its event data stores were not listed "
                    f"({account.unread_stores[0]})",
                    c,
                    (),
                    by_id,
                )
            ]
        region = c.region()
        if region and account.audited_regions is not None and region not in account.audited_regions:
            return [
                _finding(
                    MISSING,
                    Status.UNKNOWN,
                    f"Cannot tell whether {c.label()} of the code exists in the "
                    f"account: the snapshot did not read {region} (it read "
                    f"{', '.join(sorted(account.audited_regions)) or 'no region'})",
                    c,
                    (),
                    by_id,
                )
            ]
        if c.only_when:
            return [
                _finding(
                    MISSING,
                    Status.UNKNOWN,
                    f"Cannot tell whether {c.label()} should be in the account: the "
                    f"code creates it only when {c.only_when}, decided at deploy "
                    "time; it is not in the account",
                    c,
                    (),
                    by_id,
                )
            ]
        word = "trail" if c.kind == "trail" else "event data store"
        where = f" in {region}" if region else ""
        return [
            _finding(
                MISSING,
                Status.FAIL,
                f"{title} is in the code but not in the account (no {word} named {c.known_name()}{where})",
                c,
                (),
                by_id,
            )
        ]
    out = [_finding(MISSING, Status.PASS, f"{title} is in the account at {_there(a)}{p.how}", c, (), by_id)]
    diffs = compare_fields(c, a)
    for rule in FIELD_RULES:
        mine = [d for d in diffs if d.rule == rule]
        bad = [d for d in mine if d.status is not Status.PASS]
        for d in bad:
            out.append(_finding(rule, d.status, _field_text(title, d, a), c, (d.field,), by_id))
        if mine and not bad:
            names = ", ".join(d.label for d in mine)
            verb = "matches" if len(mine) == 1 else "match"
            out.append(
                _finding(rule, Status.PASS, f"{title}: {names} {verb} the account ({a.aws_location()})", c, (), by_id)
            )
    sel = compare_selectors(c, a)
    what = "trail" if c.kind == "trail" else "store"
    path = _selector_path(c)
    if sel.status is Status.FAIL:
        text = f"{title}: {sel.text(what)} (account: {_there(a)}; {sel.classes} event classes compared)"
    elif sel.status is Status.UNKNOWN:
        label, why = sel.unknown[0]
        text = (
            f"Cannot tell whether the selectors of {c.label()} record what the account's do: "
            f"{len(sel.unknown)} event class(es) undecided, e.g. {label}: {why}"
        )
    else:
        text = f"{title}: the code's and the account's selectors record the same {sel.classes} event classes"
    out.append(_finding(SELECTORS, sel.status, text, c, path, by_id))
    return out


def _selector_path(c: Resource) -> Path:
    for name in ("advanced_event_selectors", "event_selectors"):
        v = getattr(c.obj, name, None)
        if isinstance(v, Known) and v.value:
            return (name,)
    return ()


def _field_text(title: str, d: FieldDiff, a: Resource) -> str:
    if d.status is Status.UNKNOWN:
        return f"{title}: cannot compare {d.label} with the account ({a.aws_location()}): {d.reason}"
    return f"{title}: {d.label} is {d.account} in the account ({_there(a)}) but {d.code} in the code"


def _extra(a: Resource, maybe: bool, by_id: dict[str, Policy]) -> Finding:
    if maybe:
        return _finding(
            EXTRA,
            Status.UNKNOWN,
            f"Cannot tell whether {a.label()} of the account ({_there(a)}) is in "
            "the code: a resource of the code has a name that is not known",
            a,
            (),
            by_id,
            file=a.aws_location(),
        )
    return _finding(
        EXTRA,
        Status.FAIL,
        f"{a.label()[0].upper()}{a.label()[1:]} is in the account ({_there(a)}) but not in the code",
        a,
        (),
        by_id,
        file=a.aws_location(),
    )


__all__ = ["Result", "compare"]
