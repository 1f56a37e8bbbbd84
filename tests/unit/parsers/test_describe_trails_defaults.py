"""describe-trails output read as the CLI writes it (issue 15 bullet 4)."""

from __future__ import annotations

import json
from pathlib import Path

from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers import dispatch
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Unknown

TRAIL = {
    "Name": "main",
    "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
    "HomeRegion": "us-east-1",
    "S3BucketName": "logs",
    "IsMultiRegionTrail": True,
    "IncludeGlobalServiceEvents": True,
    "IsOrganizationTrail": False,
}


def _trail(tmp_path: Path, **fields: object):  # type: ignore[no-untyped-def]
    (tmp_path / "trails.json").write_text(json.dumps({"trailList": [{**TRAIL, **fields}]}))
    (parsed,) = dispatch.parse_paths([str(tmp_path / "trails.json")], ParseContext(), jobs=1)
    return parsed.variants[0].trails[0]


def test_no_custom_event_selectors_means_the_default_ones(tmp_path: Path) -> None:
    trail = _trail(tmp_path, HasCustomEventSelectors=False)
    assert trail.event_selectors is ABSENT and trail.advanced_event_selectors is ABSENT


def test_custom_event_selectors_not_saved_stay_unknown(tmp_path: Path) -> None:
    trail = _trail(tmp_path, HasCustomEventSelectors=True)
    assert isinstance(trail.event_selectors, Unknown)


def test_an_empty_trail_list_fails_the_baseline_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / "trails.json").write_text('{"trailList": []}')
    report = check([tmp_path / "trails.json"])
    (ct601,) = [f for f in report.findings if f.rule_id == "CT601"]
    assert ct601.status is Status.FAIL and "--no-include-shadow-trails" in ct601.message
    assert report.exit_code() == 1
