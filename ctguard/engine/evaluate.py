"""Run policies over parsed inputs and turn the results into findings.

Each policy runs once per model variant (CloudFormation ``Fn::If`` gives several); results
for the same trail are then merged: a FAIL in any variant is a FAIL that names the conditions
under which it happens.  A policy that raises becomes an ERROR finding, never a crash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ctguard.engine import conditions
from ctguard.engine.partial import judge, unread_part
from ctguard.engine.policy import Policy
from ctguard.engine.shape import Note, conform
from ctguard.findings import Finding, Severity, Status
from ctguard.inputs import InputProblem, ParsedInput
from ctguard.location import Owner, Path, SourceMap, Span
from ctguard.logs import logger
from ctguard.model import EventDataStore, Model, Trail
from ctguard.symbols import settled_options
from ctguard.values import Absent, Known, Unknown

_QUIET_VIA = {None, "AWS default", "provider default"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Knobs policies read (retention targets and the like); set from config or the CLI."""

    retention_days: int = 365
    strict: bool = False
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a Python check yields for one trail or resource."""

    status: Status
    path: Path = ()
    message: str | None = None
    owner: Owner | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    unknown: Unknown | None = None  # UNKNOWN: the value it waits on, so the summary can tell what settles it


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a policy implementation sees of the input it checks."""

    policy: Policy
    model: Model
    settings: Settings
    trail: Trail | None = None

    def lookup(self, dotted: str, root: Any = None) -> Any:
        from ctguard.engine.paths import lookup

        return lookup(root if root is not None else self.trail, self.model, dotted)


@dataclass(slots=True)
class _Result:
    """One policy's outcome on one resource."""

    status: Status
    owner: Owner
    path: Path
    message: str
    name: str | None
    settled: tuple[str, ...] = ()  # UNKNOWN only: the options (--account, --region) that alone decide it


def evaluate_input(parsed: ParsedInput, policies: Iterable[Policy], settings: Settings) -> list[Finding]:
    policies = list(policies)
    by_id = {p.id: p for p in policies}
    findings = [_problem_finding(parsed, p, by_id) for p in _capped(parsed.problems)]
    source_map = parsed.source_map or SourceMap(parsed.path)
    notes: list[Note] = []
    variants = [conform(m, notes) for m in parsed.variants]  # misfit values become Unknown, once, here
    findings += _oversize_findings(parsed, notes, source_map, by_id)
    # Part of the input was not read: what was read is checked, nothing the rest could change passes
    # (engine/partial.py); the CT001 error says why and fails the run.
    part = unread_part(parsed)
    for policy in policies:
        if policy.scope in ("input", "drift"):
            continue
        merged: dict[Owner, list[tuple[Model, _Result]]] = defaultdict(list)
        for model in variants:
            for result in _run(policy, model, settings, parsed.path):
                merged[result.owner].append((model, result))
        for owner, results in merged.items():
            finding = _merge(policy, owner, results, len(variants), parsed, source_map, settings)
            findings.append(judge(policy, finding, part) if part else finding)
    if settings.strict:
        findings = [_strict(f) for f in findings]
    return findings


def _run(policy: Policy, model: Model, settings: Settings, input_path: str) -> Iterable[_Result]:
    if policy.scope == "trail":
        for trail in model.trails:
            if _seen_from_member(trail, model):
                continue
            yield _guarded(policy, model, settings, trail, ("trail", trail.key), _display(trail))
    if policy.scope == "event_data_store" or (policy.scope == "trail" and policy.params.get("event_data_stores")):
        # A store stands where the trail would: selector lints read its advanced selectors alike.
        for store in model.all("event_data_store"):
            yield _guarded(policy, model, settings, store, ("event_data_store", store.key), _display(store))
    elif policy.scope == "account":
        result = _guarded(policy, model, settings, None, ("account", input_path), None)
        yield _own_account(_listed(policy, model, result), model, input_path)


def _listed(policy: Policy, model: Model, result: _Result) -> _Result:
    """An account-wide result that would pass (or not apply) on a partial trail listing is UNKNOWN.

    What was not listed may hold the trail that breaks it (or makes it apply); only a FAIL found in
    what was read stands."""
    listing = model.trail_listing
    if not isinstance(listing, Unknown) or result.status in (Status.FAIL, Status.ERROR):
        return result
    if result.status is Status.UNKNOWN:  # its own reason stands; the failed listing is named too
        if listing.reason in result.message:
            return result
        return _Result(result.status, result.owner, result.path, f"{result.message} ({listing.reason})", result.name)
    return _Result(
        Status.UNKNOWN, result.owner, result.path, f"Cannot tell ({policy.title}): {listing.reason}", result.name
    )


def _own_account(result: _Result, model: Model, input_path: str) -> _Result:
    """Account findings of a live input (one snapshot holds several accounts) are the account's.

    A finding about another account's resource (a member pointing at the organization trail or
    its log group) and one with no resource of its own are re-owned to the audited account, so
    that each account's finding has a fingerprint of its own."""
    account = model.account_id
    if isinstance(model.audited_regions, Absent) or not (isinstance(account, Known) and account.value):
        return result
    parts = result.owner[1].split(":") if isinstance(result.owner[1], str) else []
    foreign = len(parts) > 5 and parts[0] == "arn" and parts[4] and parts[4] != account.value
    if foreign or result.owner == ("account", input_path):
        return _Result(result.status, ("account", str(account.value)), (), result.message, result.name, result.settled)
    return result


def _seen_from_member(trail: Trail, model: Model) -> bool:
    """An organization trail of another account (a member's view of the management account's trail).

    Its trail findings belong to the account that owns it, which reports them once; account-scope
    policies still count it for the member's coverage."""
    owner, account = trail.account_id, model.account_id
    return (
        isinstance(trail.is_organization, Known)
        and trail.is_organization.value is True
        and isinstance(owner, Known)
        and isinstance(account, Known)
        and bool(owner.value)
        and bool(account.value)
        and owner.value != account.value
    )


def _guarded(
    policy: Policy, model: Model, settings: Settings, trail: Trail | None, owner: Owner, name: str | None
) -> _Result:
    try:
        return _check(policy, model, settings, trail, owner, name)
    except Exception as exc:  # a policy bug must not stop the other policies or inputs
        logger(__name__).debug("policy %s raised", policy.id, exc_info=True)
        return _Result(Status.ERROR, owner, (), f"policy {policy.id} raised {type(exc).__name__}: {exc}", name)


def _check(
    policy: Policy, model: Model, settings: Settings, trail: Trail | None, owner: Owner, name: str | None
) -> _Result:
    root = trail
    if policy.when is not None:
        applies = conditions.evaluate(policy.when, root, model)
        if applies.value is False:
            return _Result(Status.NOT_APPLICABLE, owner, (), _not_applicable_text(policy, name), name)
        if applies.value is None:
            return _Result(
                Status.UNKNOWN,
                applies.owner or owner,
                applies.path,
                _unknown_text(policy, name, applies.reason),
                name,
                settled_options(applies.shown),
            )
    if policy.check is not None:
        truth = conditions.evaluate(policy.check, root, model)
        where = truth.owner or owner
        path = truth.path or _location(policy)
        if truth.value is None:
            return _Result(
                Status.UNKNOWN,
                where,
                path,
                _unknown_text(policy, name, truth.reason),
                name,
                settled_options(truth.shown),
            )
        status = Status.PASS if truth.value else Status.FAIL
        return _Result(status, where, path, _text(policy, status.value.lower(), name, truth), name)
    func = policy.resolve_impl()
    outcome = func(CheckContext(policy, model, settings, trail))
    if not isinstance(outcome, Outcome):
        raise TypeError(f"{policy.impl} returned {type(outcome).__name__}, expected Outcome")
    message = outcome.message or _format(
        policy.message.get(outcome.status.value.lower()) or policy.message["fail"],
        {
            "trail": name or "",
            "store": name or "",
            "kind": _kind_word(owner),
            "kind_lower": _kind_word(owner).lower(),
            **outcome.values,
        },
    )
    settled = settled_options(outcome.unknown) if outcome.status is Status.UNKNOWN else ()
    return _Result(outcome.status, outcome.owner or owner, outcome.path or _location(policy), message, name, settled)


def _merge(
    policy: Policy,
    owner: Owner,
    results: list[tuple[Model, _Result]],
    variant_count: int,
    parsed: ParsedInput,
    source_map: SourceMap,
    settings: Settings | None = None,
) -> Finding:
    order = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
    worst = min((r for _, r in results), key=lambda r: order.index(r.status))
    cond_text = None
    if variant_count > 1:
        hit = [m.conditions for m, r in results if r.status == worst.status]
        if len(hit) < variant_count:
            from ctguard.engine import condition_text  # only inputs with condition variants: issue 21

            cond_text = condition_text.simplified(hit, [m.conditions for m, _ in results])
    message = worst.message + (f" (when {cond_text})" if cond_text else "")
    # Settled by --account/--region only when every variant's UNKNOWN is.
    undecided = [r.settled for _, r in results if r.status is Status.UNKNOWN]
    settled = tuple(sorted(set().union(*undecided))) if worst.status is Status.UNKNOWN and all(undecided) else ()
    span: Span = source_map.span(worst.owner, worst.path)
    return Finding(
        rule_id=policy.id,
        status=worst.status,
        severity=policy.severity,
        message=message,
        file=span.file,
        line=span.line,
        column=span.column,
        resource=owner[1],
        resource_name=worst.name,
        resource_kind=owner[0],
        model_path=worst.path,
        source_kind=parsed.kind,
        conditions=cond_text,
        remediation=remediation_for(policy, parsed.kind, settings) if worst.status is Status.FAIL else None,
        settled_by=settled,
    )


# Which docs.fix entry speaks the input's language; live inputs are fixed with the CLI.
_FIX_LANGUAGE = {"cloudformation": "cloudformation", "terraform": "terraform", "terraform-plan": "terraform"}


def remediation_for(policy: Policy, input_kind: str, settings: Settings | None = None) -> str | None:
    """The fix in the input's language, with the run's targets filled in ({retention_days})."""
    fix = (policy.docs or {}).get("fix") or {}
    text = fix.get(_FIX_LANGUAGE.get(input_kind, "cli")) or fix.get("cli")
    if not text:
        return None
    from ctguard.fix_text import fill

    return fill(str(text).strip(), (settings or Settings()).retention_days)


def _problem_finding(parsed: ParsedInput, problem: InputProblem, by_id: dict[str, Policy]) -> Finding:
    policy = by_id.get(problem.rule_id)
    status = Status.ERROR if problem.fatal else Status.FAIL
    return Finding(
        rule_id=problem.rule_id,
        status=status,
        severity=policy.severity if policy else Severity.HIGH,
        message=problem.message,
        file=problem.span.file,
        line=problem.span.line,
        column=problem.span.column,
        resource=problem.owner[1] if problem.owner else None,
        resource_kind=problem.owner[0] if problem.owner else "input",
        model_path=problem.path,
        source_kind=parsed.kind,
    )


# Problems reported per rule and input: a generated 1 MB template with 20,000 wrong-typed tags
# made a 5 MB report of the same CT002; past the cap one finding says how many more there are.
MAX_PROBLEMS_PER_RULE = 50


def _capped(problems: list[InputProblem]) -> list[InputProblem]:
    kept: list[InputProblem] = []
    extra: dict[str, list[InputProblem]] = {}
    seen: dict[str, int] = defaultdict(int)
    for problem in problems:
        seen[problem.rule_id] += 1
        if problem.fatal or seen[problem.rule_id] <= MAX_PROBLEMS_PER_RULE:
            kept.append(problem)
        else:
            extra.setdefault(problem.rule_id, []).append(problem)
    for rule_id, rest in extra.items():
        first = rest[0]
        kept.append(
            InputProblem(
                rule_id,
                f"{len(rest):,} more {rule_id} problems in this input are not listed "
                f"(the first is at line {first.span.line}): fix the ones above and check again",
                first.span,
                first.owner,
                first.path,
            )
        )
    return kept


def _oversize_findings(
    parsed: ParsedInput, notes: list[Note], source_map: SourceMap, by_id: dict[str, Policy]
) -> list[Finding]:
    """One CT002 per value over a size limit (each variant finds the same ones again)."""
    out: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    for note in notes:
        if (note.owner, note.path) in seen:
            continue
        seen.add((note.owner, note.path))
        span = source_map.span(note.owner, note.path)
        problem = InputProblem("CT002", note.message, span, note.owner, note.path)
        out.append(_problem_finding(parsed, problem, by_id))
    return out


def _strict(finding: Finding) -> Finding:
    if finding.status is not Status.UNKNOWN:
        return finding
    from dataclasses import replace

    return replace(finding, status=Status.FAIL, message=f"cannot be verified (--strict): {finding.message}")


def _location(policy: Policy) -> Path:
    return tuple(policy.location.split(".")) if policy.location else ()


def _kind_word(owner: Owner) -> str:
    """``{kind}`` in messages shared by trails and event data stores."""
    return "Event data store" if owner[0] == "event_data_store" else "Trail"


def _display(trail: Trail | EventDataStore) -> str:
    """The trail's name as users know it; a name CloudFormation would generate is shown as the logical id."""
    name = trail.name
    if isinstance(name, Known) and name.value and "generated" not in (name.via or ""):
        return format(name.value)  # format, not str: a NoEcho/sensitive name shows as ***
    return trail.key


def _text(policy: Policy, which: str, name: str | None, truth: conditions.Truth, default: str = "") -> str:
    template = policy.message.get(which) or (policy.message["fail"] if which == "fail" else default or policy.title)
    text = _format(template, {"trail": name or "", "store": name or "", "value": _show(truth.shown)})
    if truth.via not in _QUIET_VIA:
        text += f" (value from {truth.via})"
    return text


def _not_applicable_text(policy: Policy, name: str | None) -> str:
    template = policy.message.get("not_applicable") or "{id} does not apply to {subject}"
    return _format(
        template, {"trail": name or "", "id": policy.id, "subject": f"trail {name}" if name else "this input"}
    )


def _unknown_text(policy: Policy, name: str | None, reason: str | None) -> str:
    template = policy.message.get("unknown") or "Cannot tell whether {title_lower}: {reason}"
    return _format(
        template,
        {
            "trail": name or "",
            "store": name or "",
            "reason": reason or "unknown value",
            "title_lower": lower_first(policy.title),
        },
    )


def lower_first(title: str) -> str:
    """ "Trail records ..." -> "trail records ...", but "CloudTrail ...", "IAM ...", "S3 ..." stay."""
    word = title.split(" ", 1)[0]
    if any(c.isupper() or c.isdigit() for c in word[1:]):
        return title
    return title[:1].lower() + title[1:]


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "not set"
    return format(value)  # format, not str: a sensitive value shows as ***


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(template: str, values: Mapping[str, Any]) -> str:
    try:
        return template.format_map(_Defaulting(values))
    except (ValueError, IndexError):
        return template
