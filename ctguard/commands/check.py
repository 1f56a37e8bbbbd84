"""``ctguard check PATH...``: check IaC files and saved JSON inputs.

Options are merged with the config file, and reports written, by ``report_options`` (shared
with ``ctguard audit``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctguard.commands import report_options as ro
from ctguard.exitcodes import EXIT_INPUT, EXIT_OK, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser(
        "check",
        help="check CloudFormation, Terraform and saved JSON inputs",
        description="Check files and directories (recursively) for CloudTrail configuration problems.",
        epilog="Several reports in one run: --format sarif:ctguard.sarif --format junit:ctguard.xml "
        "--format text, or pair each --format with an --output in order.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="FORMAT[:FILE]",
        help="text (default), json, sarif, junit, github, markdown, html; repeatable; "
        "FORMAT:FILE writes that format to FILE",
    )
    check.add_argument(
        "--output",
        "-o",
        action="append",
        metavar="FILE",
        help="write the report to FILE (the n-th --output goes with the n-th --format that "
        "names no file); the summary still goes to the terminal",
    )
    check.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity that fails the run: info, low (default), medium, high, critical",
    )
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, help="treat UNKNOWN results as failures")
    check.add_argument("--policies", action="append", metavar="DIR", help="add policies from DIR")
    check.add_argument("--show-passed", action=argparse.BooleanOptionalAction, help="also list passing checks")
    ro.add_detail_options(check)
    check.add_argument("--account", metavar="ID", help="account id IaC inputs deploy to")
    check.add_argument("--region", metavar="REGION", help="region IaC inputs deploy to")
    check.add_argument("--var-file", action="append", metavar="FILE", help="Terraform variables file")
    check.add_argument(
        "--retention-days", type=int, metavar="N", help="retention target for log buckets and groups (default 365)"
    )
    check.add_argument(
        "--skip",
        action="append",
        metavar="ID[:REASON]",
        help="report findings of rule ID as suppressed (repeatable, ids may be comma-separated or globs like CT11*)",
    )
    check.add_argument("--only", action="append", metavar="ID", help="run only these rules (repeatable, globs)")
    check.add_argument(
        "--severity",
        action="append",
        metavar="ID=SEVERITY",
        help="override a rule's severity, e.g. CT108=low (repeatable)",
    )
    check.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are reported as suppressed")
    check.add_argument(
        "--create-baseline",
        metavar="FILE",
        help="write the current findings to FILE as a baseline and exit 0 (3 if an input is unreadable)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=ro.jobs_arg,
        help="processes that parse inputs: a number, or auto (default: every CPU, on scans of 64 inputs or more)",
    )
    check.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: discover .ctguard.yaml or pyproject.toml [tool.ctguard] upwards)",
    )
    check.add_argument("--no-config", action="store_true", help="ignore configuration files")
    check.add_argument(
        "--trust-config",
        action="store_true",
        help="the --config FILE is trusted: policies it names may run Python code (impl); "
        "never give it for a file a pull request can change",
    )


def run(args: argparse.Namespace) -> int:
    prepared = ro.prepare(args)
    if prepared is None:
        return EXIT_USAGE
    options, plan, gate, settings, context, threshold = prepared
    from ctguard import api

    jobs = None if options["jobs"] == "auto" else options["jobs"]
    report = api.check(
        args.paths,
        policy_dirs=options["policies"],
        settings=settings,
        context=context,
        gate=gate,
        jobs=jobs,
        untrusted_policy_dirs=options["untrusted_policies"],
    )
    if not ro.write_reports(report, plan, options):
        return EXIT_USAGE
    from ctguard.formatters.neutralize import text_line

    for warning in report.warnings:  # they quote file names and values from the inputs
        print(f"ctguard: warning: {text_line(warning)}", file=sys.stderr)
    if args.create_baseline:
        return _create_baseline(report, args.create_baseline)
    return report.exit_code(threshold)


def _create_baseline(report: Any, path: str) -> int:
    from ctguard.baseline import baselined, dump

    kept = [f for f in report.findings if f.suppression is None or f.suppression.source == "baseline"]
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(dump(kept))
    except OSError as exc:
        print(f"ctguard: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    count = sum(1 for f in kept if baselined(f))
    print(f"ctguard: wrote baseline {path} ({count} findings)", file=sys.stderr)
    return EXIT_INPUT if report.unusable else EXIT_OK
