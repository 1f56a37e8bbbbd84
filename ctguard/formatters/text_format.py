"""``file:line:col: ID SEVERITY headline``: the parseable style editors and pre-commit link.

``--verbose`` prints the whole message (the evidence) and the fix under each finding;
``--compact`` lists active results only, with one line for the suppressed ones; ``--quiet``
lists failures only.  Every style ends with the summary line.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ctguard.findings import Finding, Status
from ctguard.formatters.headline import decided_by, headline, split
from ctguard.formatters.neutralize import text_line, text_lines
from ctguard.formatters.summary import summary_line
from ctguard.repo import is_file_location
from ctguard.report import Report

_TAG = {
    Status.FAIL: "",
    Status.UNKNOWN: "[unknown] ",
    Status.ERROR: "[error] ",
    Status.PASS: "[pass] ",
    Status.NOT_APPLICABLE: "[not applicable] ",
}
_COLOUR = {
    Status.FAIL: "red",
    Status.UNKNOWN: "yellow",
    Status.ERROR: "magenta",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "dim",
}

# An UNKNOWN headline may carry its reason: somewhat longer than a plain headline.
_UNKNOWN_MAX = 170

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


def shown_message(f: Finding, detail: str) -> str:
    """The headline; an UNKNOWN one also names the deploy-time value that decides it."""
    if detail == "verbose":
        return f.message
    head, evidence = split(f.message)
    if f.status is not Status.UNKNOWN or not evidence:
        return head
    # "Cannot tell whether ..." says nothing without its reason: name what decides it, or the
    # reason's first clause when that stays short.
    decider = decided_by(f.message)
    if decider:
        return head if decider in head else f"{head}: depends on {decider}"
    reason = headline(evidence)
    return f"{head}: {reason}" if len(head) + len(reason) <= _UNKNOWN_MAX else head


def line_for(f: Finding, detail: str = "normal") -> str:
    return text_line(f"{where(f)}: {f.rule_id} {f.severity.value.upper()} {tag(f)}{shown_message(f, detail)}")


def selected(report: Report, options: dict[str, Any]) -> list[Finding]:
    """What is listed: --quiet only active failures; --compact active results (suppressed ones
    are counted in one line); otherwise every non-passing result, passes with --show-passed."""
    detail = options.get("detail", "normal")
    if detail == "quiet":
        return [f for f in report.findings if f.suppression is None and f.is_failure]
    if detail == "compact":
        return [f for f in report.findings if f.suppression is None and f.status not in _QUIET]
    return [f for f in report.findings if f.status not in _QUIET or options.get("show_passed", False)]


def suppressed_line(report: Report) -> str | None:
    """--compact: one line for every suppressed finding, by source."""
    by_source = Counter(f.suppression.source for f in report.findings if f.suppression is not None)
    if not by_source:
        return None
    parts = ", ".join(f"{n} by {source}" for source, n in sorted(by_source.items()))
    return f"{sum(by_source.values())} suppressed ({parts}); without --compact they are listed"


def render(report: Report, options: dict[str, Any]) -> str:
    detail = options.get("detail", "normal")
    lines = []
    for f in selected(report, options):
        lines.append(line_for(f, detail))
        if detail == "verbose" and f.remediation and f.suppression is None:
            lines.append(
                "    fix: " + text_lines(f.remediation).replace("\n", "\n         ")
            )  # multi-line HCL stays aligned
    if detail == "compact" and (extra := suppressed_line(report)):
        lines.append(extra)
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def render_colour(report: Report, options: dict[str, Any]) -> None:
    """Same content, coloured by rich, for a terminal."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    detail = options.get("detail", "normal")
    for f in selected(report, options):
        colour = "dim" if f.suppression is not None else _COLOUR[f.status]
        message = shown_message(f, detail)
        console.print(
            f"[bold]{escape(text_line(where(f)))}:[/] [{colour}]{f.rule_id} "
            f"{f.severity.value.upper()}[/] {escape(text_line(tag(f) + message))}"
        )
        if detail == "verbose" and f.remediation and f.suppression is None:
            console.print("    [dim]fix: " + escape(text_lines(f.remediation)).replace("\n", "\n         ") + "[/]")
    if detail == "compact" and (extra := suppressed_line(report)):
        console.print(escape(extra), style="dim")
    console.print(escape(summary_line(report)), style="bold")
