#!/usr/bin/env python3
"""Terraform parse time per module: ctguard's HCL path against python-hcl2's Lark parser on the
same files, measured in the same run (issue 21, bullet 2).

A module is a directory of ``.tf`` files: every Terraform module under fixtures/ (and, with
--corpus DIR, every directory holding ``.tf`` files under DIR). For each module and run, in
this order, timed in one process:

* ``lark``: ``hcl2.parses_to_tree`` read into a ``tf_hcl.Body`` (``tf_parsecache.lark_body``: what
  ctguard did before, and still does with ``CTGUARD_HCL_PARSER=lark``);
* ``first``: ``tf_parsecache.parse_body`` with an empty cache (a file seen for the first time,
  e.g. on an ephemeral CI runner: the tree-sitter fast path of ``tf_fastparse`` when installed,
  else Lark, plus an empty marker; ``bench/hcl_fastparse.py`` times the fast path alone);
* ``second``: the same again (the parse plus storing the body);
* ``warm``: the same again (the body loaded back, HMAC verified).

The machine is shared and loaded, so each run pairs the three measurements of one module
back to back, a module's ratio is the median over runs of ``lark / path``, and the summary is
the median over modules (plus total times). Files under ``MIN_CHARS`` bypass the cache, as in
ctguard. Target: at least 3x faster than Lark.

Usage: python bench/hcl_parse.py [--runs N] [--corpus DIR] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import Row, write_rows

from ctguard.parsers.terraform import parsecache as tf_parsecache
from ctguard.parsers.terraform.comments import blank_comments

REPO = Path(__file__).resolve().parent.parent


def modules(roots: list[Path]) -> dict[Path, list[str]]:
    """Directory -> comment-blanked texts of its .tf files that Lark parses (the rest are errors)."""
    found: dict[Path, list[str]] = {}
    for root in roots:
        for path in sorted(root.rglob("*.tf")):
            try:
                text = blank_comments(path.read_text(encoding="utf-8"))
                tf_parsecache.lark_tree(text)
            except Exception:
                continue
            found.setdefault(path.parent, []).append(text)
    return found


def _time(texts: list[str], parse) -> float:
    start = time.perf_counter()
    for text in texts:
        parse(text)
    return time.perf_counter() - start


PATHS = ("lark", "first", "second", "warm")


def measure(mods: dict[Path, list[str]], runs: int, scratch: Path) -> dict[Path, list[tuple[float, ...]]]:
    samples: dict[Path, list[tuple[float, ...]]] = {m: [] for m in mods}
    for run in range(runs):
        for i, (mod, texts) in enumerate(mods.items()):
            os.environ["XDG_CACHE_HOME"] = str(scratch / f"{run}-{i}")
            tf_parsecache._Store.open()  # the key exists in a user's cache: not part of a parse
            lark = _time(texts, lambda text: tf_parsecache.lark_body(text, "main.tf"))
            first = _time(texts, lambda text: tf_parsecache.parse_body(text, "main.tf"))
            second = _time(texts, lambda text: tf_parsecache.parse_body(text, "main.tf"))
            warm = _time(texts, lambda text: tf_parsecache.parse_body(text, "main.tf"))
            samples[mod].append((lark, first, second, warm))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="also time every directory of .tf files under DIR")
    parser.add_argument("--json", metavar="FILE", help="also write the rows for bench/run")
    args = parser.parse_args()
    os.environ.pop("CTGUARD_HCL_PARSER", None)
    roots = [REPO / "fixtures"] + ([args.corpus] if args.corpus else [])
    mods = modules(roots)
    with tempfile.TemporaryDirectory() as scratch:
        samples = measure(mods, args.runs, Path(scratch))
    n = len(PATHS)
    per_module = {m: [statistics.median(s[k] for s in runs) for k in range(n)] for m, runs in samples.items()}
    speedup = [
        statistics.median(statistics.median(s[0] / s[k] for s in runs) for runs in samples.values()) for k in range(n)
    ]
    medians = [statistics.median(t[k] for t in per_module.values()) for k in range(n)]
    totals = [sum(t[k] for t in per_module.values()) for k in range(n)]
    files = sum(len(t) for t in mods.values())
    print(f"{len(mods)} modules, {files} files, {args.runs} runs, paired per module")
    print(f"{'path':<8} {'median s/module':>16} {'lark/path (median of modules)':>30} {'total s':>9}")
    for k, name in enumerate(PATHS):
        print(f"{name:<8} {medians[k]:>16.4f} {speedup[k]:>30.2f} {totals[k]:>9.3f}")
    print(
        f"target: 3x faster than Lark -> warm {speedup[3]:.2f}x ({'met' if speedup[3] >= 3 else 'NOT met'}); "
        f"first sight {speedup[1]:.2f}x, second sight {speedup[2]:.2f}x"
    )
    where = f"{len(mods)} modules"
    rows = [
        Row(
            "hcl parse",
            f"parse per module, {name} ({where})",
            medians[k],
            "s",
            "python-hcl2 Lark, same files",
            medians[0],
            "" if name == "second" else "lark/path >= 3 (median of paired ratios)",
            None if name == "second" else speedup[k] >= 3,
        )
        for k, name in enumerate(PATHS)
        if k
    ]
    write_rows(args.json, rows)


if __name__ == "__main__":
    sys.exit(main())
