"""The record of every AWS API call an audit made, and what came back.

This is the contract between the live collector (which fills a ``CallStore`` through boto3)
and the mapper that builds the model from it (``ctguard/parsers/aws/api.py``; it lives beside the model, below both). A snapshot file
is a ``CallStore`` serialised as JSON (``docs/snapshot.md``, ``ctguard/schemas/snapshot.schema.json``),
so an offline ``ctguard check snapshot.json`` runs exactly the same mapper as the live audit,
and its findings are the audit's, byte for byte.

Keys: (account, region, service, operation, params). ``service`` is the boto3 client name
(``cloudtrail``, ``s3``), ``operation`` the API name (``DescribeTrails``), ``params`` the
request parameters that identify the call, canonicalised as sorted compact JSON. Paginated
operations are stored once, with all pages merged (botocore's ``build_full_result``).
Calls to global services are recorded under the region the client used.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# What an audit asks S3 about a trail's bucket, in its home region (after GetBucketLocation has
# said where that is); the mapper reads the same calls back (``parsers/aws/buckets.py``).
BUCKET_OPERATIONS = (
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketAcl",
    "GetPublicAccessBlock",
    "GetBucketVersioning",
    "GetObjectLockConfiguration",
    "GetBucketLogging",
    "GetBucketLifecycleConfiguration",
    "GetBucketEncryption",
)

# Error codes that answer the question ("there is none") rather than refuse it.
NOT_CONFIGURED: frozenset[str] = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchPublicAccessBlockConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchLifecycleConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "InsightNotEnabledException",
        "AWSOrganizationsNotInUseException",
    }
)


@dataclass(frozen=True, slots=True)
class ApiError:
    code: str  # AWS error code ("AccessDenied", "Throttling", "EndpointConnectionError", ...)
    message: str = ""
    http_status: int | None = None

    def describe(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.code}{status}: {self.message}" if self.message else f"{self.code}{status}"


def is_not_configured(error: ApiError) -> bool:
    return error.code in NOT_CONFIGURED


@dataclass(frozen=True, slots=True)
class CallResult:
    """Exactly one of ``response`` and ``error`` is set."""

    response: Mapping[str, Any] | None = None
    error: ApiError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def canonical_params(params: Mapping[str, Any] | None) -> str:
    return json.dumps(params or {}, sort_keys=True, separators=(",", ":"), default=str)


_Key = tuple[str, str, str, str, str]


class CallStore:
    """Every call and answer of one audit, in the order they were recorded.

    Safe to fill from several threads: writes take a lock, and reads iterate over a copy.
    """

    def __init__(self) -> None:
        self._calls: dict[_Key, CallResult] = {}
        self.meta: dict[str, Any] = {}
        self._lock = threading.Lock()

    def record(
        self,
        account: str,
        region: str,
        service: str,
        operation: str,
        params: Mapping[str, Any] | None,
        result: CallResult,
    ) -> None:
        key = (account, region, service, operation, canonical_params(params))
        with self._lock:
            self._calls[key] = result

    def get(
        self, account: str, region: str | None, service: str, operation: str, params: Mapping[str, Any] | None = None
    ) -> CallResult | None:
        """The recorded answer, or None when the call was never made.

        ``region=None`` matches the call in any region (S3 bucket calls, IAM): the first one
        recorded wins.
        """
        wanted = canonical_params(params)
        if region is not None:
            return self._calls.get((account, region, service, operation, wanted))
        for (acc, _, svc, op, prm), result in self._items():
            if acc == account and svc == service and op == operation and prm == wanted:
                return result
        return None

    def _items(self) -> list[tuple[_Key, CallResult]]:
        with self._lock:
            return list(self._calls.items())

    def calls(self) -> Iterator[tuple[_Key, CallResult]]:
        return iter(self._items())

    def accounts(self) -> list[str]:
        return sorted({key[0] for key, _ in self._items()})

    def regions(self, account: str, service: str | None = None) -> list[str]:
        return sorted({k[1] for k, _ in self._items() if k[0] == account and (service is None or k[2] == service)})

    def __len__(self) -> int:
        return len(self._calls)

    # --- serialisation -----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        calls = []
        for (account, region, service, operation, params), result in self._items():
            entry: dict[str, Any] = {
                "account": account,
                "region": region,
                "service": service,
                "operation": operation,
                "params": json.loads(params),
            }
            if result.error is not None:
                error: dict[str, Any] = {"code": result.error.code, "message": result.error.message}
                if result.error.http_status is not None:
                    error["http_status"] = result.error.http_status
                entry["error"] = error
            else:
                entry["response"] = result.response
            calls.append(entry)
        return {"ctguard_snapshot": "1.0", "meta": self.meta, "calls": calls}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallStore:
        """Build from a dict that already passed the snapshot schema."""
        store = cls()
        store.meta = dict(data.get("meta") or {})
        for entry in data["calls"]:
            if "error" in entry:
                err = entry["error"]
                result = CallResult(error=ApiError(err["code"], err.get("message", ""), err.get("http_status")))
            else:
                result = CallResult(response=entry["response"])
            store.record(
                entry["account"], entry["region"], entry["service"], entry["operation"], entry.get("params"), result
            )
        return store
