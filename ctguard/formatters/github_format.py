"""GitHub Actions workflow commands: one annotation per finding, on stdout.

``::error`` for critical and high, ``::warning`` for medium, ``::notice`` for low, info and
UNKNOWN results.  Message data escapes ``%``, CR and LF; property values also ``:`` and ``,``
(actions/toolkit ``command.ts``).  GitHub shows only ten annotations of each level per step, so
the most severe come first; suppressed findings are listed (not annotated) in a collapsed group.
"""
from __future__ import annotations

from typing import Any

from ctguard.api import Report
from ctguard.findings import Finding, Severity, Status
from ctguard.formatters.summary import summary_line
from ctguard.repo import is_file_location, repo_relative

_COMMAND = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
            Severity.LOW: "notice", Severity.INFO: "notice"}
_QUIET = (Status.PASS, Status.NOT_APPLICABLE)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    command = "notice" if f.status is Status.UNKNOWN else _COMMAND[f.severity]
    props = []
    if is_file_location(f.file):
        props += [f"file={escape_property(repo_relative(f.file))}", f"line={f.line}", f"col={f.column}"]
    tag = "" if f.status is Status.FAIL else f" {f.status.value}"
    props.append(f"title={escape_property(f'ctguard {f.rule_id} {f.severity.value.upper()}{tag}')}")
    message = f.message
    if not is_file_location(f.file):
        message = f"{f.file}: {message}"
    if f.remediation:
        message += f"\nFix: {f.remediation}"
    return f"::{command} {','.join(props)}::{escape_data(message)}"


def render(report: Report, options: dict[str, Any]) -> str:
    active = [f for f in report.findings if f.status not in _QUIET and f.suppression is None]
    active.sort(key=lambda f: (f.status is Status.UNKNOWN, -f.severity.rank, f.sort_key()))
    lines = [annotation(f) for f in active]
    suppressed = [f for f in report.findings if f.suppression is not None]
    if suppressed:
        lines.append(f"::group::ctguard: {len(suppressed)} suppressed")
        for f in suppressed:
            lines.append(escape_data(f"{repo_relative(f.file)}:{f.line}: {f.rule_id} {f.message} "
                                     f"[suppressed by {f.suppression.source}: {f.suppression.justification}]"))
        lines.append("::endgroup::")
    for warning in report.warnings:
        lines.append(f"::warning title=ctguard::{escape_data(warning)}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
