"""Every output respects its consumer's limits and says what it left out."""

from __future__ import annotations

import json
import re

from ctguard import api
from ctguard.engine.policy import load_policies
from ctguard.findings import Finding, Severity, Status
from ctguard.formatters import renderer
from ctguard.formatters.markdown_format import LIMIT_BYTES

RULES = {Severity.HIGH: "CT101", Severity.MEDIUM: "CT103", Severity.LOW: "CT105"}


def findings(count: int, severity: Severity, status: Status = Status.FAIL, start: int = 0) -> list[Finding]:
    return [
        Finding(
            RULES[severity],
            status,
            severity,
            f"Trail t{i} problem " + "x" * 150,
            f"stacks/s{i:05d}.yaml",
            line=3,
            column=1,
            resource=f"Trail{i}",
            source_kind="cloudformation",
        )
        for i in range(start, start + count)
    ]


def report(items: list[Finding]) -> api.Report:
    return api.Report(findings=sorted(items, key=Finding.sort_key), policies=load_policies())


def test_github_caps_each_level_and_says_how_many_more() -> None:
    items = (
        findings(4, Severity.HIGH)
        + findings(30, Severity.MEDIUM, start=100)
        + findings(25, Severity.LOW, Status.UNKNOWN, start=200)
    )
    out = renderer("github")(report(items), {"report_files": ["ctguard.sarif"]}).splitlines()
    levels = [line.split(" ", 1)[0] for line in out if re.match(r"::(error|warning|notice) ", line)]
    assert levels.count("::error") == 4 and levels.count("::warning") == 10 and levels.count("::notice") == 10
    (summary,) = [line for line in out if "more findings were not annotated" in line]
    # 30 - 9 warnings (one slot is the summary's) + 25 - 10 notices
    assert summary.startswith("::warning title=ctguard%3A 36 more findings::36 more findings")
    assert "(21 warnings, 15 notices)" in summary and "the full report is in ctguard.sarif" in summary
    start = out.index("::group::ctguard: 36 more not annotated")
    assert out[start + 37] == "::endgroup::" and out[-1].startswith("ctguard: ")
    assert sum(1 for line in out[start : start + 37] if "problem" in line) == 36


def test_github_small_report_is_not_capped() -> None:
    out = renderer("github")(report(findings(3, Severity.MEDIUM)), {})
    assert out.count("::warning ") == 3 and "more findings" not in out


def test_markdown_folds_under_the_limit_and_counts_everything() -> None:
    items = findings(900, Severity.MEDIUM) + findings(400, Severity.LOW, Status.UNKNOWN, start=1000)
    full = report(items)
    text = renderer("markdown")(full, {"report_files": ["report.json"]})
    assert len(text.encode()) <= LIMIT_BYTES
    assert "## Findings by rule" in text and "<details><summary><b>Failures</b> (top " in text
    row = re.compile(r"\| \[(CT\d+)\]\([^)]*\) \| \w+ \| [^|]+ \| (\d+) \| (\d+) \|")
    counts = {m[1]: (int(m[2]), int(m[3])) for m in row.finditer(text)}
    assert counts["CT103"] == (900, 0) and counts["CT105"] == (0, 400)
    listed = text.count("| medium | [CT103]") + text.count("| low | [CT105]")
    assert f"**{1300 - listed} findings are not listed here**" in text
    assert "the complete report is in `report.json`" in text
    assert "</details>" in text and text.rstrip().endswith("</sub>")


def test_markdown_small_report_is_complete() -> None:
    text = renderer("markdown")(report(findings(5, Severity.MEDIUM)), {})
    assert "## Failures (5)" in text and "folded" not in text


def test_sarif_keeps_the_most_severe_results_within_githubs_limit() -> None:
    items = (
        findings(200, Severity.HIGH)
        + findings(5000, Severity.MEDIUM, start=1000)
        + findings(900, Severity.LOW, start=9000)
    )
    run = json.loads(renderer("sarif")(report(items), {}))["runs"][0]
    results = run["results"]
    assert len(results) == 5000
    assert sum(r["ruleId"] == "CT101" for r in results) == 200 and not any(r["ruleId"] == "CT105" for r in results)
    assert run["properties"]["omittedResults"] == 1100 and "5000 per run" in run["properties"]["note"]
    assert all(len(rule["properties"]["tags"]) <= 10 for rule in run["tool"]["driver"]["rules"])
