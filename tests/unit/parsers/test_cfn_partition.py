"""Conditions partitioned per trail (issue 15 bullet 3) and findings naming them in short form."""

from __future__ import annotations

from pathlib import Path

from ctguard.api import check
from ctguard.engine.condition_text import simplified
from ctguard.parsers.cloudformation.parse import MAX_VARIANTS, parse
from ctguard.parsers.context import ParseContext
from ctguard.values import Known, Unknown

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "cloudformation" / "conditions-30.yaml"


def _variants():  # type: ignore[no-untyped-def]
    return parse(str(FIXTURE), FIXTURE.read_text(), ParseContext()).variants


def test_thirty_conditions_give_decided_variants() -> None:
    variants = _variants()
    assert 1 < len(variants) <= MAX_VARIANTS
    for model in variants:
        for trail in model.trails:
            for value in (trail.log_file_validation, trail.include_global_service_events, trail.kms_key_id):
                assert not isinstance(value, Unknown), value
    # every valuation of the trail's own conditions is judged
    seen = {
        (
            t.key,
            t.log_file_validation,
            t.include_global_service_events,
            t.kms_key_id is not None and isinstance(t.kms_key_id, Known),
        )
        for m in variants
        for t in m.trails
    }
    assert {(k, v) for k, v, _, _ in seen} == {
        (k, Known(b)) for k in ("OrgTrail", "AccountTrail") for b in (True, False)
    }


def test_mutually_exclusive_trails_never_coexist() -> None:
    variants = _variants()
    assert all(len(model.trails) == 1 for model in variants)
    assert {model.trails[0].key for model in variants} == {"OrgTrail", "AccountTrail"}


def test_each_cis_item_is_judged_with_and_without_its_alarm() -> None:
    variants = _variants()
    counts = {len(model.all("metric_filter")) for model in variants}
    assert 0 in counts and 14 in counts


def test_findings_name_conditions_in_short_form() -> None:
    report = check([FIXTURE])
    ct103 = [f for f in report.findings if f.rule_id == "CT103" and f.resource == "OrgTrail"]
    assert [f.conditions for f in ct103] == ["HasValidation is false"]
    assert all(" or " not in (f.conditions or "") for f in report.findings if f.rule_id.startswith("CT1"))


def test_simplified_keeps_only_the_literals_that_tell_variants_apart() -> None:
    every = [(("A", a), ("B", b), ("C", c)) for a in (True, False) for b in (True, False) for c in (True, False)]
    hit = [v for v in every if not dict(v)["B"]]
    assert simplified(hit, every) == "B is false"
    hit = [v for v in every if (dict(v)["A"] and dict(v)["C"]) or not dict(v)["B"]]
    assert simplified(hit, every) in ("A is true and C is true or B is false", "B is false or A is true and C is true")


POLICY_LIST = FIXTURE.with_name("conditions-policy-list.yaml")
CROSS_GROUP = FIXTURE.with_name("conditions-cross-group.yaml")


def _verdicts(path: Path, rule: str) -> list[tuple[str, str, str | None]]:
    report = check([path])
    return sorted(
        (f.status.name, f.message, f.conditions)
        for f in report.findings
        if f.rule_id == rule and "trail Trail" in f.message
    )


def test_optional_items_of_a_policy_list_do_not_hide_the_verdict() -> None:
    # 12 conditions in one group exceed the cap: the conditions that shape the trail stay decided,
    # the optional member-account items stay Unknown, and the verdict holds whatever they are.
    ct402 = _verdicts(POLICY_LIST, "CT402")
    ct403 = _verdicts(POLICY_LIST, "CT403")
    assert {status for status, _, _ in ct402} == {"PASS"}, ct402
    assert {status for status, _, _ in ct403} == {"FAIL"}, ct403
    variants = parse(str(POLICY_LIST), POLICY_LIST.read_text(), ParseContext()).variants
    assert len(variants) <= MAX_VARIANTS
    assert all(dict(model.conditions).get("InternalBucket") is not None for model in variants)
    assert {dict(model.conditions).get("HasLogFilePrefix") for model in variants} == {True, False}


def test_a_cap_hit_names_the_undecided_condition() -> None:
    # A question that does depend on the undecided conditions (is a foreign account's folder
    # granted?) is UNKNOWN naming one of them, never a pass.
    variants = parse(str(POLICY_LIST), POLICY_LIST.read_text(), ParseContext()).variants
    decided = set().union(*(dict(model.conditions) for model in variants))
    undecided = {f"HasAWSAccount{i}" for i in range(1, 11)} - decided
    assert undecided
    texts = [str(b.policy) for model in variants for b in model.all("bucket")]
    assert texts and all(any(f"depends on condition {name}" in text for name in undecided) for text in texts)


def test_independent_groups_are_multiplied_with_the_trail() -> None:
    # Zipping the trail's and the policy's valuations judged only "both on" and "both off": the
    # trail deployed without its bucket policy (a CT402 FAIL) was never seen.
    variants = parse(str(CROSS_GROUP), CROSS_GROUP.read_text(), ParseContext()).variants
    seen = {(bool(model.trails), isinstance(model.all("bucket")[0].policy, Known)) for model in variants}
    assert seen == {(True, True), (True, False), (False, True), (False, False)}
    ct402 = _verdicts(CROSS_GROUP, "CT402")
    assert [(s, c) for s, _, c in ct402 if s == "FAIL"] == [("FAIL", "HasPolicy is false")], ct402


def test_hostile_condition_counts_stay_bounded() -> None:
    conditions = "\n".join(f"  C{i}: !Equals [!Ref P{i}, 'x']" for i in range(40))
    params = "\n".join(f"  P{i}: {{Type: String}}" for i in range(40))
    items = "\n".join(f"      - !If [C{i}, 'arn:aws:s3:::b/p{i}/*', !Ref AWS::NoValue]" for i in range(40))
    text = (
        f"Parameters:\n{params}\nConditions:\n{conditions}\nResources:\n"
        "  T:\n    Type: AWS::CloudTrail::Trail\n    Condition: C0\n    Properties:\n"
        "      IsLogging: true\n      S3BucketName: b\n      EventSelectors:\n"
        "      - DataResources:\n        - Type: AWS::S3::Object\n          Values:\n" + items + "\n"
    )
    variants = parse("hostile.yaml", text, ParseContext()).variants
    assert 1 <= len(variants) <= MAX_VARIANTS
    assert {dict(model.conditions).get("C0") for model in variants} == {True, False}


CIS_INDEPENDENT = FIXTURE.parent / "conditions-cis-independent.yaml"


def test_filter_and_alarm_on_independent_conditions_are_multiplied() -> None:
    # Linked only by the metric name: zipped, "filter on, alarm without action" was never built
    # and the FAIL was blamed on the filter's condition.
    variants = parse(str(CIS_INDEPENDENT), CIS_INDEPENDENT.read_text(), ParseContext()).variants
    combos = {
        (
            len(m.all("metric_filter")),
            tuple(isinstance(a.alarm_actions, Known) and bool(a.alarm_actions.value) for a in m.all("alarm")),
        )
        for m in variants
    }
    assert combos == {(1, (True,)), (1, (False,)), (0, (True,)), (0, (False,))}
    ct501 = [f for f in check([CIS_INDEPENDENT]).findings if f.rule_id == "CT501" and f.status.value == "FAIL"]
    assert len(ct501) == 1
    assert ct501[0].conditions == "HasAlertTopic is false"
    assert "has no SNS action" in ct501[0].message


DELIVERY_INDEPENDENT = FIXTURE.parent / "conditions-delivery-independent.yaml"


def test_bucket_policy_and_key_policy_on_independent_conditions_are_multiplied() -> None:
    variants = parse(str(DELIVERY_INDEPENDENT), DELIVERY_INDEPENDENT.read_text(), ParseContext()).variants
    combos = {(dict(m.conditions)["HasBucketPolicy"], dict(m.conditions)["KeyForAccountOnly"]) for m in variants}
    assert combos == {(True, True), (True, False), (False, True), (False, False)}
