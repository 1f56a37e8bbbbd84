"""CloudTrail records as EventBridge delivers them, and judgement of EventBridge rules.

Delivery rule (``delivered_to_default_bus``): "Only the read/write events from the following
services are supported. Read-only operations - such as those that begin with List, Get, or
Describe - aren't supported. In addition, AWS API call events that are larger than 256 KB in size
are not supported." (CloudWatch Events user guide, EventTypes.html#events-for-services-not-listed,
quoted in the code index). Since 2023 a rule in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
also receives read-only management events ("Receiving read-only management events from AWS
services", EventBridge user guide eb-service-event.html); pass ``include_read_only=True`` for that.
"""

from __future__ import annotations

import json
from typing import Any

from ctguard.monitoring.cis import CisItem, FilterVerdict, judge, load_items
from ctguard.monitoring.event_pattern import EventPatternError, parse_event_pattern

MAX_EVENT_BYTES = 256 * 1024
_READ_PREFIXES = ("List", "Get", "Describe")


def event_source_to_bus_source(event_source: str) -> str:
    """``iam.amazonaws.com`` -> ``aws.iam``; ``signin.amazonaws.com`` -> ``aws.signin``."""
    return "aws." + event_source.split(".amazonaws.com")[0]


def detail_type(record: dict[str, Any]) -> str:
    event_type = str(record.get("eventType", "")).lower()
    if event_type == "awsconsolesignin" or (not event_type and record.get("eventName") == "ConsoleLogin"):
        return "AWS Console Sign In via CloudTrail"
    if event_type == "awsserviceevent":
        return "AWS Service Event via CloudTrail"
    return "AWS API Call via CloudTrail"


def cloudtrail_event_envelope(record: dict[str, Any]) -> dict[str, Any]:
    """Wrap a CloudTrail record the way EventBridge delivers it (the record becomes ``detail``)."""
    import hashlib  # records without an eventID only: keeps OpenSSL off a check's start-up

    identity = record.get("userIdentity")
    identity = identity if isinstance(identity, dict) else {}
    event_id = record.get("eventID") or str(
        hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    )
    return {
        "version": "0",
        "id": str(event_id),
        "detail-type": detail_type(record),
        "source": event_source_to_bus_source(str(record.get("eventSource", ""))),
        "account": record.get("recipientAccountId") or identity.get("accountId", ""),
        "time": record.get("eventTime", ""),
        "region": record.get("awsRegion", ""),
        "resources": [],
        "detail": record,
    }


def is_read_only(record: dict[str, Any]) -> bool:
    if isinstance(record.get("readOnly"), bool):
        return bool(record["readOnly"])
    return str(record.get("eventName", "")).startswith(_READ_PREFIXES)


def delivered_to_default_bus(record: dict[str, Any], include_read_only: bool = False) -> bool:
    """Whether EventBridge's default bus receives this CloudTrail record (see module doc)."""
    if detail_type(record) == "AWS API Call via CloudTrail" and is_read_only(record) and not include_read_only:
        return False
    size = len(json.dumps(cloudtrail_event_envelope(record), separators=(",", ":"), default=str).encode())
    return size <= MAX_EVENT_BYTES


def judge_event_rule(
    item: CisItem | str, pattern: dict[str, Any] | str, include_read_only: bool = False
) -> FilterVerdict:
    """Judge an EventBridge rule pattern with the same must_match / must_not_match semantics.

    A required record that never reaches the bus cannot be required; it is listed in
    ``not_delivered`` instead of ``missed``.  Undelivered unrelated records cannot be over-broad.
    """
    key = load_items()[item].key if isinstance(item, str) else item.key
    try:
        compiled = parse_event_pattern(pattern)
    except EventPatternError as exc:
        return FilterVerdict(key, False, error=exc.message + f" (at {exc.path or '/'})")
    return judge(
        item,
        lambda r: compiled.matches(cloudtrail_event_envelope(r)),
        required=lambda r: delivered_to_default_bus(r, include_read_only),
    )
