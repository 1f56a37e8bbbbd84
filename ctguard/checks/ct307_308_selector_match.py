"""Selector lints about what a selector matches (CT307, CT308): selectors that can never match, and
exact-match operators used on S3 bucket prefixes.

Conditions inside a selector are AND'd; on one field, DESELECT values (NotEquals, NotStartsWith,
NotEndsWith) exclude and SELECT values (Equals, StartsWith, EndsWith) include (selector-semantics
R21, R22).  A SELECT value that some DESELECT value always excludes selects nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from ctguard.checks.selector_lint_walk import (
    BASIC,
    S3_OBJECT,
    Lint,
    advanced,
    basic,
    fs_path,
    known_value,
    label,
    op_name,
    quoted,
    resource_types,
    s3_object_arn_values,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.model import AdvancedEventSelector, EventSelector, FieldSelector
from ctguard.simulate.catalogue import BASIC_TYPES
from ctguard.values import Absent, Known, Unknown

_SELECT = ("equals", "starts_with", "ends_with")


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _arn_service() -> re.Pattern[str]:
    return re.compile(r"^arn:[a-z-]+:([a-z0-9-]+):")


@cache
def _bucket_level() -> re.Pattern[str]:
    return re.compile(r"^arn:[a-z-]+:s3:::[^/]+/?$")


def _excluded(op: str, v: str, ne: set[str], nsw: list[str], new: list[str]) -> str | None:
    """Why every value this SELECT value lets through is excluded again, or None."""
    for p in nsw:
        if v.startswith(p) and op in ("equals", "starts_with"):
            return f"NotStartsWith {p!r}"
    if op == "equals":
        if v in ne:
            return f"NotEquals {v!r}"
        for s in new:
            if v.endswith(s):
                return f"NotEndsWith {s!r}"
    if op == "ends_with":
        for s in new:
            if v.endswith(s):
                return f"NotEndsWith {s!r}"
    return None


def ct307_never_match(ctx: CheckContext) -> Outcome:
    """CT307: selectors whose conditions contradict each other, or that select nothing."""
    assert ctx.trail is not None
    lint = Lint()
    sel: AdvancedEventSelector | EventSelector  # the basic loop and the advanced one share the name
    for i, sel in advanced(ctx.trail, lint):
        _contradictions(lint, i, sel)
        _foreign_arns(lint, i, sel)
    for i, sel in basic(ctx.trail, lint):
        mgmt = known_value(sel.include_management_events)
        drs = sel.data_resources
        no_data = isinstance(drs, Absent) or (isinstance(drs, Known) and not drs.value)
        if mgmt is False and no_data:
            lint.add(
                (BASIC, i, "include_management_events"),
                f"EventSelectors[{i}] has IncludeManagementEvents false and no DataResources: it records nothing",
            )
        elif isinstance(mgmt, Unknown) and no_data:
            lint.maybe(
                (BASIC, i, "include_management_events"), f"EventSelectors[{i}].IncludeManagementEvents: {mgmt.reason}"
            )
    return lint.outcome()


def _contradictions(lint: Lint, i: int, sel: AdvancedEventSelector) -> None:
    by_field: dict[str, list[tuple[int, FieldSelector]]] = defaultdict(list)
    for j, fs in enumerate(sel.field_selectors):
        if isinstance(fs.field, str):
            by_field[fs.field].append((j, fs))
    for name, group in by_field.items():
        ne = {v for _, fs in group for v in fs.not_equals if isinstance(v, str)}
        nsw = [v for _, fs in group for v in fs.not_starts_with if isinstance(v, str)]
        new = [v for _, fs in group for v in fs.not_ends_with if isinstance(v, str)]
        has_deselect = bool(ne or nsw or new) or any(
            isinstance(v, Unknown)
            for _, fs in group
            for op in ("not_equals", "not_starts_with", "not_ends_with")
            for v in getattr(fs, op)
        )
        for j, fs in group:
            selects = [(op, v) for op in _SELECT for v in getattr(fs, op)]
            if not selects or not has_deselect:
                continue
            if any(isinstance(v, Unknown) for _, v in selects):
                lint.maybe(fs_path(i, j), f"{label(i, sel)}: a value of {name} is unknown")
                continue
            reasons = [_excluded(op, v, ne, nsw, new) for op, v in selects]
            if all(reasons):
                first_op = selects[0][0]
                lint.add(
                    fs_path(i, j, first_op),
                    f"{label(i, sel)} can never match: every {name} value it selects "
                    f"({quoted(v for _, v in selects)}) is excluded again ({reasons[0]})",
                )
        equal_sets = [(j, fs) for j, fs in group if fs.equals and not fs.starts_with and not fs.ends_with]
        if len(equal_sets) >= 2 and name not in ("resources.type", "resources.ARN"):
            if any(isinstance(v, Unknown) for _, fs in equal_sets for v in fs.equals):
                lint.maybe(fs_path(i, equal_sets[1][0], "equals"), f"{label(i, sel)}: a value of {name} is unknown")
                continue
            common = set(equal_sets[0][1].equals)
            for _, fs in equal_sets[1:]:
                common &= set(fs.equals)
            if not common:
                j = equal_sets[1][0]
                lint.add(
                    fs_path(i, j, "equals"),
                    f"{label(i, sel)} can never match: two {name} conditions must both hold and share no value "
                    f"({quoted(equal_sets[0][1].equals)} and {quoted(equal_sets[1][1].equals)})",
                )


def _foreign_arns(lint: Lint, i: int, sel: AdvancedEventSelector) -> None:
    """resources.ARN is compared with the selector's resources.type only (R26): other services' ARNs never match."""
    types, unknown_type = resource_types(sel)
    services = {BASIC_TYPES[t] for t in types if t in BASIC_TYPES}
    if unknown_type or len(services) != 1 or len(types) != 1:
        return
    (service,) = services
    for j, fs in enumerate(sel.field_selectors):
        if fs.field != "resources.ARN":
            continue
        selects = [(op, v) for op in _SELECT for v in getattr(fs, op)]
        if not selects or any(isinstance(v, Unknown) for _, v in selects):
            continue
        foreign = [v for _, v in selects if (m := _arn_service().match(v)) and m[1] != service]
        if len(foreign) == len(selects):
            (t,) = types
            lint.add(
                fs_path(i, j, selects[0][0]),
                f"{label(i, sel)} can never match: resources.ARN selects {quoted(foreign)}, which are not "
                f"{t} ARNs (arn:...:{service}:...), and the ARN is compared with {t} resources only",
            )


def ct308_bucket_exact_match(ctx: CheckContext) -> Outcome:
    """CT308: Equals / NotEquals on an S3 bucket ARN or prefix, which no object ARN ever equals."""
    assert ctx.trail is not None
    lint = Lint()
    for i, sel, j, op, v, types in s3_object_arn_values(ctx.trail, lint, ("not_equals", "equals")):
        if isinstance(v, Unknown):
            lint.maybe(fs_path(i, j, op), f"{label(i, sel)}: resources.ARN {op_name(op)} value unknown: {v.reason}", v)
        elif S3_OBJECT in types and (_bucket_level().match(v) or v.endswith("/")):
            lint.add(fs_path(i, j, op), _exact_text(label(i, sel), op, v))
    return lint.outcome()


def _exact_text(where: str, op: str, v: str) -> str:
    what = "bucket ARN" if "/" not in v else "prefix"
    named = "" if _bucket_level().match(v) else f" (only an object named exactly {v.split('/', 1)[1]!r})"
    prefix = v if v.endswith("/") else v + "/"
    if op == "not_equals":
        return (
            f"{where}: resources.ARN NotEquals {v!r} excludes nothing{named}: NotEquals compares the whole "
            f"object ARN, which never equals a {what}; use NotStartsWith {prefix!r}"
        )
    return (
        f"{where}: resources.ARN Equals {v!r} matches nothing{named}: Equals compares the whole object ARN, "
        f"which never equals a {what}; use StartsWith {prefix!r}"
    )


__all__ = ["ct307_never_match", "ct308_bucket_exact_match"]
