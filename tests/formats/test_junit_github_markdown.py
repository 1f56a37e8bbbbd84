"""JUnit XML, GitHub workflow annotations and Markdown: structure, escaping, suppressed findings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from ctguard import api
from ctguard.findings import Status
from ctguard.formatters import FORMATS, renderer
from ctguard.formatters.github_format import escape_data, escape_property


def test_every_format_renders_any_report(repo_report: api.Report, live_report: api.Report) -> None:
    assert set(FORMATS) == {"text", "json", "sarif", "junit", "github", "markdown", "html"}
    for name in FORMATS:
        for report in (repo_report, live_report, api.Report()):
            assert renderer(name)(report, {"show_passed": True})


def test_junit_one_case_per_policy_and_resource(repo_report: api.Report) -> None:
    root = ET.fromstring(renderer("junit")(repo_report, {}))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(repo_report.findings)  # passing checks are test cases too
    assert len({(c.get("name"), c.get("classname")) for c in cases}) == len(cases)
    by_rule = {c.get("name").split("]")[1].lstrip("["): c for c in cases}
    ct101 = by_rule["CT101"]
    assert ct101.get("classname") == "infra/trail.yaml.Trail" and ct101.get("file") == "infra/trail.yaml"
    assert ct101.find("skipped").get("message") == "inline: regional trail by design, see ADR-12"
    failure = by_rule["CT105"].find("failure")  # expired skip
    assert failure is not None and "Fix: CloudWatchLogsLogGroupArn" in failure.text
    assert by_rule["CT102"].find("failure") is None and by_rule["CT102"].find("skipped") is None
    suite = root.find("testsuite")
    assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
    not_applicable = [f for f in repo_report.findings if f.status is Status.NOT_APPLICABLE]
    assert not_applicable  # a template without monitoring or live status: CT5xx, CT8xx did not run
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    assert int(suite.get("skipped")) == len(skipped) == 3 + len(not_applicable)
    assert sum(1 for s in skipped if s.get("type") == "not_applicable") == len(not_applicable)
    assert by_rule["CT801"].find("skipped").get("message").startswith("CT801 is not applicable")
    assert root.get("tests") == str(len(cases))


def test_github_annotations_escape_data_and_properties(live_report: api.Report, repo_report: api.Report) -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    lines = renderer("github")(live_report, {}).splitlines()
    assert lines[0].startswith("::error title=ctguard CT101 HIGH::aws://111122223333: Trail main")
    assert "%0Asecond line: 100%25" in lines[0] and "\n" not in lines[0]
    assert lines[1].startswith("::notice title=ctguard CT103 MEDIUM UNKNOWN::")
    out = renderer("github")(repo_report, {})
    assert any(
        line.startswith("::notice file=infra/trail.yaml,line=9,col=3,title=ctguard CT105 LOW::")
        for line in out.splitlines()
    )
    commands = [
        ln
        for ln in out.splitlines()
        if ln.startswith("::") and not ln.startswith("::group") and not ln.startswith("::endgroup")
    ]
    assert not any("CT101" in ln for ln in commands if ln.startswith("::error"))  # suppressed: no annotation
    assert "::group::ctguard: 3 suppressed" in out and "[suppressed by inline: regional trail" in out
    assert "::warning title=ctguard::" in out and "expired on 2020-01-31" in out


def test_markdown_sections_and_table_safety(repo_report: api.Report, live_report: api.Report) -> None:
    text = renderer("markdown")(repo_report, {})
    assert text.startswith("# ctguard report\n")
    assert "## Failures (" in text and "## Suppressed (3)" in text and "## How to fix" in text
    assert "| CT101 | `infra/trail.yaml:16` | `Trail` | inline | `regional trail by design, see ADR-12` |  |" in text
    live_report.findings[0] = replace(live_report.findings[0], message="a | b\nc <script>")
    live = renderer("markdown")(live_report, {})
    row = next(ln for ln in live.splitlines() if "[CT101]" in ln)
    assert row.endswith("| `main` | `a \\| b c <script>` |")  # a code span (the headline folds the newline)


def test_json_carries_suppressions_and_warnings(repo_report: api.Report) -> None:
    data = json.loads(renderer("json")(repo_report, {}))
    sup = [f for f in data["findings"] if "suppression" in f]
    assert {f["rule_id"] for f in sup} == {"CT101", "CT104", "CT108"}
    assert data["summary"]["suppressed"] == 3
    assert any("expired" in w for w in data["warnings"])
