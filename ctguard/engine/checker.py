"""Everything that happens to one parsed input: policies, overrides and suppressions.

One input's findings depend on that input alone, so a parallel scan runs this in the worker
that parsed the input (``parsers/parallel.py``) and only the results cross the process
boundary; a sequential scan and ``api.evaluate`` call it here.  Either way the report is the
same: ``api`` sorts the findings and de-duplicates the warnings once all inputs are in.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctguard.engine.evaluate import Settings, evaluate_input
from ctguard.engine.policy import Policy
from ctguard.findings import Finding
from ctguard.inputs import ParsedInput
from ctguard.sensitive import redact, redact_findings
from ctguard.suppress import Gate, apply


@dataclass(frozen=True)
class InputChecker:
    """Runs the policies over one parsed input and applies the gate to the findings."""

    policies: tuple[Policy, ...]
    settings: Settings
    gate: Gate

    def __call__(self, parsed: ParsedInput) -> tuple[list[Finding], list[str]]:
        warnings: list[str] = []
        findings = apply(evaluate_input(parsed, self.policies, self.settings), parsed, self.gate, warnings)
        # Values the input marks secret (NoEcho, sensitive) never reach a report, however a message was built.
        secrets = parsed.secrets
        findings = redact_findings(findings, secrets)
        return findings, [redact(w, secrets) for w in warnings]


__all__ = ["InputChecker"]
