"""Text for people from the JSON-ready results of ``ctguard simulate`` (one shape, two renderings)."""

from __future__ import annotations

from typing import Any


def _n(x: int) -> str:
    return f"{x:,}"


def _tri(d: dict[str, int]) -> str:
    return f"captured {_n(d['captured'])} · missed {_n(d['missed'])} · unknown {_n(d['unknown'])}"


def _usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"${x:.6f}" if 0 < x < 0.01 else f"${x:,.2f}"


def _days(seconds: float | None) -> str:
    if seconds is None:
        return "time span unknown"
    return f"{seconds / 86400:.2f} days"


def _more(count: int, top: int, what: str) -> list[str]:
    return [f"    and {_n(count - top)} more {what}"] if count > top else []


def replay_text(doc: dict[str, Any], top: int = 10) -> str:
    lines = []
    src = doc.get("source", {})
    span = doc["time_span"]
    what = f"{_n(doc['records'])} records"
    if src.get("files") is not None:
        what += f" from {_n(src['files'])} files"
    if doc.get("mode") == "catalog":
        lines.append(
            f"Evaluated {_n(doc['records'])} API operations of {_n(src['services'])} botocore services "
            f"(botocore {src['botocore']}) as called in account {src['account']}, {src['region']}"
        )
        lines.append(f"  ({src['heuristics']})")
    else:
        lines.append(f"Replayed {what} ({span['first'] or '?'} .. {span['last'] or '?'}, {_days(span['seconds'])})")
    for path, msg in src.get("skipped", [])[:top]:
        lines.append(f"  skipped {path}: {msg}")
    lines.append(f"Any trail: {_tri(doc['any_trail'])}")
    for cat, d in sorted(doc["any_trail"]["by_category"].items()):
        lines.append(f"  {cat:<16} {_tri(d)}")
    for t in doc["trails"]:
        lines.append("")
        lines.append(f"Trail {t['trail']} ({t['mode']} selectors)")
        lines.append(f"  {_tri(t['totals'])}")
        for cat, d in sorted(t["by_category"].items()):
            lines.append(f"  {cat:<16} {_tri(d)}")
        missed_src = [s for s in t["by_source"] if s["missed"] or s["unknown"]]
        if missed_src:
            lines.append("  not captured, by event source:")
            for s in missed_src[:top]:
                lines.append(f"    {s['source']:<40} missed {_n(s['missed'])}  unknown {_n(s['unknown'])}")
            lines += _more(len(missed_src), top, "event sources")
        # missed_events holds every class with a miss; older documents only the busiest (by_event)
        missed_ev = t.get("missed_events", [e for e in t["by_event"] if e["missed"] or e["unknown"]])
        if missed_ev:
            lines.append("  not captured, by event:")
            for e in missed_ev[:top]:
                lines.append(
                    f"    {e['source']} {e['name']} [{e['category']}]: missed {_n(e['missed'])}"
                    f"  unknown {_n(e['unknown'])}"
                )
            lines += _more(len(missed_ev), top, "events (all are in --format json, or raise --top)")
        if t["reasons"]:
            lines.append("  why:")
            for r in t["reasons"][:top]:
                lines.append(f"    {_n(r['count']):>10} × {r['reason']}")
        c = t.get("cost")
        if c is not None:
            ev = c["events"]
            lines.append(
                f"  cost: {_usd(c['usd'])} for these records; ≈ {_usd(c['usd_monthly'])} per 30 days "
                f"(paid management copies {_n(ev['management_paid'])}, data {_n(ev['data'])}, "
                f"network activity {_n(ev['network_activity'])}, Insights analysed {_n(ev['insights_analysed'])})"
            )
            for note in c["notes"]:
                lines.append(f"    note: {note}")
    if doc.get("cost") is not None:
        p = doc["pricing"]
        lines.append("")
        lines.append(
            f"Total: {_usd(doc['cost']['usd'])} for these records; ≈ {_usd(doc['cost']['usd_monthly'])} per 30 days "
            f"(list prices of {p['date']}, {p['source']})"
        )
    return "\n".join(lines) + "\n"


def diff_text(doc: dict[str, Any], top: int = 10) -> str:
    d = doc["diff"]
    lines = [
        (
            f"Coverage change from {', '.join(doc['old']['inputs'])} to {', '.join(doc['new']['inputs'])} "
            f"over {_n(doc['records'])} {doc['unit']}:"
        ),
        f"  gained {_n(d['gained'])} · lost {_n(d['lost'])} · unchanged {_n(d['unchanged'])} · unknown {_n(d['unknown'])}",
    ]
    for cat, c in sorted(d["by_category"].items()):
        lines.append(f"  {cat:<16} gained {_n(c['gained'])} · lost {_n(c['lost'])} · unknown {_n(c['unknown'])}")
    for title, key in (("gained", "gained_events"), ("lost", "lost_events"), ("unknown", "unknown_events")):
        rows = d[key][:top]
        if rows:
            lines.append(f"  {title}:")
            for r in rows:
                lines.append(f"    {_n(r['count']):>10} × {r['source']} {r['name']} [{r['category']}]")
    old, new = doc["old"].get("cost"), doc["new"].get("cost")
    if old is not None and new is not None:
        lines.append(
            f"  cost: {_usd(old['usd_monthly'])} → {_usd(new['usd_monthly'])} per 30 days "
            f"({_usd(old['usd'])} → {_usd(new['usd'])} for these records)"
        )
    return "\n".join(lines) + "\n"


def events_text(doc: dict[str, Any]) -> str:
    from ctguard.simulate.explain import _STATE

    out = []
    for item in doc["events"]:
        c = item["event"]
        out.append(
            f"Record {item['index']}: {c['source']} {c['name']} [{c['category']} via {c['category_basis']}] "
            f"in {c['region']} for {c['account']}"
        )
        for v in item["verdicts"]:
            d = v["decided_by"]
            out.append(f"  {v['trail']}: {_STATE[v['captured']]}")
            out.append(f"    {v['reason']}")
            where = [f"stage {d['stage']}"]
            if d["selector_index"] is not None:
                where.append(
                    f"selector #{d['selector_index']}" + (f" {d['selector_name']!r}" if d["selector_name"] else "")
                )
            if d["selector_origin"] and d["selector_origin"] != d["selector_name"]:
                where.append(f"from {d['selector_origin']}")
            if d["field"]:
                where.append("condition " + " ".join(x for x in (d["field"], d["operator"], d["value"]) if x))
            out.append("    decided by: " + ", ".join(where))
            if "record_value" in d:
                out.append(f"    record has {d['field']} = {d['record_value']!r}")
            if v["unknown_because"]:
                out.append(f"    unknown because: {v['unknown_because']}")
        out.append("")
    return "\n".join(out)


__all__ = ["diff_text", "events_text", "replay_text"]
