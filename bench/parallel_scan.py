#!/usr/bin/env python3
"""Parallel parsing (issue 9, item 4): `ctguard check` on a parse-heavy tree, --jobs 1 against auto.

The tree_1000 benchmark is mostly files ctguard skips on a text prefilter, so its parse phase
is short and a process pool has little to win there.  This tree is what the pool is for: a
platform repository where every input is CloudTrail-related (--templates CloudFormation stacks
with trails, buckets, keys and log groups, --modules Terraform modules with the same), so
parsing dominates the run.

Runs `python -m ctguard check TREE --format json -o FILE` with `--jobs 1` and with the default
(auto: one worker per core on scans of 64 inputs or more), alternating, --runs times each; the
ratio is median wall time of auto / median of --jobs 1 (wall time: parallelism is about wall
time; CPU time of the children grows with workers).  Every run's JSON report must be byte-for-
byte the same as the first --jobs 1 run (the output order never depends on the workers).
Target: auto <= 0.8 x --jobs 1 on a machine with 2 or more cores.

Usage: python bench/parallel_scan.py [--runs 5] [--templates 400] [--modules 60] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))
import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import INSTALLED_ENV, Row, write_rows
from tree_1000 import _cfn_trail, _tf_trail_module

from ctguard.workers import usable_cpus

REPO = Path(__file__).resolve().parent.parent


def generate(root: Path, templates: int, modules: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    for i in range(templates):
        directory = root / "stacks" / f"team{i % 9}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"audit{i:04d}.yaml").write_text(_cfn_trail(rng, i), encoding="utf-8")
    for m in range(modules):
        directory = root / "terraform" / f"account{m:03d}"
        directory.mkdir(parents=True)
        for name, text in _tf_trail_module(rng, m).items():
            (directory / name).write_text(text, encoding="utf-8")
    return templates + modules


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--templates", type=int, default=400)
    ap.add_argument("--modules", type=int, default=60)
    ap.add_argument("--json", metavar="FILE", help="write rows for bench/run (bench/common.py)")
    args = ap.parse_args()
    cores = usable_cpus()
    with tempfile.TemporaryDirectory(prefix="ctguard-bench-parallel-") as tmp:
        tree = Path(tmp) / "tree"
        inputs = generate(tree, args.templates, args.modules)
        print(
            f"tree: {args.templates} CloudFormation stacks and {args.modules} Terraform modules, all "
            f"CloudTrail-related ({inputs} inputs); cores: {cores}"
        )
        base = [sys.executable, "-m", "ctguard", "check", str(tree), "--format", "json", "-o"]
        variants = {"--jobs 1": ["--jobs", "1"], "auto": []}
        reference: bytes | None = None
        wall: dict[str, list[float]] = {name: [] for name in variants}
        for run in range(args.runs + 1):  # run 0 warms the page cache and byte-code
            for name, extra in variants.items():
                out = Path(tmp) / f"report-{name.replace(' ', '')}.json"
                start = time.perf_counter()
                proc = subprocess.run(
                    base + [str(out), *extra],
                    cwd=REPO,
                    env=INSTALLED_ENV,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    check=False,
                )
                elapsed = time.perf_counter() - start
                if proc.returncode not in (0, 1):
                    sys.exit(f"ctguard {name} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
                data = out.read_bytes()
                reference = reference if reference is not None else data
                if data != reference:
                    sys.exit(
                        f"ctguard {name}: the report differs from --jobs 1 (output order must not depend on workers)"
                    )
                if run:
                    wall[name].append(elapsed)
    med = {name: statistics.median(v) for name, v in wall.items()}
    for name, samples in wall.items():
        print(f"ctguard check {name:9}: median {med[name]:.2f} s  (runs {', '.join(f'{x:.2f}' for x in samples)})")
    ratio = med["auto"] / med["--jobs 1"]
    applies = cores >= 2
    print(
        f"ratio auto / --jobs 1: {ratio:.3f} (speed-up {1 / ratio:.2f}x on {cores} cores); reports identical: yes; "
        f"target <= 0.8: {('met' if ratio <= 0.8 else 'NOT met') if applies else 'n/a on one core'}"
    )
    write_rows(
        args.json,
        [
            Row(
                f"parse-heavy tree ({inputs} CloudTrail inputs, {cores} cores)",
                "ctguard check (auto jobs), wall",
                med["auto"],
                "s",
                "ctguard check --jobs 1",
                med["--jobs 1"],
                "ratio <= 0.8" if applies else "",
                ratio <= 0.8 if applies else None,
            ),
        ],
    )


if __name__ == "__main__":
    main()
