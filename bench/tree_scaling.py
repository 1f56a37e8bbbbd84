#!/usr/bin/env python3
"""Large trees (issue 21, item 4): time per CloudTrail-related input from 100 to 10,000 inputs.

Generates, at bench time, trees of --sizes CloudFormation stacks that each define a trail (the
examples' secure and weak trails, renamed; 100 files per directory, nested two levels deep)
and runs ``ctguard check TREE --format json -o /dev/null`` (default --jobs auto) on each, in
rounds that visit the sizes in alternating order.  For every size: median wall and CPU time
(user + system of ctguard and its workers) per input, after subtracting the start-up cost
measured in the same rounds on a tree of one input.  Ratio: per-input time at N against per-
input time at the smallest size of the same run.  Target: flat, i.e. ratio <= 1.25.

The 10,000-input tree costs about 150 s of CPU (measured: 10 min wall under heavy load; ~75 s on 2 idle cores is an estimate), so
--quick (bench/run --quick) stops at 2,000; plain bench/run runs the full sizes.

Usage: python bench/tree_scaling.py [--sizes 100,1000,10000] [--runs 2] [--quick] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import INSTALLED_ENV, Row, write_rows
from tree_1000 import _cfn_trail

TARGET = 1.25


def generate(root: Path, count: int, seed: int = 21) -> None:
    rng = random.Random(seed)
    for i in range(count):
        directory = root / f"org{i // 1000:02d}" / f"stacks{(i // 100) % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"audit{i:05d}.yaml").write_text(_cfn_trail(rng, i), encoding="utf-8")


def run(tree: Path) -> tuple[float, float, int]:
    cmd = [sys.executable, "-m", "ctguard", "check", str(tree), "--format", "json", "-o", os.devnull]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=INSTALLED_ENV
    ).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="one round of 100, 1,000 and 2,000 (bench/run --quick)")
    ap.add_argument("--json", metavar="FILE", help="write rows for bench/run (bench/common.py)")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in ("100,1000,2000" if args.quick else args.sizes).split(","))
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="ctguard-scaling-") as tmp:
        trees = {n: Path(tmp) / f"tree{n}" for n in [1, *sizes]}
        start = time.perf_counter()
        for n, tree in trees.items():
            generate(tree, n)
        print(
            f"trees of {', '.join(f'{n:,}' for n in trees)} CloudFormation trail stacks generated in "
            f"{time.perf_counter() - start:.1f} s"
        )
        samples: dict[int, list[tuple[float, float]]] = {n: [] for n in trees}
        run(trees[1])  # warm caches
        order = list(trees)
        for r in range(runs):
            for n in order if r % 2 == 0 else order[::-1]:
                wall, cpu, code = run(trees[n])
                if code not in (0, 1):
                    raise SystemExit(f"ctguard check exited {code} on the {n}-input tree")
                samples[n].append((wall, cpu))
                print(f"  round {r + 1}: {n:>6,} inputs  wall {wall:7.2f} s  cpu {cpu:7.2f} s", flush=True)
    med = {n: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s)) for n, s in samples.items()}
    fixed_w, fixed_c = med[1]
    per = {n: ((med[n][0] - fixed_w) / n, (med[n][1] - fixed_c) / n) for n in sizes}
    base = sizes[0]
    print(f"start-up (one input): wall {fixed_w:.3f} s, cpu {fixed_c:.3f} s (subtracted below)")
    print(
        f"{'inputs':>8} {'wall s':>8} {'cpu s':>8} {'ms/input wall':>14} {'ms/input cpu':>13} {'x smallest (wall, cpu)':>24}"
    )
    for n in sizes:
        print(
            f"{n:>8,} {med[n][0]:>8.2f} {med[n][1]:>8.2f} {1000 * per[n][0]:>14.2f} {1000 * per[n][1]:>13.2f} "
            f"{per[n][0] / per[base][0]:>12.2f} {per[n][1] / per[base][1]:>11.2f}"
        )
    rows = []
    for n in sizes[1:]:
        for i, kind in ((0, "wall"), (1, "CPU")):
            ratio = per[n][i] / per[base][i]
            rows.append(
                Row(
                    f"large trees ({', '.join(f'{s:,}' for s in sizes)} CloudTrail inputs)",
                    f"{kind} per input, {n:,} inputs",
                    per[n][i],
                    "s",
                    f"{kind} per input, {base:,} inputs",
                    per[base][i],
                    f"ratio <= {TARGET}",
                    ratio <= TARGET,
                )
            )
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
