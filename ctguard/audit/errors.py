"""Turn botocore exceptions into ``ApiError`` records, and tell "not configured" from "could not read".

An AWS answer such as ``NoSuchBucketPolicy`` is a fact about the resource (it has no policy), so
it does not make an audit incomplete. Everything else that failed (access denied, throttling
after retries, timeouts, 5xx, unreachable endpoints) leaves something Unknown, and the audit
then exits 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ctguard.calls import ApiError, CallStore, is_not_configured


def to_api_error(exc: BaseException) -> ApiError:
    """The error code, message and HTTP status of a failed boto3 call."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code = str(error.get("Code") or status or "ClientError")
        message = _plain(str(error.get("Message") or ""))
        retries = (response.get("ResponseMetadata") or {}).get("MaxAttemptsReached")
        if retries and "retries" not in message:
            message = f"{message} (gave up after retries)".strip()
        if code.isdigit() and not message:
            message = f"HTTP {code} answer"
        return ApiError(code, message, int(status) if status else None)
    # BotoCoreError subclasses: EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ...
    return ApiError(type(exc).__name__, str(exc))


_TAG = re.compile(r"<[^>]+>")
MAX_MESSAGE = 300


def _plain(message: str) -> str:
    """One line of text: a proxy's or load balancer's HTML error page is reduced to its words."""
    if "<" in message and ">" in message:
        message = _TAG.sub(" ", message)
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def failed_reads(store: CallStore) -> Iterator[tuple[tuple[str, str, str, str, str], ApiError]]:
    """Every recorded call that failed for a reason other than "not configured"."""
    for key, result in store.calls():
        if result.error is not None and not is_not_configured(result.error):
            yield key, result.error
