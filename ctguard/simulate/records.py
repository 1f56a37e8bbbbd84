"""The record fields the replay reads, and (with msgspec) a struct that decodes only those.

A CloudTrail record carries 20 to 40 keys, most of them large (requestParameters,
responseElements, additionalEventData); the replay reads at most the 17 below.  msgspec
decodes a log file into ``Record`` structs holding just these fields, skipping the rest
without building Python objects for them: about 40% less decoding than a dict per record.
An absent field is None, which is what ``dict.get`` gives the replay for a missing key, and
nothing the replay reads tells a missing key from a null (``Event.from_record`` only uses
``get``).  ``decode.records_loads`` falls back to the generic decoders for any document this
struct cannot take as it is, so accepted input and error messages do not change.
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


def _struct() -> Any:
    try:
        import msgspec
    except ImportError:
        return None
    # gc=False: decoded JSON values cannot form reference cycles, and untracked structs keep the
    # cyclic GC from traversing a whole log file's records.
    return msgspec.defstruct("Record", [(k, Any, None) for k in RECORD_KEYS], gc=False)


# The struct type, or None without msgspec (then records are always dicts).
Record: Any = _struct()


def as_dict(record: Any) -> dict[str, Any]:
    """A ``Record``'s fields as the dict ``json.loads`` would give for the keys the replay reads."""
    return {k: getattr(record, k) for k in RECORD_KEYS}


__all__ = ["RECORD_KEYS", "Record", "as_dict"]
