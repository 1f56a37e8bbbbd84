"""The Markdown report folded to fit its consumer: per-rule counts, then the most severe findings.

Used when the complete report would exceed the size limit (a pull-request comment holds 65,536
characters).  Nothing is dropped silently: the counts cover every finding, and a closing note
says how many rows were left out and where the complete report is.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ctguard.findings import Finding, Status
from ctguard.formatters import rule_info
from ctguard.formatters.markdown_parts import _audit_summary, _row, code, summary_sentence
from ctguard.report import Report
from ctguard.version import __version__

_HEAD = ["| severity | rule | location | resource | message |", "|---|---|---|---|---|"]


def _counts(report: Report, policies: dict[str, Any]) -> list[str]:
    active = [f for f in report.findings if f.suppression is None]
    failed = Counter(f.rule_id for f in active if f.is_failure)
    unknown = Counter(f.rule_id for f in active if f.status is Status.UNKNOWN)
    suppressed = Counter(f.rule_id for f in report.findings if f.suppression is not None)
    rules = sorted(
        set(failed) | set(unknown) | set(suppressed),
        key=lambda r: (-failed[r], -_rank(policies.get(r)), -unknown[r], r),
    )
    rows = [
        "## Findings by rule",
        "",
        "| rule | severity | title | failed | unknown | suppressed |",
        "|---|---|---|---:|---:|---:|",
    ]
    for rule_id in rules:
        policy = policies.get(rule_id)
        severity = policy.severity.value if policy is not None else ""
        rows.append(
            f"| [{rule_id}]({rule_info.rule_url(policy)}) | {severity} "
            f"| {code(rule_info.title(rule_id, policy))} | {failed[rule_id]} | {unknown[rule_id]} "
            f"| {suppressed[rule_id]} |"
        )
    return rows + [""]


def _rank(policy: Any) -> int:
    return policy.severity.rank if policy is not None else 0


def folded(report: Report, options: dict[str, Any], limit: int) -> str:
    policies = rule_info.policies_by_id(report)
    files = [f for f in options.get("report_files", ()) if f and not f.endswith((".md", ".markdown"))]
    where = (
        f"the complete report is in {', '.join(code(f) for f in files)}"
        if files
        else "run `ctguard check --format json` (or `--format html`) for the complete report"
    )
    head = [
        "# ctguard report",
        "",
        summary_sentence(report),
        "",
        (
            f"> This report is folded to stay under {limit // 1024} KB: counts per rule, then the most "
            f"severe findings; {where}."
        ),
        "",
    ]
    head += _audit_summary(report)
    head += _counts(report, policies)
    tail = [f"<sub>ctguard {__version__}</sub>"]
    budget = limit - len("\n".join(head + tail).encode(errors="surrogateescape")) - 2048  # room for the closing notes
    sections: list[str] = []
    left_out = 0
    for name, findings in (
        ("Failures", [f for f in report.findings if f.suppression is None and f.is_failure]),
        ("Unknown", [f for f in report.findings if f.suppression is None and f.status is Status.UNKNOWN]),
        ("Suppressed", [f for f in report.findings if f.suppression is not None]),
    ):
        if not findings:
            continue
        findings = sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))
        rows, used = _fit(findings, policies, budget)
        budget -= used
        left_out += len(findings) - len(rows)
        shown = f"top {len(rows)} of {len(findings)}" if len(rows) < len(findings) else str(len(findings))
        sections += [f"<details><summary><b>{name}</b> ({shown})</summary>", "", *_HEAD, *rows, "", "</details>", ""]
    if left_out:
        sections += [f"**{left_out} findings are not listed here** (they are counted above); {where}.", ""]
    return "\n".join(head + sections + tail) + "\n"


def _fit(findings: list[Finding], policies: dict[str, Any], budget: int) -> tuple[list[str], int]:
    rows: list[str] = []
    used = 0
    for f in findings:
        row = _row(f, policies)
        size = len(row.encode(errors="surrogateescape")) + 1
        if used + size > budget:
            break
        rows.append(row)
        used += size
    return rows, used
