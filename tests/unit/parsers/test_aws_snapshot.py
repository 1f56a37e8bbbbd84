"""Snapshot files through ``ctguard check``: detection, schema validation (CT001, exit 3), one input per account,
and the hand-built fixture snapshots against botocore's response shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ctguard.api import check
from ctguard.calls import CallStore
from ctguard.findings import Status
from ctguard.parsers import scan
from ctguard.parsers.aws.snapshot import schema_errors

REPO = Path(__file__).resolve().parents[3]
AWS = REPO / "fixtures" / "aws"
SINGLE = json.loads((AWS / "snapshot-single-account.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "head, kind",
    [
        (b'{"ctguard_snapshot": "1.0", "calls": []}', "aws-snapshot"),
        (b'\xef\xbb\xbf  {\n  "calls": [], "ctguard_snapshot": "1.0"}', "aws-snapshot"),  # sorted keys, BOM
        (b'{\n    "trailList": []\n}', "aws-cli"),
        (b'[{"trailList": []}]', None),
        (b'{"IsLogging": true}', None),  # a get-trail-status sidecar is not an input on its own
    ],
)
def test_sniff(head: bytes, kind: str | None) -> None:
    assert scan.sniff("x.json", head) == kind
    assert scan.sniff("x.yaml", head) is None or kind is None


def test_store_round_trip_is_schema_valid() -> None:
    store = CallStore.from_json(SINGLE)
    store.meta = SINGLE["meta"]
    assert schema_errors(store.to_json()) == []
    assert store.to_json()["calls"] == SINGLE["calls"]


@pytest.mark.parametrize(
    "edit, where, words",
    [
        (lambda d: d["calls"][3].update(region="US-East-1"), "calls/3/region", "does not match"),
        (lambda d: d["calls"][0].update(error={"code": "AccessDenied"}), "calls/0", "has both response and error"),
        (lambda d: d["calls"][2].pop("response"), "calls/2", "needs exactly one of response and error"),
        (lambda d: d["calls"][1].pop("account"), "calls/1", "'account' is a required property"),
        (lambda d: d.update(ctguard_snapshot="2.0"), "ctguard_snapshot", "does not match"),
        (lambda d: d.update(calls={}), "calls", "is not of type 'array'"),
    ],
)
def test_schema_violation_is_ct001_with_the_path(tmp_path: Path, edit: Any, where: str, words: str) -> None:
    data = json.loads(json.dumps(SINGLE))
    edit(data)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    report = check([path])
    [finding] = report.findings
    assert finding.rule_id == "CT001" and finding.status is Status.ERROR
    assert f"snapshot schema at {where}:" in finding.message and words in finding.message
    assert report.exit_code() == 3
    if where.startswith("calls/"):
        parts = where.split("/")
        if len(parts) == 2:
            assert finding.line == _call_line(path, int(parts[1]))
        else:  # the offending key's own line
            assert f'"{parts[2]}":' in path.read_text().splitlines()[finding.line - 1]
            assert finding.line > _call_line(path, int(parts[1]))


def _call_line(path: Path, index: int) -> int:
    starts = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "    {"]
    return starts[index]


def test_broken_json_is_ct001(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text('{"ctguard_snapshot": "1.0", "calls": [\n  {"account": }\n]}', encoding="utf-8")
    [finding] = check([path]).findings
    assert finding.rule_id == "CT001" and finding.line == 2 and "cannot parse snapshot" in finding.message


def test_multi_account_snapshot_is_one_input_per_account() -> None:
    report = check([AWS / "snapshot-organization.json"])
    assert [p.kind for p in report.inputs] == ["aws-snapshot", "aws-snapshot"]
    ct605 = {f.resource: f for f in report.findings if f.rule_id == "CT605"}
    management, member = ct605["999988887777"], ct605["222233334444"]
    assert management.status is Status.PASS and "runs organization trail org-trail" in management.message
    assert member.status is Status.PASS and "covered by organization trail" in member.message
    org_trail = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"
    seen = {(f.resource, f.resource_name) for f in report.findings if f.rule_id == "CT101"}
    assert (org_trail, "org-trail") in seen  # resource is the ARN in both accounts' findings
    assert all(f.file.endswith("snapshot-organization.json") for f in report.findings)
    # Nothing about the management account's bucket fails in the member: it is owned elsewhere.
    assert report.exit_code() in (0, 1)


def test_empty_snapshot_is_an_input_without_findings(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"ctguard_snapshot": "1.0", "meta": {}, "calls": []}', encoding="utf-8")
    report = check([path])
    assert [p.kind for p in report.inputs] == ["aws-snapshot"] and report.findings == []


# --- fixture snapshots follow botocore's output shapes ------------------------------------------


def _snapshots() -> list[Path]:
    rules = REPO / "fixtures" / "rules"
    files = (
        sorted(AWS.glob("*.json"))
        + sorted(rules.glob("CT[68]*/*/*.json"))
        + sorted(p for p in rules.glob("*/*/snapshot-*.json") if not p.parts[-3].startswith(("CT6", "CT8")))
    )
    return [f for f in files if f.read_bytes().lstrip().startswith(b'{\n  "ctguard_snapshot"')]


def _shape_problems(shape: Any, value: Any, where: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        problems = []
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{where}.{key}: not in botocore's {shape.name}")
            elif item is not None:
                problems.extend(_shape_problems(shape.members[key], item, f"{where}.{key}"))
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [p for i, item in enumerate(value) for p in _shape_problems(shape.member, item, f"{where}[{i}]")]
    if kind == "map":
        return [] if isinstance(value, dict) else [f"{where}: expected a map"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    if kind in ("integer", "long"):
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an integer"]
    if kind in ("double", "float"):
        return [] if isinstance(value, (int, float)) else [f"{where}: expected a number"]
    if kind in ("string", "timestamp"):
        return [] if isinstance(value, (str, dict)) else [f"{where}: expected a string"]  # IAM docs: decoded dicts
    return []


@pytest.fixture(scope="module")
def operations() -> Any:
    """Operation models, loaded once per service (botocore parses a large JSON file per service)."""
    botocore = pytest.importorskip("botocore.session")
    session = botocore.get_session()
    services: dict[str, Any] = {}

    def get(service: str, operation: str) -> Any:
        if service not in services:
            services[service] = session.get_service_model(service)
        return services[service].operation_model(operation)

    return get


@pytest.mark.parametrize("path", _snapshots(), ids=lambda p: str(p.relative_to(REPO)))
def test_fixture_responses_match_botocore_shapes(path: Path, operations: Any) -> None:
    problems: list[str] = []
    data = json.loads(path.read_text(encoding="utf-8"))
    for i, call in enumerate(data["calls"]):
        model = operations(call["service"], call["operation"])
        for key in call.get("params") or {}:
            if key not in model.input_shape.members:
                problems.append(f"calls[{i}] {call['operation']} param {key}: not a request parameter")
        if "response" in call:
            problems.extend(_shape_problems(model.output_shape, call["response"], f"calls[{i}] {call['operation']}"))
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize(
    "text",
    [
        (AWS / "snapshot-organization.json").read_text(encoding="utf-8"),
        '{"a": "x\\"}{[", "b": [1, {"c": "]"}, [2, 3.5e2, true, null]], "d": {}, "e": [], "f": "\\u00e9"}',
        '{\n\t"calls" :[ {"k":\n  {"deep": {"deeper": {"deepest": [0]}}}} ]\n}',
    ],
)
def test_json_spans_agree_with_yamlload(text: str) -> None:
    from ctguard import yamlload
    from ctguard.parsers.aws.spans import json_spans

    expected = {k: v for k, v in yamlload.load(text, cfn_tags=False).spans.items() if len(k) <= 6}
    assert json_spans(text, 6) == expected


def test_snapshots_may_be_larger_than_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "MAX_FILE_BYTES", 1024)
    report = check([AWS / "snapshot-single-account.json"])
    assert report.inputs[0].kind == "aws-snapshot" and not report.unusable
    monkeypatch.setattr(scan, "MAX_SNAPSHOT_BYTES", 2048)
    [finding] = check([AWS / "snapshot-single-account.json"]).findings
    assert finding.rule_id == "CT001" and "larger than the 2,048 bytes" in finding.message


def test_a_call_recorded_twice_does_not_shift_the_lines(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SINGLE))
    data["calls"].insert(1, json.loads(json.dumps(data["calls"][0])))  # GetCallerIdentity twice
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    finding = next(f for f in check([path]).findings if f.rule_id == "CT101")
    lines = path.read_text().splitlines()
    assert '"Name": "main-trail"' in lines[finding.line]
