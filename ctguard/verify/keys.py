"""CloudTrail's public keys by fingerprint: from saved ``aws cloudtrail list-public-keys`` answers, or live.

The CLI prints each key's ``Value`` (a DER PKCS#1 RSA public key) in base64; boto3 returns the raw
bytes. CloudTrail signs with one key pair per region, so a live read asks each region whose
digests are verified, for the verified time range.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class KeyFileError(ValueError):
    """A --public-keys file that is not a list-public-keys answer."""


@dataclass
class PublicKeys:
    by_fingerprint: dict[str, bytes] = field(default_factory=dict)
    given: bool = False  # False: no keys at all were supplied, so no signature can be checked
    # region -> why its keys could not be read live (the region's signatures are then UNKNOWN)
    unreadable: dict[str, str] = field(default_factory=dict)
    _live: Callable[[str], dict[str, bytes]] | None = None
    _asked: set[str] = field(default_factory=set)

    def lookup(self, fingerprint: str, region: str) -> bytes | None:
        if self._live is not None and region not in self._asked:
            self._asked.add(region)
            try:
                self.by_fingerprint.update(self._live(region))
            except Exception as exc:
                self.unreadable[region] = f"{type(exc).__name__}: {exc}"
        return self.by_fingerprint.get(fingerprint)


def load_key_files(paths: list[str]) -> PublicKeys:
    keys = PublicKeys(given=bool(paths))
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                answer = json.load(fh)
        except OSError as exc:
            raise KeyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise KeyFileError(f"{path}: not JSON: {exc}") from None
        entries = answer.get("PublicKeyList") if isinstance(answer, dict) else None
        if not isinstance(entries, list):
            raise KeyFileError(f"{path}: not an `aws cloudtrail list-public-keys` answer (no PublicKeyList)")
        for index, entry in enumerate(entries):
            fingerprint = entry.get("Fingerprint") if isinstance(entry, dict) else None
            value = entry.get("Value") if isinstance(entry, dict) else None
            if not isinstance(fingerprint, str) or not isinstance(value, str):
                raise KeyFileError(f"{path}: PublicKeyList[{index}] has no Fingerprint or Value")
            try:
                keys.by_fingerprint[fingerprint] = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise KeyFileError(f"{path}: PublicKeyList[{index}].Value is not base64") from None
    return keys


def live_keys(session: Any, start: datetime | None, end: datetime | None) -> PublicKeys:
    """Keys read through boto3 as each region is first needed."""

    def read(region: str) -> dict[str, bytes]:
        client = session.client("cloudtrail", region_name=region)
        params: dict[str, Any] = {}
        if start is not None:
            params["StartTime"] = start
        if end is not None:
            params["EndTime"] = end
        found: dict[str, bytes] = {}
        while True:
            answer = client.list_public_keys(**params)
            for entry in answer.get("PublicKeyList", []):
                found[entry["Fingerprint"]] = bytes(entry["Value"])
            token = answer.get("NextToken")
            if not token:
                return found
            params["NextToken"] = token

    return PublicKeys(given=True, _live=read)
