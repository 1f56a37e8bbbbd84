"""Files no digest lists: the keys digests list (8 bytes each), the time digest chains cover, and
the second listing that finds log files outside both.

A log file no digest lists is *extra* when its name's time lies inside the time some chain of its
location covers (CloudTrail digests every file it delivers while validation is on), 15 minutes
inside the span's edges, and an hour before the newest digest's end (the digest listing the
newest files may not be delivered yet); outside every span it is not proven either way.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from ctguard.verify.names import Location, LogName, parse_log_key

EDGE = timedelta(minutes=15)
NEWEST_EDGE = timedelta(hours=1)
JOIN = timedelta(minutes=5)  # consecutive digests' spans touch; a little slack joins them


class ListedKeys:
    """A set of keys as sorted 8-byte hashes: a million listed log files take 8 MB.

    Two different keys share a hash with probability about n^2 / 2^65 (1e-7 for a million keys);
    the cost of a collision is one extra file not reported.
    """

    def __init__(self) -> None:
        self._hashes = array("Q")
        self._frozen = False

    @staticmethod
    def _hash(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")

    def add(self, key: str) -> None:
        self._hashes.append(self._hash(key))
        self._frozen = False

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if not self._frozen:
            self._hashes = array("Q", sorted(self._hashes))
            self._frozen = True
        value = self._hash(key)
        i = bisect_left(self._hashes, value)
        return i < len(self._hashes) and self._hashes[i] == value


class Coverage:
    """The time each location's digests cover."""

    def __init__(self) -> None:
        self._spans: dict[Location, list[tuple[datetime, datetime]]] = defaultdict(list)

    def add(self, location: Location, start: datetime, end: datetime) -> None:
        self._spans[location].append((start, end))

    def judged(self) -> dict[Location, list[tuple[datetime, datetime]]]:
        """Per location, the spans inside which an unlisted log file is extra."""
        out = {}
        for location, spans in self._spans.items():
            merged: list[list[datetime]] = []
            for start, end in sorted(spans):
                if merged and start <= merged[-1][1] + JOIN:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            inner = [(s + EDGE, e - EDGE) for s, e in merged]
            inner[-1] = (inner[-1][0], merged[-1][1] - NEWEST_EDGE)
            out[location] = inner
        return out


@dataclass(frozen=True, slots=True)
class Unlisted:
    key: str
    log: LogName | None  # None: not a CloudTrail log file name
    inside: bool  # inside a span digests cover


def unlisted_logs(
    keys: Iterable[str], listed: ListedKeys, coverage: Coverage, in_window: Callable[[datetime], bool]
) -> Iterator[Unlisted]:
    spans = coverage.judged()
    for key in keys:
        if "/CloudTrail/" not in key or key in listed:
            continue
        log = parse_log_key(key)
        if log is None:
            yield Unlisted(key, None, False)
        elif in_window(log.time):
            yield Unlisted(key, log, any(s <= log.time <= e for s, e in spans.get(log.location, [])))
