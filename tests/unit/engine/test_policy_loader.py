from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ctguard.engine.policy import PolicyError, builtin_policy_dir, load_policies

VALID = textwrap.dedent("""\
    id: ORG100
    name: org-trail-tagged
    title: Trail carries an owner tag
    severity: low
    scope: trail
    check:
      attribute: tags
      exists: true
    message:
      fail: "Trail {trail} has no tags"
    docs:
      what: Checks that each trail has tags.
      why: Our inventory needs an owner on every trail.
      fix: {cloudformation: "Tags: [...]", terraform: "tags = {...}", cli: "aws cloudtrail add-tags"}
    """)


def write(tmp: Path, name: str, text: str) -> Path:
    d = tmp / "pol"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text)
    return d


def test_builtin_policies_load_and_are_sorted() -> None:
    policies = load_policies()
    ids = [p.id for p in policies]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {"CT001", "CT101", "CT201"} <= set(ids)
    assert builtin_policy_dir().is_dir()


def test_user_policy_dir_adds_policies(tmp_path: Path) -> None:
    d = write(tmp_path, "ORG100-tagged.yaml", VALID)
    assert "ORG100" in {p.id for p in load_policies((str(d),))}


@pytest.mark.parametrize(
    "mutate, line, text",
    [
        (lambda s: s.replace("severity: low", "severity: urgent"), 4, "severity"),
        (lambda s: s.replace("  exists: true\n", "  exists: true\n  equals: 3\n"), 6, "exactly one operator"),
        (lambda s: s + "colour: red\n", 1, "colour"),
        (lambda s: s.replace("check:\n  attribute: tags\n  exists: true\n", ""), 1, "exactly one of `check`"),
        (lambda s: s.replace("  attribute: tags", "  attribute: Tags.Owner"), 7, "Tags.Owner"),
        (lambda s: s.replace("  exists: true", "  is: true"), 6, "unknown operator 'is'"),
        (lambda s: s.replace("  why: Our inventory needs an owner on every trail.\n", ""), 11, "why"),
    ],
)
def test_invalid_policy_is_a_hard_error_with_line(tmp_path: Path, mutate, line: int, text: str) -> None:
    d = write(tmp_path, "ORG100-tagged.yaml", mutate(VALID))
    with pytest.raises(PolicyError) as err:
        load_policies((str(d),), use_cache=False)
    assert err.value.file.endswith("ORG100-tagged.yaml")
    assert err.value.line == line
    assert text in err.value.message


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    d = write(tmp_path, "ORG100-tagged.yaml", VALID.replace("scope: trail", "scope: [trail"))
    with pytest.raises(PolicyError) as err:
        load_policies((str(d),))
    assert err.value.line >= 5


def test_duplicate_id_and_id_file_mismatch(tmp_path: Path) -> None:
    d = write(tmp_path, "CT101-again.yaml", VALID.replace("ORG100", "CT101"))
    with pytest.raises(PolicyError, match="duplicate policy id CT101"):
        load_policies((str(d),))
    d2 = tmp_path / "other"
    d2.mkdir()
    (d2 / "ORG999-x.yaml").write_text(VALID)
    with pytest.raises(PolicyError, match="does not match the file name"):
        load_policies((str(d2),))


def test_unknown_impl_is_a_hard_error(tmp_path: Path) -> None:
    text = VALID.replace("check:\n  attribute: tags\n  exists: true\n", "impl: ctguard.checks.nothing:here\n")
    d = write(tmp_path, "ORG100-tagged.yaml", text)
    with pytest.raises(PolicyError, match="cannot be loaded"):
        load_policies((str(d),))


def test_missing_or_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policies((str(tmp_path / "nope"),))
    with pytest.raises(PolicyError, match=r"no \.yaml files"):
        load_policies((str(tmp_path),))


def test_validation_cache_still_catches_edits(tmp_path: Path) -> None:
    d = write(tmp_path, "ORG100-tagged.yaml", VALID)
    load_policies((str(d),))  # validated and cached
    (d / "ORG100-tagged.yaml").write_text(VALID.replace("severity: low", "severity: urgent"))
    with pytest.raises(PolicyError, match="severity"):
        load_policies((str(d),))


def test_built_in_policy_files_are_the_ones_glob_finds(tmp_path: Path) -> None:
    from ctguard.engine.policy import _yaml_names, builtin_policy_dir

    for name in ("a.yaml", ".hidden.yaml", "b.yml", "c.YAML", "d.yaml.bak", "e.yaml"):
        (tmp_path / name).write_text("")
    (tmp_path / "dir.yaml").mkdir()
    for directory in (tmp_path, builtin_policy_dir()):
        assert sorted(_yaml_names(directory)) == [p.name for p in sorted(directory.glob("*.yaml"))]
