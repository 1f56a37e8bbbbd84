"""The DuckDB query and the Python evaluator give the same verdict on every shared record.

Needs the optional ``duckdb`` (extra ``sql``); the records ship in ``tests/data/events`` (see SOURCES.md there).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightSelector, Trail
from ctguard.simulate import decode
from ctguard.simulate.archive import load_records
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.events import Event
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.sql import athena_query, duckdb_query
from ctguard.values import Known, Unknown

duckdb = pytest.importorskip("duckdb")

EVENTS_DIR = Path(__file__).resolve().parents[2] / "data" / "events"
FILES = sorted(str(p) for p in EVENTS_DIR.glob("*.jsonl"))
OWN = "123456789012"


def _t(key: str, **kw: object) -> Trail:
    base: dict[str, object] = {
        "is_logging": Known(True),
        "is_multi_region": Known(True),
        "home_region": Known("us-east-1"),
        "account_id": Known(OWN),
    }
    base.update(kw)
    return Trail(key=key, **base)  # type: ignore[arg-type]


FS = FieldSelector
TRAILS = [
    _t("default"),
    _t("single-eu", is_multi_region=Known(False), home_region=Known("eu-west-1")),
    _t("single-use1-no-gse", is_multi_region=Known(False), include_global_service_events=Known(False)),
    _t("org", is_organization=Known(True)),
    _t("unknown-multi", is_multi_region=Unknown("var.multi")),
    _t("write-only", event_selectors=Known((EventSelector(read_write_type=Known("WriteOnly")),))),
    _t(
        "basic-data",
        event_selectors=Known(
            (
                EventSelector(
                    include_management_events=Known(False),
                    exclude_management_event_sources=Known(("kms.amazonaws.com",)),
                    data_resources=Known(
                        (
                            DataResource("AWS::S3::Object", ("arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/",)),
                            DataResource("AWS::Lambda::Function", ("arn:aws:lambda",)),
                            DataResource("AWS::DynamoDB::Table", (Unknown("var.table"),)),
                        )
                    ),
                ),
                EventSelector(exclude_management_event_sources=Known(("kms.amazonaws.com", "rdsdata.amazonaws.com"))),
            )
        ),
    ),
    _t(
        "advanced",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector(
                    "m",
                    (
                        FS("eventCategory", equals=("Management",)),
                        FS("readOnly", equals=("true",)),
                        FS("eventSource", not_equals=("kms.amazonaws.com",)),
                    ),
                ),
                AdvancedEventSelector(
                    "s3",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS(
                            "resources.ARN",
                            not_starts_with=("arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/",),
                            ends_with=(".txt", ".csv", "/"),
                        ),
                        FS("eventName", not_ends_with=("Acl",)),
                    ),
                ),
                AdvancedEventSelector(
                    "ddb",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::DynamoDB::Table",)),
                        FS("userIdentity.arn", starts_with=("arn:aws:iam::",)),
                        FS("sessionCredentialFromConsole", equals=("false",)),
                    ),
                ),
                AdvancedEventSelector(
                    "net",
                    (
                        FS("eventCategory", equals=("NetworkActivity",)),
                        FS("eventSource", equals=("s3.amazonaws.com", "ec2.amazonaws.com", "kms.amazonaws.com")),
                        FS("errorCode", equals=("VpceAccessDenied",)),
                    ),
                ),
                AdvancedEventSelector(
                    "unknown",
                    (FS("eventCategory", equals=("Management",)), FS("eventSource", not_equals=(Unknown("p"),))),
                ),
            )
        ),
        insight_selectors=Known((InsightSelector("ApiCallRateInsight"),)),
    ),
    _t(
        "invalid-and-empty",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector(
                    "bad", (FS("eventCategory", equals=("Management",)), FS("eventName", equals=("RunInstances",)))
                ),
                AdvancedEventSelector("empty", ()),
                AdvancedEventSelector(
                    "prefix",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS("resources.ARN", starts_with=("arn:aws:s3:::",)),
                    ),
                ),
            )
        ),
    ),
    _t("stopped", is_logging=Known(False)),
    _t("selectors-unknown", advanced_event_selectors=Unknown("!If")),
]


def _records() -> list[dict]:
    # Through the archive reader, i.e. the decoder the replay uses (see the decoder fixture).
    out = []
    for f in FILES:
        out.extend(load_records(f))
    return out


@pytest.fixture(params=["json", "msgspec"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "json":
        monkeypatch.setattr(decode, "fast_loads", lambda data: decode.FAILED)
    elif decode.DECODER != "msgspec":
        pytest.skip("msgspec (extra `fast`) is not installed")
    return str(request.param)


@pytest.mark.parametrize(
    "policy",
    [
        SimPolicy(),
        SimPolicy(arn_prefix_as_arn=False, strict_trail_fields=False, sts_without_host_header_is_global=True),
    ],
    ids=["default", "switched"],
)
def test_duckdb_agrees_with_python_on_every_record(policy: SimPolicy, decoder: str) -> None:
    records = _records()
    assert records == [
        json.loads(line) for f in FILES for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    accounts = frozenset(r.get("recipientAccountId") for r in records if isinstance(r.get("recipientAccountId"), str))
    ctx = SimContext(
        account_id=OWN,
        organization_accounts=accounts - {"111122223333"},
        policy=policy,
        enabled_regions={OWN: frozenset({"us-east-1", "us-west-2"})},
    )
    trails = [compile_trail(t, ctx) for t in TRAILS]
    rows = duckdb.connect().execute(duckdb_query(trails, FILES, per_record=True)).fetchall()
    assert len(rows) == len(records) == 959
    states = {True: "captured", False: "missed", None: "unknown"}
    seen = Counter()
    mismatches = []
    for row in rows:
        ev = Event.from_record(json.loads(row[0]), policy)
        assert row[1] == ev.event_category
        for t, got in zip(trails, row[2:], strict=False):
            want = states[t.evaluate(ev).captured]
            seen[want] += 1
            if got != want:
                mismatches.append((t.key, ev.event_source, ev.event_name, want, got))
    assert not mismatches, mismatches[:10]
    assert seen["captured"] and seen["missed"] and seen["unknown"]  # the configurations exercise all three


def test_athena_query_shape() -> None:
    trails = [compile_trail(t, SimContext(account_id=OWN)) for t in (TRAILS[0], TRAILS[1], TRAILS[7])]
    q = athena_query(trails, table="my_db.cloudtrail_logs", where="region = 'us-east-1'")
    assert "FROM my_db.cloudtrail_logs\n  WHERE region = 'us-east-1'" in q
    assert "any_match(" in q and "lambda r:" not in q
    assert "-- t1 = single-eu" in q and "GROUP BY _cat, _src, _name, t0, t1, t2" in q
    # The Athena table has neither managementEvent nor ARNPrefix nor insightDetails (module doc).
    assert "managementevent" not in q and "is_prefix" not in q and "insightdetails" not in q.lower()
    assert "lower(readonly) AS src_readonly" in q
