"""The simulator's Python API (``ctguard.api.simulate``), beside ``check``: which events would the trails record?

``simulate(paths, ...)`` takes the same inputs as ``check`` (CloudFormation, Terraform, plan JSON,
snapshots, describe-trails) and one source of events: ``event`` (a record file, every verdict
explained), ``events`` (CloudTrail archives replayed and counted) or ``catalog`` (every API
operation botocore knows). ``diff=(OLD, NEW)`` compares two configurations over the same events.
It returns the document ``ctguard simulate --format json`` prints (ctguard/schemas/simulate.schema.json),
or the Athena query text for ``sql="athena"``. Nothing is printed; ``ctguard.commands.simulate``
parses arguments and renders.

Errors: ``InputsUnusable`` (the trail inputs cannot be read), ``ArchiveError`` (no readable
records), ``CatalogUnavailable`` / ``SqlUnsupported`` (an optional dependency or a service name
is missing), ``ValueError`` (options that do not go together).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ctguard.simulate.archive import ArchiveError
from ctguard.simulate.evaluate import CompiledTrail, SimContext
from ctguard.simulate.operations import CatalogUnavailable
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.simulate.replay import Replay
from ctguard.simulate.sql import SqlUnsupported
from ctguard.values import Known

# The catalogue asks "would a call in the trail's own account be logged?": without a deploy
# context, IaC trails and the synthetic calls share a placeholder account and region.
PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION = "123456789012", "us-east-1"

# Progress of an archive replay: called once with the total bytes, returns (advance, close).
ProgressFactory = Callable[[int], tuple[Callable[[int], None] | None, Callable[[], None]]]


class InputsUnusable(Exception):
    """The inputs that define the trails cannot be read, or define no trail."""


@dataclass
class TrailSet:
    trails: list[CompiledTrail] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # trail label -> input path


def load_trails(
    paths: list[str],
    *,
    account: str | None = None,
    region: str | None = None,
    org_accounts: frozenset[str] | None = None,
    policy: SimPolicy = DEFAULT_POLICY,
    var_files: tuple[str, ...] = (),
) -> TrailSet:
    """Every trail the inputs define, compiled for simulation.

    A CloudFormation input with Conditions yields one model per variant; each variant's trails
    are simulated separately and labelled ``key [variant n]``.
    """
    from ctguard.parsers import dispatch
    from ctguard.parsers.context import ParseContext

    out = TrailSet()
    problems: list[str] = []
    seen: set[str] = set()
    for parsed in dispatch.parse_paths(paths, ParseContext(account_id=account, region=region, var_files=var_files)):
        if parsed.unusable:
            problems.extend(f"{parsed.path}: {p.message}" for p in parsed.problems if p.fatal)
            continue
        out.inputs.append(parsed.path)
        many = len(parsed.variants) > 1
        for n, model in enumerate(parsed.variants, 1):
            ctx = SimContext(
                account_id=account or _known(model.account_id),
                region=region or _known(model.region),
                organization_accounts=org_accounts,
                enabled_regions=_enabled(model),
                policy=policy,
            )
            for trail in model.trails:
                label = trail.key + (f" [variant {n}]" if many else "")
                if label in seen:
                    label = f"{parsed.path}:{label}"
                seen.add(label)
                out.trails.append(CompiledTrail(dataclasses.replace(trail, key=label), ctx))
                out.origin[label] = parsed.path
    if problems:
        raise InputsUnusable("; ".join(problems))
    return out


def simulate(
    paths: Iterable[str] = (),
    *,
    event: str | None = None,
    events: Iterable[str] | None = None,
    catalog: bool = False,
    diff: tuple[str, str] | None = None,
    sql: str | None = None,
    table: str = "cloudtrail_logs",
    where: str = "",
    services: Iterable[str] = (),
    top: int = 10,
    account: str | None = None,
    region: str | None = None,
    org_accounts: frozenset[str] | None = None,
    var_files: Iterable[str] = (),
    jobs: int | None = None,
    progress: ProgressFactory | None = None,
) -> dict[str, Any] | str:
    """Simulate the trails of ``paths`` (or of ``diff``'s two sides) over one source of events.

    ``jobs``: processes that replay ``events`` (None: every core for large archives). ``top``: rows
    per table (at least 20 are kept in the document). ``sql``: "athena" returns the query that
    counts what the trails capture; "duckdb" replays ``events`` with DuckDB. The document's
    ``source.skipped`` lists archive files that could not be read, with the reason.
    """
    paths, events_list = list(paths), None if events is None else list(events)
    if diff and paths:
        raise ValueError("give either PATH... or --diff OLD NEW, not both")
    if not diff and not paths:
        raise ValueError("no inputs: give PATH... (or --diff OLD NEW) defining the trails")
    if (event is not None) + (events_list is not None) + catalog > 1:
        raise ValueError("choose one of --event, --events and --catalog")
    if sql not in (None, "athena", "duckdb"):
        raise ValueError(f"--sql must be athena or duckdb, not {sql!r}")
    if sql != "athena" and not (event or events_list or catalog):
        raise ValueError("choose what to simulate: --event FILE, --events PATH... or --catalog (or --sql athena)")
    if sql == "duckdb" and not events_list:
        raise ValueError("--sql duckdb replays --events PATH...")
    if top < 1:
        raise ValueError("--top must be at least 1")
    if catalog:
        account, region = account or PLACEHOLDER_ACCOUNT, region or PLACEHOLDER_REGION

    def load(side: list[str]) -> TrailSet:
        ts = load_trails(side, account=account, region=region, org_accounts=org_accounts, var_files=tuple(var_files))
        if not ts.trails:
            raise InputsUnusable(f"no CloudTrail trails found in {', '.join(side)}")
        return ts

    if diff:
        old, new = load([diff[0]]), load([diff[1]])
        trails = old.trails + new.trails
    else:
        old = new = load(paths)
        trails = old.trails
    if sql == "athena":
        from ctguard.simulate.sql import athena_query

        return athena_query(trails, table=table, where=where)
    if event:
        return _events_doc(trails, event)
    if catalog:
        replay, source = _catalog_replay(trails, list(services), account, region)
        unit = "API operations"
    elif sql == "duckdb":
        assert events_list is not None
        replay, source = _duckdb_replay(trails, events_list)
        unit = "records"
    else:
        assert events_list is not None
        replay, source = _archive_replay(trails, events_list, DEFAULT_POLICY, jobs, progress)
        unit = "records"
    from ctguard.simulate.report import summarize

    shapes = list(replay.shapes())
    kw: dict[str, Any] = {
        "records": replay.records,
        "first_time": replay.first_time,
        "last_time": replay.last_time,
        "top": 10**9 if catalog else max(top, 20),
    }
    mode = "catalog" if catalog else "replay"
    if not diff:
        doc = summarize(trails, shapes, **kw)
        if catalog:
            doc["cost"] = None
            for t in doc["trails"]:
                t["cost"] = None
        return {"mode": mode, "unit": unit, "source": source, **doc}
    from ctguard.simulate.session import diff_shapes

    n_old = len(old.trails)
    old_doc = summarize(trails[:n_old], _project(shapes, slice(0, n_old)), **kw)
    new_doc = summarize(trails[n_old:], _project(shapes, slice(n_old, None)), **kw)
    sides = {}
    for name, ts, d in (("old", old, old_doc), ("new", new, new_doc)):
        sides[name] = {
            "inputs": ts.inputs,
            "trails": [t.key for t in ts.trails],
            "cost": None if catalog else d["cost"],
        }
    return {
        "mode": mode,
        "unit": unit,
        "source": source,
        "records": replay.records,
        "time_span": old_doc["time_span"],
        "pricing": old_doc["pricing"],
        **sides,
        "diff": diff_shapes(shapes, n_old, top=max(top, 20)),
    }


def _known(v: Any) -> Any:
    return v.value if isinstance(v, Known) else None


def _enabled(model: Any) -> dict[str, frozenset[str]]:
    acct, regions = _known(model.account_id), _known(model.enabled_regions)
    return {acct: frozenset(regions)} if acct and regions else {}


def _project(shapes: list[Any], part: slice) -> list[Any]:
    return [(dataclasses.replace(s, verdicts=s.verdicts[part]), c) for s, c in shapes]


def _events_doc(trails: list[CompiledTrail], path: str) -> dict[str, Any]:
    from ctguard.simulate.archive import load_records
    from ctguard.simulate.events import Event
    from ctguard.simulate.explain import verdict_to_dict

    records = load_records(path)
    items: list[dict[str, Any]] = []
    for i, rec in enumerate(records, 1):
        ev = Event.from_record(rec)
        items.append(
            {"index": i, "event": ev.classify(), "verdicts": [verdict_to_dict(t.evaluate(ev), ev) for t in trails]}
        )
        for v in items[-1]["verdicts"]:
            v.pop("event", None)  # once per record, not per verdict
    return {"mode": "event", "source": {"path": path}, "records": len(records), "events": items}


def _archive_replay(
    trails: list[CompiledTrail], paths: list[str], policy: SimPolicy, jobs: int | None, progress: ProgressFactory | None
) -> tuple[Replay, dict[str, Any]]:
    from ctguard.simulate.archive import list_files
    from ctguard.simulate.parallel import replay_files

    files = list_files(paths)
    if not files:
        raise ArchiveError(f"no CloudTrail record files under {', '.join(paths)}")
    skipped: list[tuple[str, str]] = []
    advance, close = progress(sum(s for _, s in files)) if progress is not None else (None, lambda: None)
    try:
        replay = replay_files(trails, files, policy, jobs, lambda p, m: skipped.append((p, m)), advance)
    finally:
        close()
    if len(skipped) == len(files):
        raise ArchiveError("no readable CloudTrail record files: " + "; ".join(m for _, m in skipped[:3]))
    return replay, {
        "paths": paths,
        "files": len(files),
        "bytes": sum(s for _, s in files),
        "skipped": [list(x) for x in skipped],
    }


def _catalog_replay(
    trails: list[CompiledTrail], services: list[str], account: str | None, region: str | None
) -> tuple[Replay, dict[str, Any]]:
    from ctguard.simulate.operations import load_services, operations, synthetic_record

    version, known = load_services(set(services) or None)
    ops = operations(known, set(services) or None)
    if not ops:
        raise CatalogUnavailable(f"no botocore service matches --service {', '.join(services)}")
    account = account or PLACEHOLDER_ACCOUNT
    region = region or next(
        (t.effective.home_region for t in trails if isinstance(t.effective.home_region, str)), PLACEHOLDER_REGION
    )
    replay = Replay(trails, DEFAULT_POLICY)
    replay.add([synthetic_record(op, account, region) for op in ops])
    return replay, {
        "botocore": version,
        "services": len({o.service for o in ops}),
        "operations": len(ops),
        "account": account,
        "region": region,
        "heuristics": "read-only: name starts Get/List/Describe/Head/...; category: data-API catalogue",
    }


def _duckdb_replay(trails: list[CompiledTrail], paths: list[str]) -> tuple[Any, dict[str, Any]]:
    from ctguard.simulate.archive import list_files
    from ctguard.simulate.sqlreplay import duckdb_replay

    files = [f for f, _ in list_files(paths)]
    if not files:
        raise ArchiveError(f"no CloudTrail record files under {', '.join(paths)}")
    return duckdb_replay(trails, files), {"paths": paths, "files": len(files), "engine": "duckdb", "skipped": []}


__all__ = [
    "ArchiveError",
    "CatalogUnavailable",
    "InputsUnusable",
    "SqlUnsupported",
    "TrailSet",
    "load_trails",
    "simulate",
]
