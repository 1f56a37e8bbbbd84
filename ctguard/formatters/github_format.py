"""GitHub Actions workflow commands: one annotation per finding, on stdout.

``::error`` for critical and high, ``::warning`` for medium, ``::notice`` for low, info and
UNKNOWN results, at most ten of each level (GitHub's limit per step): the rest are listed in a
collapsed group and one annotation says how many and where the full report is.
Message data escapes ``%``, CR and LF; property values also ``:`` and ``,``
(actions/toolkit ``command.ts``).  GitHub shows only ten annotations of each level per step, so
the most severe come first; suppressed findings are listed (not annotated) in a collapsed group.
"""

from __future__ import annotations

from typing import Any

from ctguard.findings import Finding, Severity, Status
from ctguard.formatters.neutralize import escape_controls, no_workflow_command
from ctguard.formatters.summary import summary_line
from ctguard.repo import is_file_location, repo_relative
from ctguard.report import Report

_COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
_QUIET = (Status.PASS, Status.NOT_APPLICABLE)


def escape_data(text: str) -> str:
    # CR and LF get the runner's own escapes; other controls (ESC, bidi overrides) visible ones.
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


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


# GitHub shows ten annotations of each level per step and drops the rest without a word.
PER_LEVEL = 10
_LEVELS = ("error", "warning", "notice")


def level(f: Finding) -> str:
    return "notice" if f.status is Status.UNKNOWN else _COMMAND[f.severity]


def cap(active: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """At most PER_LEVEL annotations per level, most severe first; one slot of the most severe
    level that overflows is kept for the summary annotation about the rest."""
    by_level = {name: [f for f in active if level(f) == name] for name in _LEVELS}
    over = [name for name in _LEVELS if len(by_level[name]) > PER_LEVEL]
    shown: list[Finding] = []
    for name in _LEVELS:
        room = PER_LEVEL - (1 if over and name == over[0] else 0)
        shown += by_level[name][:room]
    kept = set(map(id, shown))
    return shown, [f for f in active if id(f) not in kept]


def _more(rest: list[Finding], options: dict[str, Any]) -> str:
    counts = ", ".join(
        f"{n} {name}{'s' if n != 1 else ''}" for name in _LEVELS if (n := sum(1 for f in rest if level(f) == name))
    )
    files = [f for f in options.get("report_files", ()) if f]
    where = (
        f"the full report is in {', '.join(files)}"
        if files
        else "the full list is in this step's log (group below); add --format json:FILE (or sarif:FILE) "
        "for a full report"
    )
    head = next(name for name in _LEVELS if any(level(f) == name for f in rest))
    text = (
        f"{len(rest)} more findings were not annotated ({counts}): GitHub shows {PER_LEVEL} annotations "
        f"of each level per step; {where}"
    )
    return f"::{head} title={escape_property(f'ctguard: {len(rest)} more findings')}::{escape_data(text)}"


def _plain(f: Finding) -> str:
    where = f"{repo_relative(f.file)}:{f.line}" if is_file_location(f.file) else f.file
    return f"{where}: {f.rule_id} {f.severity.value.upper()} {f.status.value} {f.message}"


def render(report: Report, options: dict[str, Any]) -> str:
    active = [f for f in report.findings if f.status not in _QUIET and f.suppression is None]
    active.sort(key=lambda f: (f.status is Status.UNKNOWN, -f.severity.rank, f.sort_key()))
    shown, rest = cap(active)
    lines = [annotation(f) for f in shown]
    if rest:
        lines.append(_more(rest, options))
        lines.append(f"::group::ctguard: {len(rest)} more not annotated")
        lines += [escape_data(_plain(f)) for f in rest]
        lines.append("::endgroup::")
    suppressed = [f for f in report.findings if f.suppression is not None]
    if suppressed:
        lines.append(f"::group::ctguard: {len(suppressed)} suppressed")
        for f in suppressed:
            assert f.suppression is not None  # filtered above
            lines.append(
                no_workflow_command(
                    escape_data(
                        f"{repo_relative(f.file)}:{f.line}: {f.rule_id} {f.message} "
                        f"[suppressed by {f.suppression.source}: {f.suppression.justification}]"
                    )
                )
            )
        lines.append("::endgroup::")
    for warning in report.warnings[:PER_LEVEL]:
        lines.append(f"::warning title=ctguard::{escape_data(warning)}")
    if len(report.warnings) > PER_LEVEL:
        lines.append(f"::group::ctguard: {len(report.warnings) - PER_LEVEL} more warnings")
        lines += [escape_data(w) for w in report.warnings[PER_LEVEL:]]
        lines.append("::endgroup::")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
