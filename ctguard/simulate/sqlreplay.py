"""``simulate --events ... --sql duckdb``: the replay counted by DuckDB instead of Python.

DuckDB is optional (extra ``sql``).  The query (sql.duckdb_query) groups records by the same
keys the Python replay uses, so the report code is shared; verdict reasons are not available
from SQL, so each verdict says only that the query decided it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ctguard.simulate.evaluate import CompiledTrail, DecidedBy, Verdict
from ctguard.simulate.replay import Shape
from ctguard.simulate.sql import SqlUnsupported, duckdb_query

_CAPTURED = {"captured": True, "missed": False, "unknown": None}
_RO = {"true": True, "false": False}


@dataclass
class SqlReplay:
    records: int = 0
    first_time: str | None = None
    last_time: str | None = None
    rows: list[tuple[Shape, int]] = field(default_factory=list)

    def shapes(self) -> Iterable[tuple[Shape, int]]:
        return iter(self.rows)


def duckdb_replay(trails: list[CompiledTrail], files: Sequence[str]) -> SqlReplay:
    try:
        import duckdb
    except ImportError:
        raise SqlUnsupported("--sql duckdb needs DuckDB: pip install 'ctguard[sql]'") from None
    verdicts = {
        (i, state): Verdict(
            t.key,
            _CAPTURED[state],
            f"{state} (decided by the DuckDB query)",
            DecidedBy("sql"),
            "unknown in SQL" if state == "unknown" else None,
            t.mode,
        )
        for i, t in enumerate(trails)
        for state in _CAPTURED
    }
    try:
        rows = duckdb.connect().execute(duckdb_query(trails, files)).fetchall()
    except duckdb.Error as exc:
        raise SqlUnsupported(f"DuckDB could not read the archive: {exc}") from None
    out = SqlReplay()
    n = len(trails)
    for row in rows:
        cat, src, name, ro, acct, region = row[:6]
        states = row[6 : 6 + n]
        count, lo, hi = row[6 + n :]
        shape = Shape(cat, src, name, _RO.get(ro), acct, region, tuple(verdicts[(i, s)] for i, s in enumerate(states)))
        out.rows.append((shape, count))
        out.records += count
        if lo is not None and (out.first_time is None or lo < out.first_time):
            out.first_time = lo
        if hi is not None and (out.last_time is None or hi > out.last_time):
            out.last_time = hi
    return out


__all__ = ["SqlReplay", "duckdb_replay"]
