#!/usr/bin/env python3
"""Cold Terraform parsing: tree-sitter fast path (``tf_fastparse``) against python-hcl2's Lark parser.

Issue 21 bullet 2 (cold parse at least 3x faster than Lark per module) and issue 22 bullet 3 (no
input of at most 1 MB over 2 s CPU). Both paths run in this process on the same comment-blanked
texts, back to back per module and run, so the machine's load hits both alike; no cache is
involved (``tf_parsecache`` is bypassed). ``fast`` is what ctguard does on a first sight: the
tree-sitter translation, or Lark when it declines (counted). CPU seconds (``process_time``).

Modules: every directory holding ``.tf`` files under fixtures/ (and under --corpus DIR), plus the
1 MB ``.tf`` of ``bench/hostile_budget.py`` on its own row.

Usage: python bench/hcl_fastparse.py [--runs N] [--corpus DIR] [--json FILE]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))
import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import hcl2
from common import Row, write_rows
from hostile_budget import big_tf

from ctguard.parsers.terraform import fastparse as tf_fastparse
from ctguard.parsers.terraform.comments import blank_comments

REPO = Path(__file__).resolve().parent.parent


def _modules(roots: list[Path]) -> list[list[str]]:
    by_dir: dict[Path, list[str]] = {}
    for root in roots:
        for path in sorted(root.rglob("*.tf")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                by_dir.setdefault(path.parent, []).append(blank_comments(text))
    return list(by_dir.values())


def _lark(texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        with contextlib.suppress(Exception):
            hcl2.parses_to_tree(text)
    return time.process_time() - start


def _fast(texts: list[str]) -> tuple[float, int]:
    declined = 0
    start = time.process_time()
    for text in texts:
        try:
            tf_fastparse.parse_tree(text)
        except tf_fastparse.Decline:
            declined += 1
            with contextlib.suppress(Exception):
                hcl2.parses_to_tree(text)
    return time.process_time() - start, declined


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--json")
    args = parser.parse_args()
    if not tf_fastparse.available():
        print("tree-sitter-hcl is not installed (pip install 'ctguard[fast]')")
        return 1
    modules = _modules([REPO / "fixtures"] + ([args.corpus] if args.corpus else []))
    hcl2.parses_to_tree("a = 1\n")  # grammar load, outside the timings
    tf_fastparse.parse_tree("a = 1\n")
    ratios: list[float] = []
    lark_total = fast_total = 0.0
    declined = 0
    for run in range(args.runs):
        for i, texts in enumerate(modules):
            if (run + i) % 2:
                lark = _lark(texts)
                fast, dec = _fast(texts)
            else:
                fast, dec = _fast(texts)
                lark = _lark(texts)
            if run == 0:
                declined += dec
            lark_total, fast_total = lark_total + lark, fast_total + fast
            if run == 0:
                ratios.append(0.0)
            ratios[i] += lark / max(fast, 1e-9) / args.runs
    files = sum(len(m) for m in modules)
    median = statistics.median(ratios)
    print(f"{len(modules)} modules, {files} files, {args.runs} runs; {declined} files declined to Lark")
    print(
        f"lark {lark_total:.2f} s CPU, fast {fast_total:.2f} s CPU (totals); "
        f"per-module ratio lark/fast median {median:.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    with tempfile.TemporaryDirectory(prefix="ctguard-hclfast-") as tmp:
        root = Path(tmp)
        big_tf(root, 1000 * 1000)
        text = blank_comments((root / "main.tf").read_text(encoding="utf-8"))
        fast_big, dec_big = _fast([text])
        lark_big = _lark([text])
    print(
        f"1 MB .tf (hostile_budget): lark {lark_big:.2f} s CPU, fast {fast_big:.2f} s CPU "
        f"({lark_big / fast_big:.2f}x{', declined' if dec_big else ''})"
    )
    write_rows(
        args.json,
        [
            Row(
                "hcl_fastparse",
                "cold parse per module (median ratio; value = 1/ratio)",
                1 / median,
                "x",
                "python-hcl2 Lark, same files",
                1.0,
                ">= 3x faster",
                median >= 3,
            ),
            Row(
                "hcl_fastparse",
                "1 MB .tf parse",
                fast_big,
                "s CPU",
                "python-hcl2 Lark",
                lark_big,
                "<= 2 s",
                fast_big <= 2,
            ),
        ],
    )
    return 0


if __name__ == "__main__":
    _sys.exit(main())
