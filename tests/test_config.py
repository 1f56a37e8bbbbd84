"""Configuration: .ctguard.yaml discovery, pyproject [tool.ctguard], --config, CLI precedence, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ctguard import config
from ctguard.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "config"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    (tmp_path / "project" / ".git").mkdir()
    return tmp_path / "project"


def test_discovered_from_the_scanned_directory_upwards(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fail-on medium, CT108/CT110 skipped, CT109 lowered to info: CT101 (high), CT104 (medium) fail
    assert main(["check", str(project / "templates" / "trail.yaml")]) == 1
    out = capsys.readouterr().out
    assert "CT108 INFO [suppressed by config: notifications go through EventBridge]" in out
    assert "CT110 LOW [suppressed by config: Insights cost" in out and "CT109 INFO " in out
    sarif = json.loads((project / "reports" / "ctguard.sarif").read_text())  # relative to the config file
    assert sarif["version"] == "2.1.0"


def test_cli_overrides_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(project / "templates")
    assert main(["check", target, "--fail-on", "info", "-f", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    failed = {f["rule_id"] for f in data["findings"] if f["status"] == "FAIL" and "suppression" not in f}
    assert failed == {"CT101", "CT104", "CT105", "CT109"}
    assert not (project / "reports" / "ctguard.sarif").exists()  # --format replaced the file's formats
    assert main(["check", target, "--no-config", "--fail-on", "info"]) == 1
    assert "CT110 LOW Trail" in capsys.readouterr().out
    assert main(["check", target, "--only", "CT109"]) == 0  # info in the file: below fail-on medium
    assert main(["check", target, "--only", "CT109", "--severity", "CT109=high"]) == 1  # CLI over file


def test_pyproject_tool_table_and_explicit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURE / "templates" / "trail.yaml", tmp_path / "trail.yaml")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "infra"\n\n[tool.ctguard]\nfail-on = "critical"\nskip = ["CT109:cost"]\n\n'
        '[tool.ctguard.severity]\nCT110 = "info"\n'
    )
    assert main(["check", str(tmp_path)]) == 0
    assert "CT109 LOW [suppressed by config: cost]" in capsys.readouterr().out
    other = tmp_path / "strict.yaml"
    other.write_text("fail_on: low\n")
    assert main(["check", str(tmp_path), "--config", str(other)]) == 1  # --config turns discovery off


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("fail-on: medium\nfial-on: high\n", ":2:", "unknown key 'fial-on'"),
        ("format: [text]\nretention-days: zero\n", ":2:", "'retention-days' must be a whole number"),
        ("skip: [CT101]\nseverity: {CT101: urgent}\n", ":2:", "'severity' must be a mapping"),
        ("account: [1, 2]\n", ":1:", "12-digit account id"),
        ("strict: [oops\n", ":2:", "invalid YAML"),
        ("strict: true\nstrict: false\n", ":2:", "duplicate key 'strict'"),
        ("- a list\n", ":1:", "must be a mapping"),
    ],
)
def test_bad_yaml_config_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, message: str
) -> None:
    (tmp_path / ".ctguard.yaml").write_text(text)
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f".ctguard.yaml{where}" in err and message in err and "Traceback" not in err


def test_bad_pyproject_key_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.black]\nline-length = 100\n\n[tool.ctguard]\nstrict = true\nshow_pased = true\n"
    )
    assert main(["check", str(tmp_path)]) == 2
    assert "pyproject.toml:6: unknown key 'show_pased'" in capsys.readouterr().err


def test_every_check_option_has_a_config_key() -> None:
    from ctguard.cli import build_parser

    parser = build_parser()
    check = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "check")[1]
    cli_only = {"help", "paths", "config", "no_config", "trust_config", "create_baseline"}  # a file cannot trust itself
    options = {a.dest for a in check._actions} - cli_only
    assert options <= set(config.KEYS), options - set(config.KEYS)


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".ctguard.yaml").write_text("strict: true\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    assert config.discover([str(repo / "infra")]) is None
    assert config.discover([str(tmp_path / "repo" / "..")]) == str(tmp_path / ".ctguard.yaml")


CONFIG_SCHEMA = json.loads((Path(config.__file__).parent / "schemas" / "config.schema.json").read_text())
README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _readme_block(lang: str, after: str) -> str:
    start = README.index(f"```{lang}\n", README.index(after)) + len(lang) + 4
    return README[start : README.index("```", start)]


def test_readme_and_fixture_configurations_load_and_match_the_schema(tmp_path: Path) -> None:
    import tomllib

    import jsonschema

    from ctguard.yamlload import load as load_yaml

    yaml_text = _readme_block("yaml", "### Configuration")
    toml_text = _readme_block("toml", "### Configuration")
    for text in (yaml_text, (FIXTURE / ".ctguard.yaml").read_text()):
        (tmp_path / ".ctguard.yaml").write_text(text)
        loaded = config.load(str(tmp_path / ".ctguard.yaml"))
        assert loaded.get("fail_on") == "medium"
        jsonschema.validate(load_yaml(text, cfn_tags=False).data, CONFIG_SCHEMA)  # what ctguard reads
    (tmp_path / "pyproject.toml").write_text(toml_text)
    assert config.load(str(tmp_path / "pyproject.toml")).get("severity") == {"CT110": "info"}
    jsonschema.validate(tomllib.loads(toml_text)["tool"]["ctguard"], CONFIG_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"skip": [{"id": "CT101", "reson": "typo"}]}, CONFIG_SCHEMA)
    (tmp_path / ".ctguard.yaml").write_text("skip:\n  - {id: CT101, reson: typo}\n")
    with pytest.raises(config.ConfigError, match=r"\.ctguard\.yaml:1: 'skip' must be"):
        config.load(str(tmp_path / ".ctguard.yaml"))
