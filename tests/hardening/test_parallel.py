"""Parallel parsing (issue: hardening, item 4): the same report with any number of processes.

A generated tree of about a hundred inputs (CloudFormation, Terraform modules, a plan, snapshots,
describe-trails output, a broken template) is checked with one and with two parsing processes; a parser that raises or a worker
that dies costs only its own input.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from ctguard import config
from ctguard.api import check
from ctguard.cli import main
from ctguard.inputs import ParsedInput
from ctguard.parsers import dispatch
from ctguard.parsers.context import ParseContext

REPO = Path(__file__).resolve().parents[2]
CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the fault is injected by patching a parser before the workers fork",
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    templates = [
        REPO / "examples" / "cloudformation" / "secure-trail.yaml",
        REPO / "examples" / "cloudformation" / "weak-trail.yaml",
        REPO / "fixtures" / "cloudformation" / "cis-trail-stack.json",
    ]
    for i in range(90):
        source = templates[i % len(templates)]
        target = root / f"team{i % 6}" / f"stack{i:02d}{source.suffix}"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(source, target)
    for name in ("cis_complete", "advanced_selectors", "insight_selectors"):
        shutil.copytree(REPO / "fixtures" / "terraform" / name, root / "tf" / name)
    shutil.copy(REPO / "fixtures" / "terraform" / "plan" / "plan.json", root / "plan.json")
    shutil.copytree(REPO / "fixtures" / "aws", root / "aws")  # snapshots (one input per account), CLI output
    (root / "team3" / "broken.yaml").write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties: [\n"
    )
    return root


def _json_report(tree: Path, capsys: pytest.CaptureFixture[str], jobs: str) -> tuple[int, str]:
    code = main(
        [
            "check",
            str(tree),
            "--format",
            "json",
            "--account",
            "111122223333",
            "--region",
            "eu-west-1",
            "--jobs",
            jobs,
            "--no-config",
        ]
    )
    return code, capsys.readouterr().out


def test_same_json_report_with_one_and_two_processes(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = _json_report(tree, capsys, "1")
    two = _json_report(tree, capsys, "2")
    assert one == two
    code, out = one
    report = json.loads(out)
    assert code == 3 and [os.path.basename(u["file"]) for u in report["unparsed"]] == ["broken.yaml"]
    assert len({f["file"] for f in report["findings"]}) >= 90


def test_inputs_keep_the_sequential_order(tree: Path) -> None:
    one = check([tree], context=CONTEXT, jobs=1)
    two = check([tree], context=CONTEXT, jobs=2)
    assert [(p.path, p.kind) for p in two.inputs] == [(p.path, p.kind) for p in one.inputs]
    assert len(one.inputs) >= 94
    assert [f.sort_key() for f in two.findings] == [f.sort_key() for f in one.findings]


@needs_fork
def test_a_parser_raising_in_a_worker_costs_that_input_only(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ctguard.parsers.cloudformation import parse as cloudformation

    real = cloudformation.parse

    def flaky(path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.endswith("stack07.yaml"):
            raise ValueError("injected parser bug")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(cloudformation, "parse", flaky)
    report = check([tree], context=CONTEXT, jobs=2)
    ct001 = {os.path.basename(f.file): f.message for f in report.findings if f.rule_id == "CT001"}
    assert set(ct001) == {"stack07.yaml", "broken.yaml"}
    assert "injected parser bug" in ct001["stack07.yaml"]
    checked = {os.path.basename(f.file) for f in report.findings if f.rule_id == "CT101"}
    assert "stack06.yaml" in checked and "stack07.yaml" not in checked
    assert len(checked) >= 85


@needs_fork
def test_a_dying_worker_costs_time_not_inputs(
    tree: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker killed mid-parse (out of memory, a crash in C code): its inputs are parsed in this process."""
    from ctguard.parsers.cloudformation import parse as cloudformation

    real, main_pid = cloudformation.parse, os.getpid()

    def fatal(path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.endswith("stack07.yaml") and os.getpid() != main_pid:
            os._exit(9)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(cloudformation, "parse", fatal)
    report = check([tree], context=CONTEXT, jobs=2)
    assert "parsing" in caplog.text and "in this process" in caplog.text  # the worker really died
    sequential = check([tree], context=CONTEXT, jobs=1)
    assert [p.path for p in report.inputs] == [p.path for p in sequential.inputs]
    assert [f.sort_key() for f in report.findings] == [f.sort_key() for f in sequential.findings]


def _pid_and_path(parsed: ParsedInput) -> tuple[int, str]:
    return os.getpid(), parsed.path


@needs_fork
def test_policies_run_in_the_workers(tree: Path) -> None:
    """What follows parsing (the policies, in ``check``) runs where the input was parsed."""
    pairs = list(dispatch.check_paths([str(tree)], CONTEXT, 2, _pid_and_path))
    assert all(result == (result[0], parsed.path) for parsed, result in pairs)
    pids = {result[0] for _, result in pairs}
    assert os.getpid() not in pids and len(pids) == 2
    sequential = list(dispatch.check_paths([str(tree)], CONTEXT, 1, _pid_and_path))
    assert {result[0] for _, result in sequential} == {os.getpid()}
    assert [p.path for p, _ in pairs] == [p.path for p, _ in sequential]


def test_spawned_workers_leave_the_policies_to_this_process(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where workers are spawned (not forked), ``then`` is not pickled to them: it runs here."""
    from ctguard.parsers import parallel

    monkeypatch.setattr(parallel, "pool_context", lambda: multiprocessing.get_context("spawn"))
    pairs = list(
        dispatch.check_paths(
            [str(tree / "team0"), str(tree / "team1"), str(tree / "team2")],
            CONTEXT,
            2,
            lambda parsed: (os.getpid(), parsed.path),
        )
    )  # a lambda cannot be pickled
    assert len(pairs) >= 45 and {result for _, result in pairs} == {(os.getpid(), p.path) for p, _ in pairs}


def test_small_scans_stay_in_one_process() -> None:
    assert dispatch._workers(None, dispatch.PARALLEL_MIN_TASKS - 1) == 1
    assert dispatch._workers(1, 10_000) == 1
    assert dispatch._workers(4, 1) == 1
    assert dispatch._workers(3, 100) == 3


def test_jobs_option_and_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".ctguard.yaml").write_text("jobs: 2\n")
    assert config.load(str(tmp_path / ".ctguard.yaml")).get("jobs") == 2
    (tmp_path / ".ctguard.yaml").write_text("jobs: auto\n")
    assert config.load(str(tmp_path / ".ctguard.yaml")).get("jobs") == "auto"
    (tmp_path / ".ctguard.yaml").write_text("jobs: 0\n")
    with pytest.raises(config.ConfigError, match="jobs"):
        config.load(str(tmp_path / ".ctguard.yaml"))
    with pytest.raises(SystemExit):
        main(["check", str(tmp_path), "--jobs", "none"])
    assert "--jobs" in capsys.readouterr().err
