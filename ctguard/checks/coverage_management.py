"""Which management events (read, write) a trail's selectors record, answered by the simulator.

Replaces the shape-based reading of the old CT112: the representative read and write
management events (``coverage_events``) go through the trail's selectors with every scope
stage open, so basic and advanced selectors, defaults, exclusions and Unknown values are read
exactly as the coverage policies read them.  CT111 (Insights prerequisites) uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctguard.checks.coverage_events import place_of, representative, selectors_only, verdict_path
from ctguard.model import Model, Trail

Tri = bool | None


@dataclass(frozen=True, slots=True)
class ManagementCoverage:
    """Whether a trail records read and write management events (None: cannot tell, and why)."""

    read: Tri
    write: Tri
    reason: str = ""  # why unknown, or what decided
    path: tuple[str | int, ...] = ()


def coverage(trail: Trail, model: Model | None = None) -> ManagementCoverage:
    place = place_of(model or Model(trails=[trail]), [trail])
    compiled = selectors_only(trail, place)
    verdicts = {
        kind: compiled.evaluate(representative(place, f"management-{kind}").event) for kind in ("read", "write")
    }
    # Point at what decided the interesting verdict: an unknown one, else a miss, else the read one.
    chosen = next((v for v in verdicts.values() if v.captured is None), None) or next(
        (v for v in verdicts.values() if v.captured is False), verdicts["read"]
    )
    reason = chosen.unknown_because or chosen.reason
    return ManagementCoverage(
        verdicts["read"].captured, verdicts["write"].captured, reason, verdict_path(trail, chosen)
    )


__all__ = ["ManagementCoverage", "coverage"]
