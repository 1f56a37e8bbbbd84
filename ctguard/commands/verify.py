"""``ctguard verify SOURCE``: CloudTrail log file integrity validation over a local archive or S3.

SOURCE is a directory holding an ``AWSLogs/`` tree (a copy of the trail's bucket) or
``s3://bucket[/prefix]``. Output options, exit codes and the config file work as for ``check``:
1 when something is invalid, 3 when something could not be read. See docs/verify.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import Any

from ctguard.exitcodes import EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    verify = sub.add_parser(
        "verify",
        help="validate CloudTrail log files against their signed digests (local copy or S3)",
        description="Follow each trail's digest chain, check every digest's signature and every log file's "
        "SHA-256, and report modified, missing and extra files, deleted digests, broken chains, gaps "
        "and unknown keys. Exit code 1: something is invalid; 3: something could not be read.",
        epilog="A local copy has lost the digests' signatures (S3 object metadata): the newest digest of each "
        "chain needs a DIGEST.sig file next to it (hex, or the `aws s3api head-object` answer); older "
        "digests are checked with the signature their successor records. See docs/verify.md.",
    )
    verify.add_argument("source", metavar="SOURCE", help="directory with an AWSLogs/ tree, or s3://bucket[/prefix]")
    keys = verify.add_argument_group("public keys")
    keys.add_argument(
        "--public-keys",
        action="append",
        default=[],
        metavar="FILE",
        help="saved `aws cloudtrail list-public-keys` answer (repeat for each region)",
    )
    keys.add_argument(
        "--live-keys",
        action="store_true",
        help="read the public keys with boto3 (ListPublicKeys in each region verified)",
    )
    what = verify.add_argument_group("what to verify")
    what.add_argument(
        "--start-time",
        metavar="TIME",
        help="verify log files delivered on or after TIME (UTC, e.g. 2026-01-08T05:21:42Z)",
    )
    what.add_argument("--end-time", metavar="TIME", help="verify log files delivered on or before TIME (default: now)")
    what.add_argument(
        "--bucket",
        metavar="NAME",
        help="the bucket a local copy was made from: digests must name it (S3 sources know it)",
    )
    what.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="log files hashed at once (default: 2 per CPU; 32 for S3)",
    )
    aws = verify.add_argument_group("AWS (S3 sources and --live-keys)")
    aws.add_argument("--profile", metavar="NAME", help="AWS profile (default: the standard credential chain)")
    aws.add_argument("--region", metavar="REGION", help="region of the S3 client (default: the profile's)")
    out = verify.add_argument_group("output")
    out.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="FORMAT[:FILE]",
        help="text (default), json, sarif, junit, github, markdown; repeatable",
    )
    out.add_argument("--output", "-o", action="append", metavar="FILE", help="write the report to FILE")
    out.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity that fails the run: info, low (default), medium, high, critical",
    )
    out.add_argument("--strict", action=argparse.BooleanOptionalAction, help="treat UNKNOWN results as failures")
    out.add_argument("--show-passed", action=argparse.BooleanOptionalAction, help="also list valid digests")
    out.add_argument("--skip", action="append", metavar="ID[:REASON]", help="report findings of rule ID as suppressed")
    out.add_argument("--only", action="append", metavar="ID", help="report only these rules (repeatable, globs)")
    out.add_argument("--severity", action="append", metavar="ID=SEVERITY", help="override a rule's severity")
    out.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are reported as suppressed")
    out.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: discover .ctguard.yaml or pyproject.toml [tool.ctguard] from here upwards)",
    )
    out.add_argument("--no-config", action="store_true", help="ignore configuration files")


def _usage(message: str) -> int:
    print(f"ctguard: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    from ctguard.isotime import parse_time

    parsed = parse_time(text)
    if parsed is None:
        raise ValueError(f"{option} {text!r} is not a time (e.g. 2026-01-08T05:21:42Z)")
    return parsed


def run(args: argparse.Namespace) -> int:
    from ctguard.commands import report_options as ro

    try:
        start, end = _time(args.start_time, "--start-time"), _time(args.end_time, "--end-time")
    except ValueError as exc:
        return _usage(str(exc))
    end = end or datetime.now(UTC)
    if start is not None and start > end:
        return _usage("--start-time must not be after --end-time")
    if args.jobs is not None and args.jobs < 1:
        return _usage("--jobs must be at least 1")
    shared = argparse.Namespace(**vars(args))
    shared.paths = [args.source if not args.source.startswith("s3://") else "."]
    shared.account, shared.var_file, shared.policies, shared.retention_days = None, None, None, None
    shared.region = None
    prepared = ro.prepare(shared)
    if prepared is None:
        return EXIT_USAGE
    options, plan, gate, settings, _, threshold = prepared

    session = None
    if args.source.startswith("s3://") or args.live_keys:
        from ctguard.audit.session import MissingBoto3, require_boto3

        try:
            require_boto3()
        except MissingBoto3 as exc:
            return _usage(str(exc))
        import boto3

        session = boto3.Session(profile_name=args.profile, region_name=args.region)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return _usage("ctguard verify needs the cryptography package: pip install 'ctguard[verify]'")

    from ctguard.verify.keys import KeyFileError, live_keys, load_key_files

    try:
        keys = live_keys(session, start, end) if args.live_keys else load_key_files(args.public_keys)
    except KeyFileError as exc:
        return _usage(str(exc))
    archive = _archive(args, session)
    if isinstance(archive, str):
        return _usage(archive)
    report, outcome = _verify(archive, keys, start, end, args.jobs, gate, settings)
    if not ro.write_reports(report, plan, options):
        return EXIT_USAGE
    for note in outcome.notes:
        print(f"ctguard: note: {note}", file=sys.stderr)
    s = outcome.stats
    print(
        f"ctguard: verified {s.digests_valid}/{s.digests} digest files, {s.logs_valid}/{s.logs} log files "
        f"({s.bytes / 1e6:.1f} MB)",
        file=sys.stderr,
    )
    return int(report.exit_code(threshold))


def _archive(args: argparse.Namespace, session: Any) -> Any:
    from ctguard.verify.archive import LocalArchive, S3Archive

    if args.source.startswith("s3://"):
        if not args.source[len("s3://") :].split("/", 1)[0]:
            return f"{args.source}: no bucket name"
        from botocore.config import Config

        client = session.client(
            "s3", config=Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=64)
        )
        return S3Archive(args.source, client)
    if not os.path.isdir(args.source):
        return f"{args.source}: not a directory (give a directory holding AWSLogs/, or s3://bucket/prefix)"
    return LocalArchive(args.source, args.bucket)


def _verify(
    archive: Any, keys: Any, start: datetime | None, end: datetime | None, jobs: int | None, gate: Any, settings: Any
) -> tuple[Any, Any]:
    from dataclasses import replace

    from ctguard.findings import Status
    from ctguard.report import Report
    from ctguard.suppress import apply
    from ctguard.verify import rules
    from ctguard.verify.progress import progress_for
    from ctguard.verify.run import Verifier, Window

    if jobs is None:  # S3 reads wait on the network, local reads on the CPU
        jobs = 32 if archive.name.startswith("s3://") else 2 * (os.cpu_count() or 1)
    outcome = Verifier(archive, keys, Window(start, end), jobs, progress_for(sys.stderr)).run()
    findings = sorted(outcome.findings, key=lambda f: f.sort_key())
    if settings.strict:  # as `check --strict`: what cannot be verified fails
        findings = [
            replace(f, status=Status.FAIL, message=f"cannot be verified (--strict): {f.message}")
            if f.status is Status.UNKNOWN
            else f
            for f in findings
        ]
    warnings: list[str] = []
    findings = apply(findings, None, gate, warnings)
    return Report(findings=findings, policies=rules.policies(), warnings=warnings), outcome
