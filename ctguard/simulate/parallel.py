"""Archive replay across cores: chunks of log files in worker processes, shapes merged here.

A replay is CPU-bound (decompress and parse, ~10 us per record), and log files are independent,
so each worker replays a chunk of consecutive files with its own ``Replay`` and sends back only
its shapes with their counts (a few hundred, whatever the archive size), its record count, time
span and skipped files.  Shapes are merged by value in chunk order, which reproduces the order
in which a sequential replay first meets them (within a chunk a worker meets them in the
sequential order; across chunks, shapes already met are counted, new ones appended), so the
summary is identical to a sequential replay's, including the order of equal counts.

Workers are forked: the compiled trails reach them unpickled.  Where fork is not available, or
the archive is small (``PARALLEL_MIN_FILES``), the replay stays in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ctguard.simulate.archive import iter_batches
from ctguard.simulate.evaluate import CompiledTrail
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.replay import Replay, Shape
from ctguard.simulate.session import run_replay

PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 16 * 1024 * 1024  # compressed: ~70,000 records; less is over in a second
# Decompressed: the replay's work follows the JSON it parses, not the bytes on disk, and log files
# compress 10x to 40x (100,000 repetitive records fit in 3.5 MB).  About 0.2 s on one core:
# forked workers cost a few tens of milliseconds.
PARALLEL_MIN_INFLATED = 24 * 1024 * 1024
CHUNKS_PER_WORKER = 8


@dataclass
class MergedReplay:
    """What ``Replay`` offers the reports (``shapes()``, records, time span), over many chunks."""

    records: int = 0
    first_time: str | None = None
    last_time: str | None = None
    _counts: dict[Shape, int] = field(default_factory=dict)

    def merge(self, shapes: Iterable[tuple[Shape, int]], records: int, first: str | None, last: str | None) -> None:
        counts = self._counts
        for shape, n in shapes:
            counts[shape] = counts.get(shape, 0) + n
        self.records += records
        if first is not None and (self.first_time is None or first < self.first_time):
            self.first_time = first
        if last is not None and (self.last_time is None or last > self.last_time):
            self.last_time = last

    def shapes(self) -> Iterable[tuple[Shape, int]]:
        return ((s, c) for s, c in self._counts.items() if c)


def workers_for(files: list[tuple[str, int]], jobs: int | None) -> int:
    """1 for small archives or where workers cannot be forked; else ``jobs`` or one per core."""
    from ctguard.workers import can_fork, usable_cpus

    if not can_fork():
        return 1
    if jobs is not None:
        return max(1, min(jobs, len(files)))
    if len(files) < PARALLEL_MIN_FILES:
        return 1
    if sum(s for _, s in files) < PARALLEL_MIN_BYTES and _inflated_size(files) < PARALLEL_MIN_INFLATED:
        return 1
    return max(1, min(usable_cpus(), len(files)))


def _inflated_size(files: list[tuple[str, int]]) -> int:
    """The archive's size decompressed, from each gzip file's trailer (ISIZE: the size modulo
    4 GiB, exact for log files); stops counting at PARALLEL_MIN_INFLATED."""
    total = 0
    for path, size in files:
        if size > 18 and path.lower().endswith(".gz"):
            try:
                with open(path, "rb") as fh:
                    fh.seek(-4, 2)
                    # deflate cannot expand more than 1032x: a truncated file's garbage is capped
                    size = max(size, min(int.from_bytes(fh.read(4), "little"), 1032 * size))
            except OSError:
                pass  # the replay reports it
        total += size
        if total >= PARALLEL_MIN_INFLATED:
            break
    return total


def replay_files(
    trails: list[CompiledTrail],
    files: list[tuple[str, int]],
    policy: SimPolicy,
    jobs: int | None,
    on_error: Callable[[str, str], None],
    progress: Callable[[int], None] | None = None,
) -> Any:
    """Replay ``files`` (path, size) with ``jobs`` processes (None: auto); a Replay or MergedReplay."""
    workers = workers_for(files, jobs)
    if workers <= 1:
        return run_replay(trails, iter_batches(files, on_error), policy, progress)
    from ctguard.workers import chunked, pool_context, run_chunks

    merged = MergedReplay()
    for chunk, (shapes, records, first, last, skipped) in run_chunks(
        _replay_chunk, chunked(files, workers, CHUNKS_PER_WORKER), workers, (trails, policy), pool_context(), "replay"
    ):
        merged.merge(shapes, records, first, last)
        for path, message in skipped:
            on_error(path, message)
        if progress is not None:
            progress(sum(s for _, s in chunk))
    return merged


ChunkResult = tuple[list[tuple[Shape, int]], int, "str | None", "str | None", list[tuple[str, str]]]


def _replay_chunk(chunk: list[tuple[str, int]], state: tuple[list[CompiledTrail], SimPolicy]) -> ChunkResult:
    return _run(chunk, *state)


# A worker keeps one Replay across its chunks, so its caches (quick keys, data keys, shapes)
# are learnt once per worker instead of once per chunk; each chunk reports only its own counts.
# Chunks reach a worker in submission order, so a shape it met in an earlier chunk was merged
# before this chunk's, and the shapes new to it keep their first-met order: the merged order is
# still the sequential one.  Not in the parent (a failed chunk redone there): nothing outlives
# the replay there.
_kept: Replay | None = None


def _run(chunk: list[tuple[str, int]], trails: list[CompiledTrail], policy: SimPolicy) -> ChunkResult:
    global _kept
    from multiprocessing import parent_process

    skipped: list[tuple[str, str]] = []
    batches = iter_batches(chunk, lambda p, m: skipped.append((p, m)))
    replay = _kept
    if replay is None or replay.trails is not trails or replay.policy is not policy:
        replay = Replay(trails, policy)
        if parent_process() is not None:
            _kept = replay
    before, records = replay.counts(), replay.records
    run_replay(trails, batches, policy, replay=replay)
    return replay.shapes_since(before), replay.records - records, replay.first_time, replay.last_time, skipped


__all__ = ["PARALLEL_MIN_FILES", "MergedReplay", "replay_files", "workers_for"]
