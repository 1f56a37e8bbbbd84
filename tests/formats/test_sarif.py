"""SARIF 2.1.0: valid against the vendored OASIS schema, and what GitHub code scanning reads."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ctguard import api
from ctguard.cli import main
from ctguard.formatters import renderer

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def sarif(report: api.Report) -> dict:
    log = json.loads(renderer("sarif")(report, {}))
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    return log


def test_valid_and_complete_for_code_scanning(repo_report: api.Report) -> None:
    log = sarif(repo_report)
    assert log["version"] == "2.1.0" and log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:  # GitHub requires these non-empty
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["helpUri"].startswith("https://")
        assert "security" in rule["properties"]["tags"]
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
    ct101 = next(r for r in rules if r["id"] == "CT101")
    assert ct101["properties"]["security-severity"] == "8.0" and ct101["defaultConfiguration"]["level"] == "error"
    assert "IsMultiRegionTrail: true" in ct101["help"]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "infra/trail.yaml"  # relative to the .git root
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        assert len(result["partialFingerprints"]["ctguardFindingHash/v1"]) == 32


def test_suppressed_findings_carry_suppressions(repo_report: api.Report) -> None:
    results = sarif(repo_report)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["CT101"]["suppressions"] == [
        {
            "kind": "inSource",
            "justification": "regional trail by design, see ADR-12",
            "properties": {"source": "inline"},
        }
    ]
    assert by_rule["CT104"]["suppressions"][0]["justification"] == "no reason given"
    assert "suppressions" not in by_rule["CT105"]  # expired skip: the finding is back
    assert by_rule["CT105"]["level"] == "note"
    assert all(r["properties"]["status"] != "PASS" for r in results)


def test_fingerprint_survives_moving_lines_and_paths(
    tmp_path: Path, repo_report: api.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {(r["ruleId"]): r["partialFingerprints"] for r in sarif(repo_report)["runs"][0]["results"]}
    root = Path(repo_report.inputs[0].path).parents[1]
    template = root / "infra" / "trail.yaml"
    template.write_text("# a header comment\n\n" + template.read_text())
    monkeypatch.chdir(root)
    moved = api.check(["infra/trail.yaml"])  # relative path, other CWD, lines shifted by two
    after = {(r["ruleId"]): r["partialFingerprints"] for r in sarif(moved)["runs"][0]["results"]}
    assert after == before
    lines = {f.rule_id: f.line for f in moved.findings}
    assert lines["CT101"] == next(f.line for f in repo_report.findings if f.rule_id == "CT101") + 2


def test_live_findings_have_logical_locations_only(live_report: api.Report) -> None:
    result = sarif(live_report)["runs"][0]["results"][0]
    assert "physicalLocation" not in result["locations"][0]
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:cloudtrail:")
    unknown = sarif(live_report)["runs"][0]["results"][1]
    assert unknown["kind"] == "review" and unknown["level"] == "none"


def test_schema_catches_a_broken_log() -> None:
    """The vendored schema is strict enough to be worth validating against."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {
                "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "lineNumber": 3}]}],
            },
            SCHEMA,
        )


def test_several_formats_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = Path(__file__).resolve().parents[2] / "fixtures" / "suppressions" / "metadata.yaml"
    out = tmp_path / "out.sarif"
    xml = tmp_path / "out.xml"
    code = main(["check", "--format", f"sarif:{out}", "-f", "junit", "-o", str(xml), "-f", "text", str(template)])
    stdout, _ = capsys.readouterr()
    assert code == 1
    assert " CT109 LOW " in stdout and "ctguard: 1 CloudTrail-related input" in stdout
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(out.read_text()))
    assert xml.read_text().startswith("<?xml")
    # two formats for standard output, or an --output without its --format, are usage errors
    assert main(["check", "-f", "json", "-f", "sarif", str(template)]) == 2
    assert main(["check", "-o", str(out), "-o", str(xml), str(template)]) == 2
    assert "has no --format" in capsys.readouterr().err
