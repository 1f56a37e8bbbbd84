"""Basic event selectors rewritten as advanced ones, so one engine runs every trail (R10, R13-R18).

| basic                                   | advanced                                          |
|-----------------------------------------|---------------------------------------------------|
| no selectors / both lists Absent or []  | eventCategory Equals Management                   |
| ReadWriteType All / ReadOnly / WriteOnly| (none) / readOnly Equals true / readOnly Equals false |
| IncludeManagementEvents true            | selector: eventCategory Equals Management (+ rw)  |
| ExcludeManagementEventSources [s...]    | + eventSource NotEquals [s...]                    |
| DataResource S3 value v                 | eventCategory Equals Data, resources.type Equals AWS::S3::Object, resources.ARN StartsWith v |
| DataResource Lambda/DynamoDB value v    | ... resources.ARN Equals v                        |
| arn:aws:s3, arn:aws:s3:::, arn:aws:lambda, arn:aws:dynamodb | resources.type only (all resources) |

Exactness: one advanced selector holds one resources.type (R24), so a basic selector becomes one
advanced selector per DataResource plus one for management events; OR over them is the same
as the basic selector's OR.  Three things have no exact advanced spelling and get an
*Unknown-field condition* (a FieldSelector whose field is Unknown: always Unknown) instead, so
the verdict stays the one the basic evaluator (basic.py) gives:
  * an Unknown ReadWriteType (it might be All, which no readOnly condition expresses);
  * an Unknown IncludeManagementEvents / ExcludeManagementEventSources / DataResources list;
  * an Unknown value in DataResource.Values (it might be the "all" form, which must also match
    resources without an ARN): emitted as its own selector "type Equals t AND <unknown>".
Values AWS rejects (an invalid ReadWriteType, a DataResource type other than the three) match
nothing and are listed in ``notes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Trail
from ctguard.simulate.catalogue import BASIC_TYPES, PREFIX_MATCHED_TYPES, all_resources_values
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.values import Known, Unknown, resolve

DEFAULT_SELECTORS = (
    AdvancedEventSelector(
        name="Management events selector",
        field_selectors=(FieldSelector(field="eventCategory", equals=("Management",)),),
    ),
)
_RW = {"All": None, "ReadOnly": "true", "WriteOnly": "false"}


@dataclass(frozen=True, slots=True)
class Normalized:
    mode: str  # "advanced" | "basic" | "default" | "unknown"
    selectors: tuple[AdvancedEventSelector, ...] = ()
    origins: tuple[str, ...] = ()  # per selector: where it came from in the trail
    notes: tuple[str, ...] = ()
    unknown: str | None = None  # set when mode is "unknown"


def _state(v: object) -> str:
    if isinstance(v, Unknown):
        return "unknown"
    if isinstance(v, Known) and v.value:
        return "present"
    return "none"  # Absent or an empty list: R10 / OPEN-Q5, the default applies


def normalize_trail(trail: Trail, policy: SimPolicy = DEFAULT_POLICY) -> Normalized:
    """Pick the selector mode (R10, OPEN-Q5) and return advanced selectors for it."""
    adv, basic = trail.advanced_event_selectors, trail.event_selectors
    a, b = _state(adv), _state(basic)
    if a == "present":
        if b != "none" and not policy.advanced_wins_over_basic:
            return Normalized("unknown", unknown="both basic and advanced selectors are set (OPEN-Q5)")
        notes = ("basic selectors are also set; advanced ones win (OPEN-Q5)",) if b != "none" else ()
        sels = adv.value  # type: ignore[union-attr]  # _state said "present": a Known
        return Normalized(
            "advanced", tuple(sels), tuple(f"AdvancedEventSelectors[{i}]" for i in range(len(sels))), notes
        )
    if a == "unknown":
        return Normalized("unknown", unknown=f"advanced selectors unknown: {adv.reason}")  # type: ignore[union-attr]  # _state said "unknown": an Unknown
    if b == "present":
        return normalize_basic(basic.value)  # type: ignore[union-attr]  # _state said "present": a Known
    if b == "unknown":
        return Normalized("unknown", unknown=f"event selectors unknown: {basic.reason}")  # type: ignore[union-attr]  # _state said "unknown": an Unknown
    return Normalized("default", DEFAULT_SELECTORS, ("default (no selectors: R10)",))


def _unknown_field(reason: str) -> FieldSelector:
    return FieldSelector(field=Unknown(reason))


def normalize_basic(selectors: tuple[EventSelector, ...]) -> Normalized:
    if not selectors:
        return Normalized("default", DEFAULT_SELECTORS, ("default (no selectors: R10)",))
    out: list[AdvancedEventSelector] = []
    origins: list[str] = []
    notes: list[str] = []

    def emit(name: str, fields: list[FieldSelector]) -> None:
        out.append(AdvancedEventSelector(name=name, field_selectors=tuple(fields)))
        origins.append(name)

    for j, sel in enumerate(selectors):
        where = f"EventSelectors[{j}]"
        rw_fields = _read_write(sel, where, notes)
        if rw_fields is None:
            continue
        mgmt = resolve(sel.include_management_events, True)
        if isinstance(mgmt, Unknown) or mgmt.value:
            fields = [FieldSelector(field="eventCategory", equals=("Management",)), *rw_fields]
            if isinstance(mgmt, Unknown):
                fields.append(_unknown_field(f"{where}.IncludeManagementEvents unknown: {mgmt.reason}"))
            excl = resolve(sel.exclude_management_event_sources, ())
            if isinstance(excl, Unknown):
                fields.append(_unknown_field(f"{where}.ExcludeManagementEventSources unknown: {excl.reason}"))
            elif excl.value:
                fields.append(FieldSelector(field="eventSource", not_equals=tuple(excl.value)))
            emit(f"{where} management", fields)
        resources = resolve(sel.data_resources, ())
        data_head = FieldSelector(field="eventCategory", equals=("Data",))
        if isinstance(resources, Unknown):
            emit(
                f"{where} data",
                [data_head, *rw_fields, _unknown_field(f"{where}.DataResources unknown: {resources.reason}")],
            )
            continue
        for k, dr in enumerate(resources.value):
            _data_resource(dr, f"{where}.DataResources[{k}]", data_head, rw_fields, emit, notes)
    return Normalized("basic", tuple(out), tuple(origins), tuple(notes))


def _read_write(sel: EventSelector, where: str, notes: list[str]) -> list[FieldSelector] | None:
    rw = resolve(sel.read_write_type, "All")
    if isinstance(rw, Unknown):
        return [_unknown_field(f"{where}.ReadWriteType unknown: {rw.reason}")]
    if rw.value not in _RW:
        notes.append(f"{where}.ReadWriteType {rw.value!r} is invalid (R19): the selector matches nothing")
        return None
    value = _RW[rw.value]
    return [] if value is None else [FieldSelector(field="readOnly", equals=(value,))]


def _data_resource(
    dr: DataResource,
    where: str,
    head: FieldSelector,
    rw_fields: list[FieldSelector],
    emit: Callable[[str, list[FieldSelector]], None],
    notes: list[str],
) -> None:
    if isinstance(dr.type, Unknown):
        emit(where, [head, *rw_fields, _unknown_field(f"{where}.Type unknown: {dr.type.reason}")])
        return
    if dr.type not in BASIC_TYPES:
        notes.append(f"{where}: type {dr.type} is not allowed in basic selectors (R16): matches nothing")
        return
    type_field = FieldSelector(field="resources.type", equals=(dr.type,))
    known = [v for v in dr.values if not isinstance(v, Unknown)]
    unknown = [v for v in dr.values if isinstance(v, Unknown)]
    if set(known) & all_resources_values(dr.type):
        emit(where, [head, type_field, *rw_fields])  # "all" value: the others add nothing
        return
    if known:
        arn = (
            FieldSelector(field="resources.ARN", starts_with=tuple(known))
            if dr.type in PREFIX_MATCHED_TYPES
            else FieldSelector(field="resources.ARN", equals=tuple(known))
        )
        emit(where, [head, type_field, *rw_fields, arn])
    if unknown:
        emit(
            f"{where} (unknown values)",
            [head, type_field, *rw_fields, _unknown_field(f"{where}.Values has an unknown value: {unknown[0].reason}")],
        )
    if not known and not unknown:
        notes.append(f"{where}: no values: matches nothing")


__all__ = ["DEFAULT_SELECTORS", "Normalized", "normalize_basic", "normalize_trail"]
