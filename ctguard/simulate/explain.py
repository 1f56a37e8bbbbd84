"""Verdicts rendered for people (text) and machines (JSON-ready dicts).

A Verdict already names the trail, stage, selector and condition; given the event too, the
explanation adds what the record actually held in the deciding field, which the cached
verdict deliberately leaves out (it is shared by many events).
"""

from __future__ import annotations

from typing import Any

from ctguard.simulate.evaluate import Verdict
from ctguard.simulate.events import Event
from ctguard.simulate.fields import resource_types, single_getter
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy

_STATE = {True: "CAPTURED", False: "NOT CAPTURED", None: "UNKNOWN"}


def record_value(event: Event, field: str, policy: SimPolicy = DEFAULT_POLICY) -> Any:
    """What the record holds in an advanced-selector field (None when absent)."""
    if field == "resources.type":
        return list(resource_types(event))
    if field == "resources.ARN":
        return [r.arn for r in event.resources if r.arn is not None]
    getter = single_getter(field, policy)
    return getter(event) if getter else None


def verdict_to_dict(verdict: Verdict, event: Event | None = None) -> dict[str, Any]:
    d = verdict.decided_by
    out: dict[str, Any] = {
        "trail": verdict.trail_key,
        "captured": verdict.captured,
        "reason": verdict.reason,
        "mode": verdict.mode,
        "decided_by": {
            "stage": d.stage,
            "selector_index": d.selector_index,
            "selector_name": d.selector_name,
            "selector_origin": d.selector_origin,
            "field": d.field,
            "operator": d.operator,
            "value": d.value,
        },
        "unknown_because": verdict.unknown_because,
    }
    if event is not None:
        out["event"] = event.classify()
        if d.field:
            out["decided_by"]["record_value"] = record_value(event, d.field)
    return out


def render_text(verdict: Verdict, event: Event | None = None) -> str:
    d = verdict.decided_by
    lines = [f"{verdict.trail_key}: {_STATE[verdict.captured]}", f"  {verdict.reason}"]
    where = [f"stage {d.stage}"]
    if d.selector_index is not None:
        where.append(f"selector #{d.selector_index}" + (f" {d.selector_name!r}" if d.selector_name else ""))
    if d.selector_origin and d.selector_origin != d.selector_name:
        where.append(f"from {d.selector_origin}")
    if d.field:
        cond = " ".join(x for x in (d.field, d.operator, d.value) if x)
        where.append(f"condition {cond}")
    lines.append("  decided by: " + ", ".join(where))
    if event is not None and d.field:
        lines.append(f"  record has {d.field} = {record_value(event, d.field)!r}")
    if verdict.unknown_because:
        lines.append(f"  unknown because: {verdict.unknown_because}")
    if event is not None:
        c = event.classify()
        lines.append(
            f"  event: {c['source']} {c['name']} [{c['category']} via {c['category_basis']}] "
            f"in {c['region']} for {c['account']}"
        )
    return "\n".join(lines)
