"""NOT_APPLICABLE: a rule that did not run is counted as such, never as a pass, in every format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from ctguard import api
from ctguard.findings import Status
from ctguard.formatters import renderer

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "cloudformation" / "secure-trail.yaml"
SCHEMA = json.loads((REPO / "ctguard" / "schemas" / "report.schema.json").read_text())


def test_template_counts_not_applicable_apart_from_passed() -> None:
    report = api.check([TEMPLATE])
    na = [f for f in report.findings if f.status is Status.NOT_APPLICABLE]
    passed = [f for f in report.findings if f.status is Status.PASS]
    # live status (CT80x), account-wide facts (CT601/604/605), CIS monitoring the template does not define
    assert {f.rule_id for f in na} >= {"CT601", "CT801", "CT806", "CT501", "CT515"}
    assert not {f.rule_id for f in na} & {f.rule_id for f in passed}
    text = renderer("text")(report, {})
    assert f"{len(passed)} passed, {len(na)} not applicable" in text.splitlines()[-1]
    assert "[not applicable]" not in text  # listed only with --show-passed
    assert "[not applicable] CT801 is not applicable" in renderer("text")(report, {"show_passed": True})
    data = json.loads(renderer("json")(report, {}))
    jsonschema.validate(data, SCHEMA)
    assert data["schema_version"] == "1.1"
    assert data["summary"]["not_applicable"] == len(na) and data["summary"]["passed"] == len(passed)
    assert sum(f["status"] == "NOT_APPLICABLE" for f in data["findings"]) == len(na)
    sarif = json.loads(renderer("sarif")(report, {}))
    assert not [r for r in sarif["runs"][0]["results"] if r["properties"]["status"] == "NOT_APPLICABLE"]
    junit = ET.fromstring(renderer("junit")(report, {}))
    skipped = junit.findall("./testsuite/testcase/skipped[@type='not_applicable']")
    assert len(skipped) == len(na) and all(s.get("message") for s in skipped)
    assert "::" not in "".join(line for line in renderer("github")(report, {}).splitlines() if "CT801" in line)
    assert f"{len(na)} not applicable" in renderer("markdown")(report, {})


def test_unreadable_input_passes_nothing(tmp_path: Path) -> None:
    module = tmp_path / "tf"
    module.mkdir()
    (module / "bucket.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "logs"\n}\n')
    (module / "main.tf").write_text('resource "aws_cloudtrail" "t" {\n  name = = "x"\n}\n')
    report = api.check([module])
    # bucket.tf is read, but every account-wide rule depends on the trail main.tf may hold: UNKNOWN
    # (tests/test_partial_inputs.py); nothing passes, nothing is "not applicable".
    statuses = {(f.rule_id, f.status) for f in report.findings}
    assert ("CT001", Status.ERROR) in statuses
    assert {s for _, s in statuses} == {Status.ERROR, Status.UNKNOWN}
    unknown = sum(1 for f in report.findings if f.status is Status.UNKNOWN)
    assert renderer("text")(report, {}).splitlines()[-1] == (
        f"ctguard: 1 CloudTrail-related input, 0 trails, 0 failed, {unknown} unknown, 0 passed, 1 errors, 1 unreadable"
    )
