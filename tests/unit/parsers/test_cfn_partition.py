"""Conditions partitioned per trail (issue 15 bullet 3) and findings naming them in short form."""
from __future__ import annotations

from pathlib import Path

from ctguard.api import check
from ctguard.engine.condition_text import simplified
from ctguard.parsers.cloudformation import MAX_VARIANTS, parse
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
    seen = {(t.key, t.log_file_validation, t.include_global_service_events, t.kms_key_id is not None
             and isinstance(t.kms_key_id, Known)) for m in variants for t in m.trails}
    assert {(k, v) for k, v, _, _ in seen} == {(k, Known(b)) for k in ("OrgTrail", "AccountTrail")
                                                for b in (True, False)}


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
    hit = [v for v in every if dict(v)["A"] and dict(v)["C"] or not dict(v)["B"]]
    assert simplified(hit, every) in ("A is true and C is true or B is false", "B is false or A is true and C is true")
