"""Selectors compared by what they record: event classes through the simulator on both sides.

An event class is one synthetic CloudTrail record: management read / write, read / write data
events of every data-event resource type, and records built from every resource type, ARN
(prefix), event name and event source either side's selectors name, so that a selector scoped to
one bucket differs from one scoped to another.  Both sides run with every scope stage open
(``coverage_events.selectors_only``): logging, region and organization are compared as fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ctguard.checks.coverage_events import place_of, selectors_only
from ctguard.checks.lake_sim import as_trail, policy_for
from ctguard.drift.sides import Resource
from ctguard.findings import Status
from ctguard.simulate import Event, normalize_trail
from ctguard.values import Unknown

_TYPES = Path(__file__).resolve().parent.parent / "data" / "data_event_resource_types.json"
_SHOWN = 5  # classes named in a message


@lru_cache(maxsize=1)
def data_types() -> tuple[str, ...]:
    return tuple(sorted(json.loads(_TYPES.read_text(encoding="utf-8"))["types"]))


@dataclass(frozen=True, slots=True)
class EventClass:
    label: str
    record: tuple[tuple[str, Any], ...]  # hashable record, turned into a dict to evaluate

    def event(self) -> Event:
        return Event.from_record(json.loads(json.dumps(dict(self.record))))


@dataclass(slots=True)
class SelectorDiff:
    status: Status
    only_account: list[str] = field(default_factory=list)
    only_code: list[str] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (class, why)
    classes: int = 0

    def text(self, what: str) -> str:
        parts = []
        if self.only_account:
            parts.append(
                f"the account's {what} records {len(self.only_account)} event "
                f"class{'es' if len(self.only_account) != 1 else ''} the code's does not "
                f"({_listing(self.only_account)})"
            )
        if self.only_code:
            parts.append(
                f"the code's {what} records {len(self.only_code)} event "
                f"class{'es' if len(self.only_code) != 1 else ''} the account's does not "
                f"({_listing(self.only_code)})"
            )
        return "; ".join(parts)


def _listing(labels: list[str]) -> str:
    head = ", ".join(labels[:_SHOWN])
    return head + (f", and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else "")


def compare_selectors(code: Resource, account: Resource) -> SelectorDiff:
    place = place_of(account.model, [account.obj])
    mine = selectors_only(code.obj, place)
    theirs = selectors_only(account.obj, place)
    diff = SelectorDiff(Status.PASS)
    for cls in event_classes(code, account, place.account, place.region, place.partition):
        diff.classes += 1
        event = cls.event()
        a, b = mine.evaluate(event), theirs.evaluate(event)
        if a.captured is None or b.captured is None:
            unsure = a if a.captured is None else b
            side = "code" if a.captured is None else "account"
            diff.unknown.append((cls.label, f"{side}: {unsure.unknown_because or unsure.reason}"))
        elif b.captured and not a.captured:
            diff.only_account.append(cls.label)
        elif a.captured and not b.captured:
            diff.only_code.append(cls.label)
    if diff.only_account or diff.only_code:
        diff.status = Status.FAIL
    elif diff.unknown:
        diff.status = Status.UNKNOWN
    return diff


def event_classes(code: Resource, account: Resource, acct: str, region: str, partition: str) -> list[EventClass]:
    seen: dict[str, EventClass] = {}
    for cls in _base_classes(acct, region, partition):
        seen.setdefault(cls.label, cls)
    for side in (code, account):
        for cls in _named_classes(side, acct, region, partition):
            seen.setdefault(cls.label, cls)
    return list(seen.values())


def _record(
    acct: str,
    region: str,
    category: str,
    source: str,
    name: str,
    read_only: bool,
    resources: list[dict[str, str]] | None = None,
    **extra: Any,
) -> tuple[tuple[str, Any], ...]:
    rec: dict[str, Any] = {
        "eventVersion": "1.11",
        "eventSource": source,
        "eventName": name,
        "eventType": "AwsApiCall",
        "eventCategory": category,
        "managementEvent": category == "Management",
        "readOnly": read_only,
        "recipientAccountId": acct,
        "awsRegion": region,
        "userIdentity": {
            "type": "AssumedRole",
            "accountId": acct,
            "arn": f"arn:aws:sts::{acct}:assumed-role/Probe/ctguard",
        },
        **extra,
    }
    if resources:
        rec["resources"] = resources
    return tuple(sorted(rec.items()))


def _rw(read_only: bool) -> str:
    return "read" if read_only else "write"


def _source_of(rtype: str) -> str:
    parts = rtype.split("::")
    return f"{parts[1].lower()}.amazonaws.com" if len(parts) == 3 else "unknown.amazonaws.com"


def _generic_arn(rtype: str, acct: str, region: str, partition: str) -> str:
    if rtype == "AWS::S3::Object":
        return f"arn:{partition}:s3:::ctguard-probe-{acct}/probe/object"
    service = rtype.split("::")[1].lower() if rtype.count("::") == 2 else "service"
    return f"arn:{partition}:{service}:{region}:{acct}:ctguard-probe"


@lru_cache(maxsize=64)
def _base_classes(acct: str, region: str, partition: str) -> tuple[EventClass, ...]:
    out = []
    for ro, name in ((True, "DescribeInstances"), (False, "RunInstances")):
        out.append(
            EventClass(f"Management {_rw(ro)}", _record(acct, region, "Management", "ec2.amazonaws.com", name, ro))
        )
    for source, ro, name in (
        ("kms.amazonaws.com", True, "Decrypt"),
        ("kms.amazonaws.com", False, "CreateKey"),
        ("rdsdata.amazonaws.com", False, "ExecuteStatement"),
    ):
        out.append(
            EventClass(f"Management {_rw(ro)} from {source}", _record(acct, region, "Management", source, name, ro))
        )
    for rtype in data_types():
        arn = _generic_arn(rtype, acct, region, partition)
        for ro in (True, False):
            s3 = rtype == "AWS::S3::Object"
            name = ("GetObject" if ro else "PutObject") if s3 else ("GetProbe" if ro else "PutProbe")
            out.append(
                EventClass(
                    f"Data {rtype} {_rw(ro)}",
                    _record(acct, region, "Data", _source_of(rtype), name, ro, [{"type": rtype, "ARN": arn}]),
                )
            )
    return tuple(out)


def _named_classes(side: Resource, acct: str, region: str, partition: str) -> Iterator[EventClass]:
    """Records built from what the side's selectors name, so that scopes are compared, not just types."""
    normalized = normalize_trail(as_trail(side.obj), policy_for(side.obj))
    name: str | None  # an eventName, or None for a data event named by its type alone
    for sel in normalized.selectors:
        values: dict[str, list[str]] = {}
        for fs in sel.field_selectors:
            if isinstance(fs.field, Unknown):
                continue
            for op in ("equals", "starts_with", "not_equals", "not_starts_with"):
                for v in getattr(fs, op):
                    if isinstance(v, str) and v:
                        values.setdefault(fs.field, []).append(v + ("probe" if "starts_with" in op else ""))
        categories = values.get("eventCategory") or []
        for category in categories:
            if category == "Management":
                for source in values.get("eventSource", [])[:20]:
                    for ro in (True, False):
                        yield EventClass(
                            f"Management {_rw(ro)} from {source}",
                            _record(acct, region, "Management", source, "ProbeCall", ro),
                        )
                for name in values.get("eventName", [])[:20]:
                    for ro in (True, False):
                        yield EventClass(
                            f"Management {_rw(ro)} {name}",
                            _record(acct, region, "Management", "ec2.amazonaws.com", name, ro),
                        )
            elif category == "Data":
                for rtype in values.get("resources.type", [])[:5]:
                    if not values.get("resources.ARN") and not values.get("eventName"):
                        continue  # the type alone: a base class already
                    arns = values.get("resources.ARN", [])[:20] or [_generic_arn(rtype, acct, region, partition)]
                    names: list[str | None] = list(values.get("eventName", [])[:20]) or [None]
                    for arn in arns:
                        for name in names:
                            for ro in (True, False):
                                call = name or ("GetProbe" if ro else "PutProbe")
                                label = f"Data {rtype} {_rw(ro)} on {arn}" + (f" {name}" if name else "")
                                yield EventClass(
                                    label,
                                    _record(
                                        acct, region, "Data", _source_of(rtype), call, ro, [{"type": rtype, "ARN": arn}]
                                    ),
                                )
            elif category == "NetworkActivity":
                for source in values.get("eventSource", [])[:20]:
                    for error in (None, "VpceAccessDenied"):
                        extra: dict[str, Any] = {"errorCode": error} if error else {}
                        yield EventClass(
                            f"NetworkActivity {source}" + (f" {error}" if error else ""),
                            _record(
                                acct,
                                region,
                                "NetworkActivity",
                                source,
                                "ProbeCall",
                                True,
                                vpcEndpointId="vpce-0123456789abcdef0",
                                **extra,
                            ),
                        )


__all__ = ["EventClass", "SelectorDiff", "compare_selectors", "data_types", "event_classes"]
