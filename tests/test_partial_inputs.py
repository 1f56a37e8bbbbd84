"""An input read in part: the readable part is checked, nothing the unread part could change passes.

Fixtures: fixtures/terraform/partial/ (a module with one file that does not parse, and one whose
unparsable file is an override file).  See ctguard/engine/partial.py for the rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard import api
from ctguard.cli import main
from ctguard.findings import Status

PARTIAL = Path(__file__).resolve().parent.parent / "fixtures" / "terraform" / "partial"


def _by_rule(path: Path) -> dict[str, list[tuple[Status, str]]]:
    out: dict[str, list[tuple[Status, str]]] = {}
    for f in api.check([path]).findings:
        out.setdefault(f.rule_id, []).append((f.status, f.message))
    return out


def test_readable_part_is_checked_and_nothing_passes() -> None:
    found = _by_rule(PARTIAL / "broken_file")
    assert [s for s, _ in found["CT001"]] == [Status.ERROR]
    # The trail that was read keeps its own FAILs.
    assert found["CT101"] == [(Status.FAIL, found["CT101"][0][1])]
    assert [s for s, _ in found["CT103"]] == [Status.FAIL]
    statuses = {s for results in found.values() for s, _ in results}
    assert Status.PASS not in statuses and Status.NOT_APPLICABLE not in statuses
    # "No trail is multi-region" is not known: broken.tf may declare one. UNKNOWN, naming the file.
    for rule in ("CT201", "CT601", "CT604"):
        ((status, message),) = found[rule]
        assert status is Status.UNKNOWN and "broken.tf:3 is unread (CT001)" in message, (rule, message)
    # A rule on the trail that would have passed (it is logging) is UNKNOWN too: an override may change it.
    assert [s for s, _ in found["CT102"]] == [Status.UNKNOWN]
    # Related resources (the bucket policy) may be in the unread file: no FAIL from what is missing.
    assert {s for s, _ in found["CT402"]} == {Status.UNKNOWN}


def test_an_unread_override_file_leaves_even_the_trails_fails_unknown() -> None:
    found = _by_rule(PARTIAL / "broken_override")
    assert [s for s, _ in found["CT001"]] == [Status.ERROR]
    assert found["CT101"][0][0] is Status.UNKNOWN and "main_override.tf" in found["CT101"][0][1]
    assert {s for rule, results in found.items() if rule != "CT001" for s, _ in results} == {Status.UNKNOWN}


def test_partial_input_exits_3_and_reports_the_readable_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(PARTIAL / "broken_file")]) == 3
    out = capsys.readouterr().out
    assert "CT001" in out and "CT101" in out and "broken.tf" in out
    assert out.splitlines()[-1].endswith("1 errors, 1 unreadable") and " 0 passed" in out.splitlines()[-1]


def test_fully_read_module_is_unchanged(tmp_path: Path) -> None:
    """Without the broken file the same trail passes what it passes: the UNKNOWNs came from the unread part."""
    (tmp_path / "main.tf").write_text((PARTIAL / "broken_file" / "main.tf").read_text())
    found = _by_rule(tmp_path)
    assert "CT001" not in found and found["CT102"][0][0] is Status.PASS and found["CT101"][0][0] is Status.FAIL


def test_results_without_a_place_of_their_own_point_at_the_unread_file(tmp_path: Path) -> None:
    """An unreadable module has no trail to point at: its account-wide UNKNOWNs name the broken
    file and line, not the module directory at line 1 (which printed as ``.:1:1``)."""
    (tmp_path / "main.tf").write_text('resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b" "c"\n}\n')
    findings = api.check([tmp_path]).findings
    (error,) = [f for f in findings if f.rule_id == "CT001"]
    assert error.file.endswith("main.tf") and error.line == 3
    account = [f for f in findings if f.rule_id in ("CT201", "CT601", "CT604")]
    assert account and {(f.status, f.file, f.line) for f in account} == {(Status.UNKNOWN, error.file, 3)}
    # A result that has its own place keeps it (the readable trail's FAIL in a partly read module).
    kept = [f for f in api.check([PARTIAL / "broken_file"]).findings if f.rule_id == "CT101"]
    assert kept and all(not f.file.endswith("broken.tf") for f in kept)
