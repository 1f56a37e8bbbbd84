#!/usr/bin/env python3
"""Pre-commit speed: `ctguard check` on one template, as ratios to baselines measured in this run.

Baselines: bare `python3 -c pass` (interpreter start-up), the YAML floor of issue 21 (a whole
`python` process that imports PyYAML and loads the same template with the C loader; short tags
such as `!GetAtt` are accepted by one catch-all constructor, since the issue's bare
`CSafeLoader` stops at the first of them) and, when installed, `cfn-lint` on the same file.
ctguard runs as its console script (what a pre-commit hook runs), with the policies and the
default text report.  Commands are interleaved run by run (alternating order) and each is
summarised by its median wall time and its median CPU time (user + system of the child):
on a loaded machine the CPU ratio is the stable one.  Targets: under 0.25 s (issue 2) and at
most 2.5 times the YAML floor (issue 21, item 1).
Usage: python bench/one_template.py [TEMPLATE] [--runs N] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import INSTALLED_ENV

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "examples" / "cloudformation" / "secure-trail.yaml"


def _one(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=INSTALLED_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, cpu) per command; every run times each command once, in alternating order."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    order = list(commands)
    for i in range(runs):
        for name in order if i % 2 == 0 else order[::-1]:
            samples[name].append(_one(commands[name]))
    return {
        name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s)) for name, s in samples.items()
    }


def yaml_floor(python: str, template: str) -> list[str]:
    code = (
        "import sys, yaml\n"
        "class L(yaml.CSafeLoader): pass\n"
        "L.add_multi_constructor('!', lambda loader, suffix, node: None)\n"
        "yaml.load(open(sys.argv[1], 'rb'), Loader=L)\n"
    )
    return [python, "-c", code, template]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("template", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", metavar="FILE", help="also write the rows for bench/run")
    args = parser.parse_args()
    python = sys.executable
    script = Path(python).with_name("ctguard")
    ctguard = [str(script)] if script.exists() else [python, "-m", "ctguard"]
    check = [*ctguard, "check", args.template]
    _one(check)  # warm caches (policy catalogue, compiled dataclass methods, page cache)
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "YAML floor (import yaml + CSafeLoader)": yaml_floor(python, args.template),
        "ctguard --version": [*ctguard, "--version"],
        "ctguard check (one template)": check,
    }
    res = interleaved(commands, args.runs)
    cfn_lint = shutil.which("cfn-lint")
    if cfn_lint:
        res.update(interleaved({"cfn-lint (same template)": [cfn_lint, args.template]}, max(3, args.runs // 3)))
    base_w, _base_c = res["python -c pass"]
    floor_w, floor_c = res["YAML floor (import yaml + CSafeLoader)"]
    check_w, check_c = res["ctguard check (one template)"]
    print(f"{'command':<40} {'wall s':>8} {'cpu s':>8} {'wall x floor':>13} {'cpu x floor':>12}")
    for name, (w, c) in res.items():
        print(f"{name:<40} {w:>8.3f} {c:>8.3f} {w / floor_w:>13.2f} {c / floor_c:>12.2f}")
    if cfn_lint:
        print(
            f"ctguard check is {res['cfn-lint (same template)'][0] / check_w:.1f}x faster than cfn-lint on {Path(args.template).name}"
        )
    print(f"target: one template under 0.250 s -> {'met' if check_w < 0.25 else 'NOT met'} ({check_w:.3f} s wall)")
    print(
        f"target: at most 2.5x the YAML floor -> wall {check_w / floor_w:.2f}x, cpu {check_c / floor_c:.2f}x "
        f"({'met' if check_w <= 2.5 * floor_w else 'NOT met'} on wall, {'met' if check_c <= 2.5 * floor_c else 'NOT met'} on cpu)"
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import Row, write_rows

    floor = "YAML floor: python + import yaml + CSafeLoader"
    out = [
        Row("one template", "ctguard --version", res["ctguard --version"][0], "s", "python -c pass", base_w, "", None),
        Row(
            "one template",
            "ctguard check, one template",
            check_w,
            "s",
            "python -c pass",
            base_w,
            "under 0.25 s",
            check_w < 0.25,
        ),
        Row(
            "one template",
            "ctguard check, one template (wall, median)",
            check_w,
            "s",
            floor,
            floor_w,
            "ratio <= 2.5",
            check_w <= 2.5 * floor_w,
        ),
        Row(
            "one template",
            "ctguard check, one template (CPU, median)",
            check_c,
            "s",
            floor + " (CPU)",
            floor_c,
            "ratio <= 2.5",
            check_c <= 2.5 * floor_c,
        ),
    ]
    if cfn_lint:
        out.append(
            Row(
                "one template",
                "ctguard check, one template",
                check_w,
                "s",
                "cfn-lint, same template",
                res["cfn-lint (same template)"][0],
                "faster than cfn-lint",
                check_w < res["cfn-lint (same template)"][0],
            )
        )
    write_rows(args.json, out)


if __name__ == "__main__":
    main()
