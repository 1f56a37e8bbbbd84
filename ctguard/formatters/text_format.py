"""``file:line:col: ID SEVERITY message``: the parseable style editors and pre-commit link."""
from __future__ import annotations

from typing import Any

from ctguard.api import Report
from ctguard.findings import Finding, Status
from ctguard.formatters.summary import summary_line
from ctguard.repo import is_file_location

_TAG = {Status.FAIL: "", Status.UNKNOWN: "[unknown] ", Status.ERROR: "[error] ", Status.PASS: "[pass] ",
        Status.NOT_APPLICABLE: "[not applicable] "}
_COLOUR = {Status.FAIL: "red", Status.UNKNOWN: "yellow", Status.ERROR: "magenta", Status.PASS: "green",
           Status.NOT_APPLICABLE: "dim"}

# Listed only with --show-passed: a rule that held, or one that did not run on this input.
_QUIET = (Status.PASS, Status.NOT_APPLICABLE)


def tag(f: Finding) -> str:
    if f.suppression is not None:
        expiry = f", until {f.suppression.expires}" if f.suppression.expires else ""
        return f"[suppressed by {f.suppression.source}: {f.suppression.justification}{expiry}] "
    return _TAG[f.status]


def where(f: Finding) -> str:
    """``file:line:col``, or the location itself when it is not a file (``aws://...``)."""
    return f"{f.file}:{f.line}:{f.column}" if is_file_location(f.file) else f.file


def line_for(f: Finding) -> str:
    return f"{where(f)}: {f.rule_id} {f.severity.value.upper()} {tag(f)}{f.message}"


def render(report: Report, options: dict[str, Any]) -> str:
    show_passed = options.get("show_passed", False)
    shown = [f for f in report.findings if f.status not in _QUIET or show_passed]
    lines = []
    for f in shown:
        lines.append(line_for(f))
        if f.remediation and f.suppression is None and options.get("fixes", True):
            lines.append("    fix: " + f.remediation.replace("\n", "\n         "))  # multi-line HCL stays aligned
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def render_colour(report: Report, options: dict[str, Any]) -> None:
    """Same content, coloured by rich, for a terminal."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    show_passed = options.get("show_passed", False)
    for f in report.findings:
        if f.status in _QUIET and not show_passed:
            continue
        colour = "dim" if f.suppression is not None else _COLOUR[f.status]
        console.print(
            f"[bold]{escape(where(f))}:[/] [{colour}]{f.rule_id} "
            f"{f.severity.value.upper()}[/] {escape(tag(f) + f.message)}"
        )
        if f.remediation and f.suppression is None and options.get("fixes", True):
            console.print("    [dim]fix: " + escape(f.remediation).replace("\n", "\n         ") + "[/]")
    console.print(escape(summary_line(report)), style="bold")
