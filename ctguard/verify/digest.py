"""A digest file: gzip-compressed JSON, and the string CloudTrail signs for it.

String to sign (AWS CloudTrail User Guide, "Custom implementations of CloudTrail log file
integrity validation"): ``digestEndTime`` as written in the file, ``\\n``, ``digestS3Bucket/digestS3Object``,
``\\n``, the hex SHA-256 of the *uncompressed* digest file, ``\\n``, ``previousDigestSignature`` (the
text ``null`` for the first digest of a chain). The signature is RSA PKCS#1 v1.5 over SHA-256 of
that string (``SHA256withRSA``).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ctguard.isotime import parse_time

REQUIRED = (
    "digestPublicKeyFingerprint",
    "digestS3Bucket",
    "digestS3Object",
    "previousDigestSignature",
    "digestEndTime",
    "digestStartTime",
)


class DigestFormatError(ValueError):
    """Not a digest file: not gzip, not JSON, or a required field is missing or of the wrong type."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    bucket: str
    key: str
    hash_value: str
    hash_algorithm: str


@dataclass(frozen=True, slots=True)
class Digest:
    start: datetime
    end: datetime
    end_text: str  # digestEndTime exactly as written: it is part of the signed string
    bucket: str
    key: str
    fingerprint: str
    algorithm: str
    previous_bucket: str | None
    previous_key: str | None
    previous_hash: str | None
    previous_hash_algorithm: str | None
    previous_signature: str | None
    logs: tuple[LogEntry, ...]
    sha256: str  # hex SHA-256 of the uncompressed file

    def string_to_sign(self) -> bytes:
        previous = self.previous_signature if self.previous_signature is not None else "null"
        return f"{self.end_text}\n{self.bucket}/{self.key}\n{self.sha256}\n{previous}".encode()


INFLATED_MAX = 64 << 20  # an hour of log files lists in kilobytes to a few megabytes: beyond, a gzip bomb


def parse_digest(raw: bytes) -> Digest:
    try:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflated = inflater.decompress(raw, INFLATED_MAX)
        if inflater.unconsumed_tail:
            raise DigestFormatError(f"inflates beyond {INFLATED_MAX >> 20} MiB")
        if not inflater.eof or inflater.unused_data:
            raise DigestFormatError("not one complete gzip stream")
        data: Any = json.loads(inflated)
    except DigestFormatError:
        raise
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise DigestFormatError(f"not gzip-compressed JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DigestFormatError("not a JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise DigestFormatError(f"missing {', '.join(missing)}")
    start, end = parse_time(_text(data, "digestStartTime")), parse_time(_text(data, "digestEndTime"))
    if start is None or end is None:
        raise DigestFormatError("digestStartTime or digestEndTime is not a time")
    return Digest(
        start=start,
        end=end,
        end_text=_text(data, "digestEndTime"),
        bucket=_text(data, "digestS3Bucket"),
        key=_text(data, "digestS3Object"),
        fingerprint=_text(data, "digestPublicKeyFingerprint"),
        algorithm=_optional(data, "digestSignatureAlgorithm") or "SHA256withRSA",
        previous_bucket=_optional(data, "previousDigestS3Bucket"),
        previous_key=_optional(data, "previousDigestS3Object"),
        previous_hash=_optional(data, "previousDigestHashValue"),
        previous_hash_algorithm=_optional(data, "previousDigestHashAlgorithm"),
        previous_signature=_optional(data, "previousDigestSignature"),
        logs=tuple(_log(item) for item in _list(data, "logFiles")),
        sha256=hashlib.sha256(inflated).hexdigest(),
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise DigestFormatError(f"{key} is not a string")
    return value


def _optional(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DigestFormatError(f"{key} is not a string")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise DigestFormatError(f"{key} is not a list")
    return value


def _log(item: Any) -> LogEntry:
    if not isinstance(item, dict):
        raise DigestFormatError("a logFiles entry is not an object")
    return LogEntry(
        _text(item, "s3Bucket"),
        _text(item, "s3Object"),
        _text(item, "hashValue").lower(),
        _optional(item, "hashAlgorithm") or "SHA-256",
    )
