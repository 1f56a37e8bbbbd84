"""Counts and cost from a replay: per trail, captured / missed / unknown by category, event
source and event name, the reasons for misses, and a list-price estimate (R36).

Cost rules (ctguard/data/cloudtrail_pricing.json, with its date and source): the first trail,
in input order, that captures a management event gets the free copy, every other capturing
trail pays for an additional copy; every captured data or network activity event is paid;
Insights are paid per analysed event per Insights type (ApiCallRate: write management events,
ApiErrorRate: all management events; for Data insights: all captured data events).  Unknown
verdicts are never charged but are counted, so an estimate that rests on them says so.
The monthly figure scales the counts from the archive's time span to 30 days.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from ctguard.simulate.replay import Shape
from ctguard.values import Unknown

_STATE = {True: "captured", False: "missed", None: "unknown"}
MONTH_SECONDS = 30 * 86400


@lru_cache(maxsize=1)
def pricing() -> dict[str, Any]:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "cloudtrail_pricing.json")
    with open(path, encoding="utf-8") as fh:
        return cast(dict[str, Any], json.load(fh))  # the packaged pricing file is a JSON object


def _tri() -> dict[str, int]:
    return {"captured": 0, "missed": 0, "unknown": 0}


def span_seconds(first: str | None, last: str | None) -> float | None:
    if not first or not last:
        return None
    try:
        a = datetime.fromisoformat(first.replace("Z", "+00:00"))
        b = datetime.fromisoformat(last.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (b - a).total_seconds()


def _insight_weights(trail: Any) -> tuple[dict[tuple[str, bool | None], int], str | None]:
    """Per (category, read_only): how many Insights types analyse such an event; or why unknown."""
    sels = trail.effective.insight_selectors
    if isinstance(sels, Unknown):
        return {}, f"insight selectors unknown: {sels.reason}"
    weights: Counter[tuple[str, bool | None]] = Counter()
    for sel in sels:
        itype = sel.insight_type
        if isinstance(itype, Unknown):
            return {}, f"insight type unknown: {itype.reason}"
        for cat in sel.event_categories or ("Management",):
            if isinstance(cat, Unknown):
                return {}, f"insight event category unknown: {cat.reason}"
            for ro in (True, False, None):
                if cat == "Management" and itype == "ApiCallRateInsight" and ro is not False:
                    continue  # call-rate insights look at write management events only
                weights[(cat, ro)] += 1
    return dict(weights), None


def summarize(
    trails: list[Any],
    shapes: Iterable[tuple[Shape, int]],
    *,
    records: int,
    first_time: str | None,
    last_time: str | None,
    top: int = 20,
) -> dict[str, Any]:
    """The JSON-ready summary (ctguard/schemas/simulate.schema.json, ``replay``)."""
    price = pricing()
    per = price["per_events"]
    n = len(trails)
    totals = [_tri() for _ in range(n)]
    by_cat: list[dict[str, dict[str, int]]] = [{} for _ in range(n)]
    by_src: list[dict[str, dict[str, int]]] = [{} for _ in range(n)]
    by_name: list[dict[tuple[str, str, str], dict[str, int]]] = [{} for _ in range(n)]
    reasons: list[Counter[tuple[str, str]]] = [Counter() for _ in range(n)]
    billable = [Counter() for _ in range(n)]  # type: list[Counter[str]]
    any_total, any_cat = _tri(), {}  # type: dict[str, int], dict[str, dict[str, int]]
    insight = [_insight_weights(t) for t in trails]
    for shape, count in shapes:
        cat, src = shape.category, shape.source or "(none)"
        first_mgmt = True
        any_state: bool | None = False
        for i, v in enumerate(shape.verdicts):
            state = _STATE[v.captured]
            totals[i][state] += count
            by_cat[i].setdefault(cat, _tri())[state] += count
            by_src[i].setdefault(src, _tri())[state] += count
            by_name[i].setdefault((cat, src, shape.name or "(none)"), _tri())[state] += count
            if v.captured is not True:
                reasons[i][(state, v.reason)] += count
                if v.captured is None and any_state is False:
                    any_state = None
                continue
            any_state = True
            if cat == "Management":
                billable[i]["management_paid" if not first_mgmt else "management_free"] += count
                first_mgmt = False
            elif cat == "Data":
                billable[i]["data"] += count
            elif cat == "NetworkActivity":
                billable[i]["network_activity"] += count
            weight = insight[i][0].get((cat, shape.read_only), 0)
            if weight:
                billable[i]["insights_analysed"] += count * weight
        st = _STATE[any_state]
        any_total[st] += count
        any_cat.setdefault(cat, _tri())[st] += count
    span = span_seconds(first_time, last_time)
    scale = MONTH_SECONDS / span if span and span > 0 else None
    out_trails = []
    for i, t in enumerate(trails):
        b = billable[i]
        usd = (
            b["management_paid"] * price["management_additional_copy"]
            + b["data"] * price["data"]
            + b["network_activity"] * price["network_activity"]
            + b["insights_analysed"] * price["insights_analysed"]
        ) / per
        notes = [insight[i][1]] if insight[i][1] else []
        if totals[i]["unknown"]:
            notes.append(f"{totals[i]['unknown']} records with an unknown verdict are not charged")
        out_trails.append(
            {
                "trail": t.key,
                "mode": t.mode,
                "totals": totals[i],
                "by_category": by_cat[i],
                "by_source": [
                    {"source": s, **c} for s, c in sorted(by_src[i].items(), key=lambda kv: -sum(kv[1].values()))
                ],
                "by_event": [
                    {"category": k[0], "source": k[1], "name": k[2], **c}
                    for k, c in sorted(by_name[i].items(), key=lambda kv: -sum(kv[1].values()))[:top]
                ],
                # Every event class with a miss, from the whole replay (not from the busiest top):
                # a rare missed event is exactly what a review must not lose.
                "missed_events": [
                    {"category": k[0], "source": k[1], "name": k[2], **c}
                    for k, c in sorted(
                        ((k, c) for k, c in by_name[i].items() if c["missed"] or c["unknown"]),
                        key=lambda kv: (-(kv[1]["missed"] + kv[1]["unknown"]), kv[0]),
                    )
                ],
                "reasons": [{"state": k[0], "reason": k[1], "count": c} for k, c in reasons[i].most_common(top)],
                "cost": {
                    "events": {
                        k: b[k]
                        for k in ("management_free", "management_paid", "data", "network_activity", "insights_analysed")
                    },
                    "usd": usd,
                    "usd_monthly": usd * scale if scale is not None else None,
                    "notes": notes,
                },
            }
        )
    total_usd = sum(t["cost"]["usd"] for t in out_trails)
    return {
        "records": records,
        "time_span": {"first": first_time, "last": last_time, "seconds": span},
        "pricing": {"date": price["date"], "source": price["source"]},
        "any_trail": {**any_total, "by_category": any_cat},
        "trails": out_trails,
        "cost": {"usd": total_usd, "usd_monthly": total_usd * scale if scale is not None else None},
    }


__all__ = ["pricing", "span_seconds", "summarize"]
