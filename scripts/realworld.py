#!/usr/bin/env python3
"""Measure ctguard on real CloudTrail configurations from public repositories.

The corpus itself is not shipped: licences differ (several sources state none), so the
repository keeps only `tests/realworld/manifest.yaml` (origin, pinned commit, path, licence and
the hand-judged verdicts). This script never downloads anything:

    scripts/realworld.py assemble --mirrors DIR --out CORPUS   # from local bare git copies
    scripts/realworld.py run --corpus CORPUS [--json FILE] [-- extra ctguard check args]

`assemble` extracts each entry's path at its pinned commit from a local bare copy named
`DIR/<owner>+<name>/repo` (or `repo/.git`). `run` checks every entry on its own with the
current ctguard and prints, per entry and in total: results by status, the UNKNOWN rate, and
the agreement with the hand-judged verdicts (right, wrong, and *needless* UNKNOWN: judged
decidable from the input alone, reported UNKNOWN).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tests" / "realworld" / "manifest.yaml"

# A PASS whose message says the rule does not apply is counted apart until every rule reports
# NOT_APPLICABLE itself; counting it as a pass would flatter the UNKNOWN rate.
_NOT_APPLICABLE_HINTS = ("not applicable",)
# UNKNOWN is a judged verdict too: where the truth depends on a value only the deploy decides, a
# PASS or FAIL would be a guess, and the judged UNKNOWN makes such a guess count as wrong.
_VERDICTS = {"PASS", "FAIL", "NOT_APPLICABLE", "UNKNOWN", "ERROR"}


@dataclass(frozen=True)
class Entry:
    id: str
    repo: str
    commit: str
    path: str
    kind: str
    licence: str
    expect: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    entry: Entry
    statuses: Counter[str]
    verdicts: dict[str, list[str]]  # "CT403" and "CT403@trail" -> statuses seen
    exit_code: int
    error: str | None = None


def load_manifest(path: Path = MANIFEST) -> list[Entry]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = []
    for raw in data["entries"]:
        expect = {str(k): str(v).upper() for k, v in (raw.get("expect") or {}).items()}
        bad = {k: v for k, v in expect.items() if v not in _VERDICTS}
        if bad:
            raise SystemExit(f"{path}: entry {raw['id']}: expectations must be one of {sorted(_VERDICTS)}: {bad}")
        entries.append(
            Entry(
                id=raw["id"],
                repo=raw["repo"],
                commit=raw["commit"],
                path=raw["path"],
                kind=raw["kind"],
                licence=str(raw["licence"]),
                expect=expect,
            )
        )
    return entries


def _git_dir(mirrors: Path, repo: str) -> Path:
    base = mirrors / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def assemble(entries: list[Entry], mirrors: Path, out: Path) -> int:
    missing = 0
    for entry in entries:
        target = out / entry.id
        if target.exists():
            continue
        git_dir = _git_dir(mirrors, entry.repo)
        spec = entry.commit if entry.path == "." else f"{entry.commit}:{entry.path}"
        kind = subprocess.run(
            ["git", "--git-dir", str(git_dir), "cat-file", "-t", spec], capture_output=True, text=True
        )
        if kind.returncode != 0:
            print(f"missing: {entry.id} ({entry.repo}@{entry.commit[:10]}:{entry.path})", file=sys.stderr)
            missing += 1
            continue
        target.mkdir(parents=True)
        if kind.stdout.strip() == "blob":
            blob = subprocess.run(["git", "--git-dir", str(git_dir), "show", spec], capture_output=True, check=True)
            (target / Path(entry.path).name).write_bytes(blob.stdout)
            continue
        # A module needs the whole repository: it calls submodules, and an example calls the
        # module itself, by relative paths. `run` checks only the entry's own directory.
        archive = subprocess.run(
            ["git", "--git-dir", str(git_dir), "archive", entry.commit], capture_output=True, check=True
        )
        with tempfile.TemporaryFile() as handle:
            handle.write(archive.stdout)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(target, members=[m for m in tar.getmembers() if m.isfile()], filter="data")
    return missing


def _verdict_keys(finding: dict) -> list[str]:
    rule = finding["rule_id"]
    keys = [rule]
    name = finding.get("resource_name")
    if name:
        keys.append(f"{rule}@{name}")
    return keys


def _status(finding: dict) -> str:
    status = finding["status"]
    message = finding.get("message") or ""
    if status == "PASS" and any(hint in message for hint in _NOT_APPLICABLE_HINTS):
        return "NOT_APPLICABLE"
    return status


def entry_targets(entry: Entry, corpus: Path) -> list[Path]:
    """The files to check: a template, or the files of one Terraform module (a file names its
    whole module directory), never the examples and tests below it, which are entries of their own."""
    base = corpus / entry.id
    nested = base / entry.path
    if nested.is_file():
        return [nested]
    if not nested.is_dir():
        return [base]
    files = sorted(p for p in nested.iterdir() if p.is_file() and p.name.endswith((".tf", ".tf.json")))
    return files[:1] or [nested]


def run_entry(entry: Entry, corpus: Path, extra: list[str]) -> Outcome:
    targets = [str(t) for t in entry_targets(entry, corpus)]
    cmd = [sys.executable, "-m", "ctguard", "check", "--no-config", "-f", "json", "--show-passed", *extra, *targets]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return Outcome(entry, Counter(), {}, proc.returncode, error=(proc.stderr or proc.stdout)[-400:])
    statuses: Counter[str] = Counter()
    verdicts: dict[str, list[str]] = {}
    for finding in report.get("findings", []):
        status = _status(finding)
        statuses[status] += 1
        for key in _verdict_keys(finding):
            verdicts.setdefault(key, []).append(status)
    return Outcome(entry, statuses, verdicts, proc.returncode)


def _combined(statuses: list[str]) -> str:
    # Several findings for one key (one per trail or variant): FAIL wins, then UNKNOWN.
    for status in ("ERROR", "FAIL", "UNKNOWN", "PASS", "NOT_APPLICABLE"):
        if status in statuses:
            return status
    return "ABSENT"


def judge(outcome: Outcome) -> Counter[str]:
    tally: Counter[str] = Counter()
    for key, expected in outcome.entry.expect.items():
        got = _combined(outcome.verdicts.get(key, []))
        if got == expected:
            tally["right"] += 1
        elif got == "UNKNOWN" and expected != "UNKNOWN":
            tally["needless_unknown"] += 1
        else:
            tally["wrong"] += 1
    return tally


def _rate(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_asm = sub.add_parser("assemble", help="extract the corpus from local bare git copies")
    p_asm.add_argument("--mirrors", type=Path, required=True)
    p_asm.add_argument("--out", type=Path, required=True)
    p_run = sub.add_parser("run", help="check every entry and compare with the hand-judged verdicts")
    p_run.add_argument("--corpus", type=Path, required=True)
    p_run.add_argument("--json", type=Path, help="write per-entry results here")
    p_run.add_argument("--only", action="append", default=[], help="entry ids to run")
    p_run.add_argument("--show", action="store_true", help="list each wrong or needless verdict")
    p_run.add_argument("extra", nargs="*", help="extra arguments for ctguard check (after --)")
    args = parser.parse_args(argv)

    entries = load_manifest()
    if args.command == "assemble":
        return 1 if assemble(entries, args.mirrors, args.out) else 0

    selected = [e for e in entries if not args.only or e.id in args.only]
    totals: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    rows = []
    print(f"{'entry':36} {'exit':>4} {'FAIL':>5} {'PASS':>5} {'N/A':>5} {'UNKN':>5} {'ERR':>4} {'unk%':>6}  judged")
    for entry in selected:
        if not (args.corpus / entry.id).exists():
            print(f"{entry.id:36} missing from {args.corpus} (run assemble)")
            totals["missing"] += 1
            continue
        outcome = run_entry(entry, args.corpus, args.extra)
        tally = judge(outcome)
        totals.update(outcome.statuses)
        judged.update(tally)
        s = outcome.statuses
        results = sum(s.values())
        mark = f"{tally['right']}/{sum(tally.values())}"
        if tally["wrong"] or tally["needless_unknown"]:
            mark += f" (wrong {tally['wrong']}, needless UNKNOWN {tally['needless_unknown']})"
        print(
            f"{entry.id:36} {outcome.exit_code:>4} {s['FAIL']:>5} {s['PASS']:>5} {s['NOT_APPLICABLE']:>5}"
            f" {s['UNKNOWN']:>5} {s['ERROR']:>4} {_rate(s['UNKNOWN'], results):>6}  {mark}"
        )
        if outcome.error:
            print(f"    error: {outcome.error.strip()}")
        if args.show:
            for key, expected in entry.expect.items():
                got = _combined(outcome.verdicts.get(key, []))
                if got != expected:
                    print(f"    {key}: expected {expected}, got {got}")
        rows.append(
            {
                "id": entry.id,
                "exit": outcome.exit_code,
                "statuses": dict(s),
                "judged": dict(tally),
                "verdicts": {k: _combined(v) for k, v in outcome.verdicts.items()},
            }
        )
    all_results = sum(totals[k] for k in ("PASS", "FAIL", "UNKNOWN", "ERROR", "NOT_APPLICABLE"))
    applicable = all_results - totals["NOT_APPLICABLE"]
    print()
    print(
        f"{len(rows)} entries, {all_results} results: FAIL {totals['FAIL']}, PASS {totals['PASS']}, "
        f"NOT_APPLICABLE {totals['NOT_APPLICABLE']}, UNKNOWN {totals['UNKNOWN']}, ERROR {totals['ERROR']}"
    )
    print(
        f"UNKNOWN rate: {_rate(totals['UNKNOWN'], all_results)} of all results, "
        f"{_rate(totals['UNKNOWN'], applicable)} of applicable results"
    )
    n_judged = sum(judged.values())
    print(
        f"hand-judged verdicts: {n_judged}, right {judged['right']}, wrong {judged['wrong']}, "
        f"needless UNKNOWN {judged['needless_unknown']}"
    )
    if args.json:
        args.json.write_text(json.dumps({"entries": rows, "totals": dict(totals), "judged": dict(judged)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
