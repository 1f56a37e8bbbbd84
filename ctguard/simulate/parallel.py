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

import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ctguard.simulate.archive import iter_batches
from ctguard.simulate.evaluate import CompiledTrail
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.replay import Replay, Shape
from ctguard.simulate.session import run_replay

log = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 16 * 1024 * 1024  # compressed: ~70,000 records; less is over in a second
CHUNKS_PER_WORKER = 8

_state: tuple[list[CompiledTrail], SimPolicy] | None = None  # set in each forked worker


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
    if jobs is not None:
        return max(1, min(jobs, len(files)))
    if len(files) < PARALLEL_MIN_FILES or sum(s for _, s in files) < PARALLEL_MIN_BYTES:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, len(files)))


def replay_files(trails: list[CompiledTrail], files: list[tuple[str, int]], policy: SimPolicy, jobs: int | None,
                 on_error: Callable[[str, str], None], progress: Callable[[int], None] | None = None) -> Any:
    """Replay ``files`` (path, size) with ``jobs`` processes (None: auto); a Replay or MergedReplay."""
    workers = workers_for(files, jobs)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return run_replay(trails, iter_batches(files, on_error), policy, progress)
    size = max(1, -(-len(files) // (workers * CHUNKS_PER_WORKER)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    merged = MergedReplay()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_start,
                             initargs=(trails, policy)) as pool:
        futures = [pool.submit(_replay_chunk, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            shapes, records, first, last, skipped = _result(chunk, future, trails, policy)
            merged.merge(shapes, records, first, last)
            for path, message in skipped:
                on_error(path, message)
            if progress is not None:
                progress(sum(s for _, s in chunk))
    return merged


ChunkResult = tuple[list[tuple[Shape, int]], int, "str | None", "str | None", list[tuple[str, str]]]


def _start(trails: list[CompiledTrail], policy: SimPolicy) -> None:
    global _state
    _state = (trails, policy)


def _replay_chunk(chunk: list[tuple[str, int]]) -> ChunkResult:
    assert _state is not None
    return _run(chunk, *_state)


def _run(chunk: list[tuple[str, int]], trails: list[CompiledTrail], policy: SimPolicy) -> ChunkResult:
    skipped: list[tuple[str, str]] = []
    replay: Replay = run_replay(trails, iter_batches(chunk, lambda p, m: skipped.append((p, m))), policy)
    return list(replay.shapes()), replay.records, replay.first_time, replay.last_time, skipped


def _result(chunk: list[tuple[str, int]], future: Future[ChunkResult], trails: list[CompiledTrail],
            policy: SimPolicy) -> ChunkResult:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker (BrokenProcessPool), an unpicklable result
        log.warning("parallel replay failed (%s: %s); replaying %d files in this process",
                    type(exc).__name__, exc, len(chunk))
        return _run(chunk, trails, policy)


__all__ = ["MergedReplay", "PARALLEL_MIN_FILES", "replay_files", "workers_for"]
