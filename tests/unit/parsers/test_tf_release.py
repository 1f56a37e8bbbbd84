"""Reading a Terraform module leaves no cycle that keeps its syntax trees alive.

A module points back at itself (declarations name their module, the evaluator holds its
lookups), so unless the reading breaks those cycles the whole parsed tree waits for the cycle
collector, which then rescans about one object per character of HCL (terraform/module.py
``Module.release``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from lark import Tree

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.hcl import Body
from ctguard.parsers.terraform.module import Module
from ctguard.parsers.terraform.parse import parse_module


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()


def test_no_tree_is_left_for_the_collector(tmp_path: Path, saved_garbage: list[object]) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "c"\n}\n')
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = aws_s3_bucket.b.id\n}\n'
        'resource "aws_s3_bucket" "b" {\n  count = 2\n  bucket = "b-${count.index}"\n}\n'
        'locals {\n  names = [for n in ["a"] : upper(n)]\n}\n'
        'module "m" {\n  source = "./child"\n  count = 2\n}\n'
    )
    [parsed] = parse_module(str(tmp_path), ParseContext())
    assert [t.key for t in parsed.variants[0].trails] == ["aws_cloudtrail.t"]
    assert "module.m[1].aws_s3_bucket.c" in parsed.variants[0].resources["bucket"]
    gc.collect()
    kept = [o for o in saved_garbage if isinstance(o, (Tree, Body, Module))]
    assert kept == []
