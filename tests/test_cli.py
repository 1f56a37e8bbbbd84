"""The command line as users run it: exit codes, formats, scanning, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ctguard.cli import main

REPO = Path(__file__).resolve().parent.parent
REPORT_SCHEMA = json.loads((REPO / "ctguard" / "schemas" / "report.schema.json").read_text())

GOOD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:  # rotation on, and a key policy that lets CloudTrail encrypt (CT408, CT409)
      {EnableKeyRotation: true, KeyPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}, Action: "kms:*", Resource: "*"}, {Effect: Allow, Principal: {Service: cloudtrail.amazonaws.com}, Action: ["kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*", Condition: {StringLike: {"kms:EncryptionContext:aws:cloudtrail:arn": !Sub "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"}}}]}}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: org-audit
      IsLogging: true
      S3BucketName: audit-logs-111111111111
      IsMultiRegionTrail: true
      IncludeGlobalServiceEvents: true
      EnableLogFileValidation: true
      KMSKeyId: !GetAtt Key.Arn
      CloudWatchLogsLogGroupArn: arn:aws:logs:us-east-1:111111111111:log-group:trail:*
      CloudWatchLogsRoleArn: arn:aws:iam::111111111111:role/trail-logs
      SnsTopicName: trail-topic
      InsightSelectors:
        - InsightType: ApiCallRateInsight
        - InsightType: ApiErrorRateInsight
      AdvancedEventSelectors:
        - FieldSelectors:
            - {Field: eventCategory, Equals: [Management]}
        - FieldSelectors:
            - {Field: eventCategory, Equals: [Data]}
            - {Field: resources.type, Equals: ["AWS::S3::Object"]}
            - {Field: resources.ARN, NotStartsWith: ["arn:aws:s3:::audit-logs-111111111111/"]}
"""

WEAK_LOW_ONLY = GOOD.replace("      SnsTopicName: trail-topic\n", "").replace(
    "        - InsightType: ApiErrorRateInsight\n", ""
)

BAD = GOOD.replace("IsMultiRegionTrail: true", "IsMultiRegionTrail: false")


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], *args: str) -> tuple[int, str, str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    code = main(["check", *args, *(str(tmp_path / n) for n in files)] if files else ["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_template_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path, capsys, {"good.yaml": GOOD})
    assert code == 0, out
    assert "0 failed" in out


def test_failing_template_exits_1_with_parseable_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path, capsys, {"bad.yaml": BAD})
    assert code == 1
    line = next(ln for ln in out.splitlines() if " CT101 " in ln)
    assert line.startswith(f"{tmp_path / 'bad.yaml'}:13:7: CT101 HIGH ")


def test_fail_on_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, capsys, {"w.yaml": WEAK_LOW_ONLY})[0] == 1
    assert run(tmp_path, capsys, {"w.yaml": WEAK_LOW_ONLY}, "--fail-on", "medium")[0] == 0
    assert run(tmp_path, capsys, {"w.yaml": WEAK_LOW_ONLY}, "--fail-on", "urgent")[0] == 2


def test_unknown_only_fails_with_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ("Parameters:\n  Validate:\n    Type: String\n" + GOOD).replace(
        "EnableLogFileValidation: true", "EnableLogFileValidation: !Ref Validate"
    )
    code, out, _ = run(tmp_path, capsys, {"u.yaml": text})
    assert code == 0 and "[unknown]" in out and "Validate" in out
    code, out, _ = run(tmp_path, capsys, {"u.yaml": text}, "--strict")
    assert code == 1 and "--strict" in out


def test_malformed_template_exits_3_and_other_files_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = "Resources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties: [oops\n"
    code, out, err = run(tmp_path, capsys, {"a-broken.yaml": broken, "b-bad.yaml": BAD})
    assert code == 3
    assert f"{tmp_path / 'a-broken.yaml'}:" in out and " CT001 " in out
    assert " CT101 " in out  # the other file was checked
    assert "Traceback" not in out + err


def test_binary_file_that_looks_related_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\x00\x01Type: AWS::CloudTrail::Trail\x00")
    code = main(["check", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 3 and "not UTF-8" in out and "Traceback" not in err


def test_unrelated_repository_is_silent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n",
        "package.json": '{"name": "web", "version": "1.0.0"}',
        "lambda.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12}\n",
        "broken-k8s.yaml": "apiVersion: v1\nkind: [oops\n",
    }
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    code = main(["check", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.strip().splitlines() == ["ctguard: 0 CloudTrail-related inputs, 0 trails, 0 failed, 0 unknown, 0 passed"]


def test_missing_path_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(tmp_path / "nope.yaml")])
    out, _ = capsys.readouterr()
    assert code == 3 and "no such file" in out


def test_json_output_is_valid_against_its_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties: {\n"
    code, out, err = run(tmp_path, capsys, {"bad.yaml": BAD, "broken.json": broken}, "--format", "json")
    assert code == 3
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["unparsed"] and report["unparsed"][0]["file"].endswith("broken.json")
    ct101 = [f for f in report["findings"] if f["rule_id"] == "CT101" and f["status"] == "FAIL"]
    assert ct101 and ct101[0]["resource"] == "Trail" and ct101[0]["resource_name"] == "org-audit"
    assert ct101[0]["line"] == 13 and ct101[0]["model_path"] == "is_multi_region"
    assert "ctguard:" in err  # summary on stderr, stdout stays pure JSON


def test_output_file_keeps_summary_on_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "report.json"
    code, out, err = run(tmp_path, capsys, {"bad.yaml": BAD}, "-f", "json", "-o", str(out_file))
    assert code == 1 and out == "" and "4 failed" in err  # CT101; CT201, CT203, CT204 (other Regions)
    jsonschema.validate(json.loads(out_file.read_text()), REPORT_SCHEMA)


def test_user_policy_dir_and_broken_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "ORG1-prefix.yaml").write_text(
        "id: ORG1\nname: key-prefix\ntitle: Trail writes under a prefix\nseverity: low\nscope: trail\n"
        "check: {attribute: s3_key_prefix, exists: true}\nmessage: {fail: 'Trail {trail} has no S3 key prefix'}\n"
        "docs: {what: Checks the key prefix., why: Our buckets are shared., fix: {cloudformation: S3KeyPrefix, "
        "terraform: s3_key_prefix, cli: --s3-key-prefix}}\n"
    )
    (tmp_path / "good.yaml").write_text(GOOD)
    assert main(["check", "--policies", str(pol), str(tmp_path / "good.yaml")]) == 1
    assert "ORG1 LOW Trail org-audit has no S3 key prefix" in capsys.readouterr().out
    (pol / "ORG1-prefix.yaml").write_text("id: ORG1\nname: x\n")
    assert main(["check", "--policies", str(pol), str(tmp_path / "good.yaml")]) == 2
    assert "ORG1-prefix.yaml:1:" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    assert main(["check", "--format", "yaml", "x"]) == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    ct101 = next(r for r in rules if r["id"] == "CT101")
    assert ct101["references"]["checkov"] == ["CKV_AWS_67"]
    assert main(["explain", "ct201"]) == 0
    page = capsys.readouterr().out
    for section in ("What it does", "Why it matters", "How to fix", "References"):
        assert section in page
    assert main(["explain", "CT999"]) == 2


def test_examples_run_as_the_readme_says() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ctguard", "check", str(REPO / "examples")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "weak-trail.yaml" in proc.stdout
    # secure-trail.yaml only shows delivery checks that need --account/--region to be decided.
    secure = [line for line in proc.stdout.splitlines() if "secure-trail.yaml" in line]
    assert all("[unknown]" in line and "deploy time" in line for line in secure), secure
    assert "unrelated-lambda.yaml" not in proc.stdout
    assert "Traceback" not in proc.stderr


def test_version_and_module_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "ctguard", "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("ctguard ")


def test_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (REPO / "README.md").read_text()
    start = readme.index("```python\n", readme.index("### From Python")) + len("```python\n")
    code = readme[start : readme.index("```", start)]
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {}
    exec(compile(code.replace('"templates/"', '"examples/"'), "README.md", "exec"), namespace)
    assert namespace["exit_code"] == 1
    assert "CT101 FAIL high" in capsys.readouterr().out


def test_an_internal_error_never_prints_secrets_even_with_debug(monkeypatch, capsys) -> None:
    """A traceback (--debug) and the one-line internal error are scrubbed like the audit's logs."""
    from ctguard import cli
    from ctguard.audit import secrets

    secrets.remember("s3cr3t-external-id-value")

    class Boom:
        @staticmethod
        def run(args):
            key, token = "AKIAIOSFODNN7EXAMPLE", "s3cr3t-external-id-value"
            raise RuntimeError(f"AssumeRole failed for {key} with ExternalId={token}")

    real = cli._command
    monkeypatch.setattr(cli, "_command", lambda name: real(name) if name != "check" else Boom)
    Boom.add_parser = real("check").add_parser  # type: ignore[attr-defined]
    for argv in (["--debug", "check", "x"], ["check", "x"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "internal error: RuntimeError" in err
        assert "AKIAIOSFODNN7EXAMPLE" not in err and "s3cr3t-external-id-value" not in err, err
        assert ("Traceback" in err) == ("--debug" in argv)
