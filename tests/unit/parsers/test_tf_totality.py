"""Terraform evaluation is total and bounded (issue 17 bullets 2-4, issue 22 bullet 3).

Arithmetic, conversions and functions that Terraform itself refuses give Unknown with
Terraform's wording, never an internal parser error; count/for_each/dynamic/module fan-out and
evaluation steps share one budget per input whose breach is one CT002 at the block that asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.budget import MAX_TOTAL_INSTANCES
from ctguard.parsers.terraform.expr import Evaluator, Trace
from ctguard.parsers.terraform.funcs import FUNCTIONS
from ctguard.parsers.terraform.hcl import parse_expression
from ctguard.parsers.terraform.parse import parse_module
from ctguard.values import Known, Unknown

CTX = ParseContext(account_id="111122223333", region="eu-west-1")


def value(text: str) -> object:
    expr = parse_expression(text)
    assert expr is not None, text

    def names(root: str) -> object:
        raise KeyError(root)

    return Evaluator(Trace(), names, FUNCTIONS).eval(expr)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("1 / 0", "can't divide by zero"),
        ("5 % 0", "can't divide by zero"),
        ("1e400", "outside the range"),
        ("1e308 * 10", "outside the range"),
        (
            "99999999999999999999 * 99999999999999999999 * 99999999999999999999" + " * 99999999999999999999" * 20,
            "outside the range",
        ),
        ("element([], 0)", "cannot use element function with an empty list"),
        ("element([1], -1)", "negative index"),
        ('element(["a"], 1e400)', "outside the range"),
        ('tonumber("x")', "could not be evaluated"),
        ('tonumber("inf")', "cannot convert"),
        ("tonumber(true)", "cannot convert bool to number"),
        ("length(5)", "could not be evaluated"),
        ("[for x in [1, 2] : x if x]", "must return a bool"),
        ("[1, 2][0.5]", "not a whole number"),
        ("-true", "a number is required"),
        ("[for x in 5 : x]", "could not be evaluated"),
    ],
)
def test_refused_expressions_are_unknown_with_the_reason(text: str, reason: str) -> None:
    result = value(text)
    assert isinstance(result, Unknown), (text, result)
    assert reason in result.reason, (text, result.reason)


def _module(tmp_path: Path, text: str, **files: str) -> tuple[list, list]:
    (tmp_path / "main.tf").write_text(text)
    for name, body in files.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(body)
    [parsed] = parse_module(str(tmp_path), CTX)
    return [t for m in parsed.variants for t in m.trails], parsed.problems


TRAIL = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'


@pytest.mark.parametrize(
    "count, words",
    [
        ("-1", "must be greater than or equal to zero"),
        ("1.5", "must be a whole number"),
        ("[1]", "a number is required"),
    ],
)
def test_a_count_terraform_refuses_is_ct002_and_the_trail_is_still_judged(
    tmp_path: Path, count: str, words: str
) -> None:
    trails, problems = _module(tmp_path, TRAIL.replace('name = "t"', f'count = {count}\n  name = "t"'))
    assert len(trails) == 1 and isinstance(trails[0].is_logging, Unknown)
    assert any(p.rule_id == "CT002" and words in p.message and p.span.line == 1 for p in problems), problems


def test_a_huge_count_on_a_trail_stops_at_the_trail_limit_with_ct002(tmp_path: Path) -> None:
    trails, problems = _module(tmp_path, TRAIL.replace('name = "t"', 'count = 99999999999\n  name = "t"'))
    assert len(trails) == 10
    assert any(p.rule_id == "CT002" and "99,999,999,999" in p.message for p in problems)


def test_trails_across_module_instances_share_one_limit(tmp_path: Path) -> None:
    root = 'module "a" {\n  source = "./a"\n  count = 99999999999\n}\n'
    trails, problems = _module(tmp_path, root, a=TRAIL)
    assert len(trails) == 25
    assert any(p.rule_id == "CT002" and "more than the 25 trails" in p.message for p in problems), problems


def test_module_fan_out_is_bounded_by_the_input_budget(tmp_path: Path) -> None:
    """Issue 22: nine lines of modules with count calling modules with count (63 s and 1.9 GB before)."""
    root = 'module "a" {\n  source = "./a"\n  count = 1000\n}\n' + TRAIL
    a = 'module "b" {\n  source = "../b"\n  count = 1000\n}\n'
    b = 'resource "aws_s3_bucket" "x" {\n  count = 1000\n  bucket = "x"\n}\n'
    trails, problems = _module(tmp_path, root, a=a, b=b)
    assert len(trails) == 1  # the trail is still read
    breach = [p for p in problems if p.rule_id == "CT002" and "budget" in p.message]
    assert len(breach) == 1 and f"{MAX_TOTAL_INSTANCES:,}" in breach[0].message


def test_nested_dynamic_blocks_are_bounded(tmp_path: Path) -> None:
    """Issue 22: nested dynamic blocks (107 s before): 999 selectors of 999 field selectors each."""
    text = (
        "locals {\n  many = [for i in [" + ", ".join(str(i) for i in range(999)) + "] : i]\n}\n"
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n'
        '  dynamic "advanced_event_selector" {\n    for_each = local.many\n    content {\n'
        '      name = "s"\n      dynamic "field_selector" {\n        for_each = local.many\n'
        '        content {\n          field = "eventCategory"\n          equals = ["Data"]\n        }\n'
        "      }\n    }\n  }\n}\n"
    )
    trails, problems = _module(tmp_path, text)
    assert len(trails) == 1
    assert any(p.rule_id == "CT002" and "makes 999 blocks" in p.message and p.span.line == 7 for p in problems), (
        problems
    )
    selectors = trails[0].advanced_event_selectors
    assert isinstance(selectors, Known) and len(selectors.value) == 25


def test_values_that_outgrow_any_setting_stop_growing(tmp_path: Path) -> None:
    """Each local repeats the previous one 50 times: 50^5 characters without a limit."""
    lines = ['  l0 = "x"'] + [f'  l{i} = "' + f"${{local.l{i - 1}}}" * 50 + '"' for i in range(1, 6)]
    text = "locals {\n" + "\n".join(lines) + "\n}\n" + TRAIL.replace('name = "t"', "name = local.l5")
    trails, problems = _module(tmp_path, text)
    assert len(trails) == 1 and isinstance(trails[0].name, Unknown)
    assert any(p.rule_id == "CT002" and "characters" in p.message for p in problems), problems


def test_trail_blocks_with_the_wrong_number_of_labels_are_ct001(tmp_path: Path) -> None:
    _, problems = _module(
        tmp_path, 'resource "aws_cloudtrail" {\n  name = "a"\n}\nresource "aws_cloudtrail" "a" "b" {\n}\n'
    )
    assert [(p.rule_id, p.span.line) for p in problems if p.rule_id == "CT001"] == [("CT001", 1), ("CT001", 4)]


def test_known_values_still_evaluate() -> None:
    assert value("2 * 3 + 1") == 7
    assert value('element(["a", "b"], 3)') == "b"
    assert value('tonumber("12")') == 12
    assert value("[for x in [1, 2] : x * 2 if x > 1]") == [4]
    assert not isinstance(Known(1), Unknown)
