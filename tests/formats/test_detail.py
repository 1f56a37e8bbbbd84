"""Short headlines per finding; --verbose, --compact and --quiet."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from ctguard import api
from ctguard.cli import main
from ctguard.formatters.headline import MAX, split

REPO = Path(__file__).resolve().parents[2]
SUPPRESSIONS = REPO / "fixtures" / "suppressions"


def test_every_headline_is_short_and_the_evidence_is_kept() -> None:
    report = api.check([REPO / "fixtures", REPO / "examples"])
    messages = {f.message for f in report.findings}
    heads = {m: split(m) for m in messages}
    assert all(len(h) <= MAX for h, _ in heads.values())
    assert statistics.median(len(h) for h, _ in heads.values()) < 100
    for message, (head, evidence) in heads.items():
        text = " ".join(message.split())
        assert text.startswith(head.rstrip("…")) and (evidence == "" or evidence in text), message


@pytest.mark.parametrize(
    "message, head",
    [
        (
            (
                "CIS 4.5/5.5 (CloudTrail configuration changes) is not monitored: log group x has no metric filter "
                "for CIS 4.5/5.5 (CloudTrail configuration changes) and no alarm anywhere in this template at all"
            ),
            "CIS 4.5/5.5 (CloudTrail configuration changes) is not monitored",
        ),
        (
            (
                "No logging trail records an S3 object-level write (PutObject on arn:aws:s3:::bucket/key in us-east-1): "
                "trail t: no selector takes Data events (no event selectors: the trail logs management events only)"
            ),
            "No logging trail records an S3 object-level write",
        ),
        ("short message", "short message"),
    ],
)
def test_headline_breaks_at_the_clause(message: str, head: str) -> None:
    assert split(message)[0] == head


def run(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    main(["check", str(SUPPRESSIONS), "--no-config", *args])
    return capsys.readouterr().out.splitlines()


def test_quiet_compact_normal_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    report = api.check([SUPPRESSIONS])
    failures = [f for f in report.findings if f.suppression is None and f.is_failure]
    active = [f for f in report.findings if f.suppression is None and f.status.value in ("FAIL", "ERROR", "UNKNOWN")]
    suppressed = [f for f in report.findings if f.suppression is not None]
    quiet = run(capsys, "--quiet")
    assert len(quiet) == len(failures) + 1 and quiet[-1].startswith("ctguard: ")
    assert not any("[unknown]" in line or "[suppressed" in line for line in quiet)
    compact = run(capsys, "--compact")
    assert len(compact) == len(active) + 2
    assert compact[-2].startswith(f"{len(suppressed)} suppressed (")
    normal = run(capsys)
    assert len(normal) == len(active) + len(suppressed) + 1 and not any(ln.startswith("    fix:") for ln in normal)
    # id, tag, headline; an UNKNOWN headline also carries its reason or the value that decides it
    assert all(len(ln.split(": ", 1)[1]) <= (170 if "[unknown]" in ln else MAX) + 60 for ln in normal[:-1])
    verbose = run(capsys, "--verbose")
    fixes = [ln for ln in verbose if ln.startswith("    fix:")]
    assert fixes and len([ln for ln in verbose if not ln.startswith(" ")]) == len(normal)
    longest = max(report.findings, key=lambda f: len(f.message) if f.suppression is None else 0)
    assert any(longest.message.split("\n")[0] in line for line in verbose)


def test_json_has_headline_and_full_message(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads("\n".join(run(capsys, "-f", "json")))
    assert all(f["headline"] == split(f["message"])[0] for f in data["findings"])
    assert any(len(f["message"]) > len(f["headline"]) for f in data["findings"])
