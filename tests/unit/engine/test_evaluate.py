from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from ctguard.engine.evaluate import Outcome, Settings, evaluate_input
from ctguard.engine.policy import Policy
from ctguard.findings import Severity, Status
from ctguard.inputs import ParsedInput
from ctguard.location import SourceMap
from ctguard.model import Model, Trail
from ctguard.values import Known, Unknown


def policy(**kw: object) -> Policy:
    base: dict = {
        "id": "T100",
        "name": "t",
        "title": "Trail is multi-region",
        "severity": Severity.HIGH,
        "scope": "trail",
        "message": {"fail": "Trail {trail} is not multi-region ({value})"},
        "docs": {},
        "file": "T100-t.yaml",
        "check": {"attribute": "is_multi_region", "equals": True},
    }
    base.update(kw)
    return Policy(**base)  # type: ignore[arg-type]


def parsed(*variants: Model) -> ParsedInput:
    sm = SourceMap("t.yaml")
    sm.record(("trail", "T"), (), 5, 3)
    sm.record(("trail", "T"), ("is_multi_region",), 9, 7)
    return ParsedInput("t.yaml", "cloudformation", list(variants), sm)


def trail(**kw: object) -> Trail:
    return Trail(key="T", name=Known("audit"), **kw)  # type: ignore[arg-type]


def test_fail_points_at_property_and_missing_property_at_resource() -> None:
    (f,) = evaluate_input(parsed(Model(trails=[trail(is_multi_region=Known(False))])), [policy()], Settings())
    assert (f.status, f.line, f.column, f.resource, f.resource_name) == (Status.FAIL, 9, 7, "T", "audit")
    assert f.message == "Trail audit is not multi-region (false)"
    sm_missing = parsed(Model(trails=[Trail(key="T")]))
    sm_missing.source_map._spans.pop((("trail", "T"), ("is_multi_region",)))
    (f,) = evaluate_input(sm_missing, [policy()], Settings())
    assert (f.status, f.line, f.column, f.resource_name) == (Status.FAIL, 5, 3, "T")


def test_parameter_default_is_named_in_message() -> None:
    t = trail(is_multi_region=Known(False, via="parameter MultiRegion (default)"))
    (f,) = evaluate_input(parsed(Model(trails=[t])), [policy()], Settings())
    assert f.message.endswith("(value from parameter MultiRegion (default))")


def test_variants_fail_in_any_branch_and_name_the_condition() -> None:
    good = Model(trails=[trail(is_multi_region=Known(True))], conditions=(("IsProd", True),))
    bad = Model(trails=[trail(is_multi_region=Known(False))], conditions=(("IsProd", False),))
    (f,) = evaluate_input(parsed(good, bad), [policy()], Settings())
    assert f.status is Status.FAIL and f.conditions == "IsProd is false"
    assert f.message.endswith("(when IsProd is false)")
    (f,) = evaluate_input(parsed(bad, bad), [policy()], Settings())
    assert f.conditions is None  # fails whatever the condition: nothing to name


def test_unknown_reports_reason_and_strict_turns_it_into_failure() -> None:
    m = Model(trails=[trail(is_multi_region=Unknown("parameter Multi has no default"))])
    (f,) = evaluate_input(parsed(m), [policy()], Settings())
    assert f.status is Status.UNKNOWN and "parameter Multi has no default" in f.message
    (f,) = evaluate_input(parsed(m), [policy()], Settings(strict=True))
    assert f.status is Status.FAIL and f.message.startswith("cannot be verified (--strict)")


def test_raising_policy_becomes_error_finding_and_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("ctguard_test_boom")

    def boom(ctx: object) -> Outcome:
        raise RuntimeError("kaboom")

    module.boom = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ctguard_test_boom", module)
    broken = policy(id="T200", check=None, impl="ctguard_test_boom:boom")
    findings = evaluate_input(
        parsed(Model(trails=[trail(is_multi_region=Known(False))])), [broken, policy()], Settings()
    )
    by_id = {f.rule_id: f for f in findings}
    assert by_id["T200"].status is Status.ERROR and "RuntimeError: kaboom" in by_id["T200"].message
    assert by_id["T100"].status is Status.FAIL


def test_when_false_means_not_applicable_and_when_unknown_means_unknown() -> None:
    p = policy(when={"attribute": "is_organization", "equals": True})
    (f,) = evaluate_input(parsed(Model(trails=[trail(is_multi_region=Known(False))])), [p], Settings())
    assert f.status is Status.NOT_APPLICABLE and f.message == "T100 does not apply to trail audit"
    t = trail(is_multi_region=Known(False), is_organization=Unknown("imported value OrgFlag"))
    (f,) = evaluate_input(parsed(Model(trails=[t])), [p], Settings())
    assert f.status is Status.UNKNOWN and "imported value OrgFlag" in f.message


def test_fingerprint_ignores_lines() -> None:
    (a,) = evaluate_input(parsed(Model(trails=[trail(is_multi_region=Known(False))])), [policy()], Settings())
    moved = parsed(Model(trails=[trail(is_multi_region=Known(False))]))
    moved.source_map.record(("trail", "T"), ("is_multi_region",), 40, 7)
    (b,) = evaluate_input(moved, [policy()], Settings())
    assert a.line != b.line and a.fingerprint() == b.fingerprint()
    assert Path(a.file).name == "t.yaml"
