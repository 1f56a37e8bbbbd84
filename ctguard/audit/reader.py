"""Make one AWS call, record the answer or the error in the CallStore, never raise."""

from __future__ import annotations

import base64
import datetime as _dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ctguard.audit.errors import to_api_error
from ctguard.audit.secrets import redact_subscriptions
from ctguard.audit.session import Clients
from ctguard.calls import ApiError, CallResult, CallStore
from ctguard.parsers.aws.shapes import response_problem

log = logging.getLogger(__name__)


def json_safe(value: Any) -> Any:
    """boto3's parsed response as JSON: timestamps as ISO 8601, bytes as base64."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC)
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


class Reader:
    """The calls of one account, through that account's clients, into the shared store."""

    def __init__(
        self, account: str, clients: Clients, store: CallStore, on_call: Callable[[], None] | None = None
    ) -> None:
        self.account = account
        self.clients = clients
        self.store = store
        self._on_call = on_call

    def call(
        self, region: str, service: str, operation: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The response (all pages merged), or None when the call failed (the error is recorded)."""
        result = self.result(region, service, operation, params)
        return dict(result.response) if result.response is not None else None

    def result(self, region: str, service: str, operation: str, params: Mapping[str, Any] | None = None) -> CallResult:
        params = dict(params or {})
        done = self.store.get(self.account, region, service, operation, params)
        if done is not None:  # the same call twice (two trails sharing a bucket) is read once
            return done
        try:
            response = json_safe(self._invoke(region, service, operation, params))
            if (service, operation) == ("sns", "ListSubscriptionsByTopic") and isinstance(response, dict):
                response = redact_subscriptions(response)  # who is notified is no rule's business
            problem = response_problem(service, operation, response)
            # An answer of the wrong shape is a failed read, exactly as when a snapshot holds it.
            result = (
                CallResult(error=ApiError("MalformedResponse", problem)) if problem else CallResult(response=response)
            )
        except Exception as exc:  # every failure becomes a recorded error, never an abort
            if not _is_aws_failure(exc):
                raise
            error = to_api_error(exc)
            log.debug("%s %s %s %s: %s", self.account, region, service, operation, error.describe())
            result = CallResult(error=error)
        self.store.record(self.account, region, service, operation, params, result)
        if self._on_call is not None:
            self._on_call()
        return result

    def record_error(
        self, region: str, service: str, operation: str, params: Mapping[str, Any] | None, error: ApiError
    ) -> None:
        self.store.record(self.account, region, service, operation, params, CallResult(error=error))

    def _invoke(self, region: str, service: str, operation: str, params: dict[str, Any]) -> Any:
        from botocore import xform_name

        client = self.clients.get(service, region)
        method = xform_name(operation)
        with self.clients.shared.slot(), self.clients.signing():
            if client.can_paginate(method):
                return client.get_paginator(method).paginate(**params).build_full_result()
            return getattr(client, method)(**params)


def _is_aws_failure(exc: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, (BotoCoreError, ClientError))
