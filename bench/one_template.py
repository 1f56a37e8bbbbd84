#!/usr/bin/env python3
"""Pre-commit speed: `ctguard check` on one template, as ratios to baselines measured in this run.

Baselines: bare `python3 -c pass` (interpreter start-up, the floor for any Python hook) and,
when it is installed, `cfn-lint` on the same file.  Target (issue 2): under 0.25 s on 2 cores.
Usage: python bench/one_template.py [TEMPLATE] [--runs N] [--json FILE]
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
from common import INSTALLED_ENV  # noqa: E402

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "examples" / "cloudformation" / "secure-trail.yaml"


def timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=INSTALLED_ENV)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("template", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", metavar="FILE", help="also write the rows for bench/run")
    args = parser.parse_args()
    python = sys.executable
    ctguard = [python, "-m", "ctguard", "check", args.template]
    subprocess.run(ctguard, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=INSTALLED_ENV)  # warm caches
    rows = [("python -c pass", timed([python, "-c", "pass"], args.runs))]
    rows.append(("ctguard --version", timed([python, "-m", "ctguard", "--version"], args.runs)))
    rows.append(("ctguard check (one template)", timed(ctguard, args.runs)))
    cfn_lint = shutil.which("cfn-lint")
    if cfn_lint:
        rows.append(("cfn-lint (same template)", timed([cfn_lint, args.template], max(3, args.runs // 3))))
    base = rows[0][1]
    check = rows[2][1]
    print(f"{'command':<32} {'median s':>9} {'x python':>9}")
    for name, seconds in rows:
        print(f"{name:<32} {seconds:>9.3f} {seconds / base:>9.2f}")
    if cfn_lint:
        print(f"ctguard check is {rows[3][1] / check:.1f}x faster than cfn-lint on {Path(args.template).name}")
    print(f"target: one template under 0.250 s -> {'met' if check < 0.25 else 'NOT met'} ({check:.3f} s)")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import Row, write_rows

    out = [Row("one template", "ctguard --version", rows[1][1], "s", "python -c pass", base, "", None),
           Row("one template", "ctguard check, one template", check, "s", "python -c pass", base,
               "under 0.25 s", check < 0.25)]
    if cfn_lint:
        out.append(Row("one template", "ctguard check, one template", check, "s", "cfn-lint, same template",
                       rows[3][1], "faster than cfn-lint", check < rows[3][1]))
    write_rows(args.json, out)


if __name__ == "__main__":
    main()
