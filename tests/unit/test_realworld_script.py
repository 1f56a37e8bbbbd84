"""The real-world corpus runner: manifest shape, and judging on a corpus built here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location("realworld", ROOT / "scripts" / "realworld.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["realworld"] = module
    spec.loader.exec_module(module)
    return module


rw = _load_script()


def test_manifest_entries_are_complete_and_pinned() -> None:
    entries = rw.load_manifest()
    assert len(entries) >= 40
    assert len({e.id for e in entries}) == len(entries)
    assert {e.kind for e in entries} == {"cloudformation", "terraform"}
    for entry in entries:
        assert len(entry.commit) == 40 and int(entry.commit, 16) >= 0, entry.id
        assert entry.licence, entry.id
    judged = sum(len(e.expect) for e in entries)
    assert judged >= 300


def test_manifest_rejects_unknown_verdicts(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "entries": [
                    {
                        "id": "x",
                        "repo": "a/b",
                        "commit": "0" * 40,
                        "path": ".",
                        "kind": "terraform",
                        "licence": "MIT",
                        "expect": {"CT101": "MAYBE"},
                    }
                ]
            }
        )
    )
    with pytest.raises(SystemExit, match="MAYBE"):
        rw.load_manifest(bad)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_assemble_and_judge_on_a_local_repository(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "trail.yaml").write_text(
        "Resources:\n"
        "  Trail:\n"
        "    Type: AWS::CloudTrail::Trail\n"
        "    Properties:\n"
        "      S3BucketName: logs\n"
        "      IsLogging: true\n"
        "      IsMultiRegionTrail: false\n"
    )
    _git("init", "-q", cwd=source)
    _git("-c", "user.email=t@t", "-c", "user.name=t", "add", ".", cwd=source)
    _git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "x", cwd=source)
    commit = _git("rev-parse", "HEAD", cwd=source)
    mirrors = tmp_path / "mirrors"
    (mirrors / "someone+templates").mkdir(parents=True)
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(source), str(mirrors / "someone+templates" / "repo")], check=True
    )

    entry = rw.Entry(
        id="one",
        repo="someone/templates",
        commit=commit,
        path="trail.yaml",
        kind="cloudformation",
        licence="MIT",
        expect={"CT101": "PASS", "CT102": "PASS", "CT103": "FAIL", "CT104": "UNKNOWN"},
    )
    corpus = tmp_path / "corpus"
    assert rw.assemble([entry], mirrors, corpus) == 0
    assert (corpus / "one" / "trail.yaml").is_file()

    outcome = rw.run_entry(entry, corpus, [])
    assert outcome.error is None
    assert outcome.exit_code == 1
    tally = rw.judge(outcome)
    # CT101 is really FAIL (single-region): judged PASS, so it is wrong; CT104 is FAIL, judged UNKNOWN: wrong too.
    assert tally == {"right": 2, "wrong": 2}


def test_an_unknown_where_a_verdict_was_judged_counts_as_needless() -> None:
    entry = rw.Entry(
        id="e",
        repo="a/b",
        commit="0" * 40,
        path=".",
        kind="terraform",
        licence="MIT",
        expect={"CT403": "FAIL", "CT401": "UNKNOWN"},
    )
    outcome = rw.Outcome(
        entry, statuses=rw.Counter(), verdicts={"CT403": ["UNKNOWN"], "CT401": ["UNKNOWN"]}, exit_code=0
    )
    assert rw.judge(outcome) == {"needless_unknown": 1, "right": 1}


def test_a_pass_that_says_not_applicable_is_counted_apart() -> None:
    assert rw._status({"status": "PASS", "message": "Trail t uses no S3 bucket: not applicable"}) == "NOT_APPLICABLE"
    assert rw._status({"status": "PASS", "message": "Trail t is logging"}) == "PASS"
    assert rw._status({"status": "NOT_APPLICABLE", "message": "x"}) == "NOT_APPLICABLE"
