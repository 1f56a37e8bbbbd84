"""Terraform trails ctguard cannot see inside are named (CT005); inline stack templates are read."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.parsers.context import ParseContext
from ctguard.parsers.prefilter import may_concern_cloudtrail
from ctguard.parsers.terraform.parse import parse_module, tf_dir_is_cloudtrail_related

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "terraform" / "opaque_trails"


def _ct005(parsed) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {p.span.line: p.message for p in parsed.problems if p.rule_id == "CT005"}


def test_each_hidden_trail_is_named_at_its_line() -> None:
    module, _template = parse_module(str(FIX), ParseContext())
    found = _ct005(module)
    assert sorted(found) == [11, 21, 28, 48, 53]
    assert found[11].startswith("null_resource.org_trail runs aws cloudtrail create-trail in a local-exec")
    assert "put-event-selectors" in found[21] and "update_trail" in found[28]
    assert "template_url" in found[48] and "ctguard check" in found[48]
    assert "template_body cannot be read" in found[53]
    # the unrelated `aws s3 ls` provisioner says nothing
    assert not any("null_resource.unrelated" in m for m in found.values())


def test_inline_stack_template_is_read_as_cloudformation_at_its_lines() -> None:
    _, template = parse_module(str(FIX), ParseContext())
    assert template.kind == "cloudformation" and template.path.endswith("main.tf")
    ((trail,),) = [m.trails for m in template.variants]
    assert trail.key == "AuditTrail" and trail.s3_bucket_name is not None
    span = template.source_map.span(("trail", "AuditTrail"))  # type: ignore[union-attr]
    assert (span.file, span.line) == (str(FIX / "main.tf"), 38)  # `AuditTrail:` inside the heredoc


def test_a_file_template_is_left_to_the_directory_scan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudformation_stack" "s" {\n  name = "t"\n'
        '  template_body = file("${path.module}/trail.yaml")\n}\n'
    )
    (tmp_path / "trail.yaml").write_text("Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n")
    (module,) = parse_module(str(tmp_path), ParseContext())
    assert _ct005(module) == {}


_SUBCOMMANDS = ("create-trail", "update-trail", "put-event-selectors", "put-insight-selectors")


@st.composite
def cli_calls(draw: st.DrawFn) -> str:
    """`aws [--region r] cloudtrail [--region r] SUB`, on one line or broken with `\\` continuations."""
    sep = draw(st.sampled_from((" ", "  ", " \\\n    ")))
    region = draw(st.sampled_from(("", "--region us-east-1 ", "--region=${var.region} ", "--profile audit ")))
    before, after = (region, "") if draw(st.booleans()) else ("", region)
    tool = draw(st.sampled_from(("cloudtrail", "CloudTrail")))
    return f"aws {before}{tool}{sep}{after}{draw(st.sampled_from(_SUBCOMMANDS))} --name t"


@given(cli_calls(), st.sampled_from(("heredoc", "quoted")), st.sampled_from(("null_resource", "terraform_data")))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_cli_spellings_are_reported_and_pass_the_prefilter(
    tmp_path_factory,
    call: str,
    form: str,  # type: ignore[no-untyped-def]
    rtype: str,
) -> None:
    if form == "quoted":  # a quoted string holds no line break: the continuation becomes a space
        command = '"' + call.replace(" \\\n    ", " ") + '"'
    else:
        command = f"<<-EOT\n      {call}\n    EOT"
    text = (
        f'variable "region" {{\n  default = "eu-west-1"\n}}\nresource "{rtype}" "x" {{\n'
        f'  provisioner "local-exec" {{\n    command = {command}\n  }}\n}}\n'
    )
    directory = tmp_path_factory.mktemp("m")
    (directory / "main.tf").write_text(text)
    assert may_concern_cloudtrail(text) and tf_dir_is_cloudtrail_related(str(directory))
    (module,) = parse_module(str(directory), ParseContext())
    assert [p.rule_id for p in module.problems] == ["CT005"], text
    assert f"{rtype}.x runs aws cloudtrail" in module.problems[0].message
