"""Duplicate declarations and references to undeclared names, as Terraform rejects them (issue 15 bullet 2)."""

from __future__ import annotations

from pathlib import Path

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse_module

TF = Path(__file__).resolve().parents[3] / "fixtures" / "terraform"


def _problems(name: str) -> list[tuple[str, str, int]]:
    (parsed,) = parse_module(str(TF / name), ParseContext())
    return [(p.rule_id, p.message, p.span.line) for p in parsed.problems]


def test_a_duplicate_resource_or_variable_across_files_is_an_error() -> None:
    found = _problems("duplicate_address")
    assert [(rule, line) for rule, _, line in found] == [("CT001", 1), ("CT001", 5)]
    assert "duplicate resource aws_cloudtrail.main (first declared in" in found[0][1]
    assert "main.tf:7" in found[0][1]
    assert "duplicate variable buckets" in found[1][1]


def test_references_to_undeclared_names_are_ct004() -> None:
    found = _problems("undeclared_refs")
    assert [m.split(";")[0] for rule, m, _ in found if rule == "CT004"] == [
        "reference to undeclared local value local.trail_name",
        "reference to undeclared resource aws_s3_bucket.logs",
        "reference to undeclared data source data.aws_kms_key.trail",
        "reference to undeclared variable var.selectors",
    ]
    # names bound by for expressions and dynamic blocks are not references
    assert not any("undeclared" in m and (" b" in m or "event_selector" in m) for _, m, _ in found)


def test_file_functions_read_inside_the_module_and_refuse_outside() -> None:
    from ctguard.values import Known, Unknown

    (parsed,) = parse_module(str(TF / "file_functions"), ParseContext())
    model = parsed.variants[0]
    (trail,) = model.trails
    assert trail.is_multi_region == Known(True)  # fileexists() of the template beside it
    bucket = model.resource("bucket", trail.bucket)
    assert "arn:aws:s3:::acme-trail-logs/AWSLogs/*" in str(bucket.policy)  # templatefile() rendered
    assert isinstance(trail.kms_key_id, Unknown) and "outside the modules ctguard checks" in trail.kms_key_id.reason
