"""``ctguard audit``: read CloudTrail and related settings from live AWS accounts and check them."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ctguard.exitcodes import EXIT_INPUT, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ctguard.formatters import FORMATS

    audit = sub.add_parser(
        "audit", help="audit live AWS accounts (needs boto3: pip install 'ctguard[aws]')",
        description="Read every trail and the resources it depends on through the AWS APIs (read-only), "
                    "then check them. Exit code 3 means some reads failed: those checks are UNKNOWN.")
    who = audit.add_argument_group("accounts and regions")
    who.add_argument("--profile", metavar="NAME", help="AWS profile (default: the standard credential chain)")
    who.add_argument("--region", "--regions", dest="regions", action="append", default=[], metavar="REGION[,...]",
                     help="regions to audit (repeat or comma-separate; default: every region enabled for the account)")
    who.add_argument("--org", action="store_true",
                     help="audit every active account of the organization (run from the management or "
                          "delegated administrator account; needs --role-name)")
    who.add_argument("--role-name", metavar="NAME", help="role to assume in each member account (name or ARN "
                                                          "with {account})")
    who.add_argument("--external-id", metavar="ID", help="external id for the assumed role")
    net = audit.add_argument_group("API behaviour")
    net.add_argument("--retry-mode", choices=("standard", "adaptive"), default="standard",
                     help="botocore retry mode (default standard)")
    net.add_argument("--max-attempts", type=int, default=5, metavar="N", help="attempts per call (default 5)")
    net.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
    net.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS")
    net.add_argument("--max-workers", type=int, default=48, metavar="N",
                     help="concurrent API calls across accounts and regions (default 48)")
    out = audit.add_argument_group("output")
    out.add_argument("--save", metavar="FILE", help="write every call and answer as a snapshot JSON file "
                                                   "(`ctguard check FILE` reproduces the findings offline)")
    out.add_argument("--format", "-f", choices=FORMATS, default="text")
    out.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    out.add_argument("--fail-on", default="low", metavar="SEVERITY",
                     help="lowest severity that fails the run: info, low (default), medium, high, critical")
    out.add_argument("--strict", action="store_true", help="treat UNKNOWN results as failures")
    out.add_argument("--policies", action="append", default=[], metavar="DIR", help="add policies from DIR")
    out.add_argument("--show-passed", action="store_true", help="also list passing checks in text output")
    out.add_argument("--retention-days", type=int, default=365, metavar="N",
                     help="retention target for log buckets and groups (default 365)")


def _usage(message: str) -> int:
    print(f"ctguard: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from ctguard.findings import Severity

    try:
        threshold = Severity.parse(args.fail_on)
    except ValueError as exc:
        return _usage(f"--fail-on: {exc}")
    regions = [r.strip() for item in args.regions for r in item.split(",") if r.strip()] or None
    if args.org and not args.role_name:
        return _usage("--org needs --role-name (the role to assume in member accounts)")
    if args.max_attempts < 1 or args.max_workers < 1 or args.retention_days < 1:
        return _usage("--max-attempts, --max-workers and --retention-days must be at least 1")

    from ctguard.audit.session import ClientOptions, MissingBoto3, require_boto3

    try:
        require_boto3()
    except MissingBoto3 as exc:
        return _usage(str(exc))
    from ctguard.audit.errors import failed_reads
    from ctguard.audit.progress import progress_for
    from ctguard.audit.run import AuditRequest, AuditSetupError, canonical, run_audit

    request = AuditRequest(
        profile=args.profile, regions=regions, org=args.org, role_name=args.role_name,
        external_id=args.external_id, max_workers=args.max_workers,
        client=ClientOptions(retry_mode=args.retry_mode, max_attempts=args.max_attempts,
                             connect_timeout=args.connect_timeout, read_timeout=args.read_timeout))
    try:
        outcome = run_audit(request, progress_for(sys.stderr))
    except AuditSetupError as exc:
        return _usage(str(exc))
    store, text = canonical(outcome.store)
    if args.save:
        try:
            with open(args.save, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            return _usage(f"cannot write snapshot {args.save}: {exc.strerror or exc}")
    _report_reads(outcome, list(failed_reads(store)))
    try:
        inputs = _inputs(store, text, args.save)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ctguard.parsers.aws_"):
            raise
        saved = f" (the calls were saved to {args.save})" if args.save else ""
        return _usage(f"this ctguard cannot map live API answers to its model yet{saved}")
    report = _evaluate(args, inputs)
    _render(args, report)
    if outcome.incomplete:
        return EXIT_INPUT
    return report.exit_code(threshold)


LIVE_PATH = "<live audit>"  # the input name of an audit that is not saved


def _inputs(store: Any, text: str, save: str | None) -> Any:
    """The model of every account, built exactly as ``ctguard check`` will build it.

    With --save, the saved text itself is parsed (findings then point at its lines), so that
    ``ctguard check FILE`` gives the same report; without, the store is mapped directly.
    """
    if save:
        import importlib

        from ctguard.parsers.context import ParseContext

        return importlib.import_module("ctguard.parsers.aws_snapshot").parse(save, text, ParseContext())
    from ctguard.parsers.aws_api import build_inputs

    return build_inputs(store, LIVE_PATH)


def _evaluate(args: argparse.Namespace, inputs: Any) -> Any:
    from ctguard import api
    from ctguard.engine.evaluate import Settings
    from ctguard.engine.policy import load_policies

    settings = Settings(retention_days=args.retention_days, strict=args.strict)
    return api.evaluate(inputs, load_policies(tuple(args.policies)), settings)


def _render(args: argparse.Namespace, report: Any) -> None:
    from ctguard.audit.summary import summary_rows, table_text
    from ctguard.formatters import renderer
    from ctguard.formatters.summary import summary_line

    options = {"show_passed": args.show_passed}
    rows = summary_rows(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(renderer(args.format)(report, options))
        _table(rows, sys.stderr)
        print(summary_line(report), file=sys.stderr)
    elif args.format == "text" and sys.stdout.isatty():
        from ctguard.formatters.text_format import render_colour

        render_colour(report, options)
        _table(rows, sys.stdout)
    elif args.format == "text":
        sys.stdout.write(renderer("text")(report, options))
        sys.stdout.write("\n" + table_text(rows))
    else:
        sys.stdout.write(renderer(args.format)(report, options))
        _table(rows, sys.stderr)
        print(summary_line(report), file=sys.stderr)


def _table(rows: list[Any], stream: Any) -> None:
    from ctguard.audit.summary import table_text

    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title="audit summary")
        for column, justify in (("account", "left"), ("region", "left"), ("trail", "left"),
                                ("failed", "right"), ("unknown", "right"), ("passed", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for r in rows:
            table.add_row(r.account, r.region or "—", r.trail, str(r.failed), str(r.unknown), str(r.passed))
        Console(file=stream).print(table)
    else:
        stream.write(table_text(rows))


def _report_reads(outcome: Any, failed: list[Any]) -> None:
    """What could not be read, on stderr: those checks come out UNKNOWN."""
    store = outcome.store
    if store.meta.get("organization"):
        listed = store.get(outcome.caller, None, "organizations", "ListAccounts", {})
        if listed is None or not listed.ok:
            why = listed.error.describe() if listed is not None and listed.error else "not read"
            print(f"ctguard: note: the organization's accounts could not be listed ({why}); "
                  f"audited {outcome.caller} only", file=sys.stderr)
    for result in outcome.accounts:
        if result.error:
            print(f"ctguard: warning: account {result.account} not audited: {result.error}", file=sys.stderr)
        for region, why in sorted(result.skipped_regions.items()):
            print(f"ctguard: note: {result.account} {region} skipped: {why}", file=sys.stderr)
    if not failed:
        return
    print(f"ctguard: warning: {len(failed)} read{'s' if len(failed) != 1 else ''} failed; "
          "what depends on them is UNKNOWN (exit code 3):", file=sys.stderr)
    for (account, region, service, operation, params), error in failed[:50]:
        print(f"  {account} {region} {service}:{operation} {params}: {error.describe()}", file=sys.stderr)
    if len(failed) > 50:
        print(f"  ... and {len(failed) - 50} more (all are in the --save snapshot)", file=sys.stderr)
