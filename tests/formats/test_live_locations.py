"""Live-audit findings are located aws://<account>/<region>/<resource> in every format."""

from __future__ import annotations

import json
from pathlib import Path

from ctguard import api
from ctguard.calls import CallStore
from ctguard.commands.audit import LIVE_PATH
from ctguard.engine.policy import load_policies
from ctguard.formatters import renderer
from ctguard.live_locations import locate, name_inputs, uri
from ctguard.parsers.aws.api import build_inputs

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "fixtures" / "aws" / "snapshot-organization.json"
TRAIL = "aws://222233334444/eu-west-1/cloudtrail/trail/prod-eu-data"


def live_report() -> api.Report:
    """What ``ctguard audit`` without --save reports for the recorded calls of the fixture."""
    store = CallStore.from_json(json.loads(SNAPSHOT.read_text()))
    report = api.evaluate(name_inputs(build_inputs(store, LIVE_PATH)), load_policies())
    report.findings = locate(report.findings, report.inputs)
    return report


def test_uri_from_arn_key_and_global_names() -> None:
    assert uri("1", "arn:aws:cloudtrail:eu-west-1:2:trail/t", None) == "aws://2/eu-west-1/cloudtrail/trail/t"
    assert uri("1", "arn:aws:s3:::logs", None) == "aws://1/global/s3/logs"
    assert uri("1", "arn:aws:s3:::logs", "us-east-2") == "aws://1/us-east-2/s3/logs"
    assert uri("1", "my-group", "eu-west-1") == "aws://1/eu-west-1/my-group"


def test_live_findings_have_aws_locations_everywhere() -> None:
    report = live_report()
    files = {f.file for f in report.findings}
    assert LIVE_PATH not in files and all(f.startswith("aws://") for f in files)
    assert TRAIL in files
    assert {"aws://222233334444", "aws://999988887777"} <= files  # account-wide findings
    text = renderer("text")(report, {})
    assert f"{TRAIL}: CT101 HIGH " in text and f"{TRAIL}:1:1" not in text and "<live audit>" not in text
    data = json.loads(renderer("json")(report, {}))
    assert any(f["file"] == TRAIL and f["rule_id"] == "CT101" for f in data["findings"])
    github = renderer("github")(report, {})
    assert any(line.startswith("::error title=ctguard CT101 HIGH::" + TRAIL + ": ") for line in github.splitlines())
    sarif = json.loads(renderer("sarif")(report, {}))
    logical = [
        loc["logicalLocations"][0]
        for r in sarif["runs"][0]["results"]
        for loc in r.get("locations", [])
        if "logicalLocations" in loc
    ]
    trail = next(ln for ln in logical if ln["fullyQualifiedName"].endswith(":trail/prod-eu-data"))
    assert trail["properties"] == {"account": "222233334444", "region": "eu-west-1"}
    assert all("account" in ln.get("properties", {}) for ln in logical)
