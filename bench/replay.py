#!/usr/bin/env python3
"""Archive replay speed and memory (issue 5, item 8), as ratios to baselines measured in this run.

1. Generates (once, cached under --dir) an archive of --records CloudTrail records in
   ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`` files of --per-file records,
   built from the shared dataset's records (or built-in templates without it) with fresh event
   times, ids, callers and S3 object keys, so the record mix is real but every record differs.
2. Floor: read + decompress (zlib, one call per file: the fastest way the stdlib offers, and
   what the reader uses) + ``json.loads`` of every file; ``gzip.decompress`` is timed once for
   reference.  Replay: the same files through ``ctguard.simulate`` (the archive reader's batches
   into ``Replay.add`` over 4 trail configurations, then ``summarize``).  Floor and replay are
   interleaved file by file in alternating order, so drift of a shared machine's speed hits
   both alike.  The ratio is median replay / median floor over --runs passes of this process's
   CPU time (per-pass ratios, best-of and wall time are printed too).  Target: <= 1.3.
   Then ``ctguard simulate``'s parallel replay (``--jobs auto``: chunks of files in forked
   workers, shapes merged) against one process, wall time, best of 2 each.
3. Peak RSS (VmHWM; ``ru_maxrss`` where /proc is missing) of a fresh subprocess replaying the archive once (1x) and ten times
   (10x: the file list repeated, i.e. ten times the bytes streamed).  Target: 10x / 1x <= 1.2.

Usage: python bench/replay.py [--records 1000000 | --quick] [--runs 3] [--per-file 2000] [--dir DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, write_rows  # noqa: E402

SHARED = REPO / "tests" / "data" / "events"  # real records shipped with the tests (SOURCES.md there)
ACCOUNT = "111122223333"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def _templates() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if SHARED.is_dir():
        for f in sorted(SHARED.glob("*.jsonl")):
            out += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not out:  # no shared data: a small realistic mix
        base = {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/u"},
            "eventType": "AwsApiCall",
            "sourceIPAddress": "198.51.100.1",
            "userAgent": "aws-cli/2",
            "requestParameters": {"maxResults": 100},
            "responseElements": None,
        }
        for src, name, ro in (
            ("ec2.amazonaws.com", "DescribeInstances", True),
            ("kms.amazonaws.com", "Decrypt", True),
            ("iam.amazonaws.com", "CreateRole", False),
            ("ec2.amazonaws.com", "RunInstances", False),
        ):
            out.append(
                {
                    **base,
                    "eventSource": src,
                    "eventName": name,
                    "readOnly": ro,
                    "eventCategory": "Management",
                    "managementEvent": True,
                }
            )
        out.append(
            {
                **base,
                "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject",
                "readOnly": True,
                "eventCategory": "Data",
                "managementEvent": False,
                "resources": [
                    {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"},
                    {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"},
                ],
            }
        )
    return [r for r in out if isinstance(r, dict)]


def generate(root: Path, records: int, per_file: int) -> list[Path]:
    marker = root / f".complete-{records}-{per_file}"
    if marker.exists():
        return sorted(root.rglob("*.json.gz"))
    rng = random.Random(5)
    templates = _templates()
    t0 = 1_704_067_200  # 2024-01-01
    files = []
    n = 0
    while n < records:
        region = REGIONS[(n // per_file) % len(REGIONS)]
        ts = t0 + n * 2  # ~ 2 s apart: a million records span ~23 days
        day = time.strftime("%Y/%m/%d", time.gmtime(ts))
        d = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day
        d.mkdir(parents=True, exist_ok=True)
        batch = []
        for i in range(min(per_file, records - n)):
            r = copy.deepcopy(rng.choice(templates))
            r["eventTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts + i * 2))
            r["eventID"] = str(uuid.UUID(int=rng.getrandbits(128)))
            r["awsRegion"] = region
            r["recipientAccountId"] = ACCOUNT
            if isinstance(r.get("userIdentity"), dict):
                r["userIdentity"]["arn"] = f"arn:aws:iam::{ACCOUNT}:user/u{rng.randrange(50)}"
            for res in r.get("resources") or []:
                if isinstance(res, dict) and res.get("type") == "AWS::S3::Object":
                    res["ARN"] = f"arn:aws:s3:::bucket{rng.randrange(5)}/k/{rng.getrandbits(40):x}"
            batch.append(r)
        path = d / f"{ACCOUNT}_CloudTrail_{region}_{time.strftime('%Y%m%dT%H%MZ', time.gmtime(ts))}_{n:08d}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": batch}).encode(), 6))
        files.append(path)
        n += len(batch)
    marker.write_text("ok")
    return sorted(files)


def trails() -> list[Any]:
    from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Trail
    from ctguard.values import Known

    def t(key: str, **kw: Any) -> Trail:
        return Trail(
            key=key,
            is_logging=Known(True),
            is_multi_region=Known(True),
            home_region=Known("us-east-1"),
            account_id=Known(ACCOUNT),
            **kw,
        )

    fs = FieldSelector
    return [
        t("default"),
        t("write-only", event_selectors=Known((EventSelector(read_write_type=Known("WriteOnly")),))),
        t(
            "s3-basic",
            event_selectors=Known(
                (EventSelector(data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3:::bucket1/",)),))),)
            ),
        ),
        t(
            "advanced",
            advanced_event_selectors=Known(
                (
                    AdvancedEventSelector(
                        "m",
                        (
                            fs("eventCategory", equals=("Management",)),
                            fs("eventSource", not_equals=("kms.amazonaws.com",)),
                        ),
                    ),
                    AdvancedEventSelector(
                        "s3",
                        (
                            fs("eventCategory", equals=("Data",)),
                            fs("resources.type", equals=("AWS::S3::Object",)),
                            fs("resources.ARN", not_starts_with=("arn:aws:s3:::bucket0/",)),
                        ),
                    ),
                )
            ),
        ),
    ]


def floor(files: list[str]) -> int:
    # The fastest stdlib decompression (zlib inflates a gzip member in one call; the reader does
    # the same), so the reader's own speed-up over gzip.decompress is not counted as replay gain.
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            n += len(json.loads(zlib.decompressobj(31).decompress(fh.read()))["Records"])
    return n


def floor_gzip(files: list[str]) -> int:
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            n += len(json.loads(gzip.decompress(fh.read()))["Records"])
    return n


def paired_run(files: list[str], records: int) -> dict[str, tuple[float, float]]:
    """One pass over the archive timing, per file, the floor and the replay (the reader's batches
    into ``Replay.add``, as ``run_replay`` does) back to back; returns (cpu, wall) per side."""
    from ctguard.simulate.archive import iter_batches
    from ctguard.simulate.evaluate import SimContext, compile_trail
    from ctguard.simulate.policy import DEFAULT_POLICY
    from ctguard.simulate.replay import Replay
    from ctguard.simulate.report import summarize

    clock, wclock = time.process_time, time.perf_counter
    acc = {"floor": [0.0, 0.0], "replay": [0.0, 0.0]}
    c, w = clock(), wclock()
    compiled = [compile_trail(t, SimContext(account_id=ACCOUNT)) for t in trails()]
    rp = Replay(compiled, DEFAULT_POLICY)
    batches = iter_batches([(f, 0) for f in files])
    acc["replay"][0] += clock() - c
    acc["replay"][1] += wclock() - w
    n_floor = 0
    for i, f in enumerate(files):
        for side in ("floor", "replay") if i % 2 == 0 else ("replay", "floor"):
            c, w = clock(), wclock()
            if side == "floor":
                n_floor += floor([f])
            else:
                batch = next(batches)
                rp.add(batch.records)
                del batch
            acc[side][0] += clock() - c
            acc[side][1] += wclock() - w
    c, w = clock(), wclock()
    summarize(compiled, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time)
    acc["replay"][0] += clock() - c
    acc["replay"][1] += wclock() - w
    assert n_floor == rp.records == records, (n_floor, rp.records, records)
    return {k: (v[0], v[1]) for k, v in acc.items()}


def replay(files: list[str], jobs: int | None = 1) -> int:
    """What ``ctguard simulate --events --jobs`` runs: simulate.parallel.replay_files, then summarize."""
    from ctguard.simulate.evaluate import SimContext, compile_trail
    from ctguard.simulate.parallel import replay_files
    from ctguard.simulate.policy import DEFAULT_POLICY
    from ctguard.simulate.report import summarize

    compiled = [compile_trail(t, SimContext(account_id=ACCOUNT)) for t in trails()]
    rp = replay_files(compiled, [(f, os.path.getsize(f)) for f in files], DEFAULT_POLICY, jobs, lambda p, m: None)
    summarize(compiled, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time)
    return rp.records


def _decoders() -> dict[str, Any]:
    out: dict[str, Any] = {"json.loads": json.loads}
    try:
        import orjson

        out["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    try:
        import msgspec

        out["msgspec.json"] = msgspec.json.Decoder().decode
    except ImportError:
        pass
    from ctguard.simulate import decode

    if decode.DECODER == "msgspec":
        # what the replay decodes log files with: structs of the fields it reads (records.py)
        out["msgspec.Record"] = decode.records_loads
    return out


def decoder_floors(files: list[str], runs: int) -> dict[str, float]:
    """CPU of zlib + each decoder over the same files; decoders alternate file by file."""
    decoders = _decoders()
    acc: dict[str, list[float]] = {name: [] for name in decoders}
    clock = time.process_time
    for _ in range(runs):
        tot = dict.fromkeys(decoders, 0.0)
        names = list(decoders)
        for i, f in enumerate(files):
            for name in names if i % 2 == 0 else names[::-1]:
                c = clock()
                with open(f, "rb") as fh:
                    decoders[name](zlib.decompressobj(31).decompress(fh.read()))
                tot[name] += clock() - c
        for name, v in tot.items():
            acc[name].append(v)
    return {name: statistics.median(v) for name, v in acc.items()}


DUCKDB_SCANS = {
    # typed: DuckDB infers a schema for the records (what `read_json` does by default)
    "read_json": "SELECT count(*) FROM (SELECT unnest(Records) FROM read_json(?, format = 'auto', "
    "maximum_object_size = 268435456))",
    # raw: records as JSON values, no schema (what `ctguard simulate --sql duckdb` reads); faster
    "read_json_objects": "SELECT count(*) FROM (SELECT unnest(json_extract(json, '$.Records[*]')) FROM "
    "read_json_objects(?, format = 'auto', maximum_object_size = 268435456))",
}


def _cpu_all() -> float:
    """CPU of this process (every thread: DuckDB's too) and of its reaped children (the replay's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def duckdb_scan(files: list[str], threads: int, kind: str) -> tuple[float, int, float] | None:
    """Wall time of DuckDB reading every record of the archive (one of DUCKDB_SCANS), count, CPU."""
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    w, c = time.perf_counter(), _cpu_all()
    try:
        (n,) = con.execute(DUCKDB_SCANS[kind], [files]).fetchone()
    except duckdb.Error as exc:
        # DuckDB's schema detection refuses archives whose records differ only in key case
        # ("Duplicate name principalid in struct"): said, and the comparison left out.
        print(f"DuckDB {kind} could not read the archive: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None
    return time.perf_counter() - w, n, _cpu_all() - c


def sql_replay(files: list[str], records: int) -> float | None:
    """Wall time of ctguard's DuckDB replay (simulate/sqlreplay.py; DuckDB uses every core) over the files."""
    try:
        import duckdb  # noqa: F401 - only whether it is installed
    except ImportError:
        return None
    from ctguard.simulate.evaluate import SimContext, compile_trail
    from ctguard.simulate.sqlreplay import duckdb_replay

    compiled = [compile_trail(t, SimContext(account_id=ACCOUNT)) for t in trails()]
    w = time.perf_counter()
    assert duckdb_replay(compiled, files).records == records
    return time.perf_counter() - w


def peak_rss_kb() -> int:
    """This process's peak RSS since exec.  ``ru_maxrss`` is not it on Linux: the kernel carries
    the parent's RSS at fork over exec, so a child of this bench (which has had DuckDB and
    several replays in memory by then) reported the parent's 750 MB.  VmHWM belongs to the
    exec'd image alone."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(root: str, repeat: int) -> None:
    files = [str(p) for p in sorted(Path(root).rglob("*.json.gz"))] * repeat
    n = replay(files)
    print(json.dumps({"records": n, "maxrss_kb": peak_rss_kb()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=None, help="archive size (default 1,000,000; 100,000 with --quick)")
    ap.add_argument("--per-file", type=int, default=2000)
    ap.add_argument("--dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "ctguard-bench-archive"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="100,000 records (for bench/run --quick)")
    ap.add_argument("--json", metavar="FILE", help="write rows for bench/run (bench/common.py)")
    ap.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    records = args.records or (100_000 if args.quick else 1_000_000)
    root = Path(args.dir) / f"{records}-{args.per_file}"
    start = time.perf_counter()
    files = [str(p) for p in generate(root, records, args.per_file)]
    size = sum(os.path.getsize(f) for f in files)
    print(
        f"archive: {len(files)} files, {size / 1e6:.1f} MB compressed, {records:,} records "
        f"(ready in {time.perf_counter() - start:.1f} s) at {root}"
    )
    # CPU time of this process is the headline (the machine may be shared); wall time beside it.
    # Floor and replay are interleaved file by file (in alternating order), so both see the same
    # machine: on a shared VM the speed of a whole run drifts by 20-30%, of one file much less.
    cpu: dict[str, list[float]] = {"floor": [], "replay": []}
    wall: dict[str, list[float]] = {"floor": [], "replay": []}
    for _ in range(args.runs):
        times = paired_run(files, records)
        for name in cpu:
            cpu[name].append(times[name][0])
            wall[name].append(times[name][1])
    med = {k: statistics.median(v) for k, v in cpu.items()}
    for name, label in (("floor", "decompress + json.loads"), ("replay", f"replay ({len(trails())} trails)   ")):
        print(
            f"{label}: cpu median {med[name]:.2f} s ({records / med[name]:,.0f} records/s), "
            f"runs {', '.join(f'{x:.2f}' for x in cpu[name])}; wall median {statistics.median(wall[name]):.2f} s"
        )
    # Unpaired passes, once each, for reference: the CLI's own loop (run_replay) and both floors.
    solo = {}
    for name, fn in (("floor", floor), ("gzip", floor_gzip), ("replay", replay)):
        c = time.process_time()
        fn(files)
        solo[name] = time.process_time() - c
    print(
        f"(reference, unpaired passes: zlib floor {solo['floor']:.2f} s, gzip.decompress floor {solo['gzip']:.2f} s, "
        f"run_replay {solo['replay']:.2f} s: ratio {solo['replay'] / solo['floor']:.3f})"
    )
    # Across cores (ctguard simulate --jobs auto): wall time against one process, alternating.
    par_wall: dict[int | None, list[float]] = {1: [], None: []}
    for _ in range(2):
        for jobs in (1, None):
            w = time.perf_counter()
            assert replay(files, jobs) == records
            par_wall[jobs].append(time.perf_counter() - w)
    one, auto = min(par_wall[1]), min(par_wall[None])
    from ctguard.simulate.parallel import workers_for
    from ctguard.workers import usable_cpus

    cores = usable_cpus()
    print(
        f"replay across cores (--jobs auto, {cores} cores): wall {auto:.2f} s against {one:.2f} s in one process "
        f"(best of 2 each): {one / auto:.2f}x"
    )
    # Decoders (issue 21, item 3): the floor moves with a faster JSON parser.
    floors = decoder_floors(files, args.runs)
    from ctguard.simulate.decode import DECODER

    print(f"replay decodes with: {DECODER}")
    for name, sec in floors.items():
        print(f"floor zlib + {name:<13}: cpu median {sec:.2f} s ({records / sec:,.0f} records/s)")
    # DuckDB's own scans of the same files on every core, against the parallel replay; alternating.
    scan_wall: dict[str, list[float]] = {kind: [] for kind in DUCKDB_SCANS}
    scan_cpu: dict[str, list[float]] = {kind: [] for kind in DUCKDB_SCANS}
    rep_wall: list[float] = []
    rep_cpu: list[float] = []
    sql_wall: list[float] = []
    sides = [*DUCKDB_SCANS, "replay", "sql"]
    for i in range(2):
        for side in sides if i % 2 == 0 else sides[::-1]:
            if side == "replay":
                w, c = time.perf_counter(), _cpu_all()
                assert replay(files, None) == records
                rep_wall.append(time.perf_counter() - w)
                rep_cpu.append(_cpu_all() - c)
                continue
            if side == "sql":  # ctguard's own DuckDB path (--sql duckdb): the scan plus the verdict query
                got_sql = sql_replay(files, records)
                if got_sql is not None:
                    sql_wall.append(got_sql)
                continue
            got = duckdb_scan(files, cores, side)
            if got is not None:
                assert got[1] == records, got
                scan_wall[side].append(got[0])
                scan_cpu[side].append(got[2])
    scans = {kind: statistics.median(v) for kind, v in scan_wall.items() if v}
    rep2 = statistics.median(rep_wall)
    rep2_cpu = statistics.median(rep_cpu)
    print(
        f"replay --jobs auto ({workers_for([(f, os.path.getsize(f)) for f in files], None)} processes): "
        f"wall {rep2:.2f} s ({records / rep2:,.0f} records/s), cpu {rep2_cpu:.2f} s (all processes)"
    )
    for kind, sec in scans.items():
        kcpu = statistics.median(scan_cpu[kind])
        print(
            f"DuckDB {kind} scan ({cores} threads): wall {sec:.2f} s ({records / sec:,.0f} records/s), cpu {kcpu:.2f} s: "
            f"throughput ratio replay / DuckDB {sec / rep2:.2f} wall, {kcpu / rep2_cpu:.2f} cpu "
            f"(target >= 1 wall: {'met' if rep2 <= sec else 'NOT met'})"
        )
    sql = statistics.median(sql_wall) if sql_wall else None
    if sql is not None:
        print(
            f"ctguard simulate --sql duckdb ({cores} threads): wall {sql:.2f} s ({records / sql:,.0f} records/s): "
            f"replay --jobs auto is {sql / rep2:.2f}x as fast (routing large archives to DuckDB pays only below 1)"
        )
    ratio = med["replay"] / med["floor"]
    paired = [r / f for r, f in zip(cpu["replay"], cpu["floor"], strict=False)]
    best = min(cpu["replay"]) / min(cpu["floor"])
    wall_ratio = statistics.median(wall["replay"]) / statistics.median(wall["floor"])
    print(
        f"ratio replay / floor: {ratio:.3f} cpu (median of {args.runs}; per run {', '.join(f'{x:.3f}' for x in paired)}; "
        f"best-of {best:.3f}), {wall_ratio:.3f} wall  (target <= 1.3: {'met' if ratio <= 1.3 else 'NOT met'})"
    )
    rss = {}
    for repeat in (1, 10):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(root), "--repeat", str(repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        rss[repeat] = json.loads(out.stdout)
        print(f"peak RSS {repeat:>2}x ({rss[repeat]['records']:,} records): {rss[repeat]['maxrss_kb'] / 1024:.1f} MB")
    mem = rss[10]["maxrss_kb"] / rss[1]["maxrss_kb"]
    print(f"ratio RSS 10x / 1x: {mem:.3f}  (target <= 1.2: {'met' if mem <= 1.2 else 'NOT met'})")
    n = f"{records:,} records"
    write_rows(
        args.json,
        [
            Row(
                "replay",
                f"archive replay, {n}, {len(trails())} trails (CPU, median of {args.runs})",
                med["replay"],
                "s",
                "zlib decompress + json.loads of the same files",
                med["floor"],
                "ratio <= 1.3",
                ratio <= 1.3,
            ),
            Row(
                "replay",
                f"archive replay throughput, {n}",
                records / med["replay"],
                "events/s",
                "decompress + json.loads throughput",
                records / med["floor"],
                "",
                None,
            ),
            Row(
                "replay",
                f"archive replay across {cores} cores (--jobs auto), {n}, wall",
                auto,
                "s",
                "the same replay in one process (--jobs 1), wall",
                one,
                "",
                None,
            ),
            *[
                Row(
                    "replay",
                    f"archive replay (CPU, {DECODER} decoding), {n}",
                    med["replay"],
                    "s",
                    f"zlib + {name} of the same files",
                    sec,
                    "",
                    None,
                )
                for name, sec in floors.items()
            ],
            *[
                Row(
                    "replay",
                    f"archive replay throughput, --jobs auto ({cores} cores), {n}, wall",
                    records / rep2,
                    "events/s",
                    f"DuckDB {kind} scan of the same files ({cores} threads)",
                    records / sec,
                    "ratio >= 1",
                    rep2 <= sec,
                )
                for kind, sec in scans.items()
            ],
            *(
                [
                    Row(
                        "replay",
                        f"archive replay throughput, --jobs auto ({cores} cores), {n}, wall",
                        records / rep2,
                        "events/s",
                        f"ctguard simulate --sql duckdb (verdict query, {cores} threads)",
                        records / sql,
                        "",
                        None,
                    )
                ]
                if sql is not None
                else []
            ),
            Row(
                "replay",
                f"peak RSS replaying 10x the archive ({records * 10:,} records)",
                rss[10]["maxrss_kb"] / 1024,
                "MB",
                f"peak RSS replaying 1x ({n})",
                rss[1]["maxrss_kb"] / 1024,
                "ratio <= 1.2",
                mem <= 1.2,
            ),
        ],
    )


if __name__ == "__main__":
    main()
