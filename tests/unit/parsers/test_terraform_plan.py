"""Terraform plan JSON (`terraform show -json`): planned values, after_unknown, links, spans."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse
from ctguard.parsers.terraform.plan import parse_plan
from ctguard.values import Absent, Known, Unknown

PLAN = Path(__file__).resolve().parents[3] / "fixtures" / "terraform" / "plan" / "plan.json"
CTX = ParseContext()


def parsed(text: str | None = None):
    return parse_plan(str(PLAN), PLAN.read_text() if text is None else text, CTX)


def test_kind_and_child_module_trail_keyed_by_address():
    result = parsed()
    assert result.kind == "terraform-plan" and not result.problems
    (trail,) = result.variants[0].trails
    assert trail.key == "module.audit.aws_cloudtrail.this"
    assert trail.name == Known("acme-plan-trail")
    assert trail.is_multi_region == Known(True) and trail.is_logging == Known(True)
    assert trail.event_selectors.value[0].read_write_type == Known("All")


def test_after_unknown_values_are_unknown_not_absent():
    trail = parsed().variants[0].trails[0]
    assert isinstance(trail.kms_key_id, Unknown) and "after apply" in trail.kms_key_id.reason
    assert isinstance(trail.arn, Unknown)
    assert isinstance(trail.sns_topic, Absent)  # null and not marked unknown: not set


def test_unconfigured_computed_bucket_arguments_stay_absent():
    bucket = parsed().variants[0].resource("bucket", "aws_s3_bucket.trail")
    # aws_s3_bucket marks logging/versioning/encryption unknown because it computes them;
    # the configuration does not set them, so they are not set.
    assert isinstance(bucket.logging_target_bucket, Absent)
    assert isinstance(bucket.encryption_algorithm, Absent)
    assert bucket.versioning == Known("Enabled")  # from aws_s3_bucket_versioning
    assert bucket.public_access_block.value.block_public_acls == Known(True)
    assert isinstance(bucket.policy, Unknown)  # aws_s3_bucket_policy with all values unknown


def test_links_use_configuration_references_through_module_inputs():
    model = parsed().variants[0]
    trail = model.trails[0]
    assert trail.bucket == "aws_s3_bucket.trail"
    assert trail.kms_key == "aws_kms_key.trail"  # kms_key_id is unknown: only the reference links it
    assert trail.s3_bucket_name.via == "aws_s3_bucket.trail.id"


def test_links_by_name_without_configuration():
    doc = json.loads(PLAN.read_text())
    del doc["configuration"]
    model = parsed(json.dumps(doc, indent=2)).variants[0]
    assert model.trails[0].bucket == "aws_s3_bucket.trail"
    assert model.trails[0].kms_key is None


def test_spans_point_into_the_plan_file():
    result = parsed()
    sm = result.source_map
    owner = ("trail", "module.audit.aws_cloudtrail.this")
    lines = PLAN.read_text().splitlines()
    root = sm.span(owner)
    assert root.file == str(PLAN)
    assert '"address": "module.audit.aws_cloudtrail.this"' in lines[root.line]
    assert '"is_multi_region_trail"' in lines[sm.span(owner, ("is_multi_region",)).line - 1]
    assert '"read_write_type"' in lines[sm.span(owner, ("event_selectors", 0, "read_write_type")).line - 1]
    assert sm.span(owner, ("advanced_event_selectors", 0)) == root  # missing: the resource object


def test_rejects_other_json_and_future_formats():
    result = parse_plan("x.json", '{"Resources": {}}', CTX)
    assert result.unusable and result.problems[0].rule_id == "CT001"
    doc = json.loads(PLAN.read_text())
    doc["format_version"] = "2.0"
    result = parsed(json.dumps(doc, indent=2))
    assert result.unusable and "format_version" in result.problems[0].message
    result = parse_plan("x.json", '{"planned_values": ', CTX)
    assert result.unusable and result.problems[0].span.line >= 1


def test_bom_and_parse_entry_point():
    result = parse(str(PLAN), "\ufeff" + PLAN.read_text(), CTX)
    assert result.kind == "terraform-plan" and result.variants[0].trails


def test_resource_without_values_gets_unknowns_from_after_unknown():
    doc = json.loads(PLAN.read_text())
    trail = doc["planned_values"]["root_module"]["child_modules"][0]["resources"][0]
    del trail["values"]
    change = next(c for c in doc["resource_changes"] if c["address"] == trail["address"])
    change["change"]["after_unknown"] = {"name": True, "s3_bucket_name": True, "event_selector": True}
    t = parsed(json.dumps(doc)).variants[0].trails[0]
    assert isinstance(t.name, Unknown) and isinstance(t.s3_bucket_name, Unknown)
    assert isinstance(t.event_selectors, Unknown)
    assert t.bucket == "aws_s3_bucket.trail"  # still linked through configuration


_PLAN_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["All", "ReadOnly", "x", "", "arn:aws:s3"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "values",
                    "field",
                    "equals",
                    "insight_type",
                    "read_write_type",
                    "data_resource",
                    "field_selector",
                    "include_management_events",
                ]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)
_PLAN_ARGS = [
    "name",
    "enable_logging",
    "is_multi_region_trail",
    "kms_key_id",
    "event_selector",
    "advanced_event_selector",
    "insight_selector",
    "tags",
    "s3_bucket_name",
]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_PLAN_ARGS), _PLAN_VALUES, max_size=5),
    st.dictionaries(st.sampled_from(_PLAN_ARGS), st.booleans() | _PLAN_VALUES, max_size=3),
)
def test_random_planned_values_never_raise(values, after_unknown):
    """Hand-edited or future-provider plans: odd shapes become Unknown or problems, never a crash."""
    from ctguard.engine.evaluate import Settings, evaluate_input

    doc = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_cloudtrail.t",
                        "mode": "managed",
                        "type": "aws_cloudtrail",
                        "name": "t",
                        "values": values,
                    }
                ]
            }
        },
        "resource_changes": [{"address": "aws_cloudtrail.t", "change": {"after_unknown": after_unknown}}],
    }
    result = parse_plan("plan.json", json.dumps(doc), CTX)
    findings = evaluate_input(result, _policies(), Settings())
    assert not [f for f in findings if f.status.value == "ERROR"], [f.message for f in findings]


@functools.lru_cache(maxsize=1)
def _policies() -> list:
    from ctguard.engine.policy import load_policies

    return load_policies(())


def test_provider_references_of_the_wrong_type_are_no_references() -> None:
    """A fuzzer's plan had ``"references": true`` in a provider's region expression: an internal error before."""
    source = Path(__file__).resolve().parents[3] / "fixtures" / "equivalence" / "provider_alias" / "plan.json"
    plan = json.loads(source.read_text(encoding="utf-8"))
    changed = 0
    for provider in plan["configuration"]["provider_config"].values():
        region = provider.get("expressions", {}).get("region")
        if isinstance(region, dict) and "references" in region:
            region["references"] = True
            changed += 1
    assert changed
    parsed = parse_plan(str(source), json.dumps(plan), ParseContext())
    assert not parsed.problems, [p.message for p in parsed.problems]
    assert parsed.variants[0].trails


def test_plan_with_escaped_utf16_pairs_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A plan re-written by a Python script (json.dumps escapes non-BMP characters as pairs) was
    CT001 "invalid Unicode character escape code"; it reads as Terraform's own output does."""
    from ctguard.api import check as _check

    values = {"name": "audit", "s3_bucket_name": "b", "tags": {"team": "security \U0001f512"}}
    resource = {"address": "aws_cloudtrail.t", "mode": "managed", "type": "aws_cloudtrail", "name": "t"}
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource | {"values": values}]}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert "\\ud83d\\udd12" in path.read_text()
    report = _check([path])
    assert not [f for f in report.findings if f.rule_id == "CT001"]
    assert sum(len(m.trails) for p in report.inputs for m in p.variants) == 1
