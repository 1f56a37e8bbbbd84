"""Values the inputs mark secret never reach a report (issue 22 bullet 5).

Each input is built at test time with a secret that flows into what ctguard prints (the trail's
name, its bucket, a ``Fn::Sub`` built from the secret) and the run writes every format; the
secret must appear in none of them, the trail must still be judged (the secret is a value for
the policies, only hidden from output), and key-shaped strings are hidden whatever their origin.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from ctguard.cli import main
from ctguard.sensitive import REDACTED, Sensitive, mark, mark_where, redact, secrets_in
from ctguard.values import Known

SECRET = "hush-hush-4711"
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")

CFN = f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  NameParam: {{Type: String, NoEcho: true, Default: {SECRET}-trail}}
  BucketParam: {{Type: String, NoEcho: "true", Default: {SECRET}-bucket}}
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: !Ref NameParam
      IsLogging: true
      S3BucketName: !Ref BucketParam
      SnsTopicName: !Sub "${{BucketParam}}-topic"
      IsMultiRegionTrail: false
"""
TF = f"""variable "trail_name" {{
  type      = string
  sensitive = true
  default   = "{SECRET}-trail"
}}
variable "bucket" {{
  type      = string
  sensitive = true
}}
resource "aws_cloudtrail" "main" {{
  name           = var.trail_name
  s3_bucket_name = var.bucket
  sns_topic_name = "${{var.bucket}}-topic"
}}
"""


def _plan() -> dict:
    values = {
        "name": f"{SECRET}-trail",
        "s3_bucket_name": f"{SECRET}-bucket",
        "is_multi_region_trail": False,
        "enable_logging": True,
        "include_global_service_events": True,
        "enable_log_file_validation": False,
    }
    resource = {
        "address": "aws_cloudtrail.main",
        "mode": "managed",
        "type": "aws_cloudtrail",
        "name": "main",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "values": values,
        "sensitive_values": {"name": True, "s3_bucket_name": True},
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [resource]}},
        "resource_changes": [
            {
                "address": "aws_cloudtrail.main",
                "mode": "managed",
                "type": "aws_cloudtrail",
                "name": "main",
                "change": {"actions": ["create"], "after": values, "after_unknown": {}},
            }
        ],
        "configuration": {"root_module": {}},
    }


def _write(tmp_path: Path, kind: str) -> Path:
    tree = tmp_path / kind
    tree.mkdir()
    if kind == "cloudformation":
        (tree / "trail.yaml").write_text(CFN)
    elif kind == "terraform":
        (tree / "main.tf").write_text(TF)
        (tree / "terraform.tfvars").write_text(f'bucket = "{SECRET}-bucket"\n')
    else:
        (tree / "plan.json").write_text(json.dumps(_plan()))
    return tree


@pytest.mark.parametrize("kind", ["cloudformation", "terraform", "terraform-plan"])
def test_secrets_are_in_no_format(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = _write(tmp_path, kind)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["check", str(tree), "--jobs", "1", "--show-passed", *[f"--format={f}:{out / f}" for f in FORMATS]])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    texts = {f: (out / f).read_text() for f in FORMATS}
    for name, text in texts.items():
        assert SECRET not in text, name
    assert SECRET not in captured.out + captured.err
    report = json.loads(texts["json"])
    judged = {(f["rule_id"], f["status"]) for f in report["findings"]}
    assert ("CT101", "FAIL") in judged  # the trail was still checked
    assert any(REDACTED in f["message"] for f in report["findings"] if f["rule_id"] == "CT101")


def test_a_secret_used_by_several_inputs_is_redacted_in_a_parallel_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(3):
        (tree / f"t{i}.yaml").write_text(CFN)
    code = main(["check", str(tree), "--jobs", "2", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1 and SECRET not in out and REDACTED in out


def test_values_not_marked_are_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "plain"
    tree.mkdir()
    (tree / "trail.yaml").write_text(CFN.replace("NoEcho: true, ", "").replace('NoEcho: "true", ', ""))
    main(["check", str(tree), "--jobs", "1", "--format", "json"])
    assert f"{SECRET}-trail" in capsys.readouterr().out  # the marking, not a blanket filter, hides them


KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDExample" + "A" * 120


@pytest.mark.parametrize("text", [f"tag value {KEY} here", f"aws_secret_access_key={KEY}", f"token {TOKEN}"])
def test_key_shaped_strings_are_redacted_whatever_their_origin(text: str) -> None:
    clean = redact(text)
    assert KEY not in clean and TOKEN not in clean and REDACTED in clean


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "bucket my-company-cloudtrail-logs-us-east-1-123456789012",
        "path some/long/path/with/many/segments/Trail/Properties/IsLogging",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_sensitive_strings_judge_as_their_value_and_print_as_redacted() -> None:
    value = Sensitive("secret-name")
    assert value == "secret-name" and hash(value) == hash("secret-name") and value.startswith("secret")
    assert f"trail {value}" == f"trail {REDACTED}" and f"{value}" == REDACTED and repr(value) == repr(REDACTED)
    again = pickle.loads(pickle.dumps(value))
    assert isinstance(again, Sensitive) and again == "secret-name"
    assert mark(["a", {"k": "v"}, 3]) == ["a", {"k": "v"}, 3]
    assert all(isinstance(v, Sensitive) for v in (mark(["abcd"])[0], mark({"k": "abcd"})["k"]))
    marked = mark_where({"a": "abcd", "b": "efgh", "c": ["ijkl"]}, {"a": True, "c": [True]})
    assert isinstance(marked["a"], Sensitive) and not isinstance(marked["b"], Sensitive)
    assert isinstance(marked["c"][0], Sensitive)
    assert secrets_in([Known(Sensitive("abcdef")), {"x": (Known("plain"),)}]) == {"abcdef"}


def test_walk_visits_shared_structures_once() -> None:
    """The secret hunt walks every parsed model; it must not follow a structure twice (cycles, sharing)."""
    shared = {"k": [Known(Sensitive("abcdef"))] * 1000}
    loop: list = [shared]
    loop.append(loop)
    assert secrets_in([loop] * 1000) == {"abcdef"}


DERIVED_TF = f"""variable "flag" {{
  sensitive = true
  default   = "{SECRET}-flag"
}}
resource "aws_cloudtrail" "main" {{
  name                       = "t"
  s3_bucket_name             = "logs"
  is_multi_region_trail      = var.flag
  enable_logging             = tobool(var.flag)
  sns_topic_name             = upper(var.flag)
  cloud_watch_logs_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:${{var.flag}}:*"
}}
"""
DERIVED_CFN = f"""Parameters:
  P: {{Type: String, NoEcho: true, Default: {SECRET}-cfn}}
  L: {{Type: CommaDelimitedList, NoEcho: true, Default: "{SECRET}-a,{SECRET}-b"}}
Resources:
  T:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: !Ref P
      S3BucketName: !Join ["", [!Ref P, "x"]]
      SnsTopicName: !Select [1, !Ref L]
      IsMultiRegionTrail: true
"""


@pytest.mark.parametrize("name, text", [("main.tf", DERIVED_TF), ("t.yaml", DERIVED_CFN)])
def test_values_derived_from_a_secret_and_errors_about_it_are_redacted(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Concatenation, Join, upper(), an ARN built from it, and 'cannot convert ...' reasons."""
    (tmp_path / name).write_text(text)
    main(["check", str(tmp_path), "--jobs", "1", "--show-passed", "--format", "json"])
    out = capsys.readouterr().out
    assert SECRET not in out.lower() and REDACTED in out


@pytest.mark.parametrize(
    "text",
    [
        f"tag value {KEY} here",
        f"aws_secret_access_key={KEY}",
        f"token {TOKEN}",
        "token FwoGZXIvYXdzE" + "=" * 40,  # the token shape's set holds '=' as well
        "x" * 39 + "/",
        "A" * 200 + "==",
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "",
    ],
)
def test_the_quick_rule_out_never_changes_what_is_redacted(text: str) -> None:
    # redact skips the three key shapes when no 40-character run of their characters is present;
    # applying the shapes unconditionally must give the same text.
    from ctguard import sensitive

    full = sensitive._NAMED_SECRET_KEY.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    for shape in sensitive._KEY_SHAPES:
        full = shape.sub(REDACTED, full)
    assert redact(text) == full
