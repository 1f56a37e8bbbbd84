"""A Markdown report for humans: pull-request comments, ``$GITHUB_STEP_SUMMARY``, audit write-ups."""

from __future__ import annotations

from typing import Any

from ctguard.findings import Status
from ctguard.formatters import rule_info
from ctguard.formatters.markdown_fold import folded
from ctguard.formatters.markdown_parts import _audit_summary, _row, _where, code, summary_sentence
from ctguard.report import Report
from ctguard.version import __version__


def render(report: Report, options: dict[str, Any]) -> str:
    full = _full(report, options)
    if len(full.encode(errors="surrogateescape")) <= LIMIT_BYTES:
        return full
    return folded(report, options, LIMIT_BYTES)


# A pull-request comment holds 65,536 characters and a step summary 1 MiB: stay well under both.
LIMIT_BYTES = 60 * 1024


def _full(report: Report, options: dict[str, Any]) -> str:
    policies = rule_info.policies_by_id(report)
    out = ["# ctguard report", "", summary_sentence(report), ""]
    out += _audit_summary(report)
    head = ["| severity | rule | location | resource | message |", "|---|---|---|---|---|"]
    sections = [
        ("Failures", [f for f in report.findings if f.suppression is None and f.is_failure]),
        ("Unknown", [f for f in report.findings if f.suppression is None and f.status is Status.UNKNOWN]),
    ]
    for name, findings in sections:
        if not findings:
            continue
        findings = sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))
        out += [f"## {name} ({len(findings)})", "", *head, *(_row(f, policies) for f in findings), ""]
    suppressed = [f for f in report.findings if f.suppression is not None]
    if suppressed:
        out += [
            f"## Suppressed ({len(suppressed)})",
            "",
            "| rule | location | resource | by | reason | expires |",
            "|---|---|---|---|---|---|",
        ]
        for f in suppressed:
            sup = f.suppression
            assert sup is not None
            out.append(
                f"| {f.rule_id} | {_where(f)} | {code(f.resource or '')} | {sup.source} "
                f"| {code(sup.justification)} | {sup.expires or ''} |"
            )
        out.append("")
    fixes = {
        f.rule_id: f.remediation
        for f in report.findings
        if f.suppression is None and f.status is Status.FAIL and f.remediation
    }
    if fixes:
        out += ["## How to fix", ""]
        for rule_id in sorted(fixes):
            title = code(rule_info.title(rule_id, policies.get(rule_id)))
            out.append(f"- **{rule_id}** {title}: {code(fixes[rule_id], table=False)}")
        out.append("")
    if options.get("show_passed"):
        for status, name in ((Status.PASS, "Passed"), (Status.NOT_APPLICABLE, "Not applicable")):
            listed = [f for f in report.findings if f.status is status]
            if listed:
                out += [f"## {name} ({len(listed)})", "", *head, *(_row(f, policies) for f in listed), ""]
    if report.warnings:
        out += ["## Warnings", "", *(f"- {code(w)}" for w in report.warnings), ""]
    out.append(f"<sub>ctguard {__version__}</sub>")
    return "\n".join(out) + "\n"
