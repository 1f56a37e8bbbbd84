"""The Markdown report carries the account / region / trail table for inputs read from the AWS API only."""

from __future__ import annotations

from pathlib import Path

from ctguard.cli import main

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOT = ROOT / "fixtures/aws/snapshot-single-account.json"
TEMPLATE = ROOT / "fixtures/rules/CT101/pass/multi-region.yaml"
HEADING = "## Accounts, regions and trails"


def _markdown(capsys, *paths: Path) -> str:
    main(["check", *map(str, paths), "--no-config", "-f", "markdown"])
    return capsys.readouterr().out


def test_a_snapshot_report_has_the_table_before_the_findings(capsys) -> None:
    out = _markdown(capsys, SNAPSHOT)
    assert out.index(HEADING) < out.index("## Failures")
    table = out[out.index(HEADING) :].split("\n\n")[1].splitlines()
    assert table[0] == "| account | region | trail | failed | unknown | passed |"
    assert table[2].startswith("| `111122223333` | — | `(account)` |")
    assert table[3].startswith("| `111122223333` | `us-east-1` | `main-trail` |")
    assert len(table) == 4


def test_a_template_alone_has_no_table_and_beside_a_snapshot_adds_no_row(capsys) -> None:
    assert HEADING not in _markdown(capsys, TEMPLATE)
    mixed = _markdown(capsys, SNAPSHOT, TEMPLATE)
    table = mixed[mixed.index(HEADING) :].split("\n\n")[1].splitlines()
    assert len(table) == 4 and all("111122223333" in row for row in table[2:]), table
