"""Counts shared by the text summary and the JSON ``summary`` object."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ctguard.findings import Status
from ctguard.report import Report


def summarize(report: Report) -> dict[str, Any]:
    counts = Counter(f.status.value for f in report.findings if f.suppression is None)
    # Trails read, not trails with findings: --only and skipped rules must not change the count.
    trails = {(p.path, t.key) for p in report.inputs for m in p.variants for t in m.trails}
    return {
        "inputs": len(report.inputs),
        "unreadable": len(report.unusable),
        "trails": len(trails),
        "failed": counts.get(Status.FAIL.value, 0),
        "errors": counts.get(Status.ERROR.value, 0),
        "unknown": counts.get(Status.UNKNOWN.value, 0),
        "passed": counts.get(Status.PASS.value, 0),
        "not_applicable": counts.get(Status.NOT_APPLICABLE.value, 0),
        "suppressed": sum(1 for f in report.findings if f.suppression is not None),
        # UNKNOWN results whose message says only the deploy account or Region decides them.
        "unknown_settled_by_context": sum(
            1 for f in report.findings if f.suppression is None and f.status is Status.UNKNOWN and f.settled_by
        ),
    }


def summary_line(report: Report) -> str:
    s = summarize(report)
    parts = [
        f"{s['inputs']} CloudTrail-related input{'s' if s['inputs'] != 1 else ''}",
        f"{s['trails']} trail{'s' if s['trails'] != 1 else ''}",
        f"{s['failed']} failed",
        f"{s['unknown']} unknown",
        f"{s['passed']} passed",
    ]
    if s["not_applicable"]:
        parts.append(f"{s['not_applicable']} not applicable")
    if s["errors"]:
        parts.append(f"{s['errors']} errors")
    if s["suppressed"]:
        parts.append(f"{s['suppressed']} suppressed")
    if s["unreadable"]:
        parts.append(f"{s['unreadable']} unreadable")
    line = "ctguard: " + ", ".join(parts)
    if s["unknown_settled_by_context"]:
        n = s["unknown_settled_by_context"]
        line += (
            f"\nctguard: {n} of the unknown result{'s' if n != 1 else ''} depend{'s' if n == 1 else ''} only on the "
            "deploy account or Region: --account/--region would settle them"
        )
    return line
