#!/usr/bin/env python3
"""Prove the cached HCL parse path equivalent to python-hcl2's Lark parser on any tree of files.

For every ``.tf`` file under the given paths (default: fixtures/), in a fresh cache directory:
the body read from Lark's tree, then the body built on a miss (tree-sitter's fast path, or Lark
where it declines) and loaded back on a hit, compared down to every label, position and
expression token type, value and position (``tf_treediff``). Then ``ctguard check -f json`` over the same
paths three times in this process: ``CTGUARD_HCL_PARSER=lark``, a cold cache (storing every
body on first sight) and a warm cache; the three reports must be identical.

    python scripts/hcl_equivalence.py                                  # the fixtures
    python scripts/hcl_equivalence.py --corpus /work/corpus/entries    # plus the real-world corpus

Exit code 0 when everything is identical, 1 otherwise (the first differences are printed).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ctguard.cli import main as ctguard_main  # noqa: E402 - after sys.path names the checkout
from ctguard.parsers.terraform import fastparse as tf_fastparse  # noqa: E402 - after sys.path names the checkout
from ctguard.parsers.terraform import parsecache as tf_parsecache  # noqa: E402 - after sys.path names the checkout
from ctguard.parsers.terraform.comments import blank_comments  # noqa: E402 - after sys.path names the checkout
from ctguard.parsers.terraform.treediff import first_body_difference  # noqa: E402 - after sys.path names the checkout


def _declined(text: str, path: Path) -> bool:
    """The tree-sitter path leaves this text to Lark (or is not installed)."""
    try:
        tf_fastparse.parse_body(text, str(path))
    except tf_fastparse.Decline:
        return True
    return False


def compare_trees(paths: list[Path]) -> tuple[int, int, int, list[str]]:
    tf_parsecache.MIN_CHARS = 0
    tf_parsecache.STORE_ON_SECOND_SIGHT = False  # a miss stores, the next parse is a hit
    compared, skipped, declined, problems = 0, 0, 0, []
    for root in paths:
        for path in sorted(root.rglob("*.tf")) if root.is_dir() else [root]:
            try:
                text = blank_comments(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                skipped += 1
                continue
            try:
                reference = tf_parsecache.lark_body(text, str(path))
            except Exception:
                skipped += 1
                if not _declined(text, path):
                    problems.append(f"{path}: the fast path accepts what Lark refuses")
                continue
            declined += _declined(text, path)
            for label in ("miss", "hit"):
                found = first_body_difference(reference, tf_parsecache.parse_body(text, str(path)))
                if found:
                    problems.append(f"{path} ({label}): {found}")
            compared += 1
    return compared, skipped, declined, problems


def report(paths: list[Path]) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        ctguard_main(["check", "-f", "json", "--jobs", "1", *map(str, paths)])
    return json.loads(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, default=[REPO / "fixtures"])
    parser.add_argument("--corpus", type=Path, help="also every entry directory under DIR")
    args = parser.parse_args()
    paths = list(args.paths) + (sorted(p for p in args.corpus.iterdir() if p.is_dir()) if args.corpus else [])
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "trees")
        os.environ.pop("CTGUARD_HCL_PARSER", None)
        compared, skipped, declined, problems = compare_trees(paths)
        print(
            f"bodies: {compared} files identical on miss and hit"
            if not problems
            else f"bodies: {len(problems)} differences in {compared} files",
            f"({declined} of them left to Lark by the tree-sitter path; {skipped} not valid HCL, skipped)",
        )
        for line in problems[:20]:
            print("  " + line)
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "reports")
        tf_parsecache._OPENED.clear()
        os.environ["CTGUARD_HCL_PARSER"] = "lark"
        lark = report(paths)
        del os.environ["CTGUARD_HCL_PARSER"]
        cold, warm = report(paths), report(paths)
    findings = len(lark.get("findings", []))
    same = lark == cold == warm
    print(
        f"check -f json over {len(paths)} paths: {findings} findings; lark, cold and warm reports "
        f"{'identical' if same else 'DIFFER'}"
    )
    if not same:
        for name, other in (("cold", cold), ("warm", warm)):
            if other != lark:
                extra = [f for f in other.get("findings", []) if f not in lark.get("findings", [])]
                print(f"  {name}: {len(extra)} findings not in the Lark report, e.g. {extra[:2]}")
    return 0 if same and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
