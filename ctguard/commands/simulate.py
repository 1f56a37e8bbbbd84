"""``ctguard simulate PATH... --event FILE | --events PATH... | --catalog [--diff OLD NEW] [--sql ...]``.

Which CloudTrail records would the trails defined in PATH (any input ``check`` reads) capture?
JSON output follows ctguard/schemas/simulate.schema.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ctguard.commands.report_options import jobs_arg
from ctguard.exitcodes import EXIT_INPUT, EXIT_OK, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "simulate",
        help="simulate which CloudTrail events the trails would record",
        description="Evaluate CloudTrail records (or every API operation botocore knows) against the trails "
        "defined in PATH: what each trail captures, misses and why, and what it costs.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="CloudFormation, Terraform, plan, snapshot or describe-trails inputs defining the trails",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--event", metavar="FILE", help='one record, a {"Records": [...]} file, or JSON lines; explains every verdict'
    )
    src.add_argument(
        "--events",
        nargs="+",
        metavar="PATH",
        help="replay CloudTrail archives (.json.gz files, AWSLogs/ trees, JSON lines) and count",
    )
    src.add_argument(
        "--catalog",
        action="store_true",
        help="every API operation of the botocore service models (needs botocore): what would and would not be logged",
    )
    p.add_argument(
        "--diff",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="compare two configurations over the same events or catalogue: gained and lost coverage, cost",
    )
    p.add_argument(
        "--sql",
        choices=("athena", "duckdb"),
        help="athena: print the query for the standard CloudTrail Athena table; duckdb: replay --events with DuckDB",
    )
    p.add_argument(
        "--table", default="cloudtrail_logs", metavar="NAME", help="Athena table name (default cloudtrail_logs)"
    )
    p.add_argument("--where", default="", metavar="SQL", help="extra Athena WHERE clause, e.g. a partition filter")
    p.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME",
        help="with --catalog: only this botocore service or event-source prefix (repeatable)",
    )
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows per table in text output (default 10)")
    p.add_argument("--account", metavar="ID", help="account id IaC inputs deploy to")
    p.add_argument("--region", metavar="REGION", help="region IaC inputs deploy to")
    p.add_argument(
        "--org-accounts", metavar="IDS|FILE", help="organization member accounts: comma-separated ids, or a file of ids"
    )
    p.add_argument("--var-file", action="append", default=[], metavar="FILE", help="Terraform variables file")
    p.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=jobs_arg,
        default="auto",
        help="processes that replay --events archives: a number, or auto (default: every core, "
        "for archives of 16 files and 16 MB or more: simulate/parallel.py)",
    )


def _err(msg: str) -> None:
    from ctguard.formatters.neutralize import text_line

    print(f"ctguard: error: {text_line(msg)}", file=sys.stderr)


def _org_accounts(value: str | None) -> frozenset[str] | None:
    import os
    import re

    if not value:
        return None
    text = value
    if os.path.isfile(value):
        with open(value, encoding="utf-8") as fh:
            text = fh.read()
    ids = frozenset(re.findall(r"\b\d{12}\b", text))
    if not ids:
        raise ValueError(f"--org-accounts: no 12-digit account ids in {value!r}")
    return ids


def run(args: argparse.Namespace) -> int:
    from ctguard import simulation

    try:
        org = _org_accounts(args.org_accounts)
    except (ValueError, OSError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        doc = simulation.simulate(
            args.paths,
            event=args.event,
            events=args.events,
            catalog=args.catalog,
            diff=tuple(args.diff) if args.diff else None,
            sql=args.sql,
            table=args.table,
            where=args.where,
            services=args.service,
            top=args.top,
            account=args.account,
            region=args.region,
            org_accounts=org,
            var_files=args.var_file,
            jobs=None if args.jobs == "auto" else args.jobs,
            progress=_progress,
        )
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except (simulation.InputsUnusable, simulation.ArchiveError) as exc:
        _err(f"cannot read the trail inputs: {exc}" if isinstance(exc, simulation.InputsUnusable) else str(exc))
        return EXIT_INPUT
    except (simulation.CatalogUnavailable, simulation.SqlUnsupported) as exc:
        _err(str(exc))
        return EXIT_USAGE
    if not isinstance(doc, str):
        from ctguard.formatters.neutralize import text_line

        for _, msg in doc.get("source", {}).get("skipped", []):
            print(f"ctguard: warning: skipped {text_line(msg)}", file=sys.stderr)
    if isinstance(doc, str):  # the Athena query
        sys.stdout.write(doc + "\n")
        return EXIT_OK
    if args.format == "json":
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        from ctguard.formatters.neutralize import text_lines
        from ctguard.simulate import render

        # File, trail and event names come from the inputs and the archive: each value is made one
        # printable line before it is laid out, then no line may read as a workflow command.
        doc = _printable(doc)
        if doc["mode"] == "event":
            sys.stdout.write(text_lines(render.events_text(doc)))
        elif "diff" in doc:
            sys.stdout.write(text_lines(render.diff_text(doc, args.top)))
        else:
            sys.stdout.write(text_lines(render.replay_text(doc, args.top)))
    return EXIT_OK


def _printable(value: Any) -> Any:
    """The document with every string (keys too) as one printable line (``neutralize.escape_controls``)."""
    from ctguard.formatters.neutralize import escape_controls

    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def _progress(total: int) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A rich progress bar on stderr, only on a terminal; returns (advance, close)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    prog = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    prog.start()
    task = prog.add_task("replaying", total=total)
    return (lambda n: prog.advance(task, n)), prog.stop
