"""From a rule id, one step to each of its metadata, logic, fixtures, tests and docs (issue 19).

The metadata is ``policies/<ID>-*.yaml``; the logic an entry function whose module name carries
the id or its range (``ct401_404_bucket_access.py``) and whose own name carries the id
(``ct403_confused_deputy``), or the YAML ``check``, or the line of the reporting module that names
the id (input problems, drift); the fixtures ``fixtures/rules/<ID>/``, run by
``tests/test_policies.py -k <ID>``; the docs the policy's ``docs`` block (``ctguard explain ID``)
and the README's table of id ranges.  ``ctguard explain ID --source`` prints all of them.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from ctguard import rule_source
from ctguard.cli import main
from ctguard.engine.policy import load_policies

REPO = Path(__file__).resolve().parent.parent
POLICIES = {p.id: p for p in load_policies(use_cache=False)}
_IDS = re.compile(r"ct(\d{3})(?:_(\d{3}))?(?![0-9])")

# Rules without fixtures/rules/<ID>/, with the reason; their tests name the id instead.
NO_FIXTURES: dict[str, str] = {
    **{f"CT90{n}": "drift compares code with an account snapshot (tests/unit/drift)" for n in range(1, 7)},
}


def _carries(name: str, rule_id: str) -> bool:
    """``ct403_confused_deputy`` carries CT403; ``ct401_404_bucket_access`` carries CT401-CT404."""
    number = int(rule_id[2:])
    for low, high in _IDS.findall(name.lower()):
        if int(low) == number or (high and int(low) <= number <= int(high)):
            return True
    return False


def _readme_ranges() -> list[tuple[int, int]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [(int(a), int(b)) for a, b in re.findall(r"^\| CT(\d{3})–CT(\d{3}) \|", text, re.MULTILINE)]


@pytest.mark.parametrize("rule_id", sorted(POLICIES))
def test_one_step_from_the_id(rule_id: str) -> None:
    policy = POLICIES[rule_id]
    found = rule_source.locate(policy)
    # metadata
    assert [f.name for f in (REPO / "policies").glob(f"{rule_id}-*.yaml")] == [Path(policy.file).name]
    assert found.policy.path == f"policies/{Path(policy.file).name}"
    # logic
    assert found.logic is not None, f"{rule_id}: no line decides it"
    line = (REPO / found.logic.path).read_text(encoding="utf-8").splitlines()[found.logic.line - 1]
    if found.kind == "impl":
        module, _, function = (policy.impl or "").partition(":")
        assert found.logic.path == module.replace(".", "/") + ".py"
        assert _carries(Path(found.logic.path).stem, rule_id), f"{found.logic.path} does not name {rule_id}"
        assert _carries(function, rule_id), f"{function} does not name {rule_id}"
        assert line.startswith(f"def {function}("), line
    elif found.kind == "check":
        assert found.logic.path == found.policy.path and line.startswith("check:")
    else:
        assert f'"{rule_id}"' in line, (found.kind, line)
    # fixtures and the tests that run them
    if rule_id in NO_FIXTURES:
        assert found.fixtures is None and found.tests, f"{rule_id}: no fixtures and no test names it"
    else:
        assert found.fixtures == f"fixtures/rules/{rule_id}/"
        outcomes = {p.name for p in (REPO / found.fixtures).iterdir() if any(p.iterdir())}
        if policy.scope == "input":
            assert "fail" in outcomes
        else:
            assert {"pass", "fail"} <= outcomes and outcomes & {"unknown", "not_applicable"}, outcomes
    # docs
    assert policy.docs["what"].strip() and policy.docs["why"].strip()
    assert any(low <= int(rule_id[2:]) <= high for low, high in _readme_ranges()), f"README table lacks {rule_id}"


def test_every_entry_function_is_named_by_its_policy() -> None:
    """No entry function in a ct-named module outside its module's range, and none orphaned."""
    named = {policy.impl for policy in POLICIES.values() if policy.impl}
    entries = 0
    for file in sorted((REPO / "ctguard" / "checks").glob("ct*.py")):
        for name in re.findall(r"^def (ct\d{3}\w*)\(", file.read_text(encoding="utf-8"), re.MULTILINE):
            entries += 1
            first = f"CT{_IDS.match(name).group(1)}"  # type: ignore[union-attr]
            assert _carries(file.stem, first), f"{file.name}: {name} is outside the module's ids"
            assert f"ctguard.checks.{file.stem}:{name}" in named, f"{file.name}: {name} is named by no policy"
    assert (
        entries == len(named) == 52
    )  # 74 rules: 15 CIS items share one entry, 22 are declarative or reported elsewhere


def test_carries_reads_single_ids_and_ranges() -> None:
    assert _carries("ct403_confused_deputy", "CT403")
    assert _carries("ct401_404_bucket_access", "CT402")
    assert not _carries("ct401_404_bucket_access", "CT405")
    assert not _carries("ct4031_x", "CT403")
    assert not _carries("delivery_bucket_access", "CT403")


def test_explain_source_prints_the_entry_function(capsys: pytest.CaptureFixture[str]) -> None:
    from ctguard.checks.ct401_404_bucket_access import ct403_confused_deputy

    line = inspect.getsourcelines(ct403_confused_deputy)[1]
    assert main(["explain", "ct403", "--source"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"logic    ctguard/checks/ct401_404_bucket_access.py:{line}  ct403_confused_deputy")
    assert "policy   policies/CT403-bucket-policy-confused-deputy.yaml:1" in out
    assert "fixtures fixtures/rules/CT403/" in out
    assert "tests    tests/unit/checks/test_delivery.py" in out


def test_explain_source_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "CT101", "--source", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "check"
    assert data["logic"] == {"path": "policies/CT101-multi-region.yaml", "line": 7, "name": "check"}
    assert data["fixtures"] == "fixtures/rules/CT101/"


def test_explain_source_of_rules_the_engine_does_not_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "CT001", "--source"]) == 0
    line = next(
        n
        for n, text in enumerate((REPO / "ctguard" / "inputs.py").read_text().splitlines(), 1)
        if text.startswith("PARSE_ERROR")
    )
    assert capsys.readouterr().out.startswith(
        f"logic    ctguard/inputs.py:{line}  PARSE_ERROR  (reported by the parsers)"
    )
    assert main(["explain", "CT906", "--source"]) == 0
    drift_line = next(
        n
        for n, text in enumerate((REPO / "ctguard" / "drift" / "run.py").read_text().splitlines(), 1)
        if text.startswith("MISSING, EXTRA, SELECTORS =")
    )
    assert f"ctguard/drift/run.py:{drift_line}" in capsys.readouterr().out
    assert main(["explain", "CT951", "--source"]) == 0
    assert capsys.readouterr().out.startswith("logic    ctguard/verify/rules.py:")


def test_explain_source_of_a_custom_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "CTX01-tagged.yaml").write_text(_custom("CTX01"), encoding="utf-8")
    assert main(["explain", "CTX01", "--source", "--policies", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"logic    {tmp_path / 'CTX01-tagged.yaml'}:6  check" in out
    assert "fixtures" not in out


def _custom(rule_id: str, attribute: str = "tags") -> str:
    return (
        f"id: {rule_id}\nname: tagged\ntitle: Trail is tagged\nseverity: low\nscope: trail\n"
        f"check:\n  attribute: {attribute}\n  exists: true\nmessage:\n  fail: untagged\n"
        "docs:\n  what: Checks that the trail has tags.\n  why: Tags name the owner of the trail.\n"
        "  fix: {cloudformation: Add Tags, terraform: Add tags, cli: aws cloudtrail add-tags}\n"
    )
