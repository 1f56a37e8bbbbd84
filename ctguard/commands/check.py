"""``ctguard check PATH...``: check IaC files and saved JSON inputs."""
from __future__ import annotations

import argparse
import sys

from ctguard.exitcodes import EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check", help="check CloudFormation, Terraform and saved JSON inputs",
                           description="Check files and directories (recursively) for CloudTrail configuration problems.")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", "-f", choices=("text", "json"), default="text")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (summary still on the terminal)")
    check.add_argument("--fail-on", default="low", metavar="SEVERITY",
                       help="lowest severity that fails the run: info, low (default), medium, high, critical")
    check.add_argument("--strict", action="store_true", help="treat UNKNOWN results as failures")
    check.add_argument("--policies", action="append", default=[], metavar="DIR", help="add policies from DIR")
    check.add_argument("--show-passed", action="store_true", help="also list passing checks in text output")
    check.add_argument("--account", metavar="ID", help="account id IaC inputs deploy to")
    check.add_argument("--region", metavar="REGION", help="region IaC inputs deploy to")
    check.add_argument("--var-file", action="append", default=[], metavar="FILE", help="Terraform variables file")
    check.add_argument("--retention-days", type=int, default=365, metavar="N",
                       help="retention target for log buckets and groups (default 365)")


def run(args: argparse.Namespace) -> int:
    from ctguard import api
    from ctguard.engine.evaluate import Settings
    from ctguard.findings import Severity
    from ctguard.formatters import renderer
    from ctguard.formatters.summary import summary_line
    from ctguard.parsers.context import ParseContext

    try:
        threshold = Severity.parse(args.fail_on)
    except ValueError as exc:
        print(f"ctguard: error: --fail-on: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.retention_days < 1:
        print("ctguard: error: --retention-days must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings(retention_days=args.retention_days, strict=args.strict)
    context = ParseContext(account_id=args.account, region=args.region, var_files=tuple(args.var_file))
    report = api.check(args.paths, policy_dirs=args.policies, settings=settings, context=context)
    options = {"show_passed": args.show_passed}
    if args.output:
        text = renderer(args.format)(report, options)
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(summary_line(report), file=sys.stderr)
    elif args.format == "text" and sys.stdout.isatty():
        from ctguard.formatters.text_format import render_colour

        render_colour(report, options)
    else:
        sys.stdout.write(renderer(args.format)(report, options))
        if args.format != "text":
            print(summary_line(report), file=sys.stderr)
    return report.exit_code(threshold)
