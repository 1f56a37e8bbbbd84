"""The whole verification of one archive: list it, walk every chain, hash every listed log file,
then look for files no digest lists. Findings come out as ``ctguard check`` reports them.

Memory stays flat in the number of log files: digest names are kept (one per trail and hour), log
files are hashed as they are listed by a digest (a bounded number at once) and remembered only as
8-byte key hashes for the final "not in any digest" pass, which lists the archive a second time.
"""

from __future__ import annotations

from collections import defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ctguard.findings import Finding, Status
from ctguard.verify import rules
from ctguard.verify.archive import Archive, ObjectMissing, ObjectUnreadable
from ctguard.verify.chain import Deleted, Elsewhere, Gap, Visit, walk
from ctguard.verify.digest import Digest, DigestFormatError, LogEntry, parse_digest
from ctguard.verify.extras import Coverage, ListedKeys, unlisted_logs
from ctguard.verify.keys import PublicKeys
from ctguard.verify.loghash import LogFormatError, hash_log
from ctguard.verify.names import DigestName, Location, parse_digest_key
from ctguard.verify.progress import Progress
from ctguard.verify.signature import SignatureCheck, check_signature

NEWEST_EDGE = timedelta(hours=1)  # a digest lists files delivered in the hour before its end


@dataclass(frozen=True)
class Window:
    start: datetime | None = None
    end: datetime | None = None

    def digest_in(self, when: datetime) -> bool:
        # a digest up to an hour after the end lists files delivered before it (as the CLI reads them)
        return (self.start is None or when >= self.start) and (self.end is None or when <= self.end + NEWEST_EDGE)

    def after(self, when: datetime) -> bool:
        """A digest newer than the window: read only to hand its record of the previous one down."""
        return self.end is not None and when > self.end + NEWEST_EDGE

    def log_in(self, when: datetime) -> bool:
        return (self.start is None or when >= self.start) and (self.end is None or when <= self.end)


@dataclass
class Stats:
    digests: int = 0
    digests_valid: int = 0
    logs: int = 0
    logs_valid: int = 0
    bytes: int = 0


@dataclass
class _DigestRecord:
    """What the digest finding will say once its log files are hashed."""

    display: str
    trail: str
    status: Status
    message: str
    rule_id: str
    logs: int = 0
    logs_ok: int = 0


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    notes: list[str] = field(default_factory=list)


class Verifier:
    def __init__(
        self, archive: Archive, keys: PublicKeys, window: Window, jobs: int = 4, progress: Progress | None = None
    ) -> None:
        self.archive, self.keys, self.window = archive, keys, window
        self.jobs = max(1, jobs)
        self.progress = progress or Progress()
        self.out = Outcome()
        self._records: list[_DigestRecord] = []
        self._listed = ListedKeys()  # every log file some digest lists
        self._covered = Coverage()
        self._visited: set[str] = set()
        self._last_status = Status.UNKNOWN  # of the digest visited last: the successor of the next one
        self._pending: deque[tuple[Future[Any], _DigestRecord, LogEntry, str]] = deque()

    # -- findings ---------------------------------------------------------------------------------
    def _add(
        self, rule_id: str, status: Status, message: str, file: str, resource: str | None = None, kind: str = "digest"
    ) -> None:
        self.out.findings.append(rules.finding(rule_id, status, message, file, resource=resource, kind=kind))

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> Outcome:
        chains, backfills, logs = self._list()
        self.progress.start(logs)
        # zlib and hashlib release the GIL on large buffers: threads hash files side by side.
        with ThreadPoolExecutor(max_workers=self.jobs) if self.jobs > 1 else _Inline() as pool:
            self._pool = pool
            for chain_id in sorted(chains, key=lambda c: (c[0].prefix, c[0].account, c[0].region, c[1], c[2])):
                self._chain(sorted(chains[chain_id], key=lambda n: (n.time, n.key)))
            for name in backfills:  # backfill digests are not chained: they carry their own signature only
                digest, stored = self._load(name)
                self._visit(Visit(name, digest, None), stored=stored)
            self._drain(0)
        self.progress.stop()
        self._finish_digests()
        self._extras(chains)
        return self.out

    def _list(self) -> tuple[dict[Any, list[DigestName]], list[DigestName], int]:
        chains: dict[Any, list[DigestName]] = defaultdict(list)
        backfills: list[DigestName] = []
        logs = insights = 0
        try:
            for key in self.archive.keys():  # noqa: SIM118 - an Archive lists its keys; it is not a dict
                if "/CloudTrail-Digest/" in key:
                    name = parse_digest_key(key)
                    if name is None:
                        self._add(
                            rules.NOT_IN_DIGEST,
                            Status.FAIL,
                            "File in CloudTrail-Digest/ whose name is not a CloudTrail digest file name",
                            self.archive.display(key),
                            kind="digest",
                        )
                    elif name.backfill:
                        if self.window.digest_in(name.time):
                            backfills.append(name)
                    elif self.window.start is None or name.time >= self.window.start:
                        # digests after the window too: the first of them records the signature of
                        # the window's newest digest, which a local copy has no other way to know
                        chains[name.chain_id].append(name)
                elif "/CloudTrail/" in key:
                    logs += 1
                elif "/CloudTrail-Insight/" in key:
                    insights += 1
        except ObjectUnreadable as exc:
            self._add(rules.UNREADABLE, Status.ERROR, f"The archive could not be listed: {exc}", self.archive.name)
        if insights:
            self.out.notes.append(
                f"{insights} CloudTrail Insights file{'s' if insights != 1 else ''} "
                "(CloudTrail-Insight/) not judged: only CloudTrail/ log files are checked"
            )
        return chains, backfills, logs

    def _load(self, name: DigestName) -> tuple[Digest | None, str | None]:
        """The parsed digest and its stored signature; a finding when it cannot be used."""
        display = self.archive.display(name.key)
        try:
            raw, signature = self.archive.read_digest(name.key)
        except ObjectMissing:
            self._add(
                rules.DIGEST_DELETED,
                Status.FAIL,
                "Digest file vanished while it was verified",
                display,
                name.trail_label(),
            )
            return None, None
        except ObjectUnreadable as exc:
            self._add(
                rules.UNREADABLE, Status.ERROR, f"Digest file could not be read: {exc}", display, name.trail_label()
            )
            return None, None
        try:
            return parse_digest(raw), signature
        except DigestFormatError as exc:
            self.out.stats.digests += 1
            self._add(
                rules.DIGEST_SIGNATURE,
                Status.FAIL,
                f"Digest file INVALID: invalid format: {exc}",
                display,
                name.trail_label(),
            )
            return None, None

    def _chain(self, names: list[DigestName]) -> None:
        signatures: dict[str, str | None] = {}

        def load(name: DigestName) -> Digest | None:
            if self.window.after(name.time):
                try:
                    return parse_digest(self.archive.read_digest(name.key)[0])
                except (ObjectMissing, ObjectUnreadable, DigestFormatError):
                    return None  # outside the window: judged when the window includes it
            digest, signatures[name.key] = self._load(name)
            return digest

        def same_bucket(digest: Digest) -> bool:
            return digest.previous_bucket in (None, digest.bucket)

        def local(bucket: str | None, key: str) -> str | None:
            return self.archive.local_key(key)

        # A deleted digest's successor still proves the chain ran on: the time up to the next older
        # digest counts as covered, so that the log files the deleted digest listed come out as extra.
        linked_until: datetime | None = None
        after = self.window.after
        for step in walk(names, load, local, same_bucket, self.window.start):
            if isinstance(step, Visit) and after(step.name.time):
                self._visited.add(step.name.key)
                self._last_status = Status.UNKNOWN  # read, not judged
                continue
            if isinstance(step, Visit):
                self._visit(step, stored=signatures.pop(step.name.key, None))
                if step.digest is not None and linked_until is not None:
                    self._covered.add(step.name.location, step.digest.end, linked_until)
                linked_until = None
            elif isinstance(step, Deleted):
                missing = parse_digest_key(step.key)
                if after(step.successor_name.time) and (missing is None or after(missing.time)):
                    continue
                linked_until = step.successor.start
                self._add(
                    rules.DIGEST_DELETED,
                    Status.FAIL,
                    f"Digest file INVALID: not found; {step.successor_name.key.rsplit('/', 1)[-1]} names it as "
                    "its previous digest",
                    self.archive.display(step.key),
                    step.successor_name.trail_label(),
                    kind="digest",
                )
            elif isinstance(step, Gap):
                if after(step.start_name.time):
                    continue
                self._add(
                    rules.GAP,
                    Status.FAIL,
                    f"No digest covers {step.older.time:%Y-%m-%dT%H:%M:%SZ} to "
                    f"{step.start.start:%Y-%m-%dT%H:%M:%SZ}: log files delivered then are not proven "
                    "(logging or log file validation was off)",
                    self.archive.display(step.start_name.key),
                    step.start_name.trail_label(),
                )
            elif isinstance(step, Elsewhere):
                if after(step.successor_name.time):
                    continue
                self._add(
                    rules.CHAIN_BROKEN,
                    Status.UNKNOWN,
                    f"The previous digest {step.where} is outside this archive: the chain is not followed further",
                    self.archive.display(step.successor_name.key),
                    step.successor_name.trail_label(),
                )

    def _visit(self, step: Visit, stored: str | None = None) -> None:
        name, digest, successor = step.name, step.digest, step.successor
        self._visited.add(name.key)
        if digest is None:
            return
        self.out.stats.digests += 1
        display, trail = self.archive.display(name.key), name.trail_label()
        self._covered.add(name.location, digest.start, digest.end)
        successor_status = self._last_status if successor is not None else None
        status, rule_id, message = self._judge(name, digest, successor, successor_status, stored)
        self._last_status = status
        record = _DigestRecord(display, trail, status, message, rule_id)
        self._records.append(record)
        for entry in digest.logs:
            self._check_log(record, digest, entry)

    def _judge(
        self,
        name: DigestName,
        digest: Digest,
        successor: Digest | None,
        successor_status: Status | None,
        stored: str | None,
    ) -> tuple[Status, str, str]:
        display, trail = self.archive.display(name.key), name.trail_label()
        expected = self.archive.learn_prefix(name.key, digest.key)
        if digest.key != expected or (self.archive.bucket is not None and digest.bucket != self.archive.bucket):
            return (
                Status.FAIL,
                rules.DIGEST_SIGNATURE,
                (f"Digest file INVALID: has been moved from its original location s3://{digest.bucket}/{digest.key}"),
            )
        if successor_status is Status.FAIL:  # a changed successor's record of this digest proves nothing
            successor = None
        from_successor = successor.previous_signature if successor is not None else None
        if successor is not None:
            if successor.previous_hash is not None and successor.previous_hash.lower() != digest.sha256:
                self._add(
                    rules.CHAIN_BROKEN,
                    Status.FAIL,
                    f"Digest file's SHA-256 {digest.sha256} is not the {successor.previous_hash} its successor "
                    "records: it was replaced or modified",
                    display,
                    trail,
                )
            if stored is not None and from_successor is not None and stored.lower() != from_successor.lower():
                self._add(
                    rules.CHAIN_BROKEN,
                    Status.FAIL,
                    "Digest file's signature (object metadata) is not the one its successor records "
                    "(previousDigestSignature)",
                    display,
                    trail,
                )
        signature = stored or from_successor
        if not self.keys.given:
            return (
                Status.UNKNOWN,
                rules.DIGEST_SIGNATURE,
                (
                    "Digest signature not checked: no public keys given "
                    "(--public-keys FILE from `aws cloudtrail list-public-keys`, or --live-keys)"
                ),
            )
        key = self.keys.lookup(digest.fingerprint, name.location.region)
        if key is None:
            why = self.keys.unreadable.get(name.location.region)
            if why is not None:
                self._add(
                    rules.UNREADABLE,
                    Status.ERROR,
                    f"Public keys for {name.location.region} could not be read: {why}",
                    display,
                    trail,
                )
                return (
                    Status.UNKNOWN,
                    rules.DIGEST_SIGNATURE,
                    (f"Digest signature not checked: the public keys of {name.location.region} could not be read"),
                )
            return (
                Status.FAIL,
                rules.KEY_NOT_FOUND,
                (
                    f"Digest file INVALID: public key not found in region "
                    f"{name.location.region} for fingerprint {digest.fingerprint}"
                ),
            )
        if signature is None:
            return (
                Status.UNKNOWN,
                rules.DIGEST_SIGNATURE,
                (
                    "Digest signature not available: S3 keeps it in the "
                    "object metadata, which a copy on disk loses; put it in a "
                    f"{name.key.rsplit('/', 1)[-1]}.sig file (hex, or the `aws s3api head-object` answer)"
                ),
            )
        result = check_signature(digest, signature, key)
        if result is SignatureCheck.VALID:
            self.out.stats.digests_valid += 1
            return Status.PASS, rules.DIGEST_SIGNATURE, "Digest file valid"
        if result is SignatureCheck.UNSUPPORTED:
            return (
                Status.UNKNOWN,
                rules.DIGEST_SIGNATURE,
                (f"Digest signature algorithm {digest.algorithm!r} is not SHA256withRSA: not checked"),
            )
        if result is SignatureCheck.BAD_KEY:
            return (
                Status.UNKNOWN,
                rules.DIGEST_SIGNATURE,
                (
                    f"The public key with fingerprint {digest.fingerprint} "
                    "is not a DER RSA public key: signature not checked"
                ),
            )
        if stored is None and successor_status is not Status.PASS:
            return (
                Status.FAIL,
                rules.CHAIN_BROKEN,
                (
                    "Digest file INVALID: the signature its successor records "
                    "does not verify it, and the successor is not proven: this digest or its successor was changed"
                ),
            )
        why = "the signature is not hex" if result is SignatureCheck.BAD_SIGNATURE else "signature verification failed"
        return Status.FAIL, rules.DIGEST_SIGNATURE, f"Digest file INVALID: {why}"

    # -- log files --------------------------------------------------------------------------------
    def _check_log(self, record: _DigestRecord, digest: Digest, entry: LogEntry) -> None:
        record.logs += 1
        self.out.stats.logs += 1
        key = self.archive.local_key(entry.key) if entry.bucket == digest.bucket else None
        if key is None:
            self._add(
                rules.LOG_MISSING,
                Status.UNKNOWN,
                f"Log file s3://{entry.bucket}/{entry.key} is outside this archive: not checked",
                record.display,
                record.trail,
                kind="log",
            )
            return
        self._listed.add(key)
        if entry.hash_algorithm.upper().replace("-", "") != "SHA256":
            self._add(
                rules.LOG_MODIFIED,
                Status.UNKNOWN,
                f"Log file hash algorithm {entry.hash_algorithm!r} is not SHA-256: not checked",
                self.archive.display(key),
                record.trail,
                kind="log",
            )
            return
        self._drain(self.jobs * 4)
        self._pending.append((self._pool.submit(self._hash, key), record, entry, key))

    def _hash(self, key: str) -> Any:
        try:
            stream = self.archive.open(key)
        except (ObjectMissing, ObjectUnreadable) as exc:
            return exc
        try:
            return hash_log(stream)
        except (LogFormatError, ObjectUnreadable) as exc:
            return exc
        except OSError as exc:
            return ObjectUnreadable(str(exc))
        except Exception as exc:
            return ObjectUnreadable(f"{type(exc).__name__}: {exc}")
        finally:
            stream.close()

    def _drain(self, keep: int) -> None:
        while len(self._pending) > keep:
            future, record, entry, key = self._pending.popleft()
            result = future.result()
            if not isinstance(result, Exception) and result.sha256 == entry.hash_value:
                self.out.stats.logs_valid += 1
                self.out.stats.bytes += result.compressed_bytes
                record.logs_ok += 1
                self.progress.advance()
                continue
            display = self.archive.display(key)
            trail = record.trail
            if isinstance(result, ObjectMissing):
                self._add(
                    rules.LOG_MISSING,
                    Status.FAIL,
                    f"Log file INVALID: not found; listed by digest {record.display}",
                    display,
                    trail,
                    kind="log",
                )
            elif isinstance(result, ObjectUnreadable):
                self._add(
                    rules.UNREADABLE, Status.ERROR, f"Log file could not be read: {result}", display, trail, kind="log"
                )
            elif isinstance(result, LogFormatError):
                self._add(rules.LOG_MODIFIED, Status.FAIL, f"Log file INVALID: {result}", display, trail, kind="log")
            else:
                self._add(
                    rules.LOG_MODIFIED,
                    Status.FAIL,
                    f"Log file INVALID: hash value doesn't match (SHA-256 "
                    f"{result.sha256}, digest lists {entry.hash_value})",
                    display,
                    trail,
                    kind="log",
                )
                self.out.stats.bytes += result.compressed_bytes
            self.progress.advance()

    def _finish_digests(self) -> None:
        for r in self._records:
            logs = f"{r.logs_ok}/{r.logs} listed log files match" if r.logs else "no log files listed"
            message = r.message + ("; " + logs if r.status is not Status.FAIL else "")
            if r.status is Status.UNKNOWN and r.logs:
                message += " (not proven while the digest is not)"
            self._add(r.rule_id, r.status, message, r.display, r.trail, kind="digest")
        self._records.clear()

    # -- files no digest lists --------------------------------------------------------------------
    def _extras(self, chains: dict[Any, list[DigestName]]) -> None:
        for names in chains.values():
            visited = [n for n in names if n.key in self._visited]
            if not visited:
                continue
            oldest = min(n.time for n in visited)
            for n in names:
                if n.key not in self._visited and n.time >= oldest:
                    self._add(
                        rules.NOT_IN_DIGEST,
                        Status.FAIL,
                        "Digest file no digest chain reaches: the chain skips it (was it added?)",
                        self.archive.display(n.key),
                        n.trail_label(),
                        kind="digest",
                    )
        outside: dict[Location, list[Any]] = {}  # location -> [count, first time, last time, an example key]
        try:
            for extra in unlisted_logs(self.archive.keys(), self._listed, self._covered, self.window.log_in):
                display = self.archive.display(extra.key)
                if extra.log is None:
                    self._add(
                        rules.NOT_IN_DIGEST,
                        Status.FAIL,
                        "File in CloudTrail/ whose name is not a CloudTrail log file name, listed by no digest",
                        display,
                        kind="log",
                    )
                elif extra.inside:
                    self._add(
                        rules.NOT_IN_DIGEST,
                        Status.FAIL,
                        "Log file INVALID: no digest lists it, though digests cover the time it names",
                        display,
                        kind="log",
                    )
                else:
                    when = extra.log.time
                    seen = outside.setdefault(extra.log.location, [0, when, when, extra.key])
                    seen[0] += 1
                    seen[1], seen[2] = min(seen[1], when), max(seen[2], when)
        except ObjectUnreadable as exc:
            self._add(rules.UNREADABLE, Status.ERROR, f"The archive could not be listed: {exc}", self.archive.name)
        for loc, (count, first, last, example) in outside.items():
            self._add(
                rules.NOT_IN_DIGEST,
                Status.UNKNOWN,
                f"{count} log file{'s' if count != 1 else ''} of {loc.label()} from {first:%Y-%m-%dT%H:%MZ} to "
                f"{last:%Y-%m-%dT%H:%MZ} lie outside every digest chain (log file validation off, or their "
                "digests are outside the archive): not proven",
                self.archive.display(example),
                kind="log",
            )


class _Inline:
    """A pool of one that runs each task at once (no thread hand-off for --jobs 1)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future
