"""Per-file limits of the Terraform reader (issue 22 bullet 3, issue 17 bullet 4): a file of more
syntax nodes than real Terraform holds, and a file the fast reader leaves to Lark that is too large
for Lark's ~7 s per MB, are CT001 with the file, the line and what to do; the rest is checked.

The limits are lowered here so the texts stay small; ``bench/hostile_budget.py`` runs the 1 MB cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard.api import check
from ctguard.cli import main
from ctguard.findings import Status
from ctguard.parsers.terraform import budget, fastparse, parsecache

pytestmark = pytest.mark.skipif(not fastparse.available(), reason="tree-sitter not installed")

TRAIL = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n  enable_logging = false\n}\n'


def _module(root: Path, name: str, text: str) -> Path:
    (root / name).mkdir()
    (root / name / "main.tf").write_text(text)
    return root / name


def _errors(path: Path) -> list:  # type: ignore[type-arg]
    return [f for f in check([path]).findings if f.rule_id == "CT001"]


def test_too_many_syntax_nodes_is_ct001_at_the_line_and_the_rest_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastparse, "MAX_SYNTAX_NODES", 300)
    locals_ = "".join(f'locals {{\n  l{i} = {{ a = {{ b = ["x", "y", "z"] }} }}\n}}\n' for i in range(40))
    big = _module(tmp_path, "big", TRAIL + locals_)
    small = _module(tmp_path, "small", TRAIL)
    (error,) = _errors(big)
    assert "syntax nodes" in error.message and "split the file" in error.message
    assert error.line > 6 and f"limit was passed at line {error.line}" in error.message
    assert main(["check", str(big), str(small), "-q"]) == 3
    assert any(f.rule_id == "CT102" and f.status is Status.FAIL for f in check([small]).findings)


def test_a_file_lark_would_read_too_slowly_is_ct001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsecache, "MAX_EXACT_PARSE_CHARS", 200)
    # A conditional nested in a conditional's condition: the fast reader leaves it to Lark.
    declined = TRAIL + "locals {\n  x = (var.a ? true : false) ? 1 : 2\n}\n" + "# padding\n" * 30
    (error,) = _errors(_module(tmp_path, "declined", declined))
    assert "exact parser" in error.message and "split the file" in error.message
    # Small enough for Lark: read as before.
    monkeypatch.setattr(parsecache, "MAX_EXACT_PARSE_CHARS", budget.MAX_EXACT_PARSE_CHARS)
    assert _errors(_module(tmp_path, "declined-small", declined)) == []


def test_a_large_file_with_a_syntax_error_names_tree_sitters_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsecache, "MAX_EXACT_PARSE_CHARS", 200)
    broken = TRAIL + "# padding\n" * 30 + 'resource "aws_s3_bucket" "b" {\n  bucket = "b" "c"\n}\n'
    (error,) = _errors(_module(tmp_path, "broken", broken))
    assert error.message.startswith("HCL syntax error near line 37") and error.line == 37
    # Small enough for Lark: Lark's words, as before.
    monkeypatch.setattr(parsecache, "MAX_EXACT_PARSE_CHARS", budget.MAX_EXACT_PARSE_CHARS)
    (error,) = _errors(_module(tmp_path, "broken-small", broken))
    assert error.message.startswith("HCL syntax error: unexpected") and error.line == 37


def test_a_terraform_json_file_of_too_many_values_is_ct001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from ctguard.parsers.terraform import json_syntax

    monkeypatch.setattr(json_syntax, "MAX_JSON_VALUES", 200)
    buckets = {f"b{i}": {"bucket": f"bucket-{i}"} for i in range(100)}
    doc = {"resource": {"aws_cloudtrail": {"t": {"name": "t", "s3_bucket_name": "b"}}, "aws_s3_bucket": buckets}}
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "main.tf.json").write_text(json.dumps(doc, indent=1))
    (error,) = _errors(tmp_path / "big")
    assert "more than 200 JSON values" in error.message and error.line > 50
    assert f"limit was passed at line {error.line}" in error.message
    doc["resource"]["aws_s3_bucket"] = dict(list(buckets.items())[:10])
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "main.tf.json").write_text(json.dumps(doc, indent=1))
    assert _errors(tmp_path / "small") == []
