"""Hostile and broken inputs (issue: hardening, item 1), end to end through the CLI.

Every case checks the same three promises: the output names the file and the problem, the
exit code is 3 when an input could not be used, there is no traceback, and a good template
checked in the same run is still checked (its findings are in the report).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ctguard.cli import main
from ctguard.parsers import scan

GOOD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Good:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: logs
      IsMultiRegionTrail: false
"""
TRAIL = "Type: AWS::CloudTrail::Trail"


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict, str]:
    (tmp_path / "good.yaml").write_text(GOOD)
    code = main(["check", str(tmp_path), "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out), err


def _assert_bad(report: dict, name: str, words: str) -> None:
    unparsed = [u for u in report["unparsed"] if os.path.basename(u["file"]) == name]
    assert unparsed, f"{name} not reported: {report['unparsed']}"
    assert words.lower() in unparsed[0]["message"].lower(), unparsed[0]["message"]
    # the good template was still checked
    assert any(
        f["rule_id"] == "CT101" and f["status"] == "FAIL" and f["file"].endswith("good.yaml")
        for f in report["findings"]
    )


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        ref = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{ref}]")
    return "Resources:\n  T:\n    " + TRAIL + "\n" + "\n".join(lines) + "\n"


CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "alias bomb": ("bomb.yaml", lambda: _alias_bomb().encode(), "alias"),
    "deep yaml": (
        "deep.yaml",
        lambda: (f"Resources:\n  T:\n    {TRAIL}\n    Properties: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
        "nest",
    ),
    "deep json": (
        "deep.json",
        lambda: (
            '{"Resources": {"T": {"Type": "AWS::CloudTrail::Trail", "Properties": '
            + '{"a":' * 5000
            + "1"
            + "}" * 5000
            + "}}}"
        ).encode(),
        "nest",
    ),
    "binary": ("binary.yaml", lambda: b"\x00\x01\x02AWS::CloudTrail::Trail\xff\xfe", "not utf-8"),
    "nul byte": ("nul.yaml", lambda: f"Resources:\n  T:\n    {TRAIL}\x00\n".encode(), "not utf-8"),
    "latin-1": (
        "latin.yaml",
        lambda: f"Description: café\nResources:\n  T:\n    {TRAIL}\n".encode("latin-1"),
        "not utf-8",
    ),
    "truncated yaml": (
        "cut.yaml",
        lambda: f"Resources:\n  T:\n    {TRAIL}\n    Properties: {{IsLogging: [".encode(),
        "invalid yaml",
    ),
    "hcl syntax": (
        "main.tf",
        lambda: b'resource "aws_cloudtrail" "t" {\n  name = "x"\n  is_logging = \n',
        "syntax error",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_reported_and_others_still_checked(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, words = CASES[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    (bad_dir / name).write_bytes(content())
    start = time.perf_counter()
    code, report, _ = _run(tmp_path, capsys)
    assert time.perf_counter() - start < 30  # bounded: a hang would be the bug, not slowness
    assert code == 3
    _assert_bad(report, name, words)


def test_deep_hcl_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "x = " + "[" * 3000 + "]" * 3000
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text('resource "aws_cloudtrail" "t" {\n  name = "t"\n  ' + body + "\n}\n")
    code, report, _ = _run(tmp_path, capsys)
    assert code in (0, 1, 3)  # parsed or refused, never a crash or hang
    assert any(f["file"].endswith("good.yaml") for f in report["findings"])


def test_huge_file_is_refused_without_reading_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as fh:  # sparse: hundreds of MB on paper, nothing on disk
        fh.write(f"Resources:\n  T:\n    {TRAIL}\n".encode())
        fh.truncate(300 * 1024 * 1024)
    code, report, _ = _run(tmp_path, capsys)
    assert code == 3
    _assert_bad(report, "huge.yaml", "larger than")


@pytest.mark.parametrize("encoding, bom", [("utf-16", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe")])
def test_other_unicode_encodings_and_crlf_are_read(
    encoding: str, bom: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("Good:", "Other:").replace("\n", "\r\n")
    (tmp_path / "other.yaml").write_bytes(bom + text.encode(encoding))
    code, report, _ = _run(tmp_path, capsys)
    assert code == 1 and not report["unparsed"]
    lines = {f["line"] for f in report["findings"] if f["file"].endswith("other.yaml") and f["rule_id"] == "CT101"}
    assert lines == {8}  # CRLF does not shift line numbers


def test_symlink_loop_and_dangling_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "missing.yaml", tmp_path / "gone.yaml")
    code, report, _ = _run(tmp_path, capsys)
    assert code == 3
    _assert_bad(report, "gone.yaml", "dangling")


def test_unreadable_file_and_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads anything, so the permission errors are injected where the OS would raise them."""
    (tmp_path / "secret.yaml").write_text(GOOD)
    (tmp_path / "locked").mkdir()
    real_open, real_scandir = open, os.scandir

    def fake_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def fake_scandir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("builtins.open", fake_open)
    monkeypatch.setattr(scan.os, "scandir", fake_scandir)
    code, report, _ = _run(tmp_path, capsys)
    assert code == 3
    files = {os.path.basename(u["file"]): u["message"].lower() for u in report["unparsed"]}
    assert "permission" in files.get("secret.yaml", "") and "permission" in files.get("locked", ""), files


def test_empty_files_are_silent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("empty.yaml", "empty.json", "empty.template"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_bytes(b"")
    code, report, _ = _run(tmp_path, capsys)
    assert code == 1 and not report["unparsed"]


WRONG_TYPES = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Listy:
    Type: AWS::CloudTrail::Trail
    Properties: [IsLogging, true]
  Nully:
    Type: AWS::CloudTrail::Trail
    Properties: null
  Numbers:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: 12345
      IsLogging: {a: b}
      S3BucketName: [x]
      EventSelectors: {ReadWriteType: All}
      AdvancedEventSelectors: [[1, 2], null, {FieldSelectors: "x"}]
      InsightSelectors: 7
      Tags: bad
  123:
    Type: AWS::CloudTrail::Trail
    Properties: {IsLogging: true, S3BucketName: logs}
"""


def test_cloudformation_with_wrong_types_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "types.yaml").write_text(WRONG_TYPES)
    code, report, _ = _run(tmp_path, capsys)
    mine = [f for f in report["findings"] if f["file"].endswith("types.yaml")]
    assert code in (1, 3)
    assert not [f for f in mine if f["status"] == "ERROR" and f["rule_id"] != "CT001"], mine
    invalid = [f for f in mine if f["rule_id"] == "CT002"]
    assert len(invalid) >= 5, invalid
    # a policy that reads a property given the wrong type must not PASS on it
    for f in mine:
        if f["resource"] == "Numbers" and f["rule_id"] == "CT102":
            assert f["status"] != "PASS", f


# --- saved AWS inputs: snapshots and describe-trails output ----------------------------------
CALL = {
    "account": "111122223333",
    "region": "us-east-1",
    "service": "cloudtrail",
    "operation": "DescribeTrails",
    "params": {"includeShadowTrails": True},
    "response": {"trailList": []},
}


def _snapshot(**changes: object) -> bytes:
    doc: dict[str, object] = {"ctguard_snapshot": "1.0", "meta": {"created": "2026-11-22T10:00:00Z"}, "calls": [CALL]}
    doc.update(changes)
    return json.dumps(doc, indent=2).encode()


def _call(**changes: object) -> dict[str, object]:
    call = {**CALL, **changes}
    return {k: v for k, v in call.items() if v is not None}


WRONG_TRAIL = {
    "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
    "Name": "t",
    "HomeRegion": ["us-east-1"],
    "IsMultiRegionTrail": "yes",
    "S3BucketName": {"a": 1},
}

SAVED_AWS: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "snapshot version": ("version.json", lambda: _snapshot(ctguard_snapshot="2.0"), "schema at ctguard_snapshot"),
    "call without answer": (
        "noanswer.json",
        lambda: _snapshot(calls=[_call(response=None)]),
        "exactly one of response and error",
    ),
    "call with both": (
        "both.json",
        lambda: _snapshot(calls=[_call(error={"code": "AccessDenied"})]),
        "exactly one of them",
    ),
    "bad account id": ("account.json", lambda: _snapshot(calls=[_call(account="1111-2222-3333")]), "calls/0/account"),
    "calls not a list": ("calls.json", lambda: _snapshot(calls={"0": CALL}), "calls"),
    "truncated snapshot": ("cut.json", lambda: _snapshot()[:150], "cannot parse snapshot"),
    "deep snapshot": (
        "deep.json",
        lambda: _snapshot()[:-3].replace(
            b'"trailList": []', b'"trailList": [], "x": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000
        ),
        "nested too deeply",
    ),
    "snapshot trail wrong types": (
        "trailtypes.json",
        lambda: _snapshot(calls=[_call(response={"trailList": [WRONG_TRAIL]})]),
        "trailList[0].S3BucketName is an object, not a string",
    ),
    # Any other answer of the wrong shape is a failed call, not an unusable file: tests/unit/parsers/test_aws_shapes.py
    "describe-trails wrong types": (
        "trails.json",
        lambda: json.dumps({"trailList": [WRONG_TRAIL]}).encode(),
        "trailList[0].S3BucketName is an object, not a string",
    ),
    "describe-trails not a list": (
        "trails.json",
        lambda: b'{"trailList": {"Name": "t"}}',
        "trailList is an object, not a list",
    ),
}


@pytest.mark.parametrize("case", sorted(SAVED_AWS))
def test_broken_saved_aws_input_is_reported_and_others_still_checked(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, words = SAVED_AWS[case]
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / name).write_bytes(content())
    start = time.perf_counter()
    code, report, _ = _run(tmp_path, capsys)
    assert time.perf_counter() - start < 30
    assert code == 3
    _assert_bad(report, name, words)


def test_describe_trails_sidecar_of_the_wrong_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A per-trail file of another shape than the CLI writes: what it would say is UNKNOWN, naming file and problem."""
    trail = {"TrailARN": WRONG_TRAIL["TrailARN"], "Name": "t", "HomeRegion": "us-east-1"}
    (tmp_path / "trails.json").write_text(json.dumps({"trailList": [trail]}))
    (tmp_path / "trails.t.event-selectors.json").write_text(json.dumps({"EventSelectors": [7]}))
    code, report, _ = _run(tmp_path, capsys)
    assert code == 1 and not report["unparsed"]
    [ct302] = [f for f in report["findings"] if f["rule_id"] == "CT302" and "trail t'" in f["message"]]
    assert ct302["status"] == "UNKNOWN"
    assert "trails.t.event-selectors.json: EventSelectors[0] is a number, not an object" in ct302["message"]


def test_snapshot_trail_answer_of_the_wrong_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CloudTrail answer boto3 could not have given counts as a failed call: UNKNOWN with where and why."""
    calls = [
        _call(response={"trailList": [{"TrailARN": WRONG_TRAIL["TrailARN"], "HomeRegion": "us-east-1"}]}),
        _call(operation="GetTrailStatus", params={"Name": WRONG_TRAIL["TrailARN"]}, response={"IsLogging": "yes"}),
    ]
    (tmp_path / "snapshot.json").write_text(_snapshot(calls=calls).decode())
    code, report, _ = _run(tmp_path, capsys)
    # A malformed answer is a failed read: the snapshot is an incomplete audit (exit 3), not unusable.
    assert code == 3 and not report["unparsed"] and report["complete"] is False
    [ct102] = [f for f in report["findings"] if f["rule_id"] == "CT102" and f["file"].endswith("snapshot.json")]
    assert ct102["status"] == "UNKNOWN"  # is it logging?
    assert "calls/1/response: IsLogging is a string, not a boolean" in ct102["message"]


def test_huge_snapshot_is_refused_without_reading_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ctguard.parsers.scan import MAX_SNAPSHOT_BYTES

    huge = tmp_path / "org-snapshot.json"
    with open(huge, "wb") as fh:  # sparse: over the snapshot limit on paper, nothing on disk
        fh.write(_snapshot()[:-3])
        fh.truncate(MAX_SNAPSHOT_BYTES + 1)
    code, report, _ = _run(tmp_path, capsys)
    assert code == 3
    _assert_bad(report, "org-snapshot.json", "larger than")


PLAN_SHAPES = {
    "planned_values list": {"planned_values": [{"root_module": {}}]},
    "root_module string": {"planned_values": {"root_module": "x"}},
    "resources object": {"planned_values": {"root_module": {"resources": {"a": 1}, "child_modules": 3}}},
    "resource type list": {
        "planned_values": {"root_module": {"resources": [{"type": ["aws_cloudtrail"], "address": "a"}]}}
    },
    "changes wrong": {
        "resource_changes": [{"address": "a", "change": [1]}],
        "configuration": [1],
        "planned_values": {
            "root_module": {"resources": [{"type": "aws_cloudtrail", "address": "a", "values": {"name": "t"}}]}
        },
    },
    "configuration wrong": {
        "configuration": {"root_module": {"module_calls": [], "resources": {"x": 1}}},
        "planned_values": {
            "root_module": {"resources": [{"type": "aws_cloudtrail", "address": "a", "values": {"name": "t"}}]}
        },
    },
}


@pytest.mark.parametrize("case", sorted(PLAN_SHAPES))
def test_plan_of_the_wrong_shape_is_read_as_far_as_it_goes(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plan.json").write_text(json.dumps({"format_version": "1.2", **PLAN_SHAPES[case]}))
    code, report, _ = _run(tmp_path, capsys)
    assert code in (0, 1)  # a shape the reader skips is not a crash
    assert not report["unparsed"], report["unparsed"]
    assert any(f["file"].endswith("good.yaml") for f in report["findings"])


def test_snapshot_bucket_answer_of_the_wrong_shape_is_unknown_not_a_policy_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the long fuzz run: an access-log target bucket given as a number made CT405 raise."""
    doc = json.loads(
        (Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "snapshot-single-account.json").read_text()
    )
    [logging] = [c for c in doc["calls"] if c["operation"] == "GetBucketLogging" and "response" in c][:1]
    logging["response"] = {"LoggingEnabled": {"TargetBucket": 7, "TargetPrefix": "x/"}}
    (tmp_path / "snapshot.json").write_text(json.dumps(doc))
    code, report, _ = _run(tmp_path, capsys, "--account", "111122223333")
    assert code == 3 and not report["unparsed"]  # a malformed answer is a failed read: incomplete, exit 3
    assert not [f for f in report["findings"] if f["status"] == "ERROR"]
    ct405 = [f for f in report["findings"] if f["rule_id"] == "CT405" and f["file"].endswith("snapshot.json")]
    assert ct405 and all(f["status"] == "UNKNOWN" for f in ct405), ct405
    assert "LoggingEnabled.TargetBucket is a number, not a string" in ct405[0]["message"]
