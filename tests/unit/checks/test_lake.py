"""CloudTrail Lake event data stores: the three input kinds read the same store, and the
store policies (CT70x) and selector lints read it as the simulator does."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from ctguard.api import check
from ctguard.checks.lake_sim import stand_in
from ctguard.findings import Status
from ctguard.model import AdvancedEventSelector, EventDataStore, FieldSelector
from ctguard.parsers.aws.related import _ingestion
from ctguard.values import ABSENT, Known, Unknown

REPO = Path(__file__).resolve().parents[3]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _stores(path: Path) -> list[EventDataStore]:
    report = check([path])
    return [s for parsed in report.inputs for v in parsed.variants for s in v.all("event_data_store")]


def _by_rule(path: Path) -> dict[str, Status]:
    return {f.rule_id: f.status for f in check([path]).findings if f.resource_kind == "event_data_store"}


CFN = """Resources:
  Key:
    Type: AWS::KMS::Key
  Lake:
    Type: AWS::CloudTrail::EventDataStore
    Properties:
      Name: lake
      IngestionEnabled: false
      KmsKeyId: !GetAtt Key.Arn
"""
HCL = """resource "aws_kms_key" "k" {}
resource "aws_cloudtrail_event_data_store" "lake" {
  name       = "lake"
  suspend    = true
  kms_key_id = aws_kms_key.k.arn
}
"""


def test_cloudformation_ingestion_and_key_link(tmp_path: Path) -> None:
    [store] = _stores(_write(tmp_path, "t.yaml", CFN))
    assert store.ingestion_enabled == Known(False)
    assert store.kms_key == "Key"  # its ARN is known only at deploy time, but the key is this template's
    assert _by_rule(tmp_path / "t.yaml")["CT701"] is Status.PASS


def test_terraform_suspend_is_ingestion_turned_round(tmp_path: Path) -> None:
    [store] = _stores(_write(tmp_path, "m/main.tf", HCL).parent)
    assert store.ingestion_enabled.value is False  # type: ignore[union-attr]
    assert store.kms_key == "aws_kms_key.k"
    rules = _by_rule(tmp_path / "m")
    assert rules["CT706"] is Status.FAIL and rules["CT701"] is Status.PASS


def test_terraform_defaults_are_the_providers(tmp_path: Path) -> None:
    [store] = _stores(
        _write(tmp_path, "m/main.tf", 'resource "aws_cloudtrail_event_data_store" "s" {\n  name = "s"\n}\n').parent
    )
    assert store.retention_days == Known(2555, via="provider default")
    # multi-region, organization and termination protection: the provider's defaults are the API's.
    assert store.is_multi_region is ABSENT and store.termination_protection is ABSENT
    assert store.ingestion_enabled is ABSENT


@pytest.mark.parametrize(
    "status, expected",
    [
        ("ENABLED", True),
        ("STARTING_INGESTION", True),
        ("STOPPED_INGESTION", False),
        ("STOPPING_INGESTION", False),
        ("PENDING_DELETION", False),
    ],
)
def test_live_status_decides_ingestion(status: str, expected: bool) -> None:
    value = _ingestion(status)
    assert isinstance(value, Known) and value.value is expected and status in (value.via or "")


def test_live_status_without_meaning_is_unknown_not_pass() -> None:
    assert isinstance(_ingestion("CREATED"), Unknown)
    assert _ingestion(None) is ABSENT


def test_stand_in_trail_carries_the_stores_scope() -> None:
    store = EventDataStore(
        key="k",
        arn=Known("arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/x"),
        is_multi_region=Known(False),
        ingestion_enabled=Unknown("not read"),
        advanced_event_selectors=Known(
            (AdvancedEventSelector(None, (FieldSelector("eventCategory", equals=("Management",)),)),)
        ),
    )
    trail = stand_in(store)
    assert trail.home_region == Known("eu-west-1", via="event data store ARN")
    assert trail.account_id.value == "111122223333"  # type: ignore[union-attr]
    assert trail.is_multi_region == Known(False) and isinstance(trail.is_logging, Unknown)
    assert trail.is_organization == Known(False, via="AWS default")
    assert trail.advanced_event_selectors is store.advanced_event_selectors


def test_store_only_management_fields_are_not_lint_failures_on_stores_but_are_on_trails(tmp_path: Path) -> None:
    selectors = """      AdvancedEventSelectors:
        - FieldSelectors:
            - Field: eventCategory
              Equals: [Management]
            - Field: eventName
              NotEquals: [Decrypt]
"""
    store = _write(
        tmp_path,
        "s.yaml",
        "Resources:\n  Lake:\n    Type: AWS::CloudTrail::EventDataStore\n"
        "    Properties:\n      Name: lake\n" + selectors,
    )
    trail = _write(
        tmp_path,
        "t.yaml",
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
        "      S3BucketName: b\n      IsLogging: true\n" + selectors,
    )
    assert _by_rule(store)["CT301"] is Status.PASS
    [finding] = [f for f in check([trail]).findings if f.rule_id == "CT301"]
    assert finding.status is Status.FAIL and "event data stores only" in finding.message


def test_store_management_events_can_be_left_to_a_trail(tmp_path: Path) -> None:
    """CT707 passes on a data-only store beside a logging trail and fails once the trail stops."""
    body = """Resources:
  Lake:
    Type: AWS::CloudTrail::EventDataStore
    Properties:
      Name: lake
      AdvancedEventSelectors:
        - FieldSelectors:
            - Field: eventCategory
              Equals: [Data]
            - Field: resources.type
              Equals: [AWS::DynamoDB::Table]
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: b
      IsLogging: {logging}
"""
    on = _write(tmp_path, "on.yaml", body.replace("{logging}", "true"))
    off = _write(tmp_path, "off.yaml", body.replace("{logging}", "false"))
    assert _by_rule(on)["CT707"] is Status.PASS
    assert _by_rule(off)["CT707"] is Status.FAIL


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_lake_fixtures", REPO / "scripts" / "make_lake_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_lake_snapshot_fixtures_match_the_generator() -> None:
    generator = _generator()
    stale = []
    for name in sorted(generator.CASES):
        body, expect = generator.render(name)
        path = REPO / "fixtures" / "rules" / f"{name}.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != body:
            stale.append(str(path))
        if path.with_suffix(".expect").read_text(encoding="utf-8") != expect:
            stale.append(str(path.with_suffix(".expect")))
    assert not stale, "run python scripts/make_lake_fixtures.py:\n" + "\n".join(stale)


def test_every_store_policy_has_pass_fail_and_unknown_fixtures_in_three_forms() -> None:
    for n in range(1, 8):
        rule = REPO / "fixtures" / "rules" / f"CT70{n}"
        outcomes = {p.name for p in rule.iterdir()}
        assert {"pass", "fail", "unknown"} <= outcomes, rule
        names = [p.name for p in rule.glob("*/*")]
        assert any(x.startswith("snapshot-") for x in names), rule
        assert any(x.startswith("tf-") for x in names), rule
        assert any(x.startswith("cfn-") for x in names), rule


# What makes a bare store fail each policy, and the support its fix text may reference.
_FAILING = {
    "CT701": "",
    "CT702": "retention_period = 30\n",
    "CT703": "termination_protection_enabled = false\n",
    "CT704": "multi_region_enabled = false\n",
    "CT705": "",
    "CT706": "suspend = true\n",
    "CT707": 'advanced_event_selector {\n  field_selector {\n    field  = "eventCategory"\n'
    '    equals = ["Data"]\n  }\n  field_selector {\n    field  = "resources.type"\n'
    '    equals = ["AWS::DynamoDB::Table"]\n  }\n}\n',
}


def _store_fixes() -> list[tuple[str, str]]:
    import yaml

    out = []
    for path in sorted((REPO / "policies").glob("CT7*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((doc["id"], doc["docs"]["fix"]["terraform"]))
    return out


@pytest.mark.parametrize("rule,fix", _store_fixes(), ids=[r for r, _ in _store_fixes()])
def test_terraform_fix_text_fixes_the_store(tmp_path: Path, rule: str, fix: str) -> None:
    def status(body: str) -> Status:
        module = _write(
            tmp_path,
            "m/main.tf",
            'resource "aws_kms_key" "lake" {}\n'
            'resource "aws_cloudtrail_event_data_store" "s" {\n  name = "s"\n' + body + "}\n",
        ).parent
        (finding,) = [f for f in check([module]).findings if f.rule_id == rule]
        return finding.status

    broken = _FAILING[rule]
    assert status(broken) is not Status.PASS, f"{rule}: the broken store should not pass"
    # The fix replaces the offending argument; CT707's adds a selector beside the data-only one.
    assert status((broken if rule == "CT707" else "") + fix + "\n") is Status.PASS, (rule, fix)
