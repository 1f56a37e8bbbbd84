"""Module count/for_each `cond ? .. : ..` with an undecided cond: one variant per side (tf_variants)."""

from __future__ import annotations

from pathlib import Path

from ctguard.engine.evaluate import Settings, evaluate_input
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform import variants as tf_variants
from ctguard.parsers.terraform.hcl import parse_expression
from ctguard.parsers.terraform.parse import parse_module
from ctguard.values import Known, Unknown

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "terraform"


def _parsed(name: str, ctx: ParseContext | None = None):  # type: ignore[no-untyped-def]
    (parsed,) = parse_module(str(FIX / name), ctx or ParseContext())
    return parsed


def _by_conditions(parsed) -> dict[tuple[tuple[str, bool], ...], list[str]]:  # type: ignore[no-untyped-def]
    return {m.conditions: sorted(t.key for t in m.trails) for m in parsed.variants}


def test_label_module_switch_makes_a_variant_with_and_one_without_the_module() -> None:
    parsed = _parsed("module_variants")
    assert _by_conditions(parsed) == {
        (("module.this.enabled", True),): ["module.cloudtrail[0].aws_cloudtrail.this"],
        (("module.this.enabled", False),): [],
    }
    (trail,) = [t for m in parsed.variants for t in m.trails]
    assert trail.is_logging == Known(True)  # judged as created in its variant, not "may not be created"
    assert not [p for p in parsed.problems if "count of module.cloudtrail" in p.message]


def test_findings_on_the_switched_trail_name_the_condition() -> None:
    findings = evaluate_input(_parsed("module_variants"), load_policies(), Settings())
    ct103 = [f for f in findings if f.rule_id == "CT103"]
    assert [(f.status, f.conditions) for f in ct103] == [(Status.FAIL, "module.this.enabled is true")]
    assert ct103[0].message.endswith("(when module.this.enabled is true)")
    ct102 = [f for f in findings if f.rule_id == "CT102"]
    assert [(f.status, f.conditions) for f in ct102] == [(Status.PASS, "module.this.enabled is true")]


def test_for_each_switch_on_an_empty_map() -> None:
    parsed = _parsed("module_variants_for_each")
    assert _by_conditions(parsed) == {
        (("var.create_trail", True),): ['module.aws_cloudtrail["primary"].aws_cloudtrail.main'],
        (("var.create_trail", False),): [],
    }


def test_a_given_value_decides_the_switch_without_variants() -> None:
    parsed = _parsed("module_variants_for_each", ParseContext(variables={"create_trail": "false"}))
    assert _by_conditions(parsed) == {(): []}
    parsed = _parsed("module_variants_for_each", ParseContext(variables={"create_trail": "true"}))
    assert _by_conditions(parsed) == {(): ['module.aws_cloudtrail["primary"].aws_cloudtrail.main']}


def test_unknown_module_count_that_is_no_switch_stays_unknown_and_is_reported() -> None:
    parsed = _parsed("module_unknown_count")
    (model,) = parsed.variants
    (trail,) = model.trails
    assert trail.key == "module.trail.aws_cloudtrail.main"
    assert isinstance(trail.is_logging, Unknown) and "count of module.trail is unknown" in trail.is_logging.reason
    assert [(p.rule_id, "count of module.trail is unknown" in p.message) for p in parsed.problems] == [("CT005", True)]


def test_independent_switches_multiply_up_to_the_cap(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "main.tf").write_text(
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        "".join(
            f'variable "s{i}" {{ type = bool }}\nmodule "m{i}" {{\n  source = "./inner"\n  count = var.s{i} ? 1 : 0\n}}\n'
            for i in range(5)
        )
    )
    (parsed,) = parse_module(str(tmp_path), ParseContext())
    assert tf_variants.MAX_VARIANTS == 8
    assert {m.conditions for m in parsed.variants} == {
        (("var.s0", a), ("var.s1", b), ("var.s2", c))
        for a in (True, False)
        for b in (True, False)
        for c in (True, False)
    }
    # switches past the cap stay "may not be created", with a CT005 for each of their trails
    assert sorted(p.message.split(":")[0] for p in parsed.problems if p.rule_id == "CT005") == [
        "module.m3.aws_cloudtrail.t",
        "module.m4.aws_cloudtrail.t",
    ]


def test_render_names_predicates_as_written() -> None:
    for text in ("var.enabled", "module.this.enabled", "!var.x && local.y", 'var.env == "prod"', "length(var.x) > 0"):
        node = parse_expression(f"{text} ? 1 : 0")
        assert node is not None
        assert tf_variants.render(node.children[0]) == text


def test_split_stops_at_the_cap() -> None:
    assert tf_variants.split({}, ["a"], 0) == [{"a": True}, {"a": False}]
    assert tf_variants.split({"a": True}, ["a"], 3) == []
    assert tf_variants.split({}, ["b"], tf_variants.MAX_VARIANTS - 1) == []


def test_a_module_known_to_make_nothing_is_said() -> None:
    parsed = _parsed("module_count_zero")
    assert _by_conditions(parsed) == {(): []}
    assert [(p.rule_id, p.message.split(" is not created")[0]) for p in parsed.problems] == [("CT005", "module.trail")]
    created = _parsed("module_count_zero", ParseContext(variables={"create_trail": "true"}))
    assert _by_conditions(created) == {(): ["module.trail[0].aws_cloudtrail.main"]}
    assert created.problems == []


def test_the_side_of_a_switch_without_the_module_says_nothing_more() -> None:
    parsed = _parsed("module_variants_for_each")
    assert not [p for p in parsed.problems if "is not created" in p.message]
