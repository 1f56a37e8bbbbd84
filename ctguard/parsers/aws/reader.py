"""Reading one account's recorded calls as model values.

Every value the AWS mappers produce goes through ``Answer``: a call that was never made gives
``Unknown("not read: ...")``, a failed call ``Unknown`` with the AWS error, and the "no such
configuration" errors of S3, KMS and CloudTrail a Known "none". Nothing here ever turns a
missing answer into False.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from ctguard.calls import NOT_CONFIGURED, CallResult, CallStore, canonical_params
from ctguard.isotime import parse_time
from ctguard.location import Owner, SourceMap
from ctguard.values import ABSENT, Known, Unknown, Value


@dataclass(frozen=True, slots=True)
class Answer:
    """One recorded call (or its absence), named for messages as ``service:Operation``."""

    label: str
    result: CallResult | None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.error is None

    @property
    def response(self) -> Mapping[str, Any]:
        assert self.result is not None and self.result.response is not None
        return self.result.response

    @property
    def error_code(self) -> str | None:
        return self.result.error.code if self.result is not None and self.result.error else None

    @property
    def not_configured(self) -> bool:
        return self.error_code in NOT_CONFIGURED

    def unknown(self) -> Unknown:
        """Why the values this call would give are not known (only for a missing or failed call)."""
        if self.result is None:
            reason = f"not read ({self.label} was not called)"
        else:
            assert self.result.error is not None
            reason = f"{self.label} failed: {self.result.error.describe()}"
        return Unknown(reason)

    def value(self, get: Callable[[Mapping[str, Any]], Any], none: Any = ABSENT) -> Value[Any]:
        """``get(response)``; None from ``get`` means the API left it out (Absent: the AWS default).

        ``none`` is the value when the call answered "not configured"; ABSENT lets the AWS default apply.
        """
        if self.ok:
            got = get(self.response)
            if isinstance(got, Unknown):  # the answer holds something unreadable (a broken document)
                return Unknown(f"{self.label} answered {got.reason}")
            return ABSENT if got is None else Known(got)
        if self.not_configured:
            return none if none is ABSENT else Known(none, via=f"{self.label}: {self.error_code}")
        return self.unknown()


class Calls:
    """One account's calls, indexed for region-less look-ups (first recorded wins)."""

    def __init__(self, store: CallStore, account: str, spans: CallSpans | None = None) -> None:
        self.store = store
        self.account = account
        self.spans = spans
        self._any: dict[tuple[str, str, str], tuple[CallResult, int]] = {}
        self._exact: dict[tuple[str, str, str, str], tuple[CallResult, int]] = {}
        for index, ((acc, region, service, op, params), result) in enumerate(store.calls()):
            if acc != account:
                continue
            self._any.setdefault((service, op, params), (result, index))
            self._exact[(region, service, op, params)] = (result, index)

    def get(
        self, service: str, operation: str, params: Mapping[str, Any] | None = None, region: str | None = None
    ) -> Answer:
        """The answer in ``region`` when it was read there, else in any region."""
        wanted = canonical_params(params)
        found = None
        if region is not None:
            found = self._exact.get((region, service, operation, wanted))
        if found is None:
            found = self._any.get((service, operation, wanted))
        label = f"{service}:{operation}"
        if found is None:
            return Answer(label, None)
        return Answer(label, found[0])

    def exact(self, service: str, operation: str, params: Mapping[str, Any] | None, region: str) -> Answer:
        """The answer recorded in exactly this region (no fall-back to another region)."""
        found = self._exact.get((region, service, operation, canonical_params(params)))
        return Answer(f"{service}:{operation}", None if found is None else found[0])

    def index_of(
        self, service: str, operation: str, params: Mapping[str, Any] | None = None, region: str | None = None
    ) -> int | None:
        wanted = canonical_params(params)
        found = self._exact.get((region, service, operation, wanted)) if region else None
        found = found or self._any.get((service, operation, wanted))
        return None if found is None else found[1]

    def regions(self, service: str, operation: str) -> list[str]:
        return sorted({r for (r, s, o, _) in self._exact if s == service and o == operation})

    def mark(
        self,
        source_map: SourceMap,
        owner: Owner,
        path: tuple[Any, ...],
        service: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
        region: str | None = None,
        inner: tuple[Any, ...] = (),
    ) -> None:
        """Record the span of a call's entry (or of ``inner`` inside its response) for ``owner``/``path``."""
        if self.spans is None:
            return
        index = self.index_of(service, operation, params, region)
        if index is not None:
            self.spans.record(source_map, owner, path, index, inner)


@dataclass(slots=True)
class CallSpans:
    """Where each call (by recording order) sits in the snapshot file: ``file`` and key spans."""

    file: str
    spans: Mapping[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)
    prefix: tuple[Any, ...] = ("calls",)
    # For inputs assembled from several files (describe-trails + sidecars): call index -> (file, prefix).
    files: dict[int, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    # Store order -> position in the file's call list, when a call recorded twice made them differ.
    order: list[int] | None = None

    def record(
        self, source_map: SourceMap, owner: Owner, path: tuple[Any, ...], index: int, inner: tuple[Any, ...] = ()
    ) -> None:
        at = self.order[index] if self.order is not None and index < len(self.order) else index
        file, prefix = self.files.get(index, (self.file, self.prefix + (at,)))
        key = prefix + inner
        while key:
            span = self.spans.get(key)
            if span is not None:
                source_map.record(owner, path, span[0], span[1], file=file)
                return
            key = key[:-1]
        if inner == () and file != source_map.file:
            source_map.record(owner, path, 1, 1, file=file)


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def timestamp(value: Any) -> str | None:
    """Timestamps as ISO 8601 strings in UTC, whether boto3 gave a datetime or a snapshot a string."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return cast(datetime, value).astimezone(UTC).isoformat().replace("+00:00", "Z")  # datetime: isinstance above
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # AWS CLI v1 writes the wire format of JSON-protocol APIs: seconds since the epoch.
        try:
            return timestamp(datetime.fromtimestamp(value, UTC))
        except (OverflowError, OSError, ValueError):
            return str(value)
    return str(value)


def document(raw: Any) -> Any:
    """A policy document as boto3 gives it: a dict (IAM, decoded by boto3) or a JSON string (S3, KMS, SNS);
    IAM documents read without boto3's decoding are URL-encoded."""
    if raw is None or isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return Unknown(f"a policy document that is {type(raw).__name__}, not a JSON object")
    for candidate in (raw, urllib.parse.unquote(raw)):
        try:
            decoded = json.loads(candidate)
        except ValueError:
            continue
        # AWS stores only objects; anything else is a damaged answer, not a policy AWS would reject.
        return decoded if isinstance(decoded, dict) else Unknown("a policy document that is not a JSON object")
    return Unknown("a policy document that is not valid JSON")


def strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


__all__ = [
    "NOT_CONFIGURED",
    "Answer",
    "CallSpans",
    "Calls",
    "arn_account",
    "arn_region",
    "document",
    "parse_time",
    "strs",
    "timestamp",
]
