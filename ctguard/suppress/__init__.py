"""Suppressions, severity overrides and ``--only``: what turns raw findings into the gate's view.

``Gate`` holds the run-wide choices (from the config file and the CLI); ``apply`` adds each
input's own skips (inline comments, CloudFormation Metadata) and marks matching findings as
suppressed.  Suppressed findings stay in the report; they just do not fail the run.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from ctguard.findings import Finding, Severity, Status, Suppression
from ctguard.inputs import PARSE_ERROR, ParsedInput
from ctguard.suppress.rules import Skip, from_entry

if TYPE_CHECKING:
    from ctguard.baseline import Baseline

__all__ = ["Gate", "Skip", "apply", "from_entry"]


@dataclass(frozen=True, slots=True)
class Gate:
    """Which findings a run reports as suppressed or leaves out (skips, --only, overrides, baseline)."""

    skips: tuple[Skip, ...] = ()  # config file and --skip
    only: tuple[str, ...] = ()  # rule ids or globs; empty = every rule
    severity: Mapping[str, Severity] = field(default_factory=dict)  # rule id -> severity override
    baseline: Baseline | None = None
    inline: bool = True  # honour skips written in the inputs themselves
    today: _dt.date | None = None  # for expiry; None = today

    def selected(self, rule_id: str) -> bool:
        if not self.only or rule_id == PARSE_ERROR:  # an unreadable input is never filtered away
            return True
        return any(fnmatchcase(rule_id.upper(), pattern.upper()) for pattern in self.only)


def apply(findings: Iterable[Finding], parsed: ParsedInput | None, gate: Gate, warnings: list[str]) -> list[Finding]:
    """Overrides, ``--only`` and suppressions for the findings of one input."""
    skips = list(gate.skips)
    if parsed is not None and gate.inline:
        from ctguard.suppress.inline import inline_skips

        skips = list(parsed.skips) + inline_skips(parsed, warnings) + skips
        for skip in parsed.skips:
            if skip.problem:
                warnings.append(f"{skip.where}: {skip.problem}")
    today = gate.today or _dt.date.today()
    out = []
    for finding in findings:
        if not gate.selected(finding.rule_id):
            continue
        override = gate.severity.get(finding.rule_id)
        if override is not None and override is not finding.severity:
            finding = replace(finding, severity=override)
        out.append(_suppress(finding, skips, gate, today, warnings))
    return out


def _suppress(finding: Finding, skips: list[Skip], gate: Gate, today: _dt.date, warnings: list[str]) -> Finding:
    if (
        finding.suppression is not None
        or finding.rule_id == PARSE_ERROR
        or finding.status in (Status.PASS, Status.NOT_APPLICABLE)
    ):
        return finding
    for skip in skips:
        if skip.problem or not skip.matches(finding):
            continue
        label = f"{finding.file}:{finding.line}: {finding.rule_id} on {finding.resource or finding.file}"
        if skip.expired(today):
            warnings.append(f"{label}: the skip at {skip.where} expired on {skip.expires}; the finding counts again")
            continue
        if not skip.reason:
            warnings.append(
                f"{skip.where}: the skip of {skip.rule} gives no reason; it is accepted, but say why "
                f"(ctguard:skip={skip.rule}:<reason>)"
            )
        return replace(finding, suppression=Suppression(skip.source, skip.reason, skip.expires))
    if gate.baseline is not None and finding in gate.baseline:
        return replace(finding, suppression=Suppression("baseline", f"in baseline {gate.baseline.path}"))
    return finding
