"""A template with more values than ctguard loads is CT001 at the line where the budget ran out
(issue 22 bullet 3: a 1 MB file of tiny list items took 2.7 s, mostly in the YAML composer).

The limit is lowered here so the texts stay small; ``bench/hostile_budget.py`` runs the 1 MB case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctguard import yamlload
from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers.cloudformation import embedded as cfn_embedded
from ctguard.parsers.cloudformation import template as cfn_template
from ctguard.parsers.context import ParseContext

CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")
LIMIT = 2_000
HEAD = "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      IsLogging: true\n      Tags:\n"


def _tags(count: int) -> str:
    """``count`` tag entries of 25 values each (a mapping, 2 keys, 2 scalars, a list of 20) on two lines."""
    return "".join(f"        - Key: k{n}\n          Value: [{', '.join(['v'] * 20)}]\n" for n in range(count))


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cfn_template, "MAX_TEMPLATE_VALUES", LIMIT)


def _ok_template(path: Path) -> Path:
    trail = {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": True, "S3BucketName": "b"}}
    path.write_text(json.dumps({"Resources": {"T": trail}}))
    return path


def test_count_values_counts_scalars_collections_and_aliases_and_stops_past_the_limit() -> None:
    assert yamlload.count_values("a: &x [1, 2]\nb: *x\n", 100) == (7, 2)
    assert yamlload.count_values("[" + ", ".join(["v"] * 500) + "]", 10) == (11, 1)
    assert yamlload.count_values("", 10) == (0, 1)
    assert yamlload.count_values("a: [1, 2\n", 100)[0] == 5  # a syntax error ends the count; load reports it


def test_a_template_over_the_value_budget_is_ct001_at_its_line_and_the_rest_is_checked(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(HEAD + _tags(200))  # 5,013 values in 30 KB, far under the 1 MB size limit
    ok = _ok_template(tmp_path / "ok.json")
    report = check([big, ok], context=CONTEXT)
    [refused] = report.unusable
    assert refused.file.endswith("big.yaml") and refused.rule_id == "CT001"
    assert f"more than {LIMIT:,} values" in refused.message and "nested stacks" in refused.message
    # the 2,001st value: 13 values up to the Tags list, then 25 per entry (lines 7-8, 9-10, ...):
    # the 1,988th after them is the 13th of entry 79 (from 0), in its Value list on line 7 + 2 * 79 + 1
    assert refused.line == 166
    assert any(f.file.endswith("ok.json") and f.rule_id == "CT102" and f.status is Status.PASS for f in report.findings)
    assert report.exit_code() == 3


def test_a_template_under_the_budget_is_read_whole(tmp_path: Path) -> None:
    near = tmp_path / "near.yaml"
    near.write_text(HEAD.replace("      Tags:", "      S3BucketName: b\n      Tags:") + _tags(79))  # 1,990 values
    report = check([near], context=CONTEXT)
    assert not report.unusable
    assert any(f.rule_id == "CT102" and f.status is Status.PASS for f in report.findings)


def test_a_json_template_with_tabs_is_counted_as_the_json_retry_reads_it(tmp_path: Path) -> None:
    trail = {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": True, "Tags": [["v"] * 20] * 120}}
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"Resources": {"T": trail}}, indent="\t"))
    [refused] = check([big], context=CONTEXT).unusable
    assert f"more than {LIMIT:,} values" in refused.message


def test_a_refused_template_is_not_loaded_again_to_see_what_else_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(HEAD + _tags(200))

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template over the value budget was loaded")

    monkeypatch.setattr(cfn_embedded, "load", no_load)
    monkeypatch.setattr(cfn_template, "load", no_load)
    [refused] = check([big], context=CONTEXT).unusable
    assert "values" in refused.message


def test_a_template_without_trails_over_the_budget_is_reported_not_loaded(tmp_path: Path) -> None:
    big = tmp_path / "buckets.yaml"
    big.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n" + _tags(200))
    report = check([big], context=CONTEXT)
    [refused] = report.unusable
    assert refused.file.endswith("buckets.yaml") and f"more than {LIMIT:,} values" in refused.message
