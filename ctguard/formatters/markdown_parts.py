"""Pieces of the Markdown report that the full and the folded layout share: code spans for input
text, a finding's table row, the audit's account table and the one-line summary."""

from __future__ import annotations

from typing import Any

from ctguard.findings import Finding
from ctguard.formatters import rule_info
from ctguard.formatters.headline import headline as short
from ctguard.formatters.neutralize import markdown_code
from ctguard.formatters.summary import summarize
from ctguard.repo import is_file_location, repo_relative
from ctguard.report import Report

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
    return (
        f"| {f.severity.value} | [{f.rule_id}]({url}) | {_where(f)} | {code(f.resource_name or f.resource or '')} "
        f"| {code(short(f.message))} |"
    )


def _audit_summary(report: Report) -> list[str]:
    api_inputs = [p for p in report.inputs if p.kind in _API_KINDS]
    if not api_inputs:
        return []
    import dataclasses

    from ctguard.formatters.audit_summary import summary_rows, table_markdown

    # Only the API inputs: a template checked alongside has no account to put in a row.
    rows = summary_rows(dataclasses.replace(report, inputs=api_inputs))
    if not rows:
        return []
    return ["## Accounts, regions and trails", "", table_markdown(rows).rstrip("\n"), ""]


def summary_sentence(report: Report) -> str:
    s = summarize(report)
    return (
        f"{s['inputs']} CloudTrail-related inputs, {s['trails']} trails: **{s['failed']} failed**, "
        f"{s['errors']} errors, {s['unknown']} unknown, {s['passed']} passed, "
        f"{s['not_applicable']} not applicable, {s['suppressed']} suppressed"
        + (f", {s['unreadable']} unreadable" if s["unreadable"] else "")
        + "."
    )
