"""``ctguard simulate PATH... --event FILE | --events PATH... | --catalog [--diff OLD NEW] [--sql ...]``.

Which CloudTrail records would the trails defined in PATH (any input ``check`` reads) capture?
JSON output follows ctguard/schemas/simulate.schema.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ctguard.commands.report_options import jobs_arg
from ctguard.exitcodes import EXIT_INPUT, EXIT_OK, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "simulate", help="simulate which CloudTrail events the trails would record",
        description="Evaluate CloudTrail records (or every API operation botocore knows) against the trails "
                    "defined in PATH: what each trail captures, misses and why, and what it costs.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="CloudFormation, Terraform, plan, snapshot or "
                                                            "describe-trails inputs defining the trails")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--event", metavar="FILE", help="one record, a {\"Records\": [...]} file, or JSON lines; "
                                                      "explains every verdict")
    src.add_argument("--events", nargs="+", metavar="PATH", help="replay CloudTrail archives (.json.gz files, "
                                                                 "AWSLogs/ trees, JSON lines) and count")
    src.add_argument("--catalog", action="store_true", help="every API operation of the botocore service models "
                                                            "(needs botocore): what would and would not be logged")
    p.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"), help="compare two configurations over the same "
                                                                   "events or catalogue: gained and lost coverage, cost")
    p.add_argument("--sql", choices=("athena", "duckdb"), help="athena: print the query for the standard CloudTrail "
                                                               "Athena table; duckdb: replay --events with DuckDB")
    p.add_argument("--table", default="cloudtrail_logs", metavar="NAME", help="Athena table name (default cloudtrail_logs)")
    p.add_argument("--where", default="", metavar="SQL", help="extra Athena WHERE clause, e.g. a partition filter")
    p.add_argument("--service", action="append", default=[], metavar="NAME",
                   help="with --catalog: only this botocore service or event-source prefix (repeatable)")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows per table in text output (default 10)")
    p.add_argument("--account", metavar="ID", help="account id IaC inputs deploy to")
    p.add_argument("--region", metavar="REGION", help="region IaC inputs deploy to")
    p.add_argument("--org-accounts", metavar="IDS|FILE",
                   help="organization member accounts: comma-separated ids, or a file of ids")
    p.add_argument("--var-file", action="append", default=[], metavar="FILE", help="Terraform variables file")
    p.add_argument("--jobs", "-j", metavar="N", type=jobs_arg, default="auto",
                   help="processes that replay --events archives: a number, or auto (default: every core, "
                        "for archives of 16 files and 16 MB or more: simulate/parallel.py)")


def _err(msg: str) -> None:
    print(f"ctguard: error: {msg}", file=sys.stderr)


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
    from ctguard.simulate.archive import ArchiveError
    from ctguard.simulate.operations import CatalogUnavailable
    from ctguard.simulate.session import InputsUnusable
    from ctguard.simulate.sql import SqlUnsupported

    if args.diff and args.paths:
        _err("give either PATH... or --diff OLD NEW, not both")
        return EXIT_USAGE
    if not args.diff and not args.paths:
        _err("no inputs: give PATH... (or --diff OLD NEW) defining the trails")
        return EXIT_USAGE
    if args.sql != "athena" and not (args.event or args.events or args.catalog):
        _err("choose what to simulate: --event FILE, --events PATH... or --catalog (or --sql athena)")
        return EXIT_USAGE
    if args.sql == "duckdb" and not args.events:
        _err("--sql duckdb replays --events PATH...")
        return EXIT_USAGE
    if args.top < 1:
        _err("--top must be at least 1")
        return EXIT_USAGE
    try:
        org = _org_accounts(args.org_accounts)
    except (ValueError, OSError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        doc = _simulate(args, org)
    except InputsUnusable as exc:
        _err(f"cannot read the trail inputs: {exc}")
        return EXIT_INPUT
    except ArchiveError as exc:
        _err(str(exc))
        return EXIT_INPUT
    except (CatalogUnavailable, SqlUnsupported) as exc:
        _err(str(exc))
        return EXIT_USAGE
    if isinstance(doc, str):  # the Athena query
        sys.stdout.write(doc + "\n")
        return EXIT_OK
    if args.format == "json":
        json.dump(doc, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        from ctguard.simulate import render

        if doc["mode"] == "event":
            sys.stdout.write(render.events_text(doc))
        elif "diff" in doc:
            sys.stdout.write(render.diff_text(doc, args.top))
        else:
            sys.stdout.write(render.replay_text(doc, args.top))
    return EXIT_OK


def _load(paths: list[str], args: argparse.Namespace, org: frozenset[str] | None) -> Any:
    from ctguard.simulate.session import InputsUnusable, load_trails

    ts = load_trails(paths, account=args.account, region=args.region, org_accounts=org,
                     var_files=tuple(args.var_file))
    if not ts.trails:
        raise InputsUnusable(f"no CloudTrail trails found in {', '.join(paths)}")
    return ts


PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION = "123456789012", "us-east-1"


def _simulate(args: argparse.Namespace, org: frozenset[str] | None) -> dict[str, Any] | str:
    from ctguard.simulate.policy import DEFAULT_POLICY

    if args.catalog:
        # The catalogue asks "would a call in the trail's own account be logged?": without a
        # deploy context, IaC trails and the synthetic calls share a placeholder account.
        args.account = args.account or PLACEHOLDER_ACCOUNT
        args.region = args.region or PLACEHOLDER_REGION

    if args.diff:
        old, new = _load([args.diff[0]], args, org), _load([args.diff[1]], args, org)
        trails = old.trails + new.trails
    else:
        old = new = _load(args.paths, args, org)
        trails = old.trails
    if args.sql == "athena":
        from ctguard.simulate.sql import athena_query

        return athena_query(trails, table=args.table, where=args.where)
    if args.event:
        return _events_doc(trails, args.event)
    if args.catalog:
        replay, source = _catalog_replay(trails, args)
        unit = "API operations"
    elif args.sql == "duckdb":
        replay, source = _duckdb_replay(trails, args.events)
        unit = "records"
    else:
        replay, source = _archive_replay(trails, args.events, DEFAULT_POLICY, None if args.jobs == "auto" else args.jobs)
        unit = "records"
    from ctguard.simulate.report import summarize

    shapes = list(replay.shapes())
    kw = dict(records=replay.records, first_time=replay.first_time, last_time=replay.last_time,
              top=10**9 if args.catalog else max(args.top, 20))
    if not args.diff:
        doc = summarize(trails, shapes, **kw)
        if args.catalog:
            doc["cost"] = None
            for t in doc["trails"]:
                t["cost"] = None
        return {"mode": "catalog" if args.catalog else "replay", "unit": unit, "source": source, **doc}
    from ctguard.simulate.session import diff_shapes

    n_old = len(old.trails)
    old_doc = summarize(trails[:n_old], _project(shapes, slice(0, n_old)), **kw)
    new_doc = summarize(trails[n_old:], _project(shapes, slice(n_old, None)), **kw)
    sides = {}
    for name, ts, d in (("old", old, old_doc), ("new", new, new_doc)):
        sides[name] = {"inputs": ts.inputs, "trails": [t.key for t in ts.trails],
                       "cost": None if args.catalog else d["cost"]}
    return {"mode": "catalog" if args.catalog else "replay", "unit": unit, "source": source,
            "records": replay.records, "time_span": old_doc["time_span"], "pricing": old_doc["pricing"],
            **sides, "diff": diff_shapes(shapes, n_old, top=max(args.top, 20))}


def _project(shapes: list[Any], part: slice) -> list[Any]:
    import dataclasses

    return [(dataclasses.replace(s, verdicts=s.verdicts[part]), c) for s, c in shapes]


def _events_doc(trails: list[Any], path: str) -> dict[str, Any]:
    from ctguard.simulate.archive import load_records
    from ctguard.simulate.events import Event
    from ctguard.simulate.explain import verdict_to_dict

    records = load_records(path)
    items: list[dict[str, Any]] = []
    for i, rec in enumerate(records, 1):
        ev = Event.from_record(rec)
        items.append({"index": i, "event": ev.classify(),
                      "verdicts": [verdict_to_dict(t.evaluate(ev), ev) for t in trails]})
        for v in items[-1]["verdicts"]:
            v.pop("event", None)  # once per record, not per verdict
    return {"mode": "event", "source": {"path": path}, "records": len(records), "events": items}


def _progress(total: int):  # type: ignore[no-untyped-def]
    """A rich progress bar on stderr, only on a terminal; returns (advance, close)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    prog = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    prog.start()
    task = prog.add_task("replaying", total=total)
    return (lambda n: prog.advance(task, n)), prog.stop


def _archive_replay(trails: list[Any], paths: list[str], policy: Any, jobs: int | None) -> tuple[Any, dict[str, Any]]:
    from ctguard.simulate.archive import ArchiveError, list_files
    from ctguard.simulate.parallel import replay_files

    files = list_files(paths)
    if not files:
        raise ArchiveError(f"no CloudTrail record files under {', '.join(paths)}")
    skipped: list[tuple[str, str]] = []
    advance, close = _progress(sum(s for _, s in files))
    try:
        replay = replay_files(trails, files, policy, jobs, lambda p, m: skipped.append((p, m)), advance)
    finally:
        close()
    if len(skipped) == len(files):
        raise ArchiveError("no readable CloudTrail record files: " + "; ".join(m for _, m in skipped[:3]))
    for path, msg in skipped:
        print(f"ctguard: warning: skipped {msg}", file=sys.stderr)
    return replay, {"paths": paths, "files": len(files), "bytes": sum(s for _, s in files),
                    "skipped": [list(x) for x in skipped]}


def _catalog_replay(trails: list[Any], args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    from ctguard.simulate.operations import load_services, operations, synthetic_record
    from ctguard.simulate.policy import DEFAULT_POLICY
    from ctguard.simulate.replay import Replay

    version, services = load_services(set(args.service) or None)
    ops = operations(services, set(args.service) or None)
    if not ops:
        from ctguard.simulate.operations import CatalogUnavailable

        raise CatalogUnavailable(f"no botocore service matches --service {', '.join(args.service)}")
    account = args.account or PLACEHOLDER_ACCOUNT
    region = args.region or next((t.effective.home_region for t in trails if isinstance(t.effective.home_region, str)),
                                 PLACEHOLDER_REGION)
    replay = Replay(trails, DEFAULT_POLICY)
    replay.add([synthetic_record(op, account, region) for op in ops])
    return replay, {"botocore": version, "services": len({o.service for o in ops}), "operations": len(ops),
                    "account": account, "region": region,
                    "heuristics": "read-only: name starts Get/List/Describe/Head/...; category: data-API catalogue"}


def _duckdb_replay(trails: list[Any], paths: list[str]) -> tuple[Any, dict[str, Any]]:
    from ctguard.simulate.archive import ArchiveError, list_files
    from ctguard.simulate.sqlreplay import duckdb_replay

    files = [f for f, _ in list_files(paths)]
    if not files:
        raise ArchiveError(f"no CloudTrail record files under {', '.join(paths)}")
    return duckdb_replay(trails, files), {"paths": paths, "files": len(files), "engine": "duckdb", "skipped": []}
