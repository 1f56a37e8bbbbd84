"""The simulator's Python API (``ctguard.simulate``) gives the document the command prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctguard import api, simulation
from ctguard.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "simulate"
CTX = {"account": "111122223333", "region": "us-east-1"}
CLI_CTX = ["--account", "111122223333", "--region", "us-east-1"]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["simulate", *args, "--format", "json"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_replay_is_the_command_document(capsys: pytest.CaptureFixture[str]) -> None:
    doc = api.simulate([str(FIX / "mgmt-only.yaml"), str(FIX / "tf")], events=[str(FIX / "events")], jobs=1, **CTX)
    assert isinstance(doc, dict) and doc["mode"] == "replay" and doc["records"] > 0
    assert doc == _cli(
        capsys, str(FIX / "mgmt-only.yaml"), str(FIX / "tf"), *CLI_CTX, "--events", str(FIX / "events"), "--jobs", "1"
    )


def test_event_and_diff(capsys: pytest.CaptureFixture[str]) -> None:
    doc = simulation.simulate([str(FIX / "with-s3-data.yaml")], event=str(FIX / "event-putobject.json"), **CTX)
    assert isinstance(doc, dict) and doc["mode"] == "event"
    assert doc == _cli(capsys, str(FIX / "with-s3-data.yaml"), *CLI_CTX, "--event", str(FIX / "event-putobject.json"))
    diff = simulation.simulate(
        diff=(str(FIX / "mgmt-only.yaml"), str(FIX / "with-s3-data.yaml")), events=[str(FIX / "events")], **CTX
    )
    assert isinstance(diff, dict) and diff["diff"]["gained"] > 0


def test_athena_query_is_text() -> None:
    query = simulation.simulate([str(FIX / "with-s3-data.yaml")], sql="athena", table="db.ct", **CTX)
    assert isinstance(query, str) and "db.ct" in query


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "no inputs"),
        ({"paths": ["x"], "diff": ("a", "b"), "catalog": True}, "not both"),
        ({"paths": ["x"]}, "choose what to simulate"),
        ({"paths": ["x"], "event": "e", "catalog": True}, "choose one of"),
        ({"paths": ["x"], "sql": "duckdb", "catalog": True}, "--sql duckdb replays --events"),
        ({"paths": ["x"], "catalog": True, "top": 0}, "--top must be at least 1"),
    ],
)
def test_options_that_do_not_go_together(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulation.simulate(**kwargs)  # type: ignore[arg-type]  # wrong on purpose


def test_unreadable_inputs_raise_not_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties: [\n", encoding="utf-8")
    with pytest.raises(simulation.InputsUnusable, match=r"bad\.yaml"):
        simulation.simulate([str(bad)], events=[str(FIX / "events")])
    with pytest.raises(simulation.ArchiveError):
        simulation.simulate([str(FIX / "mgmt-only.yaml")], events=[str(tmp_path / "missing.json.gz")])
    assert capsys.readouterr() == ("", "")


def test_readme_simulator_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n", readme.index("The simulator has its own entry")) + len("```python\n")
    code = readme[start : readme.index("```", start)]
    code = code.replace('["infra/"]', repr([str(FIX / "with-s3-data.yaml")])).replace(
        '["AWSLogs/"]', repr([str(FIX / "events")])
    )
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(" missed " in line for line in printed)
