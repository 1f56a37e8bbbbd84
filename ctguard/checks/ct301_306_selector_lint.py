"""Selector lints that read values (CT301-CT306): fields, operators and values AWS rejects or treats
differently from how they read, and the trail limits.

The per-category tables (which fields and operators trails accept) are the simulator's
(``ctguard.simulate.fields``, selector-semantics R23/R24), so the linter and the simulator
never disagree about what a trail can hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

from ctguard.checks.selector_lint_walk import (
    ADV,
    BASIC,
    S3_OBJECT,
    Lint,
    advanced,
    basic,
    data_resources,
    fs_path,
    known_resource_types,
    known_value,
    label,
    op_name,
    op_values,
    s3_object_arn_values,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.model import AdvancedEventSelector, EventDataStore, EventSelector, FieldSelector
from ctguard.simulate.catalogue import BASIC_TYPES, all_resources_values
from ctguard.simulate.fields import ALLOWED_OPS, CATEGORY_OPS, REQUIRED_FIELDS, VALID_FIELDS
from ctguard.values import Unknown

EDS_ONLY_CATEGORIES = frozenset({"Insight", "ConfigurationItem", "Evidence", "ActivityAuditLog"})
# Fields event data stores accept for management events but trails do not (R24).
EDS_ONLY_FIELDS = frozenset({"eventName", "eventType", "sessionCredentialFromConsole", "userIdentity.arn"})
ALL_FIELDS = frozenset().union(*VALID_FIELDS.values()) | EDS_ONLY_FIELDS
EXCLUDABLE_SOURCES = frozenset({"kms.amazonaws.com", "rdsdata.amazonaws.com"})
READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")
BUCKET_ARN = re.compile(r"^arn:[a-z-]+:s3:::[^/]+$")
_REGEX = re.compile(r"^\^|\$$|\.\*|\.\+|\\[dws.]|\[\^?[a-z0-9]+-?[a-z0-9]*\]|\(\?|\|")
LIMIT_BASIC_SELECTORS = 5
LIMIT_DATA_RESOURCES = 250
LIMIT_ADVANCED_VALUES = 500
LIMIT_STORE_SELECTORS = 5  # CreateEventDataStore: "up to five advanced event selectors"


def _did_you_mean(value: str, choices: frozenset[str] | tuple[str, ...]) -> str:
    import difflib  # only when a value is wrong: importing it costs ~1.5 ms of every run

    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


# --- CT301 ----------------------------------------------------------------------------------


def ct301_advanced_fields(ctx: CheckContext) -> Outcome:
    """CT301: fields, operators and values that advanced selectors on trails do not accept."""
    assert ctx.trail is not None
    lint = Lint()
    store = isinstance(ctx.trail, EventDataStore)
    for i, sel in advanced(ctx.trail, lint):
        _check_advanced(lint, i, sel, store)
    return lint.outcome()


def _check_advanced(lint: Lint, i: int, sel: AdvancedEventSelector, store: bool = False) -> None:
    where = label(i, sel)
    fss = sel.field_selectors
    if not fss:
        lint.add((ADV, i), f"{where} has no field selectors (at least one is required)")
        return
    categories: list[str] = []
    unknown_field = False
    for j, fs in enumerate(fss):
        if isinstance(fs.field, Unknown):
            unknown_field = True
            lint.maybe(fs_path(i, j, "field"), f"{where}: field name unknown: {fs.field.reason}", fs.field)
            continue
        if not fs.operators():
            lint.add(fs_path(i, j, "field"), f"{where}: {fs.field} has no operator and value")
        for op, v in op_values(fs):
            if isinstance(v, str) and not v:
                lint.add(fs_path(i, j, op), f"{where}: {fs.field} {op_name(op)} has an empty value")
        if fs.field != "eventCategory":
            continue
        for op in fs.operators():
            if op != "equals":
                lint.add(fs_path(i, j, op), f"{where}: eventCategory accepts only Equals, not {op_name(op)}")
        for v in fs.equals:
            if isinstance(v, Unknown):
                lint.maybe(fs_path(i, j, "equals"), f"{where}: eventCategory unknown: {v.reason}", v)
            elif v in VALID_FIELDS:
                categories.append(v)
            elif v in EDS_ONLY_CATEGORIES and store:
                _check_store_only_category(lint, i, sel, where, v)
                return
            elif v in EDS_ONLY_CATEGORIES:
                lint.add(fs_path(i, j, "equals"), f"{where}: eventCategory {v} is for event data stores, not trails")
            elif v:
                lint.add(
                    fs_path(i, j, "equals"),
                    f"{where}: eventCategory {v!r} is not a category" + _did_you_mean(v, tuple(VALID_FIELDS)),
                )
    if not categories and not unknown_field and not any(fs.field == "eventCategory" for fs in fss):
        lint.add((ADV, i, "field_selectors"), f"{where} has no eventCategory field (required)")
    for category in dict.fromkeys(categories):
        _check_category(lint, i, sel, where, category, unknown_field, store)


def _check_store_only_category(lint: Lint, i: int, sel: AdvancedEventSelector, where: str, category: str) -> None:
    """Insight, ConfigurationItem, Evidence and ActivityAuditLog selectors take eventCategory alone (R24)."""
    for j, fs in enumerate(sel.field_selectors):
        if isinstance(fs.field, str) and fs.field != "eventCategory":
            lint.add(
                fs_path(i, j, "field"),
                f"{where}: {category} selectors take only the eventCategory field, not {fs.field}",
            )


def _check_category(
    lint: Lint, i: int, sel: AdvancedEventSelector, where: str, category: str, unknown_field: bool, store: bool = False
) -> None:
    valid = VALID_FIELDS[category] | (EDS_ONLY_FIELDS if store and category == "Management" else frozenset())
    present: set[str] = set()
    types_seen = 0
    for j, fs in enumerate(sel.field_selectors):
        name = fs.field
        if isinstance(name, Unknown):
            continue
        present.add(name)
        if name not in ALL_FIELDS:
            lint.add(
                fs_path(i, j, "field"), f"{where}: {name!r} is not a selector field" + _did_you_mean(name, ALL_FIELDS)
            )
            continue
        if name not in valid:
            extra = " (event data stores only)" if category == "Management" and name in EDS_ONLY_FIELDS else ""
            on = "event data stores" if store else "trails"
            lint.add(fs_path(i, j, "field"), f"{where}: {name} is not valid in {category} selectors on {on}{extra}")
            continue
        allowed = CATEGORY_OPS.get((category, name)) or ALLOWED_OPS.get(name)
        if allowed is not None and name != "eventCategory":
            for op in fs.operators():
                if op not in allowed:
                    ok = " or ".join(op_name(a) for a in sorted(allowed))
                    lint.add(fs_path(i, j, op), f"{where}: {name} accepts only {ok}, not {op_name(op)}")
        if name == "resources.type":
            types_seen += 1
            if types_seen > 1:
                lint.add(
                    fs_path(i, j, "field"),
                    f"{where}: a second resources.type field (one per selector; add another selector for another type)",
                )
        _check_values(lint, i, j, fs, where, category, store)
    if unknown_field:
        return
    for name in REQUIRED_FIELDS[category]:
        if name not in present:
            lint.add((ADV, i, "field_selectors"), f"{where}: {category} selectors require a {name} field")


def _check_values(
    lint: Lint, i: int, j: int, fs: FieldSelector, where: str, category: str, store: bool = False
) -> None:
    name = fs.field
    for op, v in op_values(fs):
        if isinstance(v, Unknown):
            if name in ("readOnly", "sessionCredentialFromConsole") or (
                (category, name) == ("Management", "eventSource") and not store
            ):
                lint.maybe(fs_path(i, j, op), f"{where}: {name} value unknown: {v.reason}", v)
            continue
        if (
            name in ("readOnly", "sessionCredentialFromConsole")
            and op in ("equals", "not_equals")
            and v.lower() not in ("true", "false")
        ):
            lint.add(fs_path(i, j, op), f'{where}: {name} takes "true" or "false", not {v!r}')
        elif (category, name) == ("Management", "eventSource") and v not in EXCLUDABLE_SOURCES and not store:
            lint.add(
                fs_path(i, j, op),
                f"{where}: management selectors on trails can exclude only "
                f"kms.amazonaws.com or rdsdata.amazonaws.com, not {v!r}",
            )
        elif (category, name) == ("NetworkActivity", "errorCode") and v != "VpceAccessDenied":
            lint.add(fs_path(i, j, op), f"{where}: errorCode takes only VpceAccessDenied, not {v!r}")


# --- CT302 ----------------------------------------------------------------------------------


def ct302_basic_values(ctx: CheckContext) -> Outcome:
    """CT302: basic event selectors with values PutEventSelectors rejects."""
    assert ctx.trail is not None
    lint = Lint()
    known_types, _ = known_resource_types()
    for i, sel in basic(ctx.trail, lint):
        where = f"EventSelectors[{i}]"
        rwt = known_value(sel.read_write_type)
        if isinstance(rwt, Unknown):
            lint.maybe((BASIC, i, "read_write_type"), f"{where}.ReadWriteType: {rwt.reason}", rwt)
        elif rwt is not None and rwt not in READ_WRITE_TYPES:
            lint.add(
                (BASIC, i, "read_write_type"),
                f"{where}.ReadWriteType {rwt!r} is not ReadOnly, WriteOnly or All"
                + _did_you_mean(str(rwt), READ_WRITE_TYPES),
            )
        excluded = known_value(sel.exclude_management_event_sources)
        if isinstance(excluded, Unknown):
            lint.maybe(
                (BASIC, i, "exclude_management_event_sources"),
                f"{where}.ExcludeManagementEventSources: {excluded.reason}",
                excluded,
            )
        elif excluded:
            for v in cast(Iterable[object], excluded):  # known_value of the field's tuple
                if isinstance(v, str) and v not in EXCLUDABLE_SOURCES:
                    lint.add(
                        (BASIC, i, "exclude_management_event_sources"),
                        f"{where}.ExcludeManagementEventSources can hold only kms.amazonaws.com or "
                        f"rdsdata.amazonaws.com, not {v!r}",
                    )
        for k, dr in data_resources(lint, i, sel):
            here = (BASIC, i, "data_resources", k)
            if isinstance(dr.type, Unknown):
                lint.maybe(here + ("type",), f"{where}.DataResources[{k}].Type: {dr.type.reason}", dr.type)
            elif dr.type not in BASIC_TYPES:
                why = (
                    (
                        "needs advanced event selectors: basic DataResources take only AWS::S3::Object, "
                        "AWS::Lambda::Function and AWS::DynamoDB::Table"
                    )
                    if dr.type in known_types
                    else "is not a data resource type" + _did_you_mean(dr.type, tuple(BASIC_TYPES))
                )
                lint.add(here + ("type",), f"{where}.DataResources[{k}].Type {dr.type} {why}")
            if not dr.values:
                lint.add(here + ("values",), f"{where}.DataResources[{k}] has no Values (AWS rejects it)")
    return lint.outcome()


# --- CT303 ----------------------------------------------------------------------------------


def ct303_bucket_trailing_slash(ctx: CheckContext) -> Outcome:
    """CT303: an S3 bucket ARN without its trailing '/' where an object prefix is meant.

    In advanced selectors a value ending in '-', '.' or '_' is read as a deliberate prefix over
    bucket names (arn:aws:s3:::aft-logs- for every aft-logs-* bucket) and left alone.
    """
    assert ctx.trail is not None
    lint = Lint()
    sel: AdvancedEventSelector | EventSelector  # the basic loop and the advanced one share the name
    for i, sel in basic(ctx.trail, lint):
        for k, dr in data_resources(lint, i, sel):
            if dr.type != S3_OBJECT:
                continue
            for v in dr.values:
                if isinstance(v, Unknown):
                    lint.maybe((BASIC, i, "data_resources", k, "values"), f"S3 data resource value: {v.reason}", v)
                elif BUCKET_ARN.match(v):
                    lint.add(
                        (BASIC, i, "data_resources", k, "values"),
                        f"EventSelectors[{i}].DataResources[{k}] value {v!r} is a bucket ARN without the "
                        f"trailing '/': PutEventSelectors rejects it; write {v + '/'!r}",
                    )
    for i, sel, j, op, v, types in s3_object_arn_values(ctx.trail, lint, ("starts_with", "not_starts_with")):
        if isinstance(v, Unknown):
            lint.maybe(fs_path(i, j, op), f"{label(i, sel)}: resources.ARN value unknown: {v.reason}", v)
        elif BUCKET_ARN.match(v) and S3_OBJECT in types and not _name_prefix(v):
            bucket = v.rsplit(":", 1)[1]
            effect = "records" if op == "starts_with" else "excludes"
            lint.add(
                fs_path(i, j, op),
                f"{label(i, sel)}: resources.ARN {op_name(op)} {v!r} has no trailing '/', so it "
                f"also {effect} objects of every bucket whose name starts with {bucket!r} "
                f"({bucket}-archive, {bucket}2, ...); write {v + '/'!r}",
            )
    return lint.outcome()


def _name_prefix(v: str) -> bool:
    """A deliberate prefix over bucket names (arn:aws:s3:::aft-logs-), or a wildcard CT304 reports."""
    return v.endswith(("-", ".", "_")) or "*" in v or "?" in v


# --- CT304 ----------------------------------------------------------------------------------


def ct304_wildcards(ctx: CheckContext) -> Outcome:
    """CT304: '*', '?' and regular-expression syntax, which selectors compare literally."""
    assert ctx.trail is not None
    lint = Lint()
    sel: AdvancedEventSelector | EventSelector  # the basic loop and the advanced one share the name
    for i, sel in basic(ctx.trail, lint):
        for k, dr in data_resources(lint, i, sel):
            for v in dr.values:
                if isinstance(v, str) and _pattern_like(v):
                    lint.add(
                        (BASIC, i, "data_resources", k, "values"),
                        f"EventSelectors[{i}].DataResources[{k}] value {v!r} {_pattern_kind(v)}: basic "
                        f"values are ARN prefixes and PutEventSelectors rejects wildcards; "
                        f"{_hint(dr.type if isinstance(dr.type, str) else '')}",
                    )
                elif isinstance(v, Unknown):
                    lint.maybe((BASIC, i, "data_resources", k, "values"), f"data resource value: {v.reason}", v)
    for i, sel in advanced(ctx.trail, lint):
        for j, fs in enumerate(sel.field_selectors):
            for op, v in op_values(fs):
                if isinstance(v, str) and _pattern_like(v):
                    lint.add(
                        fs_path(i, j, op),
                        f"{label(i, sel)}: {fs.field} {op_name(op)} {v!r} {_pattern_kind(v)}, but selectors "
                        f"compare values literally; use StartsWith / EndsWith (or their Not forms) with a "
                        f"literal prefix or suffix",
                    )
                elif isinstance(v, Unknown) and fs.field not in ("eventCategory", "readOnly"):
                    lint.maybe(fs_path(i, j, op), f"{label(i, sel)}: {fs.field} value unknown: {v.reason}", v)
    return lint.outcome()


def _pattern_like(v: str) -> bool:
    return "*" in v or "?" in v or bool(_REGEX.search(v))


def _pattern_kind(v: str) -> str:
    return (
        "looks like a wildcard"
        if ("*" in v or "?" in v) and not _REGEX.search(v)
        else "looks like a regular expression"
    )


def _hint(rtype: str) -> str:
    alls = sorted(v for v in all_resources_values(rtype) if v.startswith("arn:aws:"))
    if alls:
        return f"for every resource write {' or '.join(alls)}, for part of a bucket its ARN prefix ending in '/'"
    return "write a literal ARN prefix"


# --- CT305 ----------------------------------------------------------------------------------


def ct305_resource_type_known(ctx: CheckContext) -> Outcome:
    """CT305: resources.type values missing from the vendored list of data-event types (a warning)."""
    assert ctx.trail is not None
    lint = Lint()
    known, retrieved = known_resource_types()
    for i, sel in advanced(ctx.trail, lint):
        for j, fs in enumerate(sel.field_selectors):
            if fs.field != "resources.type":
                continue
            for v in fs.equals:
                if isinstance(v, Unknown):
                    lint.maybe(fs_path(i, j, "equals"), f"{label(i, sel)}: resources.type unknown: {v.reason}", v)
                elif v not in known:
                    lint.add(
                        fs_path(i, j, "equals"),
                        f"{label(i, sel)}: resources.type {v!r} is not one of the {len(known)} data-event "
                        f"types ctguard knows (list of {retrieved}){_did_you_mean(v, known)}",
                    )
    return lint.outcome(f"{len(known)} types, list of {retrieved}")


# --- CT306 ----------------------------------------------------------------------------------


def ct306_limits(ctx: CheckContext) -> Outcome:
    """CT306: 5 basic selectors, 250 data resources, 500 advanced values per trail."""
    assert ctx.trail is not None
    lint = Lint()
    sels = basic(ctx.trail, lint)
    if len(sels) > LIMIT_BASIC_SELECTORS:
        lint.add(
            (BASIC, LIMIT_BASIC_SELECTORS),
            f"{len(sels)} event selectors; a trail takes at most {LIMIT_BASIC_SELECTORS}",
        )
    counted = 0
    flagged = False
    sel: AdvancedEventSelector | EventSelector  # the basic loop and the advanced one share the name
    for i, sel in sels:
        for k, dr in data_resources(lint, i, sel):
            every = all_resources_values(dr.type) if isinstance(dr.type, str) else frozenset()
            # The quota does not count "all resources" values (UG-limits).
            counted += sum(1 for v in dr.values if not (isinstance(v, str) and v in every))
            if counted > LIMIT_DATA_RESOURCES and not flagged:
                flagged = True
                lint.add(
                    (BASIC, i, "data_resources", k, "values"),
                    f"the basic selectors name more than {LIMIT_DATA_RESOURCES} data resources (quota: "
                    f"{LIMIT_DATA_RESOURCES} per trail, 'all resources' values excepted)",
                )
    total = 0
    chosen = advanced(ctx.trail, lint)
    if isinstance(ctx.trail, EventDataStore) and len(chosen) > LIMIT_STORE_SELECTORS:
        lint.add(
            (ADV, LIMIT_STORE_SELECTORS),
            f"{len(chosen)} advanced event selectors; an event data store takes at most {LIMIT_STORE_SELECTORS}",
        )
    for i, sel in chosen:
        before = total
        total += sum(len(values) for fs in sel.field_selectors for values in fs.operators().values())
        if before <= LIMIT_ADVANCED_VALUES < total:
            lint.add(
                (ADV, i),
                f"the advanced selectors hold {total}+ values by {label(i, sel)}; a trail takes at "
                f"most {LIMIT_ADVANCED_VALUES} values over all conditions of all selectors",
            )
    return lint.outcome()


__all__ = [
    "ct301_advanced_fields",
    "ct302_basic_values",
    "ct303_bucket_trailing_slash",
    "ct304_wildcards",
    "ct305_resource_type_known",
    "ct306_limits",
]
