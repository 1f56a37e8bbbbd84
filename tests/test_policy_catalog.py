"""The policy catalogue: every policy file is valid, documented, referenced correctly and covered
by fixtures (``fixtures/rules/<ID>/{pass,fail,unknown}``), and ``ctguard rules`` lists them all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ctguard import yamlload

REPO = Path(__file__).resolve().parent.parent
POLICY_DIR = REPO / "policies"
SCHEMA = json.loads((REPO / "ctguard" / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
RULES = REPO / "fixtures" / "rules"
FIXTURE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}

POLICY_FILES = sorted(POLICY_DIR.glob("*.yaml"))

# Trail policies whose check can never see an Unknown value, with the reason.  Every trail
# policy reads a field a template can set from a parameter without default or an import, so
# none is listed today; an entry here must say why no unknown fixture can exist.
CANNOT_BE_UNKNOWN: dict[str, str] = {}

# Input-scope (parser-reported) policies without a CloudFormation fail fixture, with the reason.
NO_FAIL_FIXTURE: dict[str, str] = {
    "CT005": "reported for Terraform module sources ctguard cannot follow; CloudFormation never yields it",
}

REFERENCE_SHAPES: dict[str, re.Pattern[str]] = {
    "cis": re.compile(r"^v\d+\.\d+\.\d+ \d+(\.\d+)+$"),  # "v1.4.0 3.1": benchmark version, item
    "security_hub": re.compile(r"^(CloudTrail|CloudWatch)\.\d+$"),
    "checkov": re.compile(r"^CKV2?_AWS_\d+$"),
    "trivy": re.compile(r"^AVD-AWS-\d{4}$"),
    "kics": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "prowler": re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$"),
    "docs": re.compile(r"^https://docs\.aws\.amazon\.com/\S+$"),
}


def _load(path: Path) -> dict[str, Any]:
    loaded = yamlload.load(path.read_text(encoding="utf-8"), cfn_tags=False)
    assert not loaded.duplicates, f"{path.name}: duplicate keys {loaded.duplicates}"
    assert isinstance(loaded.data, dict), f"{path.name}: not a mapping"
    return loaded.data


POLICIES = {p.name: _load(p) for p in POLICY_FILES}


def _ids(scope: str | None = None) -> list[str]:
    return sorted(d["id"] for d in POLICIES.values() if scope is None or d["scope"] == scope)


def _fixtures(rule_id: str, outcome: str) -> list[Path]:
    folder = RULES / rule_id / outcome
    return sorted(p for p in folder.glob("*") if p.suffix in FIXTURE_SUFFIXES) if folder.is_dir() else []


def test_there_are_policies() -> None:
    assert len(POLICY_FILES) >= 17
    assert _ids("trail"), "no trail-scope policies"


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_validates_against_schema(name: str) -> None:
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(POLICIES[name]), key=str)
    assert not errors, f"{name}: " + "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_ids_unique_and_match_file_names() -> None:
    seen: dict[str, str] = {}
    for name, data in POLICIES.items():
        assert name.split("-")[0] == data["id"], f"{name}: id {data['id']} does not match the file name"
        assert data["id"] not in seen, f"{data['id']} in both {seen.get(data['id'])} and {name}"
        seen[data["id"]] = name
    names = [d["name"] for d in POLICIES.values()]
    assert len(names) == len(set(names)), "policy names must be unique too"


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_docs_present(name: str) -> None:
    docs = POLICIES[name]["docs"]
    for key in ("what", "why"):
        assert isinstance(docs.get(key), str) and len(docs[key].strip()) >= 10, f"{name}: docs.{key} missing"
    fix = docs.get("fix")
    assert isinstance(fix, dict), f"{name}: docs.fix missing"
    for kind in ("cloudformation", "terraform", "cli"):
        assert isinstance(fix.get(kind), str) and fix[kind].strip(), f"{name}: docs.fix.{kind} missing"


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_logic_matches_scope(name: str) -> None:
    data = POLICIES[name]
    logic = [k for k in ("check", "impl") if k in data]
    if data["scope"] in ("input", "drift"):
        assert not logic, f"{name}: {data['scope']} policies are reported by parsers or ctguard drift"
    else:
        assert len(logic) == 1, f"{name}: needs exactly one of check or impl"
        for which in ("pass", "unknown"):
            assert which in data["message"], f"{name}: message.{which} missing"


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_reference_shapes(name: str) -> None:
    refs = POLICIES[name].get("references") or {}
    assert set(refs) <= set(REFERENCE_SHAPES), f"{name}: unknown reference kinds {set(refs) - set(REFERENCE_SHAPES)}"
    for kind, values in refs.items():
        assert values, f"{name}: references.{kind} is empty"
        assert len(values) == len(set(values)), f"{name}: references.{kind} has duplicates"
        for value in values:
            assert REFERENCE_SHAPES[kind].match(str(value)), f"{name}: references.{kind} {value!r} has the wrong shape"


@pytest.mark.parametrize("rule_id", _ids("trail") + _ids("event_data_store"))
def test_trail_policy_has_pass_and_fail_fixtures(rule_id: str) -> None:
    assert _fixtures(rule_id, "pass"), f"no fixtures/rules/{rule_id}/pass/ fixture"
    assert _fixtures(rule_id, "fail"), f"no fixtures/rules/{rule_id}/fail/ fixture"


@pytest.mark.parametrize("rule_id", _ids("trail") + _ids("event_data_store"))
def test_trail_policy_has_unknown_fixture(rule_id: str) -> None:
    if rule_id in CANNOT_BE_UNKNOWN:
        assert not _fixtures(rule_id, "unknown"), f"{rule_id} has unknown fixtures: drop it from CANNOT_BE_UNKNOWN"
        return
    assert _fixtures(rule_id, "unknown"), (
        f"no fixtures/rules/{rule_id}/unknown/ fixture; add one, or list {rule_id} in CANNOT_BE_UNKNOWN with a reason"
    )


@pytest.mark.parametrize("rule_id", _ids("input"))
def test_input_policy_has_fail_fixture(rule_id: str) -> None:
    if rule_id in NO_FAIL_FIXTURE:
        return
    assert _fixtures(rule_id, "fail"), f"no fixtures/rules/{rule_id}/fail/ fixture"
    assert not _fixtures(rule_id, "pass") and not _fixtures(rule_id, "unknown"), (
        f"{rule_id}: parser-reported rules only have fail fixtures"
    )


def test_allow_lists_name_real_policies() -> None:
    assert set(CANNOT_BE_UNKNOWN) <= set(_ids("trail"))
    assert set(NO_FAIL_FIXTURE) <= set(_ids("input"))
    assert all(reason.strip() for reason in {**CANNOT_BE_UNKNOWN, **NO_FAIL_FIXTURE}.values())


def test_fixture_folders_name_policies() -> None:
    ids = set(_ids())
    stray = sorted(p.name for p in RULES.iterdir() if p.is_dir() and p.name not in ids)
    assert not stray, f"fixture folders without a policy: {stray}"


def test_rules_command_lists_exactly_the_policies() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ctguard", "rules", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["rules"]
    ids = [r["id"] for r in listed]
    assert len(ids) == len(set(ids)), "a rule is listed twice"
    assert sorted(ids) == sorted(p.name.split("-")[0] for p in POLICY_FILES)
    for rule in listed:
        data = next(d for d in POLICIES.values() if d["id"] == rule["id"])
        assert (rule["name"], rule["title"], rule["severity"], rule["scope"]) == (
            data["name"],
            data["title"],
            data["severity"],
            data["scope"],
        )
