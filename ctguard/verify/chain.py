"""Walking one trail's digest chain from the newest digest back, as ``aws cloudtrail validate-logs`` does.

Each digest names the previous one (``previousDigestS3Object``); the first of a chain names none.
The walk reports, per digest it reaches, which digest pointed at it (its successor), so that the
successor's record of it (hash, signature) can be compared; a digest that is named but absent is
*deleted*, and the walk resumes at the newest digest older than it, as the CLI does. A chain start
with an older digest still in range is a *gap*. Digests the walk never reaches are reported by
the caller.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ctguard.verify.digest import Digest
from ctguard.verify.names import DigestName, parse_digest_key


@dataclass(frozen=True, slots=True)
class Visit:
    """A digest file reached by the walk; ``digest`` is None when it could not be read or parsed."""

    name: DigestName
    digest: Digest | None
    successor: Digest | None  # the digest that names this one as its previous digest


@dataclass(frozen=True, slots=True)
class Deleted:
    key: str  # the archive key the successor names
    successor: Digest
    successor_name: DigestName


@dataclass(frozen=True, slots=True)
class Gap:
    older: DigestName  # the newest digest before the chain start
    start: Digest  # the digest that starts a chain
    start_name: DigestName


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """The previous digest lies outside this archive (another bucket, or outside the copied prefix)."""

    where: str
    successor_name: DigestName


Step = Visit | Deleted | Gap | Elsewhere


def walk(
    names: list[DigestName],
    load: Callable[[DigestName], Digest | None],
    local_key: Callable[[str | None, str], str | None],
    bucket_of: Callable[[Digest], bool],
    since: datetime | None,
) -> Iterator[Step]:
    """``names``: one chain's non-backfill digests, sorted by time; ``load`` reads and parses one."""
    by_key = {n.key: n for n in names}
    times = [n.time for n in names]
    position = len(names) - 1
    successor: Digest | None = None
    seen: set[str] = set()
    while position >= 0:
        name = names[position]
        seen.add(name.key)
        digest = load(name)
        yield Visit(name, digest, successor)
        if digest is None:
            position, successor = position - 1, None
            continue
        if since is not None and digest.start < since:
            return
        if digest.previous_key is None:
            if position > 0:
                yield Gap(names[position - 1], digest, name)
            position, successor = position - 1, None
            continue
        if not bucket_of(digest):
            yield Elsewhere(f"s3://{digest.previous_bucket}/{digest.previous_key}", name)
            position, successor = position - 1, None
            continue
        key = local_key(digest.previous_bucket, digest.previous_key)
        if key is None:
            yield Elsewhere(f"s3://{digest.previous_bucket}/{digest.previous_key}", name)
            position, successor = position - 1, None
            continue
        target = by_key.get(key)
        if target is not None and target.key not in seen and target.time <= name.time:
            position = bisect.bisect_left(times, target.time)
            while names[position].key != key:
                position += 1
            successor = digest
            continue
        if target is None:
            yield Deleted(key, digest, name)
            missing = parse_digest_key(key)
            if missing is not None and missing.time < name.time:
                position = bisect.bisect_left(times, missing.time) - 1
                successor = None
                continue
        # a previous digest named that is absent from the listing, or later than its successor: go on
        # with the next older digest, never looping
        position, successor = position - 1, None
