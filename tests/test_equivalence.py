"""The same trails as CloudFormation, Terraform HCL and plan JSON give the same findings.

Each ``fixtures/equivalence/<case>/`` holds ``template.yaml``, ``hcl/`` (a Terraform module)
and ``plan.json`` (``terraform show -json`` of that module).  Findings are compared per trail
(by trail name, since resource keys differ: ``Trail`` vs ``aws_cloudtrail.trail``) as
(rule id, status); messages and lines legitimately differ.  A difference is a parser bug.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from ctguard.api import Report, check
from ctguard.findings import Status
from ctguard.parsers.context import ParseContext
from ctguard.values import Known

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "equivalence"
CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
FORMS = ("template.yaml", "hcl", "plan.json")


def _by_trail(report: Report) -> dict[str, set[tuple[str, str]]]:
    names: dict[str, str] = {}
    for parsed in report.inputs:
        for variant in parsed.variants:
            for trail in variant.trails:
                assert isinstance(trail.name, Known), f"{parsed.path}: trail {trail.key} needs a known name"
                names[trail.key] = trail.name.value
            for store in variant.all("event_data_store"):
                assert isinstance(store.name, Known), f"{parsed.path}: store {store.key} needs a known name"
                names[store.key] = f"event data store {store.name.value}"
    account_scope = {p.id for p in report.policies if p.scope == "account"}
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for f in report.findings:
        if f.rule_id in account_scope:  # one result for the whole input, whichever trail it points at
            out["(account)"].add((f.rule_id, f.status.value))
        elif f.resource_kind in ("trail", "event_data_store"):
            out[names[f.resource]].add((f.rule_id, f.status.value))
    return dict(out)


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


def test_every_case_has_three_forms() -> None:
    assert len(_cases()) >= 4
    for case in _cases():
        for form in FORMS:
            assert (CASES / case / form).exists(), f"{case}: {form} missing"


@pytest.mark.parametrize("case", _cases())
def test_three_forms_agree(case: str) -> None:
    reports = {form: check([CASES / case / form], context=CONTEXT) for form in FORMS}
    for form, report in reports.items():
        problems = [f"{f.rule_id} {f.file}:{f.line} {f.message}" for f in report.findings if f.rule_id < "CT100"]
        assert not problems, f"{case}/{form}: input problems {problems}"
        assert not [f for f in report.findings if f.status is Status.ERROR], f"{case}/{form}: ERROR finding"
    results = {form: _by_trail(report) for form, report in reports.items()}
    reference = results["template.yaml"]
    assert reference, f"{case}: no trail findings"
    for form in FORMS[1:]:
        assert results[form].keys() == reference.keys(), f"{case}/{form}: trails differ"
        for trail, expected in reference.items():
            got = results[form][trail]
            assert got == expected, (
                f"{case}/{form} trail {trail}: only in CloudFormation {sorted(expected - got)}, "
                f"only in {form} {sorted(got - expected)}"
            )


def test_cases_cover_every_outcome() -> None:
    """The cases are not all-PASS: equivalence must hold for failures too."""
    statuses = set()
    for case in _cases():
        for results in _by_trail(check([CASES / case / "template.yaml"], context=CONTEXT)).values():
            statuses |= {status for _, status in results}
    assert {"PASS", "FAIL"} <= statuses


# Model level: what the policies of other areas (coverage, selector lint, delivery) will read.
_SCALARS = (
    "is_multi_region",
    "is_organization",
    "include_global_service_events",
    "is_logging",
    "log_file_validation",
    "s3_key_prefix",
    "arn",
)
_LINKS = ("bucket", "kms_key", "log_group", "role", "topic")


def _plain(value: object, default: object = None) -> object:
    from ctguard.values import Absent, Unknown

    if isinstance(value, Absent):
        return default
    if isinstance(value, Unknown):
        return "<unknown>"
    return value.value  # type: ignore[attr-defined]


def _trail_shape(trail: object) -> dict[str, object]:
    from dataclasses import fields

    defaults = {f.name: f.metadata.get("default") for f in fields(trail)}  # type: ignore[arg-type]
    shape: dict[str, object] = {name: _plain(getattr(trail, name), defaults[name]) for name in _SCALARS}
    shape.update({f"linked {name}": getattr(trail, name) is not None for name in _LINKS})
    selectors = _plain(trail.event_selectors, ())  # type: ignore[attr-defined]
    shape["event_selectors"] = sorted(
        (
            _plain(s.read_write_type, "All"),
            _plain(s.include_management_events, True),
            tuple(sorted((d.type, tuple(sorted(d.values))) for d in _plain(s.data_resources, ()))),
        )
        for s in selectors
    )
    advanced = _plain(trail.advanced_event_selectors, ())  # type: ignore[attr-defined]
    shape["advanced_event_selectors"] = sorted(
        (
            s.name,
            tuple(
                sorted(
                    (f.field, tuple(sorted((op, tuple(v)) for op, v in f.operators().items())))
                    for f in s.field_selectors
                )
            ),
        )
        for s in advanced
    )
    shape["insights"] = sorted(i.insight_type for i in _plain(trail.insight_selectors, ()))  # type: ignore[attr-defined]
    return shape


@pytest.mark.parametrize("case", _cases())
def test_three_forms_build_the_same_trail(case: str) -> None:
    shapes = {}
    for form in FORMS:
        report = check([CASES / case / form], context=CONTEXT)
        shapes[form] = {
            t.name.value: _trail_shape(t)  # type: ignore[union-attr]
            for parsed in report.inputs
            for v in parsed.variants
            for t in v.trails
        }
    for form in FORMS[1:]:
        for trail, shape in shapes["template.yaml"].items():
            other = shapes[form][trail]
            diff = {k: (v, other[k]) for k, v in shape.items() if other[k] != v}
            assert not diff, f"{case}/{form} trail {trail}: (CloudFormation, {form}) differ: {diff}"


# Event data stores: the fields the CT70x policies and the simulator read, AWS or provider defaults applied.
_STORE_SCALARS = ("is_multi_region", "is_organization", "termination_protection", "ingestion_enabled")


def _store_shape(store: object) -> dict[str, object]:
    from dataclasses import fields

    defaults = {f.name: f.metadata.get("default") for f in fields(store)}  # type: ignore[arg-type]
    shape: dict[str, object] = {name: _plain(getattr(store, name), defaults[name]) for name in _STORE_SCALARS}
    # CloudFormation's default retention is the API's (2557 days), Terraform's the provider's (2555):
    # the cases state it so that the forms describe the same store.
    shape["retention_days"] = _plain(store.retention_days, "default")  # type: ignore[attr-defined]
    shape["customer key"] = store.kms_key is not None or bool(_plain(store.kms_key_id))  # type: ignore[attr-defined]
    advanced = _plain(store.advanced_event_selectors, ())  # type: ignore[attr-defined]
    shape["advanced_event_selectors"] = sorted(
        (
            s.name,
            tuple(
                sorted(
                    (f.field, tuple(sorted((op, tuple(v)) for op, v in f.operators().items())))
                    for f in s.field_selectors
                )
            ),
        )
        for s in advanced
    )
    return shape


@pytest.mark.parametrize("case", [c for c in _cases() if "event_data_store" in c])
def test_three_forms_build_the_same_store(case: str) -> None:
    shapes = {}
    for form in FORMS:
        report = check([CASES / case / form], context=CONTEXT)
        shapes[form] = {
            s.name.value: _store_shape(s)  # type: ignore[union-attr]
            for parsed in report.inputs
            for v in parsed.variants
            for s in v.all("event_data_store")
        }
    assert len(shapes["template.yaml"]) >= 2, f"{case}: the case needs stores"
    for form in FORMS[1:]:
        assert shapes[form].keys() == shapes["template.yaml"].keys(), f"{case}/{form}: stores differ"
        for store, shape in shapes["template.yaml"].items():
            other = shapes[form][store]
            diff = {k: (v, other[k]) for k, v in shape.items() if other[k] != v}
            assert not diff, f"{case}/{form} store {store}: (CloudFormation, {form}) differ: {diff}"


# --- deploy-time symbols ---------------------------------------------------------------------
# Cases whose names come from the deploying account: checked without --account/--region, the
# CloudFormation and HCL forms hold symbols (AWS::AccountId, data.aws_caller_identity) and must
# give the verdicts the plan gives, which holds the values of one real deployment.
SYMBOLIC_CASES = ("deploy_symbols",)
_SYMBOLIC_RULES = ("CT401", "CT402", "CT403", "CT404")


def _bucket_verdicts(report: Report) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in report.findings:
        if f.rule_id in _SYMBOLIC_RULES:
            out[f.rule_id] = f.status.value
    return out


@pytest.mark.parametrize("case", SYMBOLIC_CASES)
def test_symbolic_forms_agree_with_the_plan(case: str) -> None:
    reports = {form: check([CASES / case / form], context=ParseContext()) for form in FORMS}
    plan = _bucket_verdicts(reports["plan.json"])
    assert plan == {"CT401": "PASS", "CT402": "PASS", "CT403": "FAIL", "CT404": "PASS"}, plan
    for form in FORMS[:2]:
        assert _bucket_verdicts(reports[form]) == plan, f"{case}/{form} without --account/--region"
    # The whole report agrees too, trail by trail, as in the runs with a deploy context.
    results = {form: _by_trail(report) for form, report in reports.items()}
    assert results["hcl"] == results["template.yaml"]


def test_symbolic_case_holds_symbols() -> None:
    """The CloudFormation and HCL forms really carry the account as a symbol (not a value)."""
    from ctguard.api import load_inputs
    from ctguard.values import Symbolic

    for form in FORMS[:2]:
        (parsed,) = list(load_inputs([str(CASES / "deploy_symbols" / form)], ParseContext()))
        (bucket,) = parsed.variants[0].all("bucket")
        assert isinstance(bucket.name, Symbolic), f"{form}: {bucket.name!r}"
        assert [getattr(p, "shape", None) for p in bucket.name.parts] == ["account", None]
