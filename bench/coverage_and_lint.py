#!/usr/bin/env python3
"""Cost of the simulator-backed policies (CT2xx coverage, CT3xx selector lint), as a ratio to the
other built-in policies over the same parsed inputs, measured in this run.

Inputs are parsed once; each policy set is then evaluated a few times and the best time kept.
A cold run (first evaluation, before representative events are cached per account/Region) is
shown separately, since a pre-commit run is always cold.
Usage: python bench/coverage_and_lint.py [PATH ...] [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=[str(REPO / "fixtures"), str(REPO / "examples")])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from ctguard.api import evaluate, load_inputs, load_policies
    from ctguard.parsers.context import ParseContext

    policies = load_policies()
    inputs = list(load_inputs(args.paths, ParseContext()))
    mine = [p for p in policies if p.id.startswith(("CT2", "CT3"))]
    rest = [p for p in policies if p not in mine]

    def best(ps: list) -> tuple[float, float]:  # type: ignore[type-arg]
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            evaluate(inputs, ps)
            samples.append(time.perf_counter() - start)
        return samples[0], min(samples)

    cold_mine, warm_mine = best(mine)
    _, warm_rest = best(rest)
    print(f"{len(inputs)} inputs; {len(rest)} other policies: {warm_rest * 1000:.0f} ms (baseline 1.00)")
    print(
        f"{len(mine)} CT2xx/CT3xx policies: cold {cold_mine * 1000:.0f} ms ({cold_mine / warm_rest:.2f}x), "
        f"warm {warm_mine * 1000:.0f} ms ({warm_mine / warm_rest:.2f}x)"
    )
    print(f"per input, cold: {cold_mine / max(len(inputs), 1) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
