"""``ctguard drift`` and ``audit --compare``: each kind of drift, on fixtures/drift/.

fixtures/drift/account.json is written by scripts/make_lake_fixtures.py (checked below); each
code-*/ folder describes that account with some drift (see the comment at its top).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from ctguard import api
from ctguard.cli import main
from ctguard.commands.drift import add_drift, drift_report
from ctguard.commands.report_options import DEFAULTS
from ctguard.drift import compare
from ctguard.drift.fields import _key
from ctguard.engine.evaluate import Settings
from ctguard.engine.policy import load_policies
from ctguard.findings import Finding, Status
from ctguard.parsers.context import ParseContext
from ctguard.suppress import Gate

REPO = Path(__file__).resolve().parents[3]
DRIFT = REPO / "fixtures" / "drift"
ACCOUNT = DRIFT / "account.json"
CONTEXT = ParseContext(region="us-east-1")


def _drift(code: str, snapshot: Path = ACCOUNT, context: ParseContext = CONTEXT) -> list[Finding]:
    code_inputs = list(api.load_inputs([str(DRIFT / code)], context))
    account = list(api.load_inputs([str(snapshot)], ParseContext()))
    return compare(code_inputs, account, load_policies()).findings


def _one(findings: list[Finding], rule: str, status: Status, name: str, words: str = "") -> Finding:
    hits = [
        f
        for f in findings
        if f.rule_id == rule and f.status is status and f.resource_name == name and words in f.message
    ]
    assert len(hits) == 1, (
        rule,
        status,
        name,
        words,
        [(f.rule_id, f.status, f.resource_name, f.message) for f in findings],
    )
    return hits[0]


@pytest.fixture(scope="module")
def drifted() -> list[Finding]:
    return _drift("code")


def test_logging_stopped_by_hand(drifted: list[Finding]) -> None:
    f = _one(drifted, "CT903", Status.FAIL, "main-trail", "logging is off in the account")
    assert f.file.endswith("code/template.yaml") and f.line == 13  # IsLogging in the code
    assert "aws://111122223333/us-east-1/main-trail" in f.message and "account.json:" in f.message


def test_configuration_field_changed(drifted: list[Finding]) -> None:
    f = _one(drifted, "CT904", Status.FAIL, "main-trail", "log file validation is true in the account")
    assert f.line == 16 and "but false in the code" in f.message


def test_key_swapped(drifted: list[Finding]) -> None:
    f = _one(drifted, "CT905", Status.FAIL, "main-trail", "KMS key")
    assert "0987dcba" in f.message and "1234abcd" in f.message and f.line == 17


def test_selectors_compared_by_what_they_record(drifted: list[Finding]) -> None:
    trail = _one(drifted, "CT906", Status.FAIL, "main-trail", "the code's trail records 2 event classes")
    assert "arn:aws:s3:::acme-payments/" in trail.message and trail.model_path == ("event_selectors",)
    store = _one(
        drifted,
        "CT906",
        Status.FAIL,
        "audit-lake",
        "the account's store records 1 event class the code's does not (Data AWS::S3::Object write)",
    )
    assert store.resource_kind == "event_data_store"


def test_store_ingestion_and_retention(drifted: list[Finding]) -> None:
    _one(drifted, "CT903", Status.FAIL, "audit-lake", "ingestion is off in the account")
    _one(drifted, "CT904", Status.FAIL, "audit-lake", "retention (days) is 90 in the account")


def test_in_code_not_in_account(drifted: list[Finding]) -> None:
    f = _one(drifted, "CT901", Status.FAIL, "gone-trail", "not in the account")
    assert f.file.endswith("template.yaml") and f.line == 25


def test_in_account_not_in_code(drifted: list[Finding]) -> None:
    f = _one(drifted, "CT902", Status.FAIL, "console-trail", "not in the code")
    assert f.file == "aws://111122223333/us-east-1/console-trail" and "account.json:" in f.message


def test_no_drift_is_all_pass() -> None:
    findings = _drift("code-matching")
    assert findings and all(f.status is Status.PASS for f in findings), [
        f.message for f in findings if f.status is not Status.PASS
    ]
    assert {f.rule_id for f in findings} == {"CT901", "CT903", "CT904", "CT905", "CT906"}


def test_unknown_in_code_is_not_drift() -> None:
    findings = _drift("code-unknown")
    f = _one(findings, "CT904", Status.UNKNOWN, "main-trail", "parameter MultiRegion has no default")
    assert "not drift" in f.message
    _one(findings, "CT905", Status.UNKNOWN, "main-trail", "by alias and the other by id")
    missing = [f for f in findings if f.rule_id == "CT901" and f.resource == "ExtraTrail"]
    assert [f.status for f in missing] == [Status.UNKNOWN] and "ExtraTrailName" in missing[0].message
    # The unnamed trail may be console-trail: that is not called "not in code".
    _one(findings, "CT902", Status.UNKNOWN, "console-trail")
    assert not [f for f in findings if f.status is Status.FAIL and f.rule_id != "CT902"]


def test_terraform_provider_default_logging_drifts() -> None:
    findings = _drift("code-terraform")
    _one(findings, "CT903", Status.FAIL, "main-trail", "on in the code")
    _one(findings, "CT905", Status.PASS, "main-trail")
    _one(findings, "CT904", Status.PASS, "audit-lake")


def test_describe_trails_without_status_is_unknown_logging(tmp_path: Path) -> None:
    listing = tmp_path / "trails.json"
    listing.write_text(
        json.dumps(
            {
                "trailList": [
                    {
                        "Name": "main-trail",
                        "S3BucketName": "acme-cloudtrail-logs",
                        "S3KeyPrefix": "trails",
                        "IsMultiRegionTrail": True,
                        "HomeRegion": "us-east-1",
                        "LogFileValidationEnabled": True,
                        "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    findings = _drift("code-matching", listing)
    f = _one(findings, "CT903", Status.UNKNOWN, "main-trail")
    assert "GetTrailStatus" in f.message and "not known" in f.message


def test_name_in_several_regions_needs_the_code_region(tmp_path: Path) -> None:
    trails = [
        {
            "Name": "main-trail",
            "S3BucketName": "b",
            "HomeRegion": r,
            "IsMultiRegionTrail": False,
            "TrailARN": f"arn:aws:cloudtrail:{r}:111122223333:trail/main-trail",
        }
        for r in ("us-east-1", "eu-west-1")
    ]
    listing = tmp_path / "trails.json"
    listing.write_text(json.dumps({"trailList": trails}), encoding="utf-8")
    code = tmp_path / "t.yaml"
    code.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
        "      TrailName: main-trail\n      S3BucketName: b\n      IsLogging: true\n",
        encoding="utf-8",
    )

    def run(region: str | None) -> list[Finding]:
        return compare(
            list(api.load_inputs([str(code)], ParseContext(region=region))),
            list(api.load_inputs([str(listing)], ParseContext())),
            load_policies(),
        ).findings

    unsure = [f for f in run(None) if f.rule_id == "CT901"]
    assert [f.status for f in unsure] == [Status.UNKNOWN] and "2 of that name" in unsure[0].message
    found = [f for f in run("eu-west-1") if f.rule_id == "CT901"]
    assert [f.status for f in found] == [Status.PASS] and "eu-west-1" in found[0].message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("arn:aws:kms:us-east-1:111122223333:key/abc", ("key", "abc")),
        ("abc", ("key", "abc")),
        ("alias/ct", ("alias", "alias/ct")),
        ("arn:aws:kms:us-east-1:111122223333:alias/ct", ("alias", "alias/ct")),
    ],
)
def test_key_spellings(text: str, expected: tuple[str, str]) -> None:
    assert _key(text, None) == expected  # type: ignore[arg-type]


# --- the command ---------------------------------------------------------------------------------


def test_cli_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", str(DRIFT / "code-matching"), str(ACCOUNT), "--no-config"]) == 0
    capsys.readouterr()
    assert main(["drift", str(DRIFT / "code"), str(ACCOUNT), "--no-config", "-f", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    rules = {f["rule_id"] for f in doc["findings"]}
    assert {"CT901", "CT902", "CT903", "CT904", "CT905", "CT906"} <= rules


def test_cli_unreadable_code_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties: [\n", encoding="utf-8")
    assert main(["drift", str(broken), str(DRIFT / "code-matching"), str(ACCOUNT), "--no-config"]) == 3
    assert "CT001" in capsys.readouterr().out


def test_cli_snapshot_and_code_the_wrong_way_round(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", str(ACCOUNT), str(DRIFT / "code"), "--no-config"]) == 2
    assert "CODE must be templates" in capsys.readouterr().err


def test_audit_compare_adds_drift_to_the_audit_report() -> None:
    """What ``audit --compare`` does once the live inputs are built (here from the saved snapshot)."""
    account = list(api.load_inputs([str(ACCOUNT)], ParseContext()))
    options: dict[str, Any] = dict(DEFAULTS)
    report = api.evaluate(account, load_policies(), Settings(), Gate())
    before = len(report.findings)
    add_drift(report, [str(DRIFT / "code")], account, options, Gate(), Settings())
    added = [f for f in report.findings if f.rule_id.startswith("CT9")]
    assert len(report.findings) == before + len(added)
    assert {"CT901", "CT902", "CT903", "CT906"} <= {f.rule_id for f in added if f.status is Status.FAIL}
    assert not [f for f in report.findings if f.rule_id == "CT001"]
    assert report.exit_code() == 1


def test_strict_turns_unknown_drift_into_failure() -> None:
    code = list(api.load_inputs([str(DRIFT / "code-unknown")], CONTEXT))
    account = list(api.load_inputs([str(ACCOUNT)], ParseContext()))
    report = drift_report(code, account, dict(DEFAULTS), Gate(), Settings(strict=True))
    assert not [f for f in report.findings if f.status is Status.UNKNOWN]
    assert any("(--strict)" in f.message for f in report.findings)


def test_committed_drift_snapshot_matches_the_generator() -> None:
    spec = importlib.util.spec_from_file_location("make_lake_fixtures", REPO / "scripts" / "make_lake_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in module.DRIFT_FILES:
        assert (DRIFT / name).read_text(encoding="utf-8") == module.render_drift(name), (
            "run python scripts/make_lake_fixtures.py"
        )


def test_readme_drift_sample_is_what_drift_says() -> None:
    """The README's sample lines (file renamed) are findings of fixtures/drift/code against account.json."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Drift between code and account") :]
    sample = section[section.index("```text") : section.index("```", section.index("```text") + 7)]
    claimed = re.findall(r"^cloudtrail\.yaml:(\d+):\d+: (CT9\d\d) ", sample, re.M)
    assert len(claimed) >= 6
    got = {(str(f.line), f.rule_id) for f in _drift("code") if f.status is Status.FAIL}
    assert set(claimed) <= got, sorted(set(claimed) - got)


def test_unreadable_snapshot_compares_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "snapshot.json"
    broken.write_text('{"ctguard_snapshot": "1.0", "calls": [', encoding="utf-8")
    assert main(["drift", str(DRIFT / "code"), str(broken), "--no-config", "-f", "json"]) == 3
    rules = {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "CT001" in rules and not {r for r in rules if r.startswith("CT9")}


def test_account_option_picks_the_account_of_a_multi_account_snapshot(tmp_path: Path) -> None:
    trails = [
        {
            "Name": "main-trail",
            "S3BucketName": "b",
            "HomeRegion": "us-east-1",
            "IsMultiRegionTrail": True,
            "TrailARN": f"arn:aws:cloudtrail:us-east-1:{a}:trail/main-trail",
        }
        for a in ("111122223333", "444455556666")
    ]
    listing = tmp_path / "trails.json"
    listing.write_text(json.dumps({"trailList": trails}), encoding="utf-8")
    code = tmp_path / "t.yaml"
    code.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      TrailName: main-trail\n"
        "      S3BucketName: b\n      IsLogging: true\n      IsMultiRegionTrail: true\n",
        encoding="utf-8",
    )
    context = ParseContext(account_id="444455556666", region="us-east-1")
    found = [
        f
        for f in compare(
            list(api.load_inputs([str(code)], context)),
            list(api.load_inputs([str(listing)], ParseContext())),
            load_policies(),
        ).findings
        if f.rule_id == "CT901"
    ]
    assert [f.status for f in found] == [Status.PASS] and "aws://444455556666/" in found[0].message


def test_cloudformation_conditions_are_unknown_not_drift(tmp_path: Path) -> None:
    listing = tmp_path / "trails.json"
    listing.write_text(
        json.dumps(
            {
                "trailList": [
                    {
                        "Name": "main-trail",
                        "S3BucketName": "b",
                        "HomeRegion": "us-east-1",
                        "IsMultiRegionTrail": False,
                        "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    code = tmp_path / "t.yaml"
    code.write_text(
        """Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Main:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: main-trail
      S3BucketName: b
      IsLogging: true
      IsMultiRegionTrail: !If [IsProd, true, false]
  Extra:
    Type: AWS::CloudTrail::Trail
    Condition: IsProd
    Properties:
      TrailName: prod-only-trail
      S3BucketName: b
      IsLogging: true
""",
        encoding="utf-8",
    )
    findings = compare(
        list(api.load_inputs([str(code)], CONTEXT)),
        list(api.load_inputs([str(listing)], ParseContext())),
        load_policies(),
    ).findings
    multi = [f for f in findings if f.rule_id == "CT904" and f.model_path == ("is_multi_region",)]
    assert [f.status for f in multi] == [Status.UNKNOWN] and "Conditions" in multi[0].message
    extra = [f for f in findings if f.rule_id == "CT901" and f.resource == "Extra"]
    assert [f.status for f in extra] == [Status.UNKNOWN] and "IsProd is true" in extra[0].message


def test_generated_cloudformation_name_matches_its_shape(tmp_path: Path) -> None:
    def listing(*names: str) -> Path:
        path = tmp_path / "trails.json"
        path.write_text(
            json.dumps(
                {
                    "trailList": [
                        {
                            "Name": n,
                            "S3BucketName": "b",
                            "HomeRegion": "us-east-1",
                            "IsMultiRegionTrail": False,
                            "TrailARN": f"arn:aws:cloudtrail:us-east-1:111122223333:trail/{n}",
                        }
                        for n in names
                    ]
                }
            ),
            encoding="utf-8",
        )
        return path

    code = tmp_path / "t.yaml"
    code.write_text(
        "Resources:\n  AuditTrail:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n"
        "      S3BucketName: b\n      IsLogging: true\n",
        encoding="utf-8",
    )

    def ct901(path: Path) -> list[Finding]:
        return [
            f
            for f in compare(
                list(api.load_inputs([str(code)], CONTEXT)),
                list(api.load_inputs([str(path)], ParseContext())),
                load_policies(),
            ).findings
            if f.rule_id == "CT901"
        ]

    [one] = ct901(listing("security-AuditTrail-1A2B3C4D5E6F", "other-trail"))
    assert one.status is Status.PASS and "generated by CloudFormation" in one.message
    [two] = ct901(listing("a-AuditTrail-1A2B3C4D5E6F", "b-AuditTrail-9Z8Y7X6W5V4U"))
    assert two.status is Status.UNKNOWN and "2 account names fit" in two.message


def test_regions_and_stores_the_snapshot_did_not_read_are_unknown(tmp_path: Path) -> None:
    eu = list(api.load_inputs([str(DRIFT / "code")], ParseContext(region="eu-west-1")))
    findings = compare(eu, list(api.load_inputs([str(ACCOUNT)], ParseContext())), load_policies()).findings
    gone = _one(findings, "CT901", Status.UNKNOWN, "gone-trail")
    assert "did not read eu-west-1" in gone.message
    # describe-trails output has no event data stores: a store of the code is not "missing".
    findings = _drift("code", REPO / "fixtures" / "aws" / "describe-trails" / "trails.json")
    store = _one(findings, "CT901", Status.UNKNOWN, "audit-lake")
    assert "does not list CloudTrail Lake event data stores" in store.message


def test_another_accounts_organization_trail_is_not_extra(tmp_path: Path) -> None:
    """Member 222233334444 sees the management account's org-trail: that trail is not the member's code's."""
    code = tmp_path / "t.yaml"
    code.write_text(
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      TrailName: prod-eu-data\n"
        "      S3BucketName: b\n      IsLogging: true\n",
        encoding="utf-8",
    )
    snapshot = REPO / "fixtures" / "aws" / "snapshot-organization.json"
    member = [
        p for p in api.load_inputs([str(snapshot)], ParseContext()) if p.variants[0].account_id.value == "222233334444"
    ]  # type: ignore[union-attr]
    findings = compare(list(api.load_inputs([str(code)], CONTEXT)), member, load_policies()).findings
    assert not [f for f in findings if f.rule_id == "CT902"], [f.message for f in findings if f.rule_id == "CT902"]
    _one(findings, "CT901", Status.PASS, "prod-eu-data")
