"""``ctguard drift CODE... SNAPSHOT``: where the account no longer matches the code.

CODE is CloudFormation, Terraform (HCL or plan JSON) as for ``check``; SNAPSHOT is a saved audit
(``ctguard audit --save``) or ``aws cloudtrail describe-trails`` output.  ``ctguard audit
--compare CODE`` runs the same comparison against a live audit.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctguard.exitcodes import EXIT_INPUT, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    drift = sub.add_parser(
        "drift",
        help="compare trails and event data stores in code with an account snapshot",
        description="Match the trails and CloudTrail Lake event data stores of CODE (templates, Terraform "
        "modules or plans) with those of SNAPSHOT (ctguard audit --save, or describe-trails output) "
        "by ARN or name, and report every difference as a CT9xx finding.",
        epilog="Exit code 1 when something drifted, 3 when an input could not be read. "
        "Live: ctguard audit --compare CODE.",
    )
    drift.add_argument("code", nargs="+", metavar="CODE", help="templates, Terraform directories or plan JSON")
    drift.add_argument("snapshot", metavar="SNAPSHOT", help="ctguard snapshot or describe-trails JSON")
    drift.add_argument("--account", metavar="ID", help="account id the code deploys to")
    drift.add_argument("--region", metavar="REGION", help="region the code deploys to")
    drift.add_argument("--var-file", action="append", metavar="FILE", help="Terraform variables file")
    add_report_options(drift)


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="FORMAT[:FILE]",
        help="text (default), json, sarif, junit, github, markdown; repeatable",
    )
    parser.add_argument("--output", "-o", action="append", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity that fails the run: info, low (default), medium, high, critical",
    )
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, help="treat UNKNOWN results as failures")
    parser.add_argument("--show-passed", action=argparse.BooleanOptionalAction, help="also list what matches")
    parser.add_argument(
        "--skip", action="append", metavar="ID[:REASON]", help="report findings of rule ID as suppressed"
    )
    parser.add_argument("--only", action="append", metavar="ID", help="run only these rules (repeatable, globs)")
    parser.add_argument("--severity", action="append", metavar="ID=SEVERITY", help="override a rule's severity")
    parser.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are reported as suppressed")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: discover .ctguard.yaml)")
    parser.add_argument("--no-config", action="store_true", help="ignore configuration files")


def run(args: argparse.Namespace) -> int:
    from ctguard.commands import report_options as ro

    shared = argparse.Namespace(**vars(args))
    shared.paths = list(args.code)
    for name in ("policies", "retention_days", "jobs"):
        setattr(shared, name, getattr(args, name, None))
    prepared = ro.prepare(shared)
    if prepared is None:
        return EXIT_USAGE
    options, plan, gate, settings, context, threshold = prepared
    from ctguard import api
    from ctguard.drift.sides import ACCOUNT_KINDS
    from ctguard.parsers.context import ParseContext

    code = list(api.load_inputs(list(args.code), context))
    account = list(api.load_inputs([args.snapshot], ParseContext()))
    wrong = [p.path for p in code if p.kind in ACCOUNT_KINDS] + [
        p.path for p in account if p.kind not in ACCOUNT_KINDS and not p.unusable
    ]
    if wrong:
        print(
            f"ctguard: error: {wrong[0]}: CODE must be templates, Terraform or plans and SNAPSHOT a ctguard "
            "snapshot or describe-trails output",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not account:
        print(f"ctguard: error: {args.snapshot}: no snapshot or describe-trails output found", file=sys.stderr)
        return EXIT_INPUT
    report = drift_report(code, account, options, gate, settings)
    if not ro.write_reports(report, plan, options):
        return EXIT_USAGE
    from ctguard.formatters.neutralize import text_line

    for warning in report.warnings:  # names from the inputs: shown escaped, as check and audit do
        print(f"ctguard: warning: {text_line(warning)}", file=sys.stderr)
    return int(report.exit_code(threshold))


def add_drift(
    report: Any, code_paths: list[str], account: list[Any], options: dict[str, Any], gate: Any, settings: Any
) -> None:
    """``audit --compare``: the drift of the audited accounts against CODE, added to the audit's report."""
    from ctguard import api
    from ctguard.findings import Finding
    from ctguard.parsers.context import ParseContext

    code = list(api.load_inputs(list(code_paths), ParseContext()))
    extra = drift_report(code, account, options, gate, settings, account_problems=False)
    report.inputs.extend(code)
    report.findings.extend(extra.findings)
    report.findings.sort(key=Finding.sort_key)
    report.warnings = list(dict.fromkeys(report.warnings + extra.warnings))


def drift_report(
    code: list[Any],
    account: list[Any],
    options: dict[str, Any],
    gate: Any,
    settings: Any,
    *,
    account_problems: bool = True,
) -> Any:
    """A Report holding the drift findings, and the input problems of both sides (CT001 = exit 3)."""
    from ctguard.drift import compare
    from ctguard.engine.evaluate import evaluate_input
    from ctguard.engine.policy import load_policies
    from ctguard.findings import Finding
    from ctguard.report import Report
    from ctguard.suppress import apply

    policy_warnings: list[str] = []
    loaded = load_policies(
        tuple(options.get("policies") or ()),
        untrusted_dirs=tuple(options.get("untrusted_policies") or ()),
        warnings=policy_warnings,
    )
    policies = [p for p in loaded if p.scope in ("drift", "input")]
    if gate.only:
        policies = [p for p in policies if gate.selected(p.id)]
    report = Report(policies=policies, inputs=code + account)
    report.warnings.extend(policy_warnings)
    for parsed in code + (account if account_problems else []):
        report.findings.extend(apply(evaluate_input(parsed, [], settings), parsed, gate, report.warnings))
    # An unreadable snapshot is not an empty account: compare nothing (exit 3).
    by_input = {} if any(p.unusable for p in account) else compare(code, account, policies).by_input
    paths = {p.path: p for p in code + account}
    for file, findings in by_input.items():
        chosen = [f for f in findings if gate.selected(f.rule_id)]
        if settings.strict:
            from dataclasses import replace

            from ctguard.findings import Status

            chosen = [
                replace(f, status=Status.FAIL, message=f"cannot be verified (--strict): {f.message}")
                if f.status is Status.UNKNOWN
                else f
                for f in chosen
            ]
        report.findings.extend(apply(chosen, paths.get(file), gate, report.warnings))
    report.findings.sort(key=Finding.sort_key)
    report.warnings = list(dict.fromkeys(report.warnings))
    return report


__all__ = ["add_drift", "add_parser", "add_report_options", "drift_report", "run"]
