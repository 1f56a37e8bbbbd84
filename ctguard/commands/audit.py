"""``ctguard audit``: read CloudTrail and related settings from live AWS accounts and check them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctguard.exitcodes import EXIT_INPUT, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = sub.add_parser(
        "audit",
        help="audit live AWS accounts (needs boto3: pip install 'ctguard[aws]')",
        description="Read every trail and the resources it depends on through the AWS APIs (read-only), "
        "then check them. Exit code 3 means some reads failed: those checks are UNKNOWN.",
        epilog="Output options work as for `ctguard check` (and read the same .ctguard.yaml). See docs/audit.md.",
    )
    who = audit.add_argument_group("accounts and regions")
    who.add_argument("--profile", metavar="NAME", help="AWS profile (default: the standard credential chain)")
    who.add_argument(
        "--region",
        "--regions",
        dest="regions",
        action="append",
        default=[],
        metavar="REGION[,...]",
        help="regions to audit (repeat or comma-separate; default: every region enabled for the account)",
    )
    who.add_argument(
        "--org",
        action="store_true",
        help="audit every active account of the organization (run from the management or "
        "delegated administrator account; needs --role-name)",
    )
    who.add_argument(
        "--role-name", metavar="NAME", help="role to assume in each member account (name or ARN with {account})"
    )
    who.add_argument("--external-id", metavar="ID", help="external id for the assumed role")
    net = audit.add_argument_group("API behaviour")
    net.add_argument(
        "--retry-mode",
        choices=("standard", "adaptive"),
        default="standard",
        help="botocore retry mode (default standard)",
    )
    net.add_argument(
        "--max-attempts", type=int, default=5, metavar="N", help="tries per call, the first included (default 5)"
    )
    net.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS")
    net.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS")
    net.add_argument(
        "--max-workers",
        type=int,
        default=48,
        metavar="N",
        help="most API requests in flight across accounts and regions (default 48)",
    )
    out = audit.add_argument_group("output")
    out.add_argument(
        "--save",
        metavar="FILE",
        help="write every call and answer as a snapshot JSON file "
        "(`ctguard check FILE` reproduces the findings offline)",
    )
    out.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="FORMAT[:FILE]",
        help="text (default), json, sarif, junit, github, markdown, html; repeatable; "
        "FORMAT:FILE writes that format to FILE",
    )
    out.add_argument("--output", "-o", action="append", metavar="FILE", help="write the report to FILE")
    out.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity that fails the run: info, low (default), medium, high, critical",
    )
    out.add_argument("--strict", action=argparse.BooleanOptionalAction, help="treat UNKNOWN results as failures")
    out.add_argument("--policies", action="append", metavar="DIR", help="add policies from DIR")
    out.add_argument("--show-passed", action=argparse.BooleanOptionalAction, help="also list passing checks")
    from ctguard.commands.report_options import add_detail_options

    add_detail_options(out)
    out.add_argument(
        "--retention-days", type=int, metavar="N", help="retention target for log buckets and groups (default 365)"
    )
    out.add_argument("--skip", action="append", metavar="ID[:REASON]", help="report findings of rule ID as suppressed")
    out.add_argument("--only", action="append", metavar="ID", help="run only these rules (repeatable, globs)")
    out.add_argument("--severity", action="append", metavar="ID=SEVERITY", help="override a rule's severity")
    out.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are reported as suppressed")
    out.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: discover .ctguard.yaml or pyproject.toml [tool.ctguard] from here upwards)",
    )
    out.add_argument("--no-config", action="store_true", help="ignore configuration files")
    out.add_argument(
        "--compare",
        action="append",
        metavar="CODE",
        help="also report drift between the account and the trails and event data stores of CODE "
        "(templates, Terraform, plans; repeatable), as `ctguard drift` does (CT9xx)",
    )
    out.add_argument(
        "--trust-config",
        action="store_true",
        help="the --config FILE is trusted: policies it names may run Python code (impl)",
    )


def _usage(message: str) -> int:
    print(f"ctguard: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _report_options(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any, Any, Any, Any]:
    """Output, policy and suppression options, merged with the config file exactly as ``check`` does."""
    from ctguard.commands import report_options as ro

    shared = argparse.Namespace(**vars(args))
    shared.paths, shared.account, shared.region, shared.var_file = ["."], None, None, None
    conf = ro.load_config(shared)
    options = ro.merge(shared, conf)
    plan = ro.output_plan(options["format"], options["output"])
    gate, settings, _, threshold = ro.build(options)
    return plan, options, gate, settings, threshold, conf


def run(args: argparse.Namespace) -> int:
    from ctguard import config as config_mod
    from ctguard.commands.report_options import UsageError

    regions = [r.strip() for item in args.regions for r in item.split(",") if r.strip()] or None
    if args.org and not args.role_name:
        return _usage("--org needs --role-name (the role to assume in member accounts)")
    if args.max_attempts < 1 or args.max_workers < 1:
        return _usage("--max-attempts and --max-workers must be at least 1")
    try:
        plan, options, gate, settings, threshold, _ = _report_options(args)
    except config_mod.ConfigError as exc:
        print(f"ctguard: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        return _usage(str(exc))

    from ctguard.audit.session import ClientOptions, MissingBoto3, require_boto3

    try:
        require_boto3()
    except MissingBoto3 as exc:
        return _usage(str(exc))
    from ctguard.audit.errors import failed_reads
    from ctguard.audit.files import unwritable, write_private
    from ctguard.audit.progress import progress_for
    from ctguard.audit.run import AuditInterrupted, AuditRequest, AuditSetupError, canonical, run_audit

    # A report or snapshot that cannot be written is found now, not after the whole audit.
    for what, path in [("snapshot", args.save)] + [("report", dest) for _, dest in plan]:
        why = unwritable(path) if path else None
        if why:
            return _usage(f"cannot write {what} {path}: {why}")

    request = AuditRequest(
        profile=args.profile,
        regions=regions,
        org=args.org,
        role_name=args.role_name,
        external_id=args.external_id,
        max_workers=args.max_workers,
        client=ClientOptions(
            retry_mode=args.retry_mode,
            max_attempts=args.max_attempts,
            connect_timeout=args.connect_timeout,
            read_timeout=args.read_timeout,
        ),
    )
    from ctguard.audit.secrets import redacting_logs

    try:
        with redacting_logs():  # --debug shows botocore's requests: never the credentials in them
            outcome = run_audit(request, progress_for(sys.stderr))
    except AuditSetupError as exc:
        return _usage(str(exc))
    except AuditInterrupted as stop:
        return _interrupted(stop.outcome, args.save)
    store, text = canonical(outcome.store)
    if args.save:
        try:
            write_private(args.save, text)
        except OSError as exc:
            return _usage(f"cannot write snapshot {args.save}: {exc.strerror or exc}")
    _report_reads(outcome, list(failed_reads(store)))
    try:
        inputs = _inputs(store, text, args.save)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ctguard.parsers.aws."):
            raise
        saved = f" (the calls were saved to {args.save})" if args.save else ""
        return _usage(f"this ctguard cannot map live API answers to its model yet{saved}")
    from ctguard import api
    from ctguard.engine.policy import load_policies

    inputs = list(inputs)
    policy_warnings: list[str] = []
    policies = load_policies(
        tuple(options["policies"]), untrusted_dirs=tuple(options["untrusted_policies"]), warnings=policy_warnings
    )
    report = api.evaluate(inputs, policies, settings, gate)
    report.warnings[:0] = policy_warnings
    if args.compare:
        from ctguard.commands.drift import add_drift

        add_drift(report, args.compare, inputs, options, gate, settings)
    if not args.save:  # no file to point at: aws://<account>/<region>/<resource>
        from ctguard.findings import Finding
        from ctguard.live_locations import locate

        report.findings = sorted(locate(report.findings, report.inputs), key=Finding.sort_key)
    if not _render(report, plan, options):
        return EXIT_USAGE
    from ctguard.formatters.neutralize import text_line

    for warning in report.warnings:  # names from the accounts: shown escaped
        print(f"ctguard: warning: {text_line(warning)}", file=sys.stderr)
    if outcome.incomplete:
        return EXIT_INPUT
    return int(report.exit_code(threshold))


LIVE_PATH = "<live audit>"  # the input name of an audit that is not saved
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def _interrupted(outcome: Any, save: str | None) -> int:
    """Ctrl-C: keep what was read (marked incomplete) when --save was given, and stop."""
    from ctguard.audit.files import write_private
    from ctguard.audit.run import canonical

    note = ""
    if save:
        _, text = canonical(outcome.store)
        try:
            write_private(save, text)
            note = f"; the {len(outcome.store)} reads made so far are saved to {save}, marked incomplete"
        except OSError as exc:
            note = f"; cannot write snapshot {save}: {exc.strerror or exc}"
    print(f"ctguard: interrupted{note}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _inputs(store: Any, text: str, save: str | None) -> Any:
    """The model of every account, built exactly as ``ctguard check`` will build it.

    With --save, the saved text itself is parsed (findings then point at its lines), so that
    ``ctguard check FILE`` gives the same report; without, the store is mapped directly.
    """
    if save:
        import importlib

        from ctguard.parsers.context import ParseContext

        return importlib.import_module("ctguard.parsers.aws.snapshot").parse(save, text, ParseContext())
    from ctguard.live_locations import name_inputs
    from ctguard.parsers.aws.api import build_inputs

    return name_inputs(build_inputs(store, LIVE_PATH))


def _render(report: Any, plan: list[tuple[str, str | None]], options: dict[str, Any]) -> bool:
    """The report as ``check`` writes it, then the account / region / trail table for humans."""
    from ctguard.commands.report_options import write_reports
    from ctguard.formatters.audit_summary import summary_rows, table_text

    if not write_reports(report, plan, options):
        return False
    rows = summary_rows(report)
    stdout_format = next((name for name, dest in plan if dest is None), None)
    if stdout_format == "text":
        if sys.stdout.isatty():
            _table(rows, sys.stdout)
        else:
            sys.stdout.write("\n" + table_text(rows))
    else:
        _table(rows, sys.stderr)
    return True


def _table(rows: list[Any], stream: Any) -> None:
    from ctguard.formatters.audit_summary import table_text

    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title="audit summary")
        for column, justify in (
            ("account", "left"),
            ("region", "left"),
            ("trail", "left"),
            ("failed", "right"),
            ("unknown", "right"),
            ("passed", "right"),
        ):
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
            print(
                f"ctguard: note: the organization's accounts could not be listed ({why}); "
                f"audited {outcome.caller} only",
                file=sys.stderr,
            )
    for result in outcome.accounts:
        if result.error:
            print(f"ctguard: warning: account {result.account} not audited: {result.error}", file=sys.stderr)
        for region, why in sorted(result.skipped_regions.items()):
            print(f"ctguard: note: {result.account} {region} skipped: {why}", file=sys.stderr)
    if not failed:
        return
    print(
        f"ctguard: warning: {len(failed)} read{'s' if len(failed) != 1 else ''} failed; "
        "what depends on them is UNKNOWN (exit code 3):",
        file=sys.stderr,
    )
    for (account, region, service, operation, params), error in failed[:50]:
        print(f"  {account} {region} {service}:{operation} {params}: {error.describe()}", file=sys.stderr)
    if len(failed) > 50:
        print(f"  ... and {len(failed) - 50} more (all are in the --save snapshot)", file=sys.stderr)
