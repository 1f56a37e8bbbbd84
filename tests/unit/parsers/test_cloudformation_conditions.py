"""CloudFormation Conditions: one model variant per consistent truth assignment."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard.parsers.cloudformation.parse import MAX_VARIANTS, parse
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cloudformation"


def parse_conditions(context: ParseContext | None = None):
    text = (FIXTURES / "conditions.yaml").read_text()
    return parse("conditions.yaml", text, context or ParseContext())


def by_assignment(result):
    return {model.conditions: model for model in result.variants}


def test_variant_count_and_assignments():
    result = parse_conditions()
    assert result.problems == []
    # Env in {prod, staging, dev} x EnableDataEvents in {true, false}; prod-and-staging is impossible,
    # AlwaysOn is fixed and InUsEast1 is used only by a Lambda function.
    assert sorted(by_assignment(result)) == sorted(
        (("IsNotProd", not prod), ("IsProd", prod), ("IsStaging", staging), ("WantDataEvents", data))
        for prod, staging in ((True, False), (False, True), (False, False))
        for data in (True, False)
    )


@pytest.mark.parametrize("prod", [True, False])
@pytest.mark.parametrize("data", [True, False])
def test_values_per_variant(prod, data):
    variants = by_assignment(parse_conditions())
    model = variants[(("IsNotProd", not prod), ("IsProd", prod), ("IsStaging", False), ("WantDataEvents", data))]
    (trail,) = model.trails
    assert trail.is_logging == Known(True)  # Fn::If on a condition that is always true
    assert trail.is_multi_region == Known(prod)
    assert trail.log_file_validation == Known(prod)  # Fn::If on IsNotProd, derived from IsProd
    if prod:
        assert trail.kms_key_id == Known("${ProdKey}")
        assert trail.kms_key == "ProdKey"
        assert set(model.resources["kms_key"]) == {"ProdKey"}
    else:
        assert trail.kms_key_id is ABSENT  # AWS::NoValue
        assert trail.kms_key is None
        assert model.resources["kms_key"] == {}  # Condition: IsProd is false here
    if data:
        (selector,) = trail.event_selectors.value
        assert selector.data_resources.value[0].type == "AWS::S3::Object"
    else:
        assert trail.event_selectors is ABSENT


def test_parameters_follow_the_variant():
    variants = by_assignment(parse_conditions())
    for conditions, model in variants.items():
        flags = dict(conditions)
        expected = "prod" if flags["IsProd"] else "staging" if flags["IsStaging"] else "dev"
        assert model.trails[0].s3_bucket_name == Known(f"{expected}-trail-logs")
        assert set(model.resources["log_group"]) == ({"StagingLogs"} if flags["IsStaging"] else set())


def test_spans_inside_fn_if_branches():
    result = parse_conditions()
    span = result.source_map.span(("trail", "Trail"), ("event_selectors", 0, "read_write_type"))
    assert (span.line, span.column) == (50, 13)
    assert result.source_map.span(("trail", "Trail"), ("kms_key_id",)).line == 46


def test_context_variables_fix_conditions():
    result = parse_conditions(ParseContext(variables={"Env": "prod", "EnableDataEvents": "false"}))
    (model,) = result.variants
    assert model.conditions == ()
    (trail,) = model.trails
    assert trail.kms_key == "ProdKey"
    assert trail.event_selectors is ABSENT


def test_template_without_conditions_has_one_variant():
    text = (FIXTURES / "cis-trail-stack.yaml").read_text()
    (model,) = parse("cis.yaml", text, ParseContext()).variants
    assert model.conditions == ()


def test_pseudo_parameter_conditions_vary_and_pin_the_region():
    text = """
Conditions:
  InUsEast1: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: b
      IncludeGlobalServiceEvents: !If [InUsEast1, true, false]
      S3KeyPrefix: !Ref "AWS::Region"
"""
    result = parse("t.yaml", text, ParseContext())
    variants = by_assignment(result)
    assert set(variants) == {(("InUsEast1", True),), (("InUsEast1", False),)}
    east = variants[(("InUsEast1", True),)].trails[0]
    assert east.include_global_service_events == Known(True)
    assert east.s3_key_prefix == Known("us-east-1")
    assert isinstance(variants[(("InUsEast1", False),)].trails[0].s3_key_prefix, Unknown)
    (only,) = parse("t.yaml", text, ParseContext(region="eu-west-1")).variants
    assert only.conditions == () and only.trails[0].include_global_service_events == Known(False)


def test_allowed_values_rule_out_assignments():
    text = """
Parameters:
  Env: {Type: String, AllowedValues: [prod, dev]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [dev, !Ref Env]
  Either: !Or [!Condition IsProd, !Condition IsDev]
  Both: !And [!Condition IsProd, !Condition IsDev]
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: !If [Either, true, false]
      IsMultiRegionTrail: !If [Both, true, false]
      S3BucketName: !If [IsProd, prod-logs, !If [IsDev, dev-logs, none]]
"""
    result = parse("t.yaml", text, ParseContext())
    assert [m.trails[0].s3_bucket_name for m in result.variants] == [Known("prod-logs"), Known("dev-logs")]
    for model in result.variants:
        assert model.trails[0].is_logging == Known(True)
        assert model.trails[0].is_multi_region == Known(False)
        assert dict(model.conditions)["Either"] is True


def many_conditions(count: int) -> str:
    lines = ["Parameters:"]
    lines += [f"  P{i}: {{Type: String}}" for i in range(count)]
    lines += ["Conditions:"]
    lines += [f"  C{i}: !Equals [!Ref P{i}, 'yes']" for i in range(count)]
    lines += [
        "Resources:",
        "  Trail:",
        "    Type: AWS::CloudTrail::Trail",
        "    Properties:",
        "      S3BucketName: b",
        "      IsLogging: true",
        "      Tags:",
    ]
    lines += [f"        - {{Key: t{i}, Value: !If [C{i}, 'on', 'off']}}" for i in range(count)]
    return "\n".join(lines) + "\n"


def test_six_independent_conditions_enumerate():
    result = parse("t.yaml", many_conditions(6), ParseContext())
    assert len(result.variants) == 64 == MAX_VARIANTS
    assert len({m.conditions for m in result.variants}) == 64


def test_past_the_cap_the_first_conditions_stay_decided_and_the_rest_are_named():
    result = parse("t.yaml", many_conditions(7), ParseContext())
    assert len(result.variants) == MAX_VARIANTS
    for model in result.variants:
        tags = model.trails[0].tags.value
        assert tags["t0"] in ("on", "off")
        assert tags["t6"] == Unknown("depends on condition C6")
        assert "C6" not in dict(model.conditions)


def test_a_creating_condition_stays_decided_past_the_cap():
    text = many_conditions(7).replace(
        "  Trail:\n    Type: AWS::CloudTrail::Trail\n",
        "  Trail:\n    Type: AWS::CloudTrail::Trail\n    Condition: C6\n",
    )
    variants = parse("t.yaml", text, ParseContext()).variants
    assert {bool(m.trails) for m in variants} == {True, False}
    assert all(dict(m.conditions)["C6"] is bool(m.trails) for m in variants)


def test_creating_conditions_past_the_cap_keep_their_resources():
    # Seven trails each created by its own condition: their valuations together exceed the cap,
    # so six are multiplied and the seventh stays undecided, kept in every variant (its settings
    # judged, never silently dropped).
    lines = ["Parameters:"] + [f"  P{i}: {{Type: String}}" for i in range(7)] + ["Conditions:"]
    lines += [f"  C{i}: !Equals [!Ref P{i}, 'yes']" for i in range(7)] + ["Resources:"]
    for i in range(7):
        lines += [
            f"  Trail{i}:",
            "    Type: AWS::CloudTrail::Trail",
            f"    Condition: C{i}",
            "    Properties:",
            "      S3BucketName: b",
            "      IsLogging: true",
        ]
    variants = parse("t.yaml", "\n".join(lines) + "\n", ParseContext()).variants
    assert len(variants) == MAX_VARIANTS
    assert all("Trail6" in {t.key for t in m.trails} and "C6" not in dict(m.conditions) for m in variants)
    assert len({tuple(t.key for t in m.trails) for m in variants}) == MAX_VARIANTS
    # Trail6 may not exist: no account-wide verdict may pass because of it.
    assert all(
        isinstance(m.trail_listing, Unknown) and "Trail6 (condition C6)" in m.trail_listing.reason for m in variants
    )


def test_self_referencing_conditions_do_not_hang():
    text = """
Conditions:
  A: !Not [!Condition B]
  B: !And [!Condition A, !Equals [!Ref "AWS::Region", x]]
  C: !Condition C
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Condition: C
    Properties:
      S3BucketName: b
      IsLogging: !If [A, true, false]
"""
    result = parse("t.yaml", text, ParseContext())
    assert result.variants
    # Circular conditions are undecided where the cycle matters; C (itself) never is.
    values = {model.trails[0].is_logging for model in result.variants}
    assert values <= {Known(True), Unknown("depends on condition A")}


def test_undefined_resource_condition_is_reported():
    text = """
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Condition: Nope
    Properties: {S3BucketName: b, IsLogging: true}
"""
    result = parse("t.yaml", text, ParseContext())
    (problem,) = result.problems
    assert (problem.rule_id, problem.span.line) == ("CT004", 5)
    assert "Nope" in problem.message
    assert len(result.variants[0].trails) == 1


def test_undefined_parameter_in_a_condition_is_reported_at_the_reference():
    text = """
Conditions:
  IsProd: !Equals [!Ref Envv, prod]
  Long:
    Fn::Not:
      - Fn::Equals: [{Ref: Missing}, x]
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: b
      IsLogging: !If [IsProd, true, false]
      IsMultiRegionTrail: !If [Long, true, false]
"""
    result = parse("t.yaml", text, ParseContext())
    assert [(p.rule_id, p.span.line, p.span.column) for p in result.problems] == [("CT004", 3, 20), ("CT004", 6, 28)]
    assert "'Envv'" in result.problems[0].message


_REGION_TRAIL = """\
Conditions:
  InUsEast1: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Condition: InUsEast1
    Properties: {IsLogging: true, S3BucketName: b}
"""


def _never_created(result):
    return [p for p in result.problems if p.rule_id == "CT005" and "is not created" in p.message]


def test_trail_whose_condition_is_false_everywhere_is_said():
    text = _REGION_TRAIL.replace("!Ref AWS::Region", "!Sub AWS::Region")  # the fixed text 'AWS::Region'
    result = parse("t.yaml", text, ParseContext())
    assert [v.trails for v in result.variants] == [[]]
    (problem,) = _never_created(result)
    assert "Trail (AWS::CloudTrail::Trail)" in problem.message and "InUsEast1" in problem.message
    assert problem.span.line == 6


def test_trail_created_in_some_variant_or_region_is_not_reported():
    # Undecided region: one variant holds the trail, so nothing is said.
    result = parse("t.yaml", _REGION_TRAIL, ParseContext())
    assert _never_created(result) == [] and any(v.trails for v in result.variants)
    assert parse("t.yaml", _REGION_TRAIL, ParseContext(region="us-east-1")).problems == []


def test_trail_not_created_in_the_given_region_is_said():
    result = parse("t.yaml", _REGION_TRAIL, ParseContext(region="eu-west-1"))
    assert all(not v.trails for v in result.variants)
    assert len(_never_created(result)) == 1


def test_condition_switched_by_a_parameter_is_not_reported():
    text = (FIXTURES / "conditions-cross-group.yaml").read_text()
    assert _never_created(parse("t.yaml", text, ParseContext())) == []
