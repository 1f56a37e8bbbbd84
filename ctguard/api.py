"""The Python API: ``check(paths)`` returns a ``Report`` with typed findings; ``simulate(paths, ...)``
(``ctguard.simulation``) returns what the trails would record.

The CLI is a thin layer over this module; everything it prints comes from a Report.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ctguard.engine.checker import InputChecker
from ctguard.engine.evaluate import Settings
from ctguard.engine.policy import Policy, load_policies
from ctguard.findings import Finding, Severity, Status
from ctguard.inputs import ParsedInput
from ctguard.parsers.context import ParseContext
from ctguard.report import Report
from ctguard.suppress import Gate


def check(
    paths: Iterable[str | os.PathLike[str]],
    *,
    policy_dirs: Iterable[str] = (),
    settings: Settings | None = None,
    context: ParseContext | None = None,
    policies: list[Policy] | None = None,
    gate: Gate | None = None,
    jobs: int | None = None,
    untrusted_policy_dirs: Iterable[str] = (),
) -> Report:
    """Check files and directories; see the README for the meaning of each finding field.

    ``gate`` carries skips, ``--only``, severity overrides and a baseline (``ctguard.suppress.Gate``);
    skips written in the inputs (inline comments, CloudFormation Metadata) always apply.
    ``jobs``: processes that parse and check inputs; None ("auto") uses every CPU on large scans only.
    The report is the same for every value.
    ``untrusted_policy_dirs``: policy directories a pull request can change (named by a discovered
    configuration file); their policies that name Python code are left out with a warning.
    """
    settings = settings or Settings()
    context = context or ParseContext()
    policy_warnings: list[str] = []
    if policies is None:
        policies = load_policies(
            tuple(policy_dirs), untrusted_dirs=tuple(untrusted_policy_dirs), warnings=policy_warnings
        )
    from ctguard.parsers import dispatch

    policies, checker = _checker(policies, settings, gate)
    report = _report(dispatch.check_paths([os.fspath(p) for p in paths], context, jobs, checker), policies)
    report.warnings[:0] = policy_warnings
    return report


def evaluate(
    inputs: Iterable[ParsedInput], policies: list[Policy], settings: Settings | None = None, gate: Gate | None = None
) -> Report:
    """Run the policies over inputs that are already parsed (live audits build them from a CallStore)."""
    policies, checker = _checker(policies, settings, gate)
    return _report(((parsed, checker(parsed)) for parsed in inputs), policies)


def _checker(policies: list[Policy], settings: Settings | None, gate: Gate | None) -> tuple[list[Policy], InputChecker]:
    gate = gate or Gate()
    if gate.only:
        policies = [p for p in policies if gate.selected(p.id)]
    return policies, InputChecker(tuple(policies), settings or Settings(), gate)


def _report(
    checked: Iterable[tuple[ParsedInput, tuple[list[Finding], list[str]] | None]], policies: list[Policy]
) -> Report:
    report = Report(policies=policies)
    for parsed, result in checked:
        assert result is not None
        findings, warnings = result
        report.inputs.append(parsed)
        report.findings.extend(findings)
        report.warnings.extend(warnings)
    report.findings.sort(key=Finding.sort_key)
    report.warnings = list(dict.fromkeys(report.warnings))
    return report


def load_inputs(paths: list[str], context: ParseContext, jobs: int | None = None) -> Iterable[ParsedInput]:
    """Parse every CloudTrail-related input below ``paths``; unreadable ones come back with CT001."""
    from ctguard.parsers import dispatch

    yield from dispatch.parse_paths(paths, context, jobs)


def simulate(paths: Iterable[str] = (), **options: Any) -> dict[str, Any] | str:
    """What the trails of ``paths`` would record: ``ctguard.simulation.simulate`` (its options and
    errors are documented there). Imported on first use, so ``check`` never loads the simulator."""
    from ctguard.simulation import simulate as run

    return run(paths, **options)


__all__ = [
    "Finding",
    "Gate",
    "Report",
    "Settings",
    "Severity",
    "Status",
    "check",
    "evaluate",
    "load_inputs",
    "simulate",
]
