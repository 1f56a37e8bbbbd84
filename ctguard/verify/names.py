"""What a CloudTrail digest or log file key says: account, region, trail, time.

Digest: ``[prefix/]AWSLogs/[o-id/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/
ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ[_backfill].json.gz``;
log file: ``[prefix/]AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`` (AWS CloudTrail User Guide, "CloudTrail
digest file structure" and "Finding your CloudTrail log files").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_HEAD = r"^(?P<prefix>(?:.*/)?)AWSLogs/(?:(?P<org>o-[a-z0-9]+)/)?(?P<account>\d{12})/"
_DIGEST = re.compile(
    _HEAD + r"CloudTrail-Digest/(?P<region>" + _REGION + r")/\d{4}/\d{2}/\d{2}/(?P=account)_CloudTrail-Digest_"
    r"(?P=region)_(?P<trail>.+)_(?P<home>" + _REGION + r")_(?P<ts>\d{8}T\d{6}Z)(?P<backfill>_backfill)?\.json\.gz$"
)
_LOG = re.compile(
    _HEAD + r"CloudTrail/(?P<region>" + _REGION + r")/\d{4}/\d{2}/\d{2}/(?P=account)_CloudTrail_(?P=region)_"
    r"(?P<ts>\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$"
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where one account's files for one region live: log files of every trail writing there mix."""

    prefix: str
    org: str | None
    account: str
    region: str

    def label(self) -> str:
        return f"{self.account} {self.region}" + (f" ({self.prefix.rstrip('/')})" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class DigestName:
    key: str
    location: Location
    trail: str
    home_region: str
    time: datetime  # the digest's end time, from its name
    backfill: bool

    @property
    def chain_id(self) -> tuple[Location, str, str]:
        return (self.location, self.trail, self.home_region)

    def trail_label(self) -> str:
        return f"{self.location.account}/{self.location.region}/{self.trail}"


@dataclass(frozen=True, slots=True)
class LogName:
    key: str
    location: Location
    time: datetime


def _location(m: re.Match[str]) -> Location:
    return Location(m["prefix"], m["org"], m["account"], m["region"])


def parse_digest_key(key: str) -> DigestName | None:
    m = _DIGEST.match(key)
    if m is None:
        return None
    when = datetime.strptime(m["ts"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return DigestName(key, _location(m), m["trail"], m["home"], when, bool(m["backfill"]))


def parse_log_key(key: str) -> LogName | None:
    m = _LOG.match(key)
    if m is None:
        return None
    return LogName(key, _location(m), datetime.strptime(m["ts"], "%Y%m%dT%H%MZ").replace(tzinfo=UTC))
