"""Keep secrets inside the process: credentials out of --debug logs, SNS endpoints out of snapshots.

botocore's debug log shows request headers (the session token, the access key in Authorization),
request bodies (AssumeRole's ExternalId) and response bodies (the assumed role's keys). While an
audit runs, ``redacting_logs`` puts a filter on every handler of the root logger that replaces the
secrets this audit knows (``remember``) and anything shaped like one. Subscription endpoints
(e-mail addresses, webhook URLs that carry tokens) are not needed by any rule: only the protocol,
whether the subscription is confirmed, and a redacted endpoint are recorded.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REDACTED = "<redacted>"

_NAMES = (
    r"SecretAccessKey|SessionToken|SecurityToken|ExternalId|X-Amz-Security-Token|aws_secret_access_key|"
    r"aws_session_token"
)
_PATTERNS = (
    re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}"),  # access key ids (and role/user ids)
    # Named secret fields: XML elements, then JSON, query strings and header dumps ('Name': b'value').
    re.compile(rf"(?i)(<(?:{_NAMES})>)[^<]+"),
    re.compile(rf"(?i)((?:{_NAMES})['\"]?\s*[:=]\s*(?:b?['\"])?)([A-Za-z0-9/+=%._-]{{6,}})"),
    re.compile(r"(?i)(Signature=)([0-9a-f]{16,})"),
)

_known: set[str] = set()
_lock = threading.Lock()


def remember(*values: Any) -> None:
    """Secrets to scrub from every log line from now on (credentials, external ids)."""
    with _lock:
        _known.update(str(v) for v in values if v and len(str(v)) >= 6)


def scrub(text: str) -> str:
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(REDACTED, text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class _Scrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call is not ours to fix; keep it out rather than leak it
            return False
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


@contextmanager
def redacting_logs() -> Iterator[None]:
    """Scrub secrets from every record that reaches a root handler (stderr with --debug) meanwhile."""
    scrubber = _Scrubber()
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(scrubber)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(scrubber)


def remember_session(session: Any) -> None:
    """The caller's own credentials (whatever the chain found) are secrets too."""
    try:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except Exception:  # no credentials: the audit stops later with its own message
        return
    if frozen is not None:
        remember(frozen.access_key, frozen.secret_key, frozen.token)


def redacted_endpoint(protocol: Any, endpoint: Any) -> Any:
    """What may be kept of a subscription endpoint: an ARN as is, a URL's host, an address's domain."""
    if not isinstance(endpoint, str) or not endpoint:
        return endpoint
    if endpoint.startswith("arn:"):
        return endpoint  # a queue, function or stream: an identifier, not a secret
    if str(protocol).lower() in ("http", "https"):
        parts = urllib.parse.urlsplit(endpoint)
        return f"{parts.scheme}://{parts.hostname}/{REDACTED}" if parts.hostname else REDACTED
    if "@" in endpoint:
        return f"{REDACTED}@{endpoint.rsplit('@', 1)[1]}"
    return REDACTED


def redact_subscriptions(response: dict[str, Any]) -> dict[str, Any]:
    """ListSubscriptionsByTopic without who is notified: protocol, confirmed or pending, a redacted endpoint."""
    kept = []
    for sub in response.get("Subscriptions") or []:
        if not isinstance(sub, dict):
            kept.append(sub)
            continue
        entry = {k: v for k, v in sub.items() if k in ("Protocol", "SubscriptionArn", "TopicArn", "Owner")}
        if "Endpoint" in sub:
            entry["Endpoint"] = redacted_endpoint(sub.get("Protocol"), sub["Endpoint"])
        kept.append(entry)
    return {**response, "Subscriptions": kept} if "Subscriptions" in response else response


__all__ = [
    "REDACTED",
    "redact_subscriptions",
    "redacted_endpoint",
    "redacting_logs",
    "remember",
    "remember_session",
    "scrub",
]
