"""``aws cloudtrail describe-trails`` output, alone and with per-trail CLI outputs beside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ctguard.api import check, load_inputs
from ctguard.findings import Status
from ctguard.model import Model, Trail
from ctguard.parsers.aws.cli import sidecar_path
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "fixtures" / "aws" / "describe-trails"
MAIN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail"
LEGACY = "arn:aws:cloudtrail:us-west-2:111122223333:trail/legacy-us-west-2"


def _model(path: Path, context: ParseContext | None = None) -> Model:
    [parsed] = list(load_inputs([str(path)], context or ParseContext()))
    assert parsed.kind == "aws-cli" and not parsed.problems, parsed.problems
    return parsed.variants[0]


def _trail(model: Model, key: str) -> Trail:
    return next(t for t in model.trails if t.key == key)


def test_sidecars_fill_status_selectors_insights_and_tags() -> None:
    model = _model(SAMPLE / "trails.json")
    trail = _trail(model, MAIN)
    assert trail.is_logging == Known(True)
    assert trail.status is not None and trail.status.latest_delivery_time == Known("2026-11-22T09:55:12Z")
    assert trail.event_selectors.value[0].read_write_type == Known("All")  # type: ignore[union-attr]
    insights = trail.insight_selectors
    assert isinstance(insights, Known)
    assert [s.insight_type for s in insights.value] == ["ApiCallRateInsight", "ApiErrorRateInsight"]
    assert trail.tags == Known({"owner": "security"})
    # The CLI's error line in a sidecar is the recorded error: "not enabled" is Known none.
    legacy = _trail(model, LEGACY)
    assert legacy.insight_selectors == Known(())
    assert isinstance(legacy.is_logging, Unknown) and "not read" in legacy.is_logging.reason


def test_without_sidecars_the_missing_fields_are_unknown_not_false(tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "trails.json", tmp_path / "trails.json")
    trail = _trail(_model(tmp_path / "trails.json"), MAIN)
    for value in (trail.is_logging, trail.insight_selectors):
        assert isinstance(value, Unknown) and "not read" in value.reason
    # HasCustomEventSelectors: false in describe-trails says the selectors are the default ones.
    assert trail.event_selectors is ABSENT and trail.advanced_event_selectors is ABSENT
    assert trail.is_multi_region == Known(True)  # what describe-trails itself says stays Known


def test_account_and_regions() -> None:
    model = _model(SAMPLE / "trails.json")
    assert model.account_id == Known("111122223333")
    assert isinstance(model.audited_regions, Unknown)
    assert isinstance(model.enabled_regions, Unknown) and isinstance(model.organization_id, Unknown)
    given = _model(SAMPLE / "trails.json", ParseContext(account_id="111122223333")).account_id
    assert isinstance(given, Known) and given.via == "--account"


def test_member_output_with_only_the_organization_trail(tmp_path: Path) -> None:
    org = {
        "Name": "org-trail",
        "S3BucketName": "acme-org-cloudtrail",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": "us-east-1",
        "TrailARN": "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail",
        "LogFileValidationEnabled": True,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": True,
    }
    path = tmp_path / "member.json"
    path.write_text(json.dumps({"trailList": [org]}), encoding="utf-8")
    model = _model(path)
    assert isinstance(model.account_id, Unknown) and "--account" in model.account_id.reason
    member = _model(path, ParseContext(account_id="222233334444"))
    trail = member.trails[0]
    bucket = member.resource("bucket", trail.bucket)
    assert isinstance(bucket.versioning, Unknown) and "owned by account 999988887777" in bucket.versioning.reason


def test_findings_point_at_the_trail_entry_and_the_sidecar() -> None:
    report = check([SAMPLE / "trails.json"])
    ct101 = next(f for f in report.findings if f.rule_id == "CT101" and f.resource == LEGACY)
    assert ct101.status is Status.FAIL and ct101.file.endswith("trails.json")
    text = (SAMPLE / "trails.json").read_text().splitlines()
    assert '"Name": "legacy-us-west-2"' in text[ct101.line]  # the line after the entry's brace
    ct801 = next(f for f in report.findings if f.rule_id == "CT801" and f.resource == MAIN)
    assert ct801.status is Status.PASS and ct801.file.endswith("trails.main-trail.status.json") and ct801.line == 1
    assert report.exit_code() == 1


def test_not_describe_trails_output_and_broken_shapes(tmp_path: Path) -> None:
    nested = tmp_path / "config.json"
    nested.write_text(json.dumps({"settings": {"trailList": []}}), encoding="utf-8")
    assert check([nested]).findings == []
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"trailList": [{"Name": "x"}]}), encoding="utf-8")
    [finding] = check([bad]).findings
    assert finding.rule_id == "CT001" and "trailList[0] has no TrailARN" in finding.message


def test_sidecar_names() -> None:
    assert sidecar_path("out/trails.json", "main-trail", "status") == "out/trails.main-trail.status.json"
    assert sidecar_path("out/trails.JSON", "a.b", "tags") == "out/trails.a.b.tags.json"
