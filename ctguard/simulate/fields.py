"""Advanced-selector fields: which the record offers, and which trails accept (R23, R24).

The validity tables describe *trails* (not event data stores): API-AES/API-AFS 2025/26 via
selector-semantics.md R24.  Under ``SimPolicy.strict_trail_fields`` a selector that breaks them
never matches events of that category, because AWS would have refused to store it.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from ctguard.model import FieldSelector
from ctguard.simulate.events import Event, Resource
from ctguard.simulate.policy import SimPolicy
from ctguard.values import Unknown

SELECT_OPS = ("equals", "starts_with", "ends_with")
DESELECT_OPS = ("not_equals", "not_starts_with", "not_ends_with")
# Spelling as in the API, for messages.
OP_NAMES = {
    "equals": "Equals",
    "starts_with": "StartsWith",
    "ends_with": "EndsWith",
    "not_equals": "NotEquals",
    "not_starts_with": "NotStartsWith",
    "not_ends_with": "NotEndsWith",
}

VALID_FIELDS: dict[str, frozenset[str]] = {
    "Management": frozenset({"eventCategory", "readOnly", "eventSource"}),
    "Data": frozenset(
        {
            "eventCategory",
            "resources.type",
            "readOnly",
            "eventName",
            "resources.ARN",
            "eventSource",
            "eventType",
            "sessionCredentialFromConsole",
            "userIdentity.arn",
        }
    ),
    "NetworkActivity": frozenset(
        {
            "eventCategory",
            "eventSource",
            "eventName",
            "errorCode",
            "vpcEndpointId",
        }
    ),
}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "Management": ("eventCategory",),
    "Data": ("eventCategory", "resources.type"),
    "NetworkActivity": ("eventCategory", "eventSource"),
}
# R23: operators a field accepts when it is not "any".  Management eventSource is NotEquals
# only (API-AFS); network-activity eventSource is Equals only.
_EQUALS_ONLY = frozenset({"equals"})
ALLOWED_OPS: dict[str, frozenset[str]] = {
    "readOnly": _EQUALS_ONLY,
    "eventCategory": _EQUALS_ONLY,
    "resources.type": _EQUALS_ONLY,
    "errorCode": _EQUALS_ONLY,
    "sessionCredentialFromConsole": frozenset({"equals", "not_equals"}),
}
CATEGORY_OPS: dict[tuple[str, str], frozenset[str]] = {
    ("Management", "eventSource"): frozenset({"not_equals"}),
    ("NetworkActivity", "eventSource"): _EQUALS_ONLY,
}
MULTI_VALUED = frozenset({"resources.type", "resources.ARN"})


def invalid_for_category(fs_list: tuple[FieldSelector, ...], category: str) -> tuple[int, str] | None:
    """First (field index, why) that makes this selector unacceptable for ``category`` on a trail.

    Index -1 means a required field is missing.  Unknown field names are not judged here: the
    condition itself is Unknown.
    """
    valid = VALID_FIELDS.get(category)
    if valid is None:
        return -1, f"eventCategory {category} is not selectable on trails (R12, R24)"
    seen_types = 0
    present: set[str] = set()
    for i, fs in enumerate(fs_list):
        name = fs.field
        if isinstance(name, Unknown):
            continue
        present.add(name)
        if name not in valid:
            return i, f"field {name} is not valid for {category} selectors on trails (R24)"
        allowed = CATEGORY_OPS.get((category, name)) or ALLOWED_OPS.get(name)
        if allowed is not None:
            for op in fs.operators():
                if op not in allowed:
                    return i, f"{name} does not accept {OP_NAMES[op]} for {category} (R23)"
        if name == "resources.type":
            seen_types += 1
            if seen_types > 1:
                return i, "only one resources.type field per selector (R24)"
    if any(isinstance(fs.field, Unknown) for fs in fs_list):
        return None  # the unknown field might be the missing required one
    for name in REQUIRED_FIELDS[category]:
        if name not in present:
            return -1, f"{category} selectors on trails require {name} (R24)"
    return None


def _read_only(ev: Event) -> str | None:
    r = ev.read_only
    return None if r is None else ("true" if r else "false")


def single_getter(name: str, policy: SimPolicy) -> Callable[[Event], str | None] | None:
    """Getter for a single-valued field; None when the record never has such a field."""
    if name == "readOnly":
        return _read_only
    if name == "sessionCredentialFromConsole":
        absent = "false" if policy.console_flag_absent_is_false else None

        def console(ev: Event) -> str | None:
            v = ev.session_credential_from_console
            return absent if v is None else ("true" if v else "false")

        return console
    attr = _SINGLE_ATTRS.get(name)
    return attrgetter(attr) if attr else None


_SINGLE_ATTRS = {
    "eventCategory": "event_category",
    "eventSource": "event_source",
    "eventName": "event_name",
    "eventType": "event_type",
    "errorCode": "error_code",
    "vpcEndpointId": "vpc_endpoint_id",
    "userIdentity.arn": "user_identity_arn",
}


def resource_types(ev: Event) -> tuple[str, ...]:
    return tuple(r.type for r in ev.resources if r.type is not None)


def arn_getter(types: frozenset[str] | None, policy: SimPolicy) -> Callable[[Event], tuple[str, ...]]:
    """R26: ARNs of the resources of the selector's resources.type only (all when it has none).

    OPEN-Q2: an ARNPrefix stands in for the ARN unless the policy says otherwise.
    """
    values = arn_values(types, policy)

    def get(ev: Event) -> tuple[str, ...]:
        return values(ev.resources)

    return get


def arn_values(types: frozenset[str] | None, policy: SimPolicy) -> Callable[[tuple[Resource, ...]], tuple[str, ...]]:
    """``arn_getter`` over a resource tuple (the replay tests raw resources without an Event)."""
    with_prefix = policy.arn_prefix_as_arn

    def values(resources: tuple[Resource, ...]) -> tuple[str, ...]:
        return tuple(
            [
                r.arn
                for r in resources
                if r.arn is not None and (types is None or r.type in types) and (with_prefix or not r.is_prefix)
            ]
        )

    return values
