"""A Markdown report for humans: pull-request comments, ``$GITHUB_STEP_SUMMARY``, audit write-ups."""
from __future__ import annotations

from typing import Any

from ctguard.version import __version__
from ctguard.report import Report
from ctguard.findings import Finding, Status
from ctguard.formatters import rule_info
from ctguard.formatters.headline import headline as short
from ctguard.formatters.neutralize import markdown_code
from ctguard.formatters.summary import summarize
from ctguard.repo import is_file_location, repo_relative

# Inputs built from recorded AWS API answers (ctguard audit, a saved snapshot, AWS CLI outputs):
# these have accounts, so the report gets the audit's account / region / trail table.
_API_KINDS = frozenset({"aws-snapshot", "aws-cli"})


def code(text: Any, table: bool = True) -> str:
    """Text from the inputs as a code span: shown literally (no &lt; entities, which a code span would print
    as such), so no link, image, mention or HTML (``neutralize``); ``table``: safe in a table cell."""
    return markdown_code(str(text), table)


def _where(f: Finding) -> str:
    return code(f"{repo_relative(f.file)}:{f.line}" if is_file_location(f.file) else f.file)


def _row(f: Finding, policies: dict[str, Any]) -> str:
    url = rule_info.rule_url(policies.get(f.rule_id))
    return (f"| {f.severity.value} | [{f.rule_id}]({url}) | {_where(f)} | {code(f.resource_name or f.resource or '')} "
            f"| {code(short(f.message))} |")


def _audit_summary(report: Report) -> list[str]:
    api_inputs = [p for p in report.inputs if p.kind in _API_KINDS]
    if not api_inputs:
        return []
    import dataclasses

    from ctguard.audit.summary import summary_rows, table_markdown

    # Only the API inputs: a template checked alongside has no account to put in a row.
    rows = summary_rows(dataclasses.replace(report, inputs=api_inputs))
    if not rows:
        return []
    return ["## Accounts, regions and trails", "", table_markdown(rows).rstrip("\n"), ""]


def render(report: Report, options: dict[str, Any]) -> str:
    full = _full(report, options)
    if len(full.encode(errors="surrogateescape")) <= LIMIT_BYTES:
        return full
    from ctguard.formatters.markdown_fold import folded

    return folded(report, options, LIMIT_BYTES)


# A pull-request comment holds 65,536 characters and a step summary 1 MiB: stay well under both.
LIMIT_BYTES = 60 * 1024


def summary_sentence(report: Report) -> str:
    s = summarize(report)
    return (f"{s['inputs']} CloudTrail-related inputs, {s['trails']} trails: **{s['failed']} failed**, "
            f"{s['errors']} errors, {s['unknown']} unknown, {s['passed']} passed, "
            f"{s['not_applicable']} not applicable, {s['suppressed']} suppressed"
            + (f", {s['unreadable']} unreadable" if s["unreadable"] else "") + ".")


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
        out += [f"## Suppressed ({len(suppressed)})", "", "| rule | location | resource | by | reason | expires |",
                "|---|---|---|---|---|---|"]
        for f in suppressed:
            sup = f.suppression
            assert sup is not None
            out.append(f"| {f.rule_id} | {_where(f)} | {code(f.resource or '')} | {sup.source} "
                       f"| {code(sup.justification)} | {sup.expires or ''} |")
        out.append("")
    fixes = {f.rule_id: f.remediation for f in report.findings
             if f.suppression is None and f.status is Status.FAIL and f.remediation}
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
