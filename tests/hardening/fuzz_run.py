"""The long mutation-fuzz run over every fixture (issue 17): crashes, silent drops, slow inputs.

    python tests/hardening/fuzz_run.py --examples 100000 --seed 1 --out /tmp/fuzz-1 [--minutes 50]

Seeds are the project's fixtures (CloudFormation JSON/YAML, Terraform modules, plan JSON,
snapshots, describe-trails output). Each example mutates one seed with the operators of
``mutators.py`` and runs ``ctguard.api.check`` on it in this process, under an address-space
limit (a blow-up is a MemoryError here, not the machine's) and an alarm (a hang is reported).
An example is

* a crash when ``check`` raises, a finding is ERROR but not CT001, or a parser raised
  ("internal parser error");
* a silent drop when the mutant still defines a trail (an ``AWS::CloudTrail::Trail`` resource,
  a ``resource "aws_cloudtrail"`` block in any quoting) yet the report has no trail and no
  CT001-CT005 finding about it;
* slow when it takes more than ``--slow`` CPU seconds (2 by default; wall time is printed beside).

Failing inputs are written under ``--out`` with a ``summary.json``; ``tests/README.md`` keeps
the table of the last long run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from mutators import dump_doc, mutate_doc, mutate_hcl, mutate_text, mutate_yaml  # noqa: E402

from ctguard.api import check  # noqa: E402
from ctguard.engine.policy import load_policies  # noqa: E402
from ctguard.findings import Status  # noqa: E402
from ctguard.parsers.context import ParseContext  # noqa: E402

CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
_CFN_TRAIL = re.compile(r"""(?<![\w:])AWS::CloudTrail::Trail["']?\s*(?:[,}\n]|$)""")
_TF_TRAIL = re.compile(r"""^\s*resource\s+(?:"aws_cloudtrail"|aws_cloudtrail)\s+(?:"[\w-]+"|[\w-]+)\s*\{""", re.M)
_TF_TRAIL_QUOTED = re.compile(r"""^\s*resource\s+"aws_cloudtrail"\s+"[\w-]+"\s*\{""", re.M)
_COUNTER = {
    "crash": "crashes",
    "drop": "drops",
    "slow": "slow",
    "hang": "hangs",
    "memory": "memory",
    "prefilter-drop": "prefilter_drops",
}
_PROBLEMS = ("CT001", "CT002", "CT003", "CT004", "CT005")  # a finding that names why the trail is not read


class Seed:
    def __init__(self, kind: str, path: Path, text: str) -> None:
        self.kind, self.path, self.text = kind, path, text
        self.doc: Any = json.loads(text) if kind in ("cfn-json", "plan", "snapshot", "describe-trails") else None


def seeds() -> list[Seed]:
    out: list[Seed] = []
    for path in sorted((REPO / "fixtures").rglob("*")):
        if not path.is_file() or path.stat().st_size > 200_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".tf":
            out.append(Seed("tf", path, text))
        elif path.suffix in (".yaml", ".yml", ".template") and "Resources" in text and "ctguard" not in path.name:
            out.append(Seed("cfn-yaml", path, text))
        elif path.suffix == ".json":
            try:
                doc = json.loads(text)
            except ValueError:
                continue
            if not isinstance(doc, dict):
                continue
            if "Resources" in doc:
                out.append(Seed("cfn-json", path, text))
            elif "planned_values" in doc or "resource_changes" in doc:
                out.append(Seed("plan", path, text))
            elif "trailList" in doc:
                out.append(Seed("describe-trails", path, text))
            elif "accounts" in doc or "calls" in doc:
                out.append(Seed("snapshot", path, text))
    return out


def defines_trail(kind: str, text: str) -> bool:
    if kind == "tf":
        return bool(_TF_TRAIL.search(text))
    if kind in ("cfn-json", "cfn-yaml"):
        # CloudFormation refuses a template without a Resources section ("At least one Resources
        # member must be defined"): a mutant whose only mention is `Resourcpe: AWS::CloudTrail::Trail`
        # defines nothing.
        return "Resources" in text and bool(_CFN_TRAIL.search(text))
    return False


def make_mutant(rng: random.Random, seed: Seed, work: Path) -> tuple[Path, str]:
    """Write the mutant under ``work``; returns what to check and the mutated text."""
    if seed.kind == "tf":
        target = work / seed.path.parent.name
        shutil.copytree(seed.path.parent, target, ignore=shutil.ignore_patterns("*.expect"))
        text = mutate_hcl(rng, seed.text)
        (target / seed.path.name).write_text(text, encoding="utf-8", errors="surrogatepass")
        return target, text
    if seed.kind == "cfn-yaml":
        text = mutate_yaml(rng, seed.text)
        name = "template.yaml"
    elif seed.kind == "cfn-json" and rng.random() < 0.2:
        import yaml  # a mutated document written as YAML: the YAML loader meets the same shapes

        try:
            text = yaml.safe_dump(mutate_doc(rng, seed.doc), sort_keys=False)
        except (ValueError, OverflowError, RecursionError, yaml.YAMLError):  # the dumper recurses on deep mutants
            text = seed.text
        name = "template.yaml"
    else:
        try:
            doc_text = dump_doc(mutate_doc(rng, seed.doc)) if rng.random() < 0.85 else mutate_text(rng, seed.text)
        except (ValueError, RecursionError):  # a mutant the JSON writer cannot write: mutate the text
            doc_text = mutate_text(rng, seed.text)
        text, name = doc_text, seed.path.name if seed.kind != "cfn-json" else "template.json"
    path = work / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, text


def _seed_trails(seed: Seed, cache: dict[Path, int], policies: Any) -> int:
    """Trails of the unmutated seed: a mutant of a seed without trails (count = 0) drops nothing."""
    if seed.path not in cache:
        target = seed.path.parent if seed.kind == "tf" else seed.path
        report = check([target], context=CONTEXT, policies=policies, jobs=1)
        cache[seed.path] = sum(len(m.trails) for p in report.inputs for m in p.variants)
    return cache[seed.path]


class _Alarm(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Alarm()


def classify(report: Any, kind: str, text: str, seed_trails: int = 1) -> list[str]:
    problems: list[str] = []
    for f in report.findings:
        if f.status is Status.ERROR and f.rule_id != "CT001":
            problems.append(f"crash: {f.rule_id} ERROR: {f.message}")
        if "internal parser error" in f.message:
            problems.append(f"crash: {f.message}")
    trails = sum(len(m.trails) for p in report.inputs for m in p.variants)
    flagged = any(f.rule_id in _PROBLEMS for f in report.findings)
    if seed_trails and defines_trail(kind, text) and trails == 0 and not flagged:
        if kind == "tf" and not _TF_TRAIL_QUOTED.search(text):
            # Labels unquoted or escaped: the text prefilter skips the module (issue 15/22 bullet 6).
            problems.append("prefilter-drop: a trail block with unquoted labels is skipped before parsing")
        elif not report.inputs:
            # Detection decided the file is not CloudFormation at all (issue 15's prefilter).
            problems.append("prefilter-drop: the file is not recognised as an input before parsing")
        else:
            problems.append("drop: a trail is defined but the report has no trail and no input finding")
    return problems


def run(
    examples: int, seed: int, out: Path, minutes: float, slow: float, hang: int, progress: Callable[[str], None]
) -> dict[str, Any]:
    rng = random.Random(seed)
    pool = seeds()
    policies = load_policies()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    signal.signal(signal.SIGALRM, _on_alarm)
    counts = {"examples": 0, "crashes": 0, "drops": 0, "prefilter_drops": 0, "slow": 0, "hangs": 0, "memory": 0}
    baseline: dict[Path, int] = {}
    by_kind: dict[str, int] = {}
    slowest: list[tuple[float, str]] = []
    started = time.monotonic()
    for i in range(examples):
        if minutes and time.monotonic() - started > minutes * 60:
            break
        s = rng.choice(pool)
        work = Path(tempfile.mkdtemp(prefix="ctguard-fuzzrun-"))
        try:
            target, text = make_mutant(rng, s, work)
            t0, c0 = time.perf_counter(), time.process_time()
            problems: list[str]
            try:
                signal.alarm(hang)
                report = check([target], context=CONTEXT, policies=policies, jobs=1)
                signal.alarm(0)
                problems = classify(report, s.kind, text, _seed_trails(s, baseline, policies))
            except _Alarm:
                problems = [f"hang: more than {hang} s"]
            except MemoryError:
                signal.alarm(0)
                problems = ["memory: MemoryError under the address-space limit"]
            except Exception as exc:
                signal.alarm(0)
                problems = [f"crash: check raised {type(exc).__name__}: {exc}"]
            elapsed = time.perf_counter() - t0
            # CPU seconds decide "slow": on a shared machine wall time mostly measures the neighbours.
            cpu = time.process_time() - c0
            counts["examples"] += 1
            by_kind[s.kind] = by_kind.get(s.kind, 0) + 1
            if cpu > slow:
                problems.append(f"slow: {cpu:.1f} s CPU ({elapsed:.1f} s wall)")
            slowest = sorted(slowest + [(cpu, str(s.path.relative_to(REPO)))], reverse=True)[:10]
            for p in problems:
                counts[_COUNTER[p.split(":")[0]]] += 1
            if problems:
                keep = out / f"{i:06d}-{s.kind}"
                if target.is_dir():
                    shutil.copytree(target, keep)
                else:
                    keep.mkdir()
                    shutil.copy(target, keep / target.name)
                (keep / "PROBLEMS.txt").write_text(
                    f"seed: {s.path.relative_to(REPO)}\n" + "\n".join(problems) + "\n", encoding="utf-8"
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if counts["examples"] % 500 == 0:
            progress(json.dumps({**counts, "seconds": round(time.monotonic() - started)}))
    summary = {
        **counts,
        "by_kind": by_kind,
        "seconds": round(time.monotonic() - started),
        "slowest": [{"cpu_seconds": round(t, 2), "seed": p} for t, p in slowest],
        "seed": seed,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ctguard-fuzz")
    parser.add_argument("--minutes", type=float, default=0.0, help="stop after this long (0: no limit)")
    parser.add_argument("--slow", type=float, default=2.0)
    parser.add_argument("--hang", type=int, default=60)
    parser.add_argument("--memory-mb", type=int, default=1500)
    args = parser.parse_args(argv)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    summary = run(
        args.examples, args.seed, args.out, args.minutes, args.slow, args.hang, lambda line: print(line, flush=True)
    )
    print(json.dumps(summary, indent=2))
    return 1 if summary["crashes"] or summary["drops"] or summary["hangs"] or summary["memory"] else 0


if __name__ == "__main__":
    sys.exit(main())
