"""The replay's struct decoding (simulate/records.py, decode.records_loads) and isal inflation
(archive.gunzip) change nothing a user sees: the same verdicts, counts and time span as records
decoded to dicts by json.loads, the same gzip errors as zlib, and the generic path for every
document the struct cannot take."""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctguard.simulate import archive, decode
from ctguard.simulate.archive import ArchiveError, iter_batches, load_records
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.records import RECORD_KEYS, Record
from ctguard.simulate.replay import Replay
from ctguard.simulate.report import summarize

from .test_replay import ARN_TRAILS, RESOURCE_HEAVY, TRAILS, TRICKY, A, _rec

needs_msgspec = pytest.mark.skipif(Record is None, reason="msgspec (extra `fast`) is not installed")


def _summary(records: list[Any]) -> Any:
    trails = [compile_trail(t, SimContext(account_id=A)) for t in TRAILS + ARN_TRAILS]
    rp = Replay(trails, SimPolicy())
    rp.add(records)
    summary = summarize(trails, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time)
    return rp.records, rp.first_time, rp.last_time, summary


def _struct_takes(record: Any) -> bool:
    """Whether a record fits ``Record``: an object whose readOnly and managementEvent are each
    a boolean, a string, null or absent (records.py)."""
    return type(record) is dict and all(
        type(record.get(k)) in (bool, str, type(None)) for k in ("readOnly", "managementEvent")
    )


def _as_structs(records: list[Any]) -> list[Any]:
    """The records decoded as structs; a document with a record that does not fit is refused
    as a whole (it then goes the generic way: test_documents_the_struct_cannot_take...)."""
    got = decode.records_loads(json.dumps({"Records": records}).encode())
    if not all(map(_struct_takes, records)):
        assert got is decode.FAILED
        return []
    assert got is not decode.FAILED
    assert all(type(r) is Record for r in got)
    return list(got)


@needs_msgspec
def test_structs_replay_like_dicts_over_the_test_records() -> None:
    records = [r for r in TRICKY + RESOURCE_HEAVY if isinstance(r, dict)]
    refused = [r for r in records if not _struct_takes(r)]
    assert refused  # readOnly 1 and the like
    for r in refused:
        assert _as_structs([r]) == []
    records = [r for r in records if _struct_takes(r)] * 3
    assert _summary(_as_structs(records)) == _summary(records)


_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
# Odd values in the fields the replay reads, and extra fields of every kind beside them.
_odd = {
    "eventSource": st.sampled_from(["s3.amazonaws.com", "sts.amazonaws.com", "kms.amazonaws.com", ""]) | _value,
    "eventName": st.sampled_from(["GetObject", "PutObject", "AssumeRole", "Decrypt"]) | _value,
    "eventCategory": st.sampled_from(["Management", "Data", "NetworkActivity", "Insight"]) | _value,
    "eventType": st.sampled_from(["AwsApiCall", "AwsVpceEvent", "AwsCloudTrailInsight"]) | _value,
    "readOnly": st.sampled_from([True, False, "true", "False", 1, 0]) | _value,
    "managementEvent": st.sampled_from([True, False, "true", 1]) | _value,
    "recipientAccountId": st.sampled_from([A, "999988887777"]) | _value,
    "resources": st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["AWS::S3::Object", "AWS::Lambda::Function"]) | _value},
            optional={
                "ARN": st.sampled_from(["arn:aws:s3:::bucket/k", "arn:aws:s3:::logs/x"]) | _value,
                "ARNPrefix": _value,
            },
        )
        | _value,
        max_size=3,
    )
    | _value,
    "userIdentity": st.fixed_dictionaries({}, optional={"arn": _value, "accountId": _value}) | _value,
    "tlsDetails": st.fixed_dictionaries(
        {},
        optional={
            "clientProvidedHostHeader": st.sampled_from(["sts.amazonaws.com", "sts.eu-west-1.amazonaws.com"]) | _value
        },
    )
    | _value,
    "eventTime": st.sampled_from(["2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z"]) | _value,
}
_record = st.fixed_dictionaries(
    {},
    optional={
        **_odd,
        **{k: _value for k in RECORD_KEYS if k not in _odd},
        "requestParameters": _value,
        "responseElements": _value,
        "additionalEventData": _value,
        "Records": _value,
    },
)


@needs_msgspec
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_record, min_size=1, max_size=6))
def test_structs_replay_like_dicts_for_odd_records(records: list[dict[str, Any]]) -> None:
    for r in records:
        _as_structs([r])  # refused exactly when readOnly or managementEvent has another type
    records = [r for r in records if _struct_takes(r)]
    assert _summary(_as_structs(records)) == _summary(json.loads(json.dumps(records)))


@needs_msgspec
@pytest.mark.parametrize(
    "doc",
    [
        b'{"Records": [1, {"eventName": "x"}]}',  # a record that is not an object
        b'{"Records": null}',  # then the document is one record
        b'{"Records": {"a": 1}}',
        b'{"Records": [{"x": NaN}]}',
        b'{"Records": [{"x": "\\ud800"}]}',
        b'{"Records": [{"x": "\xff"}]}',  # invalid UTF-8 in a skipped field: json.loads refuses it
        b'{"Records": [{"eventName": "e"}]}\n{"Records": []}',  # JSON lines
        b"\xef\xbb\xbf" + b'{"Records": []}',
        b'{"Records": [{"eventName": "e", "readOnly": 1}]}',  # the replay must not take 1 for true
        b'{"Records": [{"eventName": "e", "managementEvent": {"a": 1}}]}',
    ],
)
def test_documents_the_struct_cannot_take_go_the_generic_way(doc: bytes, tmp_path: Path) -> None:
    assert decode.records_loads(doc) is decode.FAILED
    p = tmp_path / "odd.json"
    p.write_bytes(doc)
    try:
        want: Any = load_records(str(p))  # the dict path, which --event also uses
    except ArchiveError as exc:
        with pytest.raises(ArchiveError) as got:
            list(iter_batches([(str(p), len(doc))]))
        assert str(got.value) == str(exc)
    else:
        got_records = [r for b in iter_batches([(str(p), len(doc))]) for r in b.records]
        assert got_records == want and all(type(r) is not Record for r in got_records)


@needs_msgspec
def test_duplicate_keys_keep_the_last_value_as_json_loads_does() -> None:
    doc = b'{"Records": [{"eventName": "A", "eventName": "B", "readOnly": true}]}'
    (rec,) = decode.records_loads(doc)
    assert rec.eventName == json.loads(doc)["Records"][0]["eventName"] == "B"


def test_load_records_still_gives_whole_records(tmp_path: Path) -> None:
    rec = {"eventName": "GetObject", "requestParameters": {"bucketName": "b"}}
    p = tmp_path / "f.json.gz"
    p.write_bytes(gzip.compress(json.dumps({"Records": [rec]}).encode()))
    assert load_records(str(p)) == [rec]


_ONE = gzip.compress(b'{"Records": []}\n')
GZIP_CASES = [
    _ONE,
    _ONE + b"\0" * 8,
    _ONE + gzip.compress(b'{"Records": []}'),
    _ONE[:-6],
    _ONE[:-8] + b"\0" * 8,
    b"\x1f\x8b\x08garbage",
    b"\x1f\x8bxxxx",
    zlib.compress(b"{}"),
]


@pytest.mark.skipif(archive._FAST_INFLATE is None, reason="python-isal (extra `fast`) is not installed")
@pytest.mark.parametrize("raw", GZIP_CASES)
def test_isal_inflation_gives_zlibs_output_and_errors(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> Any:
        try:
            return archive._gunzip(raw, "f.json.gz")
        except ArchiveError as exc:
            return "error", str(exc)

    fast = run()
    monkeypatch.setattr(archive, "_FAST_INFLATE", None)
    assert fast == run()


@needs_msgspec
@pytest.mark.parametrize(
    "policy",
    [
        SimPolicy(),
        SimPolicy(arn_prefix_as_arn=False, strict_trail_fields=False, sts_without_host_header_is_global=True),
    ],
    ids=["default", "switched"],
)
def test_every_shipped_record_replays_alike_as_a_log_file(policy: SimPolicy, tmp_path: Path) -> None:
    # The records of tests/data/events (the DuckDB equivalence set, test_sql.py), written as
    # CloudTrail writes log files, so that the replay reads them as structs: the same summary
    # as the dicts json.loads gives, and the same captured/missed/unknown counts per trail as
    # evaluating every record on its own.
    from ctguard.simulate.replay import verdicts_for

    from .test_sql import FILES, OWN, TRAILS

    records = [json.loads(line) for f in FILES for line in Path(f).read_text(encoding="utf-8").splitlines() if line]
    files = []
    for i in range(0, len(records), 100):
        p = tmp_path / f"{i:04d}.json.gz"
        p.write_bytes(gzip.compress(json.dumps({"Records": records[i : i + 100]}).encode()))
        files.append((str(p), p.stat().st_size))
    ctx = SimContext(account_id=OWN, policy=policy)
    trails = [compile_trail(t, ctx) for t in TRAILS]

    def summary(batches: list[list[Any]]) -> Any:
        rp = Replay(trails, policy)
        for b in batches:
            rp.add(b)
        per_trail = [Counter() for _ in trails]
        for shape, n in rp.shapes():
            for c, v in zip(per_trail, shape.verdicts, strict=True):
                c[v.captured] += n
        return (
            rp.records,
            rp.first_time,
            rp.last_time,
            per_trail,
            summarize(trails, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time),
        )

    batches = [b.records for b in iter_batches(files)]
    assert all(type(r) is Record for b in batches for r in b)
    got = summary(batches)
    assert got == summary([records[i : i + 100] for i in range(0, len(records), 100)])
    one_by_one = [Counter() for _ in trails]
    for r in records:
        for c, v in zip(one_by_one, verdicts_for(trails, r, policy)[1], strict=True):
            c[v.captured] += 1
    assert got[3] == one_by_one and got[0] == len(records) == 959


@needs_msgspec
def test_sts_host_header_reaches_the_key_from_structs() -> None:
    # The same STS call through the global and a regional endpoint, and without the header:
    # the single-Region trail without global events tells them apart (OPEN-Q3), so the key
    # must carry the header read from the TlsDetails struct.
    records = [
        _rec(eventSource="sts.amazonaws.com", eventName="AssumeRole", tlsDetails={"clientProvidedHostHeader": host})
        for host in ("sts.amazonaws.com", "sts.us-east-1.amazonaws.com", None)
    ] * 2
    assert _summary(_as_structs(records)) == _summary(records)
    trails = [compile_trail(t, SimContext(account_id=A)) for t in TRAILS]
    assert trails[1].key == "single"
    rp = Replay(trails, SimPolicy())
    rp.add(_as_structs(records))
    assert {s.verdicts[1].captured for s, _ in rp.shapes()} == {True, False, None}
