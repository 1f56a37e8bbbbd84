"""What every benchmark prints for ``bench/run``: rows of (measure, value, baseline, ratio, target).

Each benchmark script accepts ``--json FILE`` and writes its rows there, besides its own
human-readable output; ``bench/run`` gathers them into one table.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

# Installed packages have byte-code (pip compiles on install); a shell that sets
# PYTHONDONTWRITEBYTECODE would make every timed run recompile ctguard from source.
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str  # what was timed, e.g. "ctguard check, 1,000 files"
    value: float
    unit: str  # "s", "events/s", "MB"
    baseline: str  # what the ratio is against, measured in the same run
    baseline_value: float
    target: str  # the target, in words ("ratio <= 1.3")
    met: bool | None  # None: no target for this row

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else float("nan")


def write_rows(path: str | None, rows: list[Row]) -> None:
    if not path:
        return
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{**asdict(r), "ratio": r.ratio} for r in rows], fh, indent=2)
