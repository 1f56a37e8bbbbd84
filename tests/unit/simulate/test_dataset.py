"""Every real record in tests/data/events becomes an Event and is evaluated without error.

The 959 records ship with the tests (origins and licences in tests/data/events/SOURCES.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Trail
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.events import CATEGORIES, Event
from ctguard.values import Known

ROOT = Path(__file__).resolve().parents[3]
EVENTS_DIR = ROOT / "tests" / "data" / "events"


def _records() -> list[dict[str, Any]]:
    out = []
    for path in sorted(EVENTS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


RECORDS = _records()
EVENTS = [Event.from_record(r) for r in RECORDS]
ACCOUNTS = frozenset(e.recipient_account_id for e in EVENTS if e.recipient_account_id)
CTX = SimContext(account_id="123456789012", organization_accounts=ACCOUNTS | {"123456789012"})


def _trail(key: str, **kw: Any) -> Trail:
    return Trail(
        key=key,
        is_logging=Known(True),
        is_multi_region=Known(True),
        is_organization=Known(True),
        home_region=Known("us-east-1"),
        account_id=Known("123456789012"),
        **kw,
    )


TRAILS = {
    "default": _trail("default"),
    "write-only": _trail("write-only", event_selectors=Known((EventSelector(read_write_type=Known("WriteOnly")),))),
    "s3-all": _trail(
        "s3-all",
        event_selectors=Known(
            (EventSelector(data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3",)),))),)
        ),
    ),
    "advanced-not-starts-with": _trail(
        "advanced-not-starts-with",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector("mgmt", (FieldSelector("eventCategory", equals=("Management",)),)),
                AdvancedEventSelector(
                    "s3-but-one",
                    (
                        FieldSelector("eventCategory", equals=("Data",)),
                        FieldSelector("resources.type", equals=("AWS::S3::Object",)),
                        FieldSelector(
                            "resources.ARN", not_starts_with=("arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/",)
                        ),
                    ),
                ),
            )
        ),
    ),
}


def test_all_records_loaded() -> None:
    assert len(RECORDS) == 959


def test_every_record_gets_a_category() -> None:
    assert all(e.event_category in CATEGORIES for e in EVENTS)
    counts = Counter(e.event_category for e in EVENTS)
    assert counts == {"Management": 920, "Data": 31, "NetworkActivity": 8}
    bases = Counter(e.category_basis for e in EVENTS)
    assert bases == {"eventCategory": 533, "managementEvent": 70, "catalogue": 3, "default": 353}


@pytest.mark.parametrize("name", sorted(TRAILS))
def test_dataset_evaluates(name: str) -> None:
    compiled = compile_trail(TRAILS[name], CTX)
    verdicts = [compiled.evaluate(e) for e in EVENTS]
    assert all(v.captured in (True, False, None) and v.reason for v in verdicts)
    captured = [e for e, v in zip(EVENTS, verdicts, strict=False) if v.captured]
    assert captured, name
    if name == "default":
        assert {e.event_category for e in captured} == {"Management"}
    if name == "write-only":
        assert all(e.read_only is False for e in captured)
    if name == "s3-all":
        assert all(
            e.event_category == "Management" or any(r.type == "AWS::S3::Object" for r in e.resources) for e in captured
        )
        assert any(e.event_category == "Data" for e in captured)
    if name == "advanced-not-starts-with":
        data = [e for e in captured if e.event_category == "Data"]
        assert data and not any(
            (r.arn or "").startswith("arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/")
            for e in data
            for r in e.resources
            if r.type == "AWS::S3::Object"
        )


def test_write_only_is_subset_of_default() -> None:
    default, write = compile_trail(TRAILS["default"], CTX), compile_trail(TRAILS["write-only"], CTX)
    for e in EVENTS:
        if write.evaluate(e).captured:
            assert default.evaluate(e).captured
