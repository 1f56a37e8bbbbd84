"""Archive replay in worker processes gives exactly the sequential summary (and skips the same files)."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from ctguard.cli import main
from ctguard.model import AdvancedEventSelector, EventSelector, FieldSelector, Trail
from ctguard.simulate import parallel
from ctguard.simulate.archive import list_files
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.policy import DEFAULT_POLICY
from ctguard.simulate.report import summarize
from ctguard.values import Known

REPO = Path(__file__).resolve().parents[3]
EVENTS = REPO / "tests" / "data" / "events"
A = "111122223333"
needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")


def _records() -> list[Any]:
    out: list[Any] = []
    for f in sorted(EVENTS.glob("*.jsonl")):
        out += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(out) == 959, "tests/data/events is incomplete"
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Log files as CloudTrail writes them, one JSON-lines file and one truncated file."""
    root = tmp_path_factory.mktemp("archive")
    records = _records()
    per = max(1, len(records) // 24)
    for n, i in enumerate(range(0, len(records), per)):
        region = "eu-west-1" if n % 2 else "us-east-1"
        day = root / "AWSLogs" / A / "CloudTrail" / region / "2024" / "01" / f"{n % 28 + 1:02d}"
        day.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"Records": records[i : i + per]}).encode()
        (day / f"{A}_CloudTrail_{n:03d}.json.gz").write_bytes(gzip.compress(body))
    (root / "extra.jsonl").write_text("\n".join(json.dumps(r) for r in records[:40]) + "\n")
    (root / "AWSLogs" / "cut.json.gz").write_bytes(gzip.compress(b'{"Records": []}')[:-5])
    return root


def _trails() -> list[Any]:
    def t(key: str, **kw: Any) -> Trail:
        base: dict[str, Any] = {
            "is_logging": Known(True),
            "is_multi_region": Known(True),
            "home_region": Known("us-east-1"),
            "account_id": Known(A),
        }
        return Trail(key=key, **{**base, **kw})

    fs = FieldSelector
    trails = [
        t("default"),
        t("single", is_multi_region=Known(False)),
        t("write-only", event_selectors=Known((EventSelector(read_write_type=Known("WriteOnly")),))),
        t(
            "advanced",
            advanced_event_selectors=Known(
                (
                    AdvancedEventSelector(
                        "m",
                        (
                            fs("eventCategory", equals=("Management",)),
                            fs("eventSource", not_equals=("kms.amazonaws.com",)),
                        ),
                    ),
                    AdvancedEventSelector(
                        "s3",
                        (
                            fs("eventCategory", equals=("Data",)),
                            fs("resources.type", equals=("AWS::S3::Object",)),
                            fs("resources.ARN", not_starts_with=("arn:aws:s3:::",)),
                        ),
                    ),
                )
            ),
        ),
    ]
    return [compile_trail(x, SimContext(account_id=A)) for x in trails]


def _run(archive: Path, jobs: int) -> tuple[dict[str, Any], list[tuple[str, str]], int]:
    files = list_files([str(archive)])
    skipped: list[tuple[str, str]] = []
    done: list[int] = []
    trails = _trails()
    rp = parallel.replay_files(trails, files, DEFAULT_POLICY, jobs, lambda p, m: skipped.append((p, m)), done.append)
    doc = summarize(
        trails, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time, top=10**6
    )
    assert sum(done) == sum(s for _, s in files)  # progress covers every byte, skipped files included
    return doc, skipped, len(files)


@needs_fork
@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_summary_equals_sequential(archive: Path, jobs: int) -> None:
    seq, seq_skipped, n = _run(archive, 1)
    par, par_skipped, _ = _run(archive, jobs)
    assert n >= 20 and seq["records"] > 0
    assert json.dumps(par, sort_keys=False) == json.dumps(seq, sort_keys=False)  # order of ties included
    assert par_skipped == seq_skipped and [os.path.basename(p) for p, _ in seq_skipped] == ["cut.json.gz"]


@needs_fork
def test_a_dying_worker_costs_time_not_records(
    archive: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real, main_pid = parallel._run, os.getpid()

    def fatal(chunk: list[tuple[str, int]], *args: Any) -> Any:
        if os.getpid() != main_pid and any(p.endswith("_005.json.gz") for p, _ in chunk):
            os._exit(9)
        return real(chunk, *args)

    monkeypatch.setattr(parallel, "_run", fatal)
    par, _, _ = _run(archive, 2)
    assert "in this process" in caplog.text
    monkeypatch.setattr(parallel, "_run", real)
    assert par == _run(archive, 1)[0]


def test_auto_stays_sequential_for_small_archives(archive: Path) -> None:
    files = list_files([str(archive)])
    assert parallel.workers_for(files, None) == 1  # a few hundred kB: workers would cost more than they save
    assert parallel.workers_for(files, 1) == 1
    assert parallel.workers_for(files[:3], 8) == 3
    big = [(p, parallel.PARALLEL_MIN_BYTES) for p, _ in files]
    assert parallel.workers_for(big, None) == (
        min(len(os.sched_getaffinity(0)), len(big)) if "fork" in multiprocessing.get_all_start_methods() else 1
    )


@needs_fork
@pytest.mark.parametrize("diff", [False, True], ids=["replay", "diff"])
def test_cli_jobs_option(archive: Path, capsys: pytest.CaptureFixture[str], diff: bool) -> None:
    examples = REPO / "examples" / "cloudformation"
    configs = (
        ["--diff", str(examples / "weak-trail.yaml"), str(examples / "secure-trail.yaml")]
        if diff
        else [str(examples / "secure-trail.yaml")]
    )
    outs = []
    for jobs in ("1", "2"):
        code = main(
            [
                "simulate",
                *configs,
                "--events",
                str(archive),
                "--account",
                A,
                "--region",
                "us-east-1",
                "--format",
                "json",
                "--jobs",
                jobs,
            ]
        )
        outs.append((code, capsys.readouterr().out))
    assert outs[0] == outs[1] and outs[0][0] == 0
    assert json.loads(outs[0][1])["records"] > 0


def test_auto_goes_parallel_for_archives_large_once_decompressed(tmp_path: Path) -> None:
    # 20 files of 2 MB of JSON each compress to a few kB: the replay's work is the 40 MB it parses.
    files = []
    for i in range(20):
        p = tmp_path / f"{i:02d}.json.gz"
        p.write_bytes(gzip.compress(json.dumps({"Records": [{"eventName": "x" * 1000}] * 2000}).encode()))
        files.append((str(p), p.stat().st_size))
    assert sum(s for _, s in files) < parallel.PARALLEL_MIN_BYTES
    assert parallel._inflated_size(files) >= parallel.PARALLEL_MIN_INFLATED
    assert parallel.workers_for(files, None) == (
        min(len(os.sched_getaffinity(0)), len(files)) if "fork" in multiprocessing.get_all_start_methods() else 1
    )
    assert parallel.workers_for(files[:5], None) == 1  # too few files


def test_a_kept_replay_reports_each_chunk_on_its_own() -> None:
    # Workers keep one Replay across chunks (parallel._run); shapes_since gives a chunk's own
    # counts: known shapes first, then new ones in the order the chunk met them.
    from collections import Counter

    from ctguard.simulate.replay import Replay

    from .test_replay import ARN_TRAILS, RESOURCE_HEAVY, TRAILS, TRICKY, A

    trails = [compile_trail(t, SimContext(account_id=A)) for t in TRAILS + ARN_TRAILS]
    records = [r for r in TRICKY + RESOURCE_HEAVY if isinstance(r, dict)]
    first, second = records[::2], records[1::2] + records[:5]
    kept = Replay(trails, DEFAULT_POLICY)
    kept.add(first)
    before = kept.counts()
    kept.add(second)
    got = kept.shapes_since(before)
    fresh = Replay(trails, DEFAULT_POLICY)
    fresh.add(second)
    assert Counter(dict(got)) == Counter(dict(fresh.shapes()))
    seen = {s for s, _ in Replay(trails, DEFAULT_POLICY).shapes()} | {s for s, _ in _shapes(trails, first)}
    new = [s for s, _ in got if s not in seen]
    assert new and len(new) < len(got)  # both kinds occur
    assert new == [s for s, _ in fresh.shapes() if s not in seen]
    assert got[: len(got) - len(new)] == [(s, n) for s, n in got if s in seen]


def _shapes(trails: list[Any], records: list[Any]) -> list[Any]:
    from ctguard.simulate.replay import Replay

    rp = Replay(trails, DEFAULT_POLICY)
    rp.add(records)
    return list(rp.shapes())
