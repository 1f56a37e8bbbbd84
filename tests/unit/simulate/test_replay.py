"""Replay: the shape-cached fast path gives exactly the verdicts of Event.from_record + evaluate,
archives are read in every CloudTrail shape, and the cost rules of report.py hold."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightSelector, Trail
from ctguard.simulate.archive import ArchiveError, iter_batches, list_files, load_records, read_file
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.events import Event
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.replay import RECORD_KEYS, Replay, detached
from ctguard.simulate.report import pricing, summarize
from ctguard.values import Known, Unknown

A = "111111111111"
FS = FieldSelector
EVENTS_DIR = Path(__file__).resolve().parents[2] / "data" / "events"


def _t(key: str, **kw: Any) -> Trail:
    base: dict[str, Any] = {
        "is_logging": Known(True),
        "is_multi_region": Known(True),
        "home_region": Known("us-east-1"),
        "account_id": Known(A),
    }
    base.update(kw)
    return Trail(key=key, **base)


TRAILS = [
    _t("default"),
    _t("single", is_multi_region=Known(False), include_global_service_events=Known(False)),
    _t("write-only", event_selectors=Known((EventSelector(read_write_type=Known("WriteOnly")),))),
    _t(
        "identity",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector("m", (FS("eventCategory", equals=("Management",)),)),
                AdvancedEventSelector(
                    "d",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS("userIdentity.arn", not_starts_with=(f"arn:aws:iam::{A}:role/svc",)),
                    ),
                ),
                AdvancedEventSelector(
                    "n",
                    (
                        FS("eventCategory", equals=("NetworkActivity",)),
                        FS("eventSource", equals=("s3.amazonaws.com",)),
                        FS("errorCode", equals=("VpceAccessDenied",)),
                    ),
                ),
            )
        ),
    ),
]


def _rec(**kw: Any) -> dict[str, Any]:
    r = {
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "eventCategory": "Management",
        "readOnly": False,
        "recipientAccountId": A,
        "awsRegion": "us-east-1",
        "eventTime": "2024-01-01T00:00:00Z",
        "userIdentity": {"accountId": A, "arn": f"arn:aws:iam::{A}:user/u"},
    }
    r.update(kw)
    return r


TRICKY = [
    _rec(),
    _rec(readOnly=1),
    _rec(readOnly="true"),
    _rec(readOnly=True),
    _rec(managementEvent=1, eventCategory=None),
    _rec(managementEvent=True, eventCategory=None),
    _rec(eventSource="sts.amazonaws.com", eventName="GetCallerIdentity"),
    _rec(eventSource="sts.amazonaws.com", tlsDetails={"clientProvidedHostHeader": "sts.amazonaws.com"}),
    _rec(eventSource="iam.amazonaws.com", awsRegion="eu-west-1"),
    _rec(recipientAccountId=None),
    _rec(eventCategory="Insight", insightDetails={"insightType": "ApiCallRateInsight"}),
    _rec(eventType="AwsCloudTrailInsight", eventCategory=None),
    _rec(eventSource=["unhashable"]),
    "not a record",
    7,
    _rec(
        eventCategory="Data",
        eventSource="s3.amazonaws.com",
        eventName="GetObject",
        resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}],
    ),
    _rec(
        eventCategory="Data",
        eventSource="s3.amazonaws.com",
        eventName="GetObject",
        userIdentity={"arn": f"arn:aws:iam::{A}:role/svc-x"},
        resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}],
    ),
    _rec(eventCategory="NetworkActivity", eventSource="s3.amazonaws.com", errorCode="VpceAccessDenied"),
    _rec(eventCategory="NetworkActivity", eventSource="s3.amazonaws.com", errorCode="Other"),
    _rec(eventTime=5),
    _rec(eventTime="2024-01-03T00:00:00Z"),
]


# Trails whose selectors test resources in every way the replay keys on (R17, R25, R26, OPEN-Q2).
ARN_TRAILS = [
    _t(
        "s3-basic",
        event_selectors=Known(
            (
                EventSelector(
                    data_resources=Known(
                        (
                            DataResource("AWS::S3::Object", ("arn:aws:s3:::bucket1/", "arn:aws:s3:::logs/a")),
                            DataResource("AWS::Lambda::Function", (f"arn:aws:lambda:us-east-1:{A}:function:f",)),
                        )
                    ),
                ),
            )
        ),
    ),
    _t(
        "arn-ops",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector(
                    "not-prefix",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS("resources.ARN", not_starts_with=("arn:aws:s3:::bucket0/", "arn:aws:s3:::bucket2/k/0")),
                    ),
                ),
                AdvancedEventSelector(
                    "suffix",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::DynamoDB::Table",)),
                        FS("resources.ARN", ends_with=("/table/orders",), not_ends_with=("/stream",)),
                    ),
                ),
                AdvancedEventSelector(
                    "any-type",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object", "AWS::S3::AccessPoint")),
                        FS(
                            "resources.ARN",
                            starts_with=("arn:aws:s3:::bucket3/",),
                            not_equals=("arn:aws:s3:::bucket3/x",),
                        ),
                    ),
                ),
            )
        ),
    ),
    _t(
        "unknown-arn",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector(
                    "u",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS("resources.ARN", starts_with=(Unknown("var.prefix"), "arn:aws:s3:::bucket4/")),
                    ),
                ),
                AdvancedEventSelector(
                    "ut",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=(Unknown("var.type"),)),
                        FS("resources.ARN", not_starts_with=("arn:aws:s3:::bucket1/",)),
                    ),
                ),
            )
        ),
    ),
]


def _data(name: str, *resources: dict[str, Any], **kw: Any) -> dict[str, Any]:
    kw.setdefault("readOnly", name.startswith(("Get", "List")))
    return _rec(eventCategory="Data", eventSource="s3.amazonaws.com", eventName=name, resources=list(resources), **kw)


def _obj(arn: str) -> dict[str, Any]:
    return {"type": "AWS::S3::Object", "ARN": arn}


RESOURCE_HEAVY = [
    _data(
        "GetObject",
        _obj(f"arn:aws:s3:::bucket{b}/k/{k}"),
        {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::bucket{b}"},
    )
    for b in range(6)
    for k in ("0a", "1b", "0", "x", "")
] + [
    _data("GetObject", _obj("arn:aws:s3:::bucket3/x")),
    _data("CopyObject", _obj("arn:aws:s3:::bucket3/y"), _obj("arn:aws:s3:::bucket0/z")),  # one DESELECT hit is enough
    _data("CopyObject", _obj("arn:aws:s3:::bucket0/z"), _obj("arn:aws:s3:::bucket3/y")),
    _data("GetObject", _obj("arn:aws:s3:::logs/a/b")),
    _data("GetObject", _obj("arn:aws:s3:::logs/b")),
    _data("ListObjects", {"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::bucket1/p/"}),
    _data("ListObjects", {"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::bucket0/p/"}),
    _data("GetObject", {"type": "AWS::S3::Object", "arn": "arn:aws:s3:::bucket1/lower"}),
    _data("GetObject", {"type": "AWS::S3::Object"}),
    _data("GetObject", {"ARN": "arn:aws:s3:::bucket1/untyped"}),
    _data("GetObject", "not a resource", _obj("arn:aws:s3:::bucket1/k")),
    _data("GetObject", {"type": 5, "ARN": 7}),
    _data("GetObject", _obj("arn:aws:s3:::bucket1/k"), readOnly=1),
    _data("GetObject", _obj("arn:aws:s3:::bucket1/k"), userIdentity=["unhashable"]),
    _rec(
        eventCategory="Data",
        eventSource="s3.amazonaws.com",
        eventName="GetObject",
        resources={"type": "AWS::S3::Object"},
    ),
    _rec(eventCategory="Data", eventSource="s3.amazonaws.com", eventName="GetObject", resources=[]),
    _rec(
        eventCategory=None,
        managementEvent=None,
        eventSource="s3.amazonaws.com",
        eventName="PutObject",
        resources=[_obj("arn:aws:s3:::bucket1/old")],
    ),  # old record: Data by the catalogue (OPEN-Q7)
    _rec(
        eventCategory="Data",
        eventSource="dynamodb.amazonaws.com",
        eventName="PutItem",
        resources=[{"type": "AWS::DynamoDB::Table", "ARN": f"arn:aws:dynamodb:us-east-1:{A}:table/orders"}],
    ),
    _rec(
        eventCategory="Data",
        eventSource="dynamodb.amazonaws.com",
        eventName="GetRecords",
        resources=[{"type": "AWS::DynamoDB::Table", "ARN": f"arn:aws:dynamodb:us-east-1:{A}:table/orders/stream"}],
    ),
    _rec(
        eventCategory="Data",
        eventSource="lambda.amazonaws.com",
        eventName="Invoke",
        resources=[{"type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-east-1:{A}:function:f"}],
    ),
    _rec(
        eventCategory="Data",
        eventSource="lambda.amazonaws.com",
        eventName="Invoke",
        resources=[{"type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-east-1:{A}:function:f2"}],
    ),
    _rec(
        eventCategory="Data",
        eventSource="s3.amazonaws.com",
        eventName="GetObject",
        recipientAccountId="222222222222",
        resources=[_obj("arn:aws:s3:::bucket1/k")],
    ),
]


@pytest.mark.parametrize(
    "policy", [SimPolicy(), SimPolicy(arn_prefix_as_arn=False), SimPolicy(strict_trail_fields=False)]
)
def test_resource_keys_equal_direct_evaluation(policy: SimPolicy) -> None:
    # Data records with resources are keyed on what each ARN condition makes of their ARNs;
    # every reason (including the selector value a DESELECT hit names) must stay the same.
    records: list[Any] = RESOURCE_HEAVY * 2 + list(TRICKY)
    trails = [compile_trail(t, SimContext(account_id=A, policy=policy)) for t in TRAILS + ARN_TRAILS]
    got, rp = _replayed(trails, records, policy)
    assert got == _direct(trails, records, policy)
    assert rp.records == len(records)
    reasons = {v.reason for s, _ in rp.shapes() for v in s.verdicts}
    assert any("NotStartsWith 'arn:aws:s3:::bucket0/'" in r for r in reasons)  # hit values survive the key
    assert any("NotStartsWith 'arn:aws:s3:::bucket2/k/0'" in r for r in reasons)
    assert any(r.startswith("unknown:") for r in reasons)
    # Equal keys for records whose ARNs differ: far fewer shapes than records.
    assert len(list(rp.shapes())) < len(RESOURCE_HEAVY)


def test_replay_batch_orders_agree() -> None:
    # One big batch (first pass in C) and one-record batches count the same.
    records: list[Any] = (RESOURCE_HEAVY + list(TRICKY)) * 3
    policy = SimPolicy()
    trails = [compile_trail(t, SimContext(account_id=A, policy=policy)) for t in TRAILS + ARN_TRAILS]
    big, small = Replay(trails, policy), Replay(trails, policy)
    big.add(records)
    for r in reversed(records):
        small.add([r])

    def view(rp: Replay) -> Counter[tuple[Any, ...]]:
        out: Counter[tuple[Any, ...]] = Counter()
        for s, c in rp.shapes():
            out[(s.category, s.source, s.name, tuple(v.reason for v in s.verdicts))] += c
        return out

    assert view(big) == view(small) == _direct(trails, records, policy)


def _direct(trails: list[Any], records: list[Any], policy: SimPolicy) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for r in records:
        ev = Event.from_record(r, policy)
        out[(ev.event_category, ev.event_source, ev.event_name, tuple(t.evaluate(ev).reason for t in trails))] += 1
    return out


def _replayed(trails: list[Any], records: list[Any], policy: SimPolicy) -> tuple[Counter[tuple[Any, ...]], Replay]:
    rp = Replay(trails, policy)
    for i in range(0, len(records), 7):  # several batches
        rp.add(records[i : i + 7])
    out: Counter[tuple[Any, ...]] = Counter()
    for s, c in rp.shapes():
        out[(s.category, s.source, s.name, tuple(v.reason for v in s.verdicts))] += c
    return out, rp


@pytest.mark.parametrize("policy", [SimPolicy(), SimPolicy(extra_global_sources=frozenset({"ec2.amazonaws.com"}))])
def test_fast_path_equals_direct_evaluation(policy: SimPolicy) -> None:
    records: list[Any] = list(TRICKY) * 3
    for f in sorted(EVENTS_DIR.glob("*.jsonl")):
        records += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    trails = [compile_trail(t, SimContext(account_id=A, policy=policy)) for t in TRAILS]
    got, rp = _replayed(trails, records, policy)
    assert got == _direct(trails, records, policy)
    assert rp.records == len(records)
    times = sorted(r["eventTime"] for r in records if isinstance(r, dict) and isinstance(r.get("eventTime"), str))
    # The shipped records include sanitised times ("...", "redacted"): the span is over the strings.
    assert (rp.first_time, rp.last_time) == (times[0], times[-1])


def test_readonly_one_is_not_true() -> None:
    reads = _t("read-only", event_selectors=Known((EventSelector(read_write_type=Known("ReadOnly")),)))
    trails = [compile_trail(reads, SimContext(account_id=A))]
    rp = Replay(trails, SimPolicy())
    rp.add([_rec(readOnly=True), _rec(readOnly=1), _rec(readOnly=True)])
    # True is a read (captured); 1 is no readOnly at all, which ReadOnly does not take (OPEN-Q1).
    assert sorted((s.verdicts[0].captured, c) for s, c in rp.shapes()) == [(False, 1), (True, 2)]


def test_archive_shapes(tmp_path: Path) -> None:
    tree = tmp_path / "AWSLogs" / A / "CloudTrail" / "us-east-1" / "2024" / "01" / "01"
    tree.mkdir(parents=True)
    (tree / "b.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [_rec(), _rec()]}).encode()))
    (tree / "a.json").write_text(json.dumps(_rec()))
    (tree / "c.jsonl.gz").write_bytes(gzip.compress(("\n".join(json.dumps(_rec()) for _ in range(5)) + "\n").encode()))
    (tree / "notes.txt").write_text("ignored")
    files = list_files([str(tmp_path)])
    assert [Path(f).name for f, _ in files] == ["a.json", "b.json.gz", "c.jsonl.gz"]
    batches = list(iter_batches(files))
    assert sum(len(b.records) for b in batches) == 8
    assert sum(b.nbytes for b in batches) == sum(s for _, s in files)  # progress adds up to the bytes on disk


def test_json_lines_stream_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ctguard.simulate.archive as archive

    monkeypatch.setattr(archive, "LINE_BATCH", 10)
    p = tmp_path / "big.jsonl"
    p.write_text("".join(json.dumps(_rec(eventName=f"E{i}")) + "\n" for i in range(35)))
    batches = list(read_file(str(p)))
    assert [len(b.records) for b in batches] == [10, 10, 10, 5]
    assert sum(b.nbytes for b in batches) == p.stat().st_size


@pytest.mark.parametrize(
    "content,message",
    [
        (b'{"Records": 5}', '"Records" is not a list'),
        (b"[1, 2", "invalid JSON at line 1"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"5", "expected a JSON object or array"),
        (b"\x1f\x8b\x08garbage", "not a valid gzip file"),
    ],
)
def test_archive_errors_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "x.json"
    p.write_bytes(content)
    with pytest.raises(ArchiveError) as exc:
        load_records(str(p))
    assert str(p) in str(exc.value) and message in str(exc.value)
    errors: list[tuple[str, str]] = []
    assert [b.records for b in iter_batches([(str(p), 1)], lambda a, b: errors.append((a, b)))] == [[]]
    assert errors and errors[0][0] == str(p)


def test_cost_rules() -> None:
    # R36 / pricing page: first management copy free, later copies paid; data always paid;
    # Insights: ApiCallRate analyses write management events, ApiErrorRate all management events.
    ctx = SimContext(account_id=A)
    first = compile_trail(_t("first"), ctx)
    second = compile_trail(
        _t(
            "second",
            insight_selectors=Known((InsightSelector("ApiCallRateInsight"), InsightSelector("ApiErrorRateInsight"))),
        ),
        ctx,
    )
    data = compile_trail(
        _t(
            "data",
            event_selectors=Known(
                (
                    EventSelector(
                        data_resources=Known(
                            (
                                __import__("ctguard.model", fromlist=["DataResource"]).DataResource(
                                    "AWS::S3::Object", ("arn:aws:s3",)
                                ),
                            )
                        )
                    ),
                )
            ),
        ),
        ctx,
    )
    trails = [first, second, data]
    rp = Replay(trails, SimPolicy())
    records = (
        [_rec(eventTime="2024-01-01T00:00:00Z")] * 3
        + [_rec(readOnly=True, eventTime="2024-01-02T00:00:00Z")]
        + [
            _rec(
                eventCategory="Data",
                eventSource="s3.amazonaws.com",
                eventName="GetObject",
                resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}],
            )
        ]
        * 2
    )
    rp.add(records)
    doc = summarize(trails, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time)
    p = pricing()
    ev = [t["cost"]["events"] for t in doc["trails"]]
    assert ev[0]["management_free"] == 4 and ev[0]["management_paid"] == 0
    assert ev[1]["management_paid"] == 4 and ev[1]["insights_analysed"] == 3 + 4  # call rate: 3 writes; error rate: 4
    assert ev[2]["management_paid"] == 4 and ev[2]["data"] == 2
    usd = doc["trails"][1]["cost"]["usd"]
    assert usd == pytest.approx((4 * p["management_additional_copy"] + 7 * p["insights_analysed"]) / p["per_events"])
    assert doc["trails"][1]["cost"]["usd_monthly"] == pytest.approx(usd * 30, rel=1e-3)  # one day of records
    assert p["date"] and p["source"].startswith("https://aws.amazon.com/cloudtrail/pricing")


class _Recording(dict):  # type: ignore[type-arg]
    """A record that notes which top-level keys are read."""

    seen: ClassVar[set[str]] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        _Recording.seen.add(key)
        return super().get(key, default)


def _dataset() -> list[Any]:
    out: list[Any] = list(TRICKY) + list(RESOURCE_HEAVY)
    for f in sorted(EVENTS_DIR.glob("*.jsonl")):
        out += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    return out


@pytest.mark.parametrize("policy", [SimPolicy(), SimPolicy(recipient_falls_back_to_caller=False)])
def test_detached_records_give_the_same_event(policy: SimPolicy) -> None:
    # The replay builds Events from copies (replay.detached) so that nothing it keeps pins the
    # parsed file's memory; the copy must hold every key Event.from_record reads.
    records = _dataset()
    assert len(records) > 900
    _Recording.seen = set()
    for r in records:
        Event.from_record(_Recording(r) if isinstance(r, dict) else r, policy)
        assert Event.from_record(detached(r), policy) == Event.from_record(r, policy)
    assert _Recording.seen <= set(RECORD_KEYS), _Recording.seen - set(RECORD_KEYS)


def test_detached_copies_share_no_objects() -> None:
    rec = json.loads(json.dumps(_data("GetObject", _obj("arn:aws:s3:::bucket1/k/" + "x" * 40))))
    key = (rec["eventSource"], rec["eventName"], True, None, bool, (rec["resources"][0]["ARN"], 3))
    copy_rec, copy_key = detached(rec), detached(key)
    assert copy_rec == {k: rec[k] for k in RECORD_KEYS if k in rec} and copy_key == key

    def strings(v: Any) -> list[Any]:
        if isinstance(v, dict):
            return [s for k, x in v.items() for s in [k, *strings(x)]]
        if isinstance(v, (list, tuple)):
            return [s for x in v for s in strings(x)]
        return [v] if isinstance(v, str) and len(v) > 1 else []

    originals = {id(s) for s in strings(rec) + strings(key)}
    assert not [s for s in strings(copy_rec) + strings(copy_key) if id(s) in originals and s not in RECORD_KEYS]


def test_gzip_members_and_truncation(tmp_path: Path) -> None:
    one = json.dumps({"Records": [_rec()]}).encode() + b"\n"
    two = json.dumps({"Records": [_rec(eventName="StopInstances")]}).encode()
    multi = tmp_path / "multi.json.gz"
    multi.write_bytes(gzip.compress(one) + gzip.compress(two))  # concatenated members: JSON lines
    assert [r["eventName"] for r in load_records(str(multi))] == ["RunInstances", "StopInstances"]
    padded = tmp_path / "padded.json.gz"
    padded.write_bytes(gzip.compress(one) + b"\0" * 8)  # tape-style zero padding, as gzip allows
    assert [r["eventName"] for r in load_records(str(padded))] == ["RunInstances"]
    for name, data in (("cut.json.gz", gzip.compress(one)[:-6]), ("crc.json.gz", gzip.compress(one)[:-8] + b"\0" * 8)):
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(ArchiveError, match="not a valid gzip file"):
            load_records(str(bad))


@pytest.mark.parametrize("policy", [SimPolicy(), SimPolicy(strict_trail_fields=False)])
def test_data_records_key_on_the_extra_fields_their_selectors_read(policy: SimPolicy) -> None:
    # sessionCredentialFromConsole is a Data selector field outside the quick key: Data records
    # that differ only in it must not share a key.
    trail = _t(
        "console",
        advanced_event_selectors=Known(
            (
                AdvancedEventSelector(
                    "d",
                    (
                        FS("eventCategory", equals=("Data",)),
                        FS("resources.type", equals=("AWS::S3::Object",)),
                        FS("sessionCredentialFromConsole", equals=("true",)),
                    ),
                ),
            )
        ),
    )
    trails = [compile_trail(trail, SimContext(account_id=A, policy=policy))]
    records: list[Any] = [
        _data(
            "GetObject", _obj(f"arn:aws:s3:::b/{i}"), **({} if flag is None else {"sessionCredentialFromConsole": flag})
        )
        for i, flag in enumerate([True, False, None, "true", True, False] * 3)
    ]
    got, _ = _replayed(trails, records, policy)
    assert got == _direct(trails, records, policy)
    assert len({reasons for *_, reasons in got}) >= 2
