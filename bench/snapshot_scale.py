#!/usr/bin/env python3
"""Snapshot reading at organization scale, as ratios to baselines measured in this run.

Builds a snapshot of N accounts by copying the accounts of fixtures/aws/snapshot-organization.json
under new account ids, then times each stage of ``ctguard check`` on it: ``json.loads`` (the floor),
schema validation, spans (``json_spans``, and the YAML composition it replaced), and the mapper.
Usage: python bench/snapshot_scale.py [--accounts N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctguard import yamlload
from ctguard.calls import CallStore
from ctguard.parsers.aws.api import build_inputs
from ctguard.parsers.aws.reader import CallSpans
from ctguard.parsers.aws.snapshot import schema_errors
from ctguard.parsers.aws.spans import json_spans

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "fixtures" / "aws" / "snapshot-organization.json"


def organization(accounts: int) -> str:
    base = json.loads(SOURCE.read_text(encoding="utf-8"))
    calls: list[dict[str, Any]] = []
    originals = sorted({c["account"] for c in base["calls"]})
    for n in range(accounts):
        source = originals[n % len(originals)]
        new = f"{300000000000 + n:012d}"
        text = json.dumps([c for c in base["calls"] if c["account"] == source]).replace(source, new)
        calls.extend(json.loads(text))
    return json.dumps({"ctguard_snapshot": "1.0", "meta": base["meta"], "calls": calls}, indent=2)


def timed(func: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the rows for bench/run")
    args = parser.parse_args()
    text = organization(args.accounts)
    data = json.loads(text)
    store = CallStore.from_json(data)
    spans = json_spans(text)
    rows = [
        ("json.loads (baseline)", timed(lambda: json.loads(text), args.runs)),
        ("schema validation", timed(lambda: schema_errors(data), args.runs)),
        ("json_spans", timed(lambda: json_spans(text), args.runs)),
        ("yamlload spans (replaced)", timed(lambda: yamlload.load(text, cfn_tags=False), args.runs)),
        (
            "mapper (build_inputs)",
            timed(lambda: build_inputs(store, "s.json", spans=CallSpans("s.json", spans)), args.runs),
        ),
    ]
    floor = rows[0][1]
    print(f"{args.accounts} accounts, {len(data['calls'])} calls, {len(text) / 1e6:.1f} MB")
    for name, seconds in rows:
        print(f"  {name:28} {seconds * 1000:8.1f} ms  {seconds / floor:6.1f}x json.loads")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import Row, write_rows

    bench = f"offline snapshot check ({args.accounts} accounts, {len(text) / 1e6:.1f} MB)"
    write_rows(
        args.json,
        [
            Row(bench, name, seconds, "s", "json.loads of the snapshot", floor, "", None)
            for name, seconds in rows[1:]
            if "replaced" not in name
        ],
    )


if __name__ == "__main__":
    main()
