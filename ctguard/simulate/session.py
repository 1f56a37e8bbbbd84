"""Replay runs over batches of records, and the diff of two sets of trails over the same events.

Trails are loaded from inputs by the simulator API (``ctguard.simulation``); nothing here reads
inputs or prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ctguard.simulate.evaluate import CompiledTrail
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.replay import Replay, Shape


def run_replay(
    trails: list[CompiledTrail],
    batches: Iterable[Any],
    policy: SimPolicy,
    progress: Callable[[int], None] | None = None,
    replay: Replay | None = None,
) -> Replay:
    """Feed ``batches`` to ``replay`` (a new one by default) and return it."""
    if replay is None:
        replay = Replay(trails, policy)
    it = iter(batches)
    while (batch := next(it, None)) is not None:
        replay.add(batch.records)
        nbytes = batch.nbytes
        del batch  # not alive while the next file is parsed
        if progress is not None:
            progress(nbytes)
    return replay


def diff_shapes(shapes: Iterable[tuple[Shape, int]], n_old: int, top: int = 20) -> dict[str, Any]:
    """Gains and losses of "captured by any trail" between the first n_old trails and the rest."""
    gains: dict[tuple[str, str, str], int] = {}
    losses: dict[tuple[str, str, str], int] = {}
    unknown: dict[tuple[str, str, str], int] = {}
    totals = {"gained": 0, "lost": 0, "unchanged": 0, "unknown": 0}
    by_cat: dict[str, dict[str, int]] = {}
    for shape, count in shapes:
        old, new = _any(shape.verdicts[:n_old]), _any(shape.verdicts[n_old:])
        key = (shape.category, shape.source or "(none)", shape.name or "(none)")
        if old is None or new is None:
            state, bucket = "unknown", unknown
        elif old == new:
            state, bucket = "unchanged", None
        elif new:
            state, bucket = "gained", gains
        else:
            state, bucket = "lost", losses
        totals[state] += count
        by_cat.setdefault(shape.category, {"gained": 0, "lost": 0, "unchanged": 0, "unknown": 0})[state] += count
        if bucket is not None:
            bucket[key] = bucket.get(key, 0) + count

    def rows(d: dict[tuple[str, str, str], int]) -> list[dict[str, Any]]:
        return [
            {"category": k[0], "source": k[1], "name": k[2], "count": c}
            for k, c in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ]

    return {
        **totals,
        "by_category": by_cat,
        "gained_events": rows(gains),
        "lost_events": rows(losses),
        "unknown_events": rows(unknown),
    }


def _any(verdicts: tuple[Any, ...]) -> bool | None:
    result: bool | None = False
    for v in verdicts:
        if v.captured is True:
            return True
        if v.captured is None:
            result = None
    return result


__all__ = ["diff_shapes", "run_replay"]
