"""The record fields the replay reads, and (with msgspec) a struct that decodes only those.

A CloudTrail record carries 20 to 40 keys, most of them large (requestParameters,
responseElements, additionalEventData); the replay reads at most the 17 below.  msgspec
decodes a log file into ``Record`` structs holding just these fields, skipping the rest
without building Python objects for them: about 40% less decoding than a dict per record.
An absent field is None, which is what ``dict.get`` gives the replay for a missing key, and
nothing the replay reads tells a missing key from a null (``Event.from_record`` only uses
``get``).  ``decode.records_loads`` falls back to the generic decoders for any document this
struct cannot take as it is, so accepted input and error messages do not change.

The objects the replay looks into are structs too, with just the keys ``Event.from_record``
reads: userIdentity (often the largest part of a record: sessionContext, sessionIssuer, ...),
the items of resources, and tlsDetails.  Any other JSON value in their place decodes as
``json.loads`` would give it (the unions below cover every JSON type), so no record is refused
for them.  readOnly and managementEvent must be a boolean, a string or null (see below).
``as_dict`` turns the structs back into dicts with those keys, which ``get`` reads
alike.
"""

from __future__ import annotations

from typing import Any

# The top-level keys ``Event.from_record`` reads (tests/unit/simulate checks the list is whole).
RECORD_KEYS = (
    "eventSource",
    "eventName",
    "eventType",
    "awsRegion",
    "eventCategory",
    "userIdentity",
    "recipientAccountId",
    "insightDetails",
    "readOnly",
    "resources",
    "sessionCredentialFromConsole",
    "errorCode",
    "vpcEndpointId",
    "tlsDetails",
    "managementEvent",
    "eventTime",
    "eventID",
)


# The keys read inside the nested objects (events.py), per field of the record.
NESTED_KEYS = {
    "userIdentity": ("arn", "accountId"),
    "resources": ("type", "ARN", "ARNPrefix", "arn"),
    "tlsDetails": ("clientProvidedHostHeader",),
}


def _structs() -> tuple[Any, Any, Any, Any]:
    try:
        import msgspec
    except ImportError:
        return None, None, None, None
    # gc=False: decoded JSON values cannot form reference cycles, and untracked structs keep the
    # cyclic GC from traversing a whole log file's records.
    identity = msgspec.defstruct("Identity", [(k, Any, None) for k in NESTED_KEYS["userIdentity"]], gc=False)
    resource: Any = msgspec.defstruct("ResourceItem", [(k, Any, None) for k in NESTED_KEYS["resources"]], gc=False)
    tls = msgspec.defstruct("TlsDetails", [(k, Any, None) for k in NESTED_KEYS["tlsDetails"]], gc=False)
    # Every JSON value but an object: a union holds at most one object type (msgspec).
    other: Any = list[Any] | str | int | float | bool | None
    nested: dict[str, Any] = {
        # The replay keys on these two and must not take 1 for true: with only these types in
        # a struct batch it need not check them record by record (replay._quick_keys).  Any
        # other value makes the document one the struct cannot take.
        "readOnly": bool | str | None,
        "managementEvent": bool | str | None,
        "userIdentity": identity | other,
        "resources": list[resource | other] | dict[str, Any] | str | int | float | bool | None,
        "tlsDetails": tls | other,
    }
    record = msgspec.defstruct("Record", [(k, nested.get(k, Any), None) for k in RECORD_KEYS], gc=False)
    return record, identity, resource, tls


# The struct types, or None without msgspec (then records are always dicts).
Record, Identity, ResourceItem, TlsDetails = _structs()


def _fields(obj: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in keys}


def resource_dicts(resources: Any) -> Any:
    """A ``Record``'s resources with dicts for its ``ResourceItem``s (``events._resources``
    reads them alike); any other value as it is."""
    if type(resources) is not list:
        return resources
    keys = NESTED_KEYS["resources"]
    return [_fields(r, keys) if type(r) is ResourceItem else r for r in resources]


def as_dict(record: Any) -> dict[str, Any]:
    """A ``Record``'s fields as the dict ``json.loads`` would give for the keys the replay reads."""
    out = _fields(record, RECORD_KEYS)
    ident, tls = out["userIdentity"], out["tlsDetails"]
    if type(ident) is Identity:
        out["userIdentity"] = _fields(ident, NESTED_KEYS["userIdentity"])
    if type(tls) is TlsDetails:
        out["tlsDetails"] = _fields(tls, NESTED_KEYS["tlsDetails"])
    out["resources"] = resource_dicts(out["resources"])
    return out


__all__ = [
    "NESTED_KEYS",
    "RECORD_KEYS",
    "Identity",
    "Record",
    "ResourceItem",
    "TlsDetails",
    "as_dict",
    "resource_dicts",
]
