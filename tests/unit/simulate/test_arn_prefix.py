"""The replay keys data records on ARN prefixes (simulate/arnprefix.py) only where a prefix
decides every resources.ARN condition: ARNs with the same key get the same code and hit value
from every condition, and a replay gives the same verdicts as evaluating each record."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctguard.model import AdvancedEventSelector, FieldSelector, Trail
from ctguard.simulate import decode
from ctguard.simulate.arnprefix import ArnPrefixes
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.matcher import HIT_OPS, Condition
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.records import Record
from ctguard.values import Known

from .test_replay import A, _direct, _rec, _replayed, _t

FS = FieldSelector
OBJ = "AWS::S3::Object"
ARN_OPS = ("starts_with", "not_starts_with", "equals", "not_equals")


def _conds(*field_selectors: FieldSelector) -> list[Condition]:
    sel = AdvancedEventSelector(
        "s", (FS("eventCategory", equals=("Data",)), FS("resources.type", equals=(OBJ,)), *field_selectors)
    )
    trail = compile_trail(_trail([sel]), SimContext(account_id=A))
    return [c for s in trail.selectors.compiled for c in s.conditions if c.field == "resources.ARN"]


def _trail(selectors: list[AdvancedEventSelector], key: str = "t") -> Trail:
    return _t(key, advanced_event_selectors=Known(tuple(selectors)))


def test_cut_stops_at_the_first_deciding_slash() -> None:
    p = ArnPrefixes(_conds(FS("resources.ARN", starts_with=("arn:aws:s3:::bucket1/",))))
    assert p.cut("arn:aws:s3:::bucket1/k/x") == "arn:aws:s3:::bucket1/"
    assert p.cut("arn:aws:s3:::bucket11/k") == "arn:aws:s3:::bucket11/"
    assert p.cut("arn:aws:s3:::bucket1") == "arn:aws:s3:::bucket1"  # no '/': the ARN itself


def test_values_inside_the_key_need_deeper_cuts_or_the_exact_test() -> None:
    p = ArnPrefixes(
        _conds(
            FS("resources.ARN", starts_with=("arn:aws:s3:::b/logs/",)),
            FS("resources.ARN", not_starts_with=("arn:aws:s3:::b/logs/tmp",)),
        )
    )
    assert p.cut("arn:aws:s3:::b/other/x") == "arn:aws:s3:::b/other/"
    assert p.cut("arn:aws:s3:::b/logs/2024/x") == "arn:aws:s3:::b/logs/2024/"
    assert p.cut("arn:aws:s3:::b/logs/tmpfile") is None  # the value ends inside the last segment
    assert p.cut("arn:aws:s3:::c/logs/tmpfile") == "arn:aws:s3:::c/"
    eq = ArnPrefixes(_conds(FS("resources.ARN", equals=("arn:aws:s3:::b/k/",))))
    assert eq.cut("arn:aws:s3:::b/k/x") is None  # "b/k/" itself equals the value, "b/k/x" does not
    assert eq.cut("arn:aws:s3:::b/j/x") == "arn:aws:s3:::b/j/"


def test_ends_with_and_odd_resources_take_the_exact_test() -> None:
    ends = ArnPrefixes(_conds(FS("resources.ARN", starts_with=("arn:aws:s3:::b/",), not_ends_with=(".tmp",))))
    assert ends.key([{"type": OBJ, "ARN": "arn:aws:s3:::b/k"}]) is None
    p = ArnPrefixes(_conds(FS("resources.ARN", starts_with=("arn:aws:s3:::b/",))))
    assert p.key([{"type": OBJ, "ARN": "arn:aws:s3:::b/k"}, {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]) == (
        OBJ,
        "arn:aws:s3:::b/",
        "AWS::S3::Bucket",
        "arn:aws:s3:::b",
    )
    for odd in (
        [{"type": OBJ, "ARNPrefix": "arn:aws:s3:::b/k"}],
        [{"type": OBJ, "arn": "arn:aws:s3:::b/k"}],
        [{"ARN": "arn:aws:s3:::b/k"}],
        ["arn:aws:s3:::b/k"],
        {"type": OBJ, "ARN": "arn:aws:s3:::b/k"},
        [{"type": OBJ, "ARN": 5}],
    ):
        assert p.key(odd) is None, odd
    assert ArnPrefixes(()).key([{"type": OBJ, "ARN": "arn:aws:s3:::b/k"}]) is None


# ARNs from a small alphabet, so that random values and ARNs share prefixes often: values end
# inside a bucket name, at its slash, inside the key or at a deeper slash.
_seg = st.text(alphabet="ab", min_size=0, max_size=3)
_arn = st.builds(
    lambda bucket, parts: "arn:aws:s3:::" + bucket + ("/" + "/".join(parts) if parts is not None else ""),
    st.text(alphabet="ab", min_size=1, max_size=2),
    st.one_of(st.none(), st.lists(_seg, min_size=1, max_size=3)),
)
_value = st.builds(lambda arn, cut: arn[: len("arn:aws:s3:::") + cut], _arn, st.integers(0, 12))
_field = st.builds(
    lambda op, values: FS("resources.ARN", **{op: tuple(values)}),
    st.sampled_from(ARN_OPS),
    st.lists(_value, min_size=1, max_size=3),
)
_selector = st.lists(_field, min_size=1, max_size=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_selector, min_size=1, max_size=3), st.lists(_arn, min_size=2, max_size=12))
def test_equal_keys_mean_equal_codes_and_hit_values(selectors: list[list[FieldSelector]], arns: list[str]) -> None:
    conds = [c for fields in selectors for c in _conds(*fields)]
    p = ArnPrefixes(conds)
    by_cut: dict[str, list[str]] = {}
    for arn in arns:
        cut = p.cut(arn)
        if cut is not None:
            assert arn.startswith(cut)
            by_cut.setdefault(cut, []).append(arn)
    for group in by_cut.values():
        answers = set()
        for arn in group:
            codes = tuple(c.test_many((arn,)) for c in conds)
            hits = tuple(
                c.hit_value_in((arn,), code) if code in HIT_OPS else None for c, code in zip(conds, codes, strict=True)
            )
            answers.add((codes, hits))
        assert len(answers) == 1, group


def _data_record(arn: str, second: str | None) -> dict[str, Any]:
    resources = [{"type": OBJ, "ARN": arn}]
    if second is not None:
        resources.append({"type": "AWS::S3::Bucket", "ARN": second})
    return _rec(eventCategory="Data", eventSource="s3.amazonaws.com", eventName="GetObject", resources=resources)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_selector, min_size=1, max_size=3), min_size=1, max_size=2),
    st.lists(st.tuples(_arn, st.one_of(st.none(), _arn)), min_size=1, max_size=25),
)
def test_prefix_keyed_replay_equals_direct_evaluation(
    trails_fields: list[list[list[FieldSelector]]], pairs: list[tuple[str, str | None]]
) -> None:
    policy = SimPolicy()
    trails = []
    for i, selectors in enumerate(trails_fields):
        sels = [
            AdvancedEventSelector(
                f"s{j}", (FS("eventCategory", equals=("Data",)), FS("resources.type", equals=(OBJ,)), *fields)
            )
            for j, fields in enumerate(selectors)
        ]
        trails.append(compile_trail(_trail(sels, f"t{i}"), SimContext(account_id=A, policy=policy)))
    records = [_data_record(a, b) for a, b in pairs] * 2
    want = _direct(trails, records, policy)
    assert _replayed(trails, records, policy)[0] == want
    structs = decode.records_loads(json.dumps({"Records": records}).encode())
    if Record is not None:  # as the replay reads log files: resources items are structs
        assert structs is not decode.FAILED and {type(r) for r in structs} == {Record}
        assert _replayed(trails, structs, policy)[0] == want


def test_the_bench_shape_is_keyed_by_bucket() -> None:
    # Unique object keys in a few buckets, under a StartsWith and a NotStartsWith trail: the
    # replay keeps one fast-path entry per bucket, not one per object.
    policy = SimPolicy()
    trails = [
        compile_trail(
            _trail(
                [
                    AdvancedEventSelector(
                        "s3",
                        (
                            FS("eventCategory", equals=("Data",)),
                            FS("resources.type", equals=(OBJ,)),
                            FS("resources.ARN", **{op: ("arn:aws:s3:::bucket0/",)}),
                        ),
                    )
                ],
                op,
            ),
            SimContext(account_id=A, policy=policy),
        )
        for op in ("starts_with", "not_starts_with")
    ]
    records = [_data_record(f"arn:aws:s3:::bucket{i % 3}/k/{i:05x}", "arn:aws:s3:::b") for i in range(300)]
    got, rp = _replayed(trails, records, policy)
    assert got == _direct(trails, records, policy)
    assert len(rp._fast) + len(rp._by_data_key) == 3
    reasons = {r for *_, rs in got for r in rs}
    assert any(r.startswith("captured") for r in reasons)
    assert any("excludes it" in r for r in reasons)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_selector, min_size=1, max_size=3),
    st.lists(st.lists(_arn, min_size=0, max_size=3), min_size=1, max_size=8),
)
def test_batch_keys_equal_record_keys(selectors: list[list[FieldSelector]], arn_lists: list[list[str]]) -> None:
    # keys_of_structs (C-level passes over a batch) gives each record the key ``key`` gives it,
    # or declines the whole batch.
    p = ArnPrefixes([c for fields in selectors for c in _conds(*fields)])
    records = [
        _data_record("unused", None) | {"resources": [{"type": OBJ, "ARN": a} for a in arns]} for arns in arn_lists
    ]
    structs = decode.records_loads(json.dumps({"Records": records}).encode())
    if Record is None:
        return
    raws = [r.resources for r in structs]
    got = p.keys_of_structs(raws)
    if all(arn_lists):  # declined only for an empty (or odd) resources list
        assert got == [p.key(raw) for raw in raws]
    else:
        assert got is None


def test_batch_keys_with_deeper_cuts_and_odd_lists() -> None:
    p = ArnPrefixes(_conds(FS("resources.ARN", starts_with=("arn:aws:s3:::b/logs/",))))
    ok = decode.records_loads(json.dumps({"Records": [_data_record("arn:aws:s3:::c/x", "arn:aws:s3:::c")]}).encode())
    if Record is None:
        return
    assert p.keys_of_structs([r.resources for r in ok]) == [
        (OBJ, "arn:aws:s3:::c/", "AWS::S3::Bucket", "arn:aws:s3:::c")
    ]
    deep = decode.records_loads(
        json.dumps(
            {
                "Records": [
                    _data_record(a, None)
                    for a in ("arn:aws:s3:::b/logs/x/y", "arn:aws:s3:::c/x", "arn:aws:s3:::b/logsx")
                ]
            }
        ).encode()
    )
    # a deeper cut, the first cut, no deciding cut (the exact test)
    assert p.keys_of_structs([r.resources for r in deep]) == [
        (OBJ, "arn:aws:s3:::b/logs/"),
        (OBJ, "arn:aws:s3:::c/"),
        None,
    ]
    assert p.keys_of_structs([[], *[r.resources for r in ok]]) is None
    assert p.keys_of_structs([None]) is None
