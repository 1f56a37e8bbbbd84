"""Command line: argparse only; builds settings, calls the API, picks a formatter, sets the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage, configuration or policy
error; 3 an input could not be read or parsed.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from ctguard import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"ctguard: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ctguard", description="Check AWS CloudTrail configurations.")
    parser.add_argument("--version", action="version", version=f"ctguard {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details (and tracebacks) to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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

    rules = sub.add_parser("rules", help="list the policies")
    rules.add_argument("--format", "-f", choices=("text", "json"), default="text")
    rules.add_argument("--policies", action="append", default=[], metavar="DIR")

    explain = sub.add_parser("explain", help="show the documentation of one policy")
    explain.add_argument("rule_id", metavar="ID")
    explain.add_argument("--policies", action="append", default=[], metavar="DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="ctguard: %(levelname)s: %(message)s", stream=sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ctguard.engine.policy import PolicyError

    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            from ctguard.rules_cmd import list_rules

            return list_rules(args)
        if args.command == "explain":
            from ctguard.rules_cmd import explain

            return explain(args)
    except PolicyError as exc:
        print(f"ctguard: policy error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print("ctguard: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a bare traceback; --debug shows it
        if args.debug:
            raise
        print(f"ctguard: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE  # pragma: no cover - argparse restricts commands


def _check(args: argparse.Namespace) -> int:
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


def run() -> None:
    sys.exit(main())
