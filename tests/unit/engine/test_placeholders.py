"""The {names} of a declarative policy's messages are checked at load time against what the
engine fills (issue 19); the table in ``placeholders`` is kept honest against ``evaluate``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ctguard.cli import main
from ctguard.engine import evaluate, placeholders
from ctguard.engine.conditions import Truth
from ctguard.engine.policy import Policy, PolicyError, load_policies
from ctguard.findings import Severity

TEMPLATE = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "CT101" / "pass" / "multi-region.yaml"

POLICY = textwrap.dedent("""\
    id: ORG300
    name: org-trail-tagged
    title: Trail carries tags
    severity: low
    scope: trail
    check:
      attribute: tags
      exists: true
    message:
      fail: "Trail {trail} has no tags ({value})"
      unknown: "{unknown}"
    docs:
      what: Checks that each trail has tags.
      why: Our inventory needs an owner on every trail.
      fix: {cloudformation: "Tags: [...]", terraform: "tags = {...}", cli: "aws cloudtrail add-tags"}
    """)


def _every(key: str) -> str:
    return " ".join(f"<{{{name}}}>" for name in sorted(placeholders.FILLED[key]))


def test_the_table_matches_what_evaluate_fills() -> None:
    message = {key: _every(key) for key in placeholders.FILLED}
    policy = Policy(
        id="ORG300",
        name="n",
        title="Trail is tagged",
        severity=Severity.LOW,
        scope="trail",
        message=message,
        docs={},
        file="x.yaml",
        check={"attribute": "tags", "exists": True},
    )
    truth = Truth(False, shown="x")
    texts = [
        evaluate._text(policy, "fail", "main", truth),
        evaluate._text(policy, "pass", "main", truth),
        evaluate._unknown_text(policy, "main", "why"),
        evaluate._not_applicable_text(policy, "main"),
    ]
    assert all("{" not in text and "<>" not in text for text in texts), texts  # each name filled, none empty
    assert not list(placeholders.problems(message))


@pytest.mark.parametrize(("unknown", "hint"), [("{trial}", "did you mean {trail}?"), ("{detail}", "fills reason")])
def test_a_name_the_engine_does_not_fill_is_a_load_error(tmp_path: Path, unknown: str, hint: str) -> None:
    (tmp_path / "ORG300-tagged.yaml").write_text(POLICY.replace("{unknown}", unknown), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policies((str(tmp_path),), use_cache=False)
    assert caught.value.line == 11 and f"message.unknown names {unknown}" in caught.value.message
    assert hint in caught.value.message


def test_valid_names_load_and_impl_messages_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "ORG300-tagged.yaml").write_text(POLICY.replace("{unknown}", "{reason}"), encoding="utf-8")
    assert "ORG300" in {p.id for p in load_policies((str(tmp_path),), use_cache=False)}
    assert not list(placeholders.problems({"fail": "{trail", "extra": "{anything}"}))  # printed as written


def test_cli_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ORG300-tagged.yaml").write_text(POLICY.replace("{unknown}", "{trial}"), encoding="utf-8")
    assert main(["check", str(TEMPLATE), "--policies", str(tmp_path)]) == 2
    assert f"{tmp_path / 'ORG300-tagged.yaml'}:11: message.unknown names {{trial}}" in capsys.readouterr().err
