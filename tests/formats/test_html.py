"""``--format html``: one self-contained page, every input string escaped, rendered in Chromium."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from ctguard import api
from ctguard.engine.policy import load_policies
from ctguard.findings import Finding, Severity, Status, Suppression
from ctguard.formatters import renderer

sys.path.insert(0, str(Path(__file__).parent))
from browser import load
from test_live_locations import live_report

REPO = Path(__file__).resolve().parents[2]
HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def hostile_report() -> api.Report:
    findings = [
        Finding(
            "CT101",
            Status.FAIL,
            Severity.HIGH,
            f"Trail {HOSTILE} is not multi-region",
            f"infra/{HOSTILE}.yaml",
            resource=HOSTILE,
            resource_name=HOSTILE,
            source_kind="cloudformation",
        ),
        Finding(
            "CT104",
            Status.UNKNOWN,
            Severity.MEDIUM,
            f"Cannot tell: {HOSTILE}",
            "infra/a.yaml",
            resource="Trail",
            source_kind="cloudformation",
        ),
        Finding(
            "CT105",
            Status.FAIL,
            Severity.LOW,
            "no logs",
            "infra/a.yaml",
            resource="Trail",
            source_kind="cloudformation",
            suppression=Suppression("inline", f"because {HOSTILE}"),
        ),
    ]
    return api.Report(findings=findings, policies=load_policies(), warnings=[f"warning {HOSTILE}"])


def test_input_text_is_escaped_and_nothing_is_fetched() -> None:
    page = renderer("html")(hostile_report(), {})
    assert "<img" not in page and "alert(2)</script>" not in page
    assert page.count("<script>") == 1  # ctguard's own, static
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page and "&quot;&gt;&lt;img" in page
    tags = _tags(page)
    assert not {"img", "iframe", "link", "object", "embed", "form"} & {t for t, _ in tags}
    assert not [(t, a) for t, attrs in tags for a in attrs if a in ("src", "srcset", "action") or a.startswith("on")]
    assert "default-src 'none'" in page  # and the policy forbids it anyway


def _tags(page: str) -> list[tuple[str, list[str]]]:
    from html.parser import HTMLParser

    seen: list[tuple[str, list[str]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            seen.append((tag, [name for name, _ in attrs]))

    Collect().feed(page)
    return seen


def test_groups_by_account_and_region_for_live_audits() -> None:
    page = renderer("html")(live_report(), {})
    assert "By account and region" in page and "account 222233334444 / eu-west-1" in page
    assert "account 999988887777" in page


def _counts(dom: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r'id="count-([a-z_]+)">(\d+)<', dom)}


def test_page_renders_in_chromium_without_console_errors_and_shows_the_json_counts(tmp_path: Path) -> None:
    report = api.check([REPO / "fixtures" / "suppressions", REPO / "fixtures" / "cloudformation" / "conditions.yaml"])
    page = tmp_path / "report.html"
    page.write_text(renderer("html")(report, {}), encoding="utf-8")
    data = json.loads(renderer("json")(report, {}))
    dom, console = load(page)
    assert console == [], console
    assert _counts(dom) == data["summary"]
    # the script ran: it tallied the rows by status and applied the default filter
    tally = re.search(r'<p id="js-counts"[^>]*data-ready="1"[^>]*>([^<]*)</p>', dom)
    assert tally, dom[:2000]
    statuses = Counter(
        "SUPPRESSED" if f.get("suppression") else f["status"]
        for f in data["findings"]
        if f.get("suppression") or f["status"] not in ("PASS", "NOT_APPLICABLE")
    )
    assert tally[1] == " ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
    visible = int(re.search(r'id="visible-count">(\d+)<', dom)[1])
    assert visible == sum(statuses.values()) and statuses["SUPPRESSED"] and statuses["UNKNOWN"]
    # the chart: failed and unknown per area add up to the summary (suppressed not counted)
    bars = re.findall(r'<text x="[\d.]+" y="\d+">(\d+) / (\d+)</text>', dom)
    assert sum(int(f) for f, _ in bars) == data["summary"]["failed"] + data["summary"]["errors"]
    assert sum(int(u) for _, u in bars) == data["summary"]["unknown"]


def test_console_errors_are_seen(tmp_path: Path) -> None:
    """The check above can fail: a page with a script error is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>")
    _, console = load(page)
    assert any("notDefined" in line for line in console), console
