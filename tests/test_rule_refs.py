"""Rule ids the user names must exist: a typo is a usage error (exit 2), never a green gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctguard.cli import main

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = str(REPO / "examples" / "cloudformation" / "secure-trail.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", TEMPLATE, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args, named, near",
    [
        (["--only", "CT10"], "'CT10'", "CT101, CT102, CT103"),
        (["--only", "CT101,CT98*"], "'CT98*'", "CT901"),
        (["--skip", "CT999:typo"], "'CT999'", "CT901"),
        (["--severity", "CT1O1=low"], "'CT1O1'", "CT101"),
    ],
)
def test_unknown_rule_on_the_command_line(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str, near: str
) -> None:
    code, out, err = run(capsys, "--no-config", *args)
    assert code == 2 and out == ""
    assert f"{named} matches no rule; did you mean {near}" in err


def test_unknown_rule_in_config_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / ".ctguard.yaml"
    config.write_text("only: [CT999]\n")
    code, _, err = run(capsys, "--config", str(config))
    assert code == 2 and "'CT999' matches no rule" in err
    config.write_text("skip:\n  - id: CT1000\n    reason: typo\n")
    code, _, err = run(capsys, "--config", str(config))
    assert code == 2 and "'CT1000' matches no rule" in err
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps(
            {
                "version": 1,
                "tool": "ctguard",
                "findings": [{"file": "x.yaml", "resource": "Trail", "rule_ids": ["CT101", "CT77"]}],
            }
        )
    )
    code, _, err = run(capsys, "--no-config", "--baseline", str(baseline))
    assert code == 2 and f"baseline {baseline}: 'CT77' matches no rule" in err


def test_real_ids_and_globs_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--no-config", "--only", "ct10*", "--skip", "CT8*:live only", "--severity", "CT108=low")
    assert code == 0 and out.splitlines()[-1].startswith("ctguard: 1 CloudTrail-related input, 1 trail, ")


def test_trail_count_does_not_depend_on_only(capsys: pytest.CaptureFixture[str]) -> None:
    _, everything, _ = run(capsys, "--no-config")
    _, account_only, _ = run(capsys, "--no-config", "--only", "CT601")
    assert ", 1 trail, " in everything.splitlines()[-1] and ", 1 trail, " in account_only.splitlines()[-1]
