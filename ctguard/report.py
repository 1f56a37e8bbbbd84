"""The outcome of a run: findings, the inputs read, the policies run, and what the user should know.

Formatters render a ``Report``; the API (``ctguard.api``) and the audit build one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ctguard.engine.policy import Policy
from ctguard.findings import Finding, Severity
from ctguard.inputs import PARSE_ERROR, ParsedInput
from ctguard.values import Known


@dataclass(slots=True)
class Report:
    """The result of a check: every input read, its findings and the warnings."""

    findings: list[Finding] = field(default_factory=list)
    inputs: list[ParsedInput] = field(default_factory=list)  # every input that was read
    policies: list[Policy] = field(default_factory=list)
    # Things the user should know that are not findings: expired or reason-less skips, stray
    # skip comments.  The CLI prints them to stderr; JSON carries them under "warnings".
    warnings: list[str] = field(default_factory=list)

    @property
    def unusable(self) -> list[Finding]:
        return [f for f in self.findings if f.rule_id == PARSE_ERROR]

    def failing(self, threshold: Severity) -> list[Finding]:
        return [
            f for f in self.findings if f.suppression is None and f.is_failure and f.severity.rank >= threshold.rank
        ]

    @property
    def incomplete(self) -> list[str]:
        """Why a live audit (or its snapshot) is incomplete: each account's failed reads, prefixed
        with the account. Empty when everything was read (or the inputs are not live)."""
        reasons: dict[str, None] = {}
        for parsed in self.inputs:
            for model in parsed.variants:
                account = model.account_id.value if isinstance(model.account_id, Known) else None
                for reason in model.unread:
                    reasons[f"{account}: {reason}" if account else reason] = None
        return list(reasons)

    def exit_code(self, threshold: Severity = Severity.LOW) -> int:
        if self.unusable or self.incomplete:
            return 3
        return 1 if self.failing(threshold) else 0
