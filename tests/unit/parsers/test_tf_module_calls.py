"""Local module calls: the module tree asks the file system once per directory (terraform/module.py
``Module._place``), and still refuses a missing source and a module that calls itself."""

from __future__ import annotations

from pathlib import Path

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse_module

TRAIL = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'


def _problems(root: Path) -> list[tuple[str, str, int]]:
    [parsed] = parse_module(str(root), ParseContext())
    return [(p.rule_id, p.message, p.span.line) for p in parsed.problems]


def test_many_calls_of_one_module_each_make_their_instances(tmp_path: Path) -> None:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'variable "n" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "b-${var.n}"\n}\n'
    )
    calls = "".join(f'module "m{i}" {{\n  source = "./mod"\n  n = {i}\n}}\n' for i in range(30))
    (tmp_path / "main.tf").write_text(TRAIL + calls)
    [parsed] = parse_module(str(tmp_path), ParseContext())
    buckets = parsed.variants[0].resources["bucket"]
    assert sorted(buckets) == sorted(f"module.m{i}.aws_s3_bucket.b" for i in range(30))
    assert buckets["module.m29.aws_s3_bucket.b"].name.value == "b-29"  # type: ignore[union-attr]


def test_a_missing_source_and_a_self_call_are_still_said(tmp_path: Path) -> None:
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "main.tf").write_text('module "again" {\n  source = "../loop"\n}\n')
    (tmp_path / "main.tf").write_text(
        TRAIL
        + 'module "gone" {\n  source = "./gone"\n}\nmodule "gone2" {\n  source = "./gone"\n}\n'
        + 'module "loop" {\n  source = "./loop"\n}\n'
    )
    found = _problems(tmp_path)
    missing = [line for rule, message, line in found if rule == "CT004" and "does not exist" in message]
    assert missing == [5, 8]  # each call is said, though the directory was looked up once
    assert any("module.loop.module.again calls itself" in message for _, message, _ in found)
