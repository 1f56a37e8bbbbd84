"""File names and values that try to become output (issue 22 bullet 4, issue 17 bullet 5).

A tree is built at test time with file names holding terminal escape sequences, newlines that
start a GitHub workflow command, bidi overrides, undecodable bytes and Markdown/HTML, and a trail
whose name carries the same.  Every format is written in one run, then each is checked for the
hazard it has: control characters in text, workflow commands in text and ``github``, XML 1.0
validity in JUnit, markup outside code spans in Markdown, JSON validity in JSON and SARIF.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from ctguard.cli import main
from ctguard.formatters import neutralize

TRAIL = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: {name}
      IsLogging: true
      S3BucketName: logs
      IsMultiRegionTrail: false
"""
# YAML double-quoted escapes put the hostile characters into the value itself.
HOSTILE_VALUE = (
    '"x\\n::error file=a,line=1::injected by value\\x1b[2J\\u202e ![v](https://evil.example/v.png) @victim <b>"'
)
HOSTILE_NAMES = [
    "\x1b[31mred\x1b[0m.yaml",
    "a\n::error file=a,line=1::injected by name.yaml",
    "::warning::starts the line.yaml",
    "##[error]legacy.yaml",
    "\u202etxt.yaml",
    "![img](https:evil.example) [link](https:evil.example) @victim <script>x `tick`.yaml",
]


def _build(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in HOSTILE_NAMES:
        (tree / name).write_text(TRAIL.format(name="plain"))
    (tree / "value.yaml").write_text(TRAIL.format(name=HOSTILE_VALUE))
    if sys.platform != "darwin":  # macOS refuses names that are not UTF-8
        with open(os.path.join(os.fsencode(tree), b"bad\xff\xfe.yaml"), "w") as fh:
            fh.write(TRAIL.format(name="plain"))
    return tree


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp_path = tmp_path_factory.mktemp("hostile-names")
    _build(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    formats = ["text", "json", "sarif", "junit", "github", "markdown"]
    cwd = os.getcwd()
    os.chdir(tmp_path)  # repository-relative paths: the names start the line, as in a pre-commit run
    try:
        code = main(["check", "tree", "--jobs", "1", "--show-passed", *[f"--format={f}:{out / f}" for f in formats]])
    finally:
        os.chdir(cwd)
    assert code == 1
    texts = {f: (out / f).read_text(encoding="utf-8") for f in formats}
    assert len(json.loads(texts["json"])["inputs"]) == len(HOSTILE_NAMES) + 1 + (sys.platform != "darwin")
    return texts


def _no_controls(text: str) -> None:
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c in "\u202e\u2028\u2029"]
    assert not bad, sorted(set(bad))


def _no_workflow_command(line: str) -> None:
    assert not line.lstrip().startswith(("::", "##[")), line


def test_text_escapes_controls_and_cannot_start_a_workflow_command(outputs: dict[str, str]) -> None:
    text = outputs["text"]
    _no_controls(text)
    for line in text.splitlines():
        _no_workflow_command(line)
    assert "\\x1b[31mred" in text and "a\\n::error" in text and "\\u202e" in text


_OURS = re.compile(
    r"^::(error|warning|notice) (file=[^,:]*,line=\d+,col=\d+,)?title=ctguard[^:]*::|"
    r"^::group::ctguard: \d+ suppressed$|^::group::ctguard: \d+ more not annotated$|^::endgroup::$"
)


def test_github_annotations_carry_names_and_values_as_data(outputs: dict[str, str]) -> None:
    text = outputs["github"]
    _no_controls(text)
    for line in text.splitlines():
        if line.startswith("::"):
            assert _OURS.match(line), line  # only the commands ctguard means to give
        else:
            _no_workflow_command(line)
    # the value's newline is the runner's %0A escape: its "::error" stays inside our message
    assert "x%0A::error file=a,line=1::injected by value\\x1b[2J\\u202e" in text
    assert "file=tree/a%0A%3A%3Aerror file=a%2Cline=1%3A%3Ainjected by name.yaml," in text


def test_junit_is_well_formed_xml_1_0(outputs: dict[str, str]) -> None:
    text = outputs["junit"]
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)
    root = ET.fromstring(text.encode("utf-8"))
    names = " ".join(case.get("file", "") for case in root.iter("testcase"))
    assert "\\x1b[31mred" in names


def test_json_and_sarif_stay_valid_and_keep_the_names(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    assert any("\x1b[31mred" in i["file"] for i in report["inputs"])  # JSON carries the exact name
    sarif = json.loads(outputs["sarif"])
    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(re.fullmatch(r"[A-Za-z0-9%._~/!$&'()*+,;=:@-]+", u) for u in uris), uris  # valid URIs
    if sys.platform != "darwin":
        assert any("bad%FF%FE.yaml" in u for u in uris)  # the file's real bytes
    for r in results:
        assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", r["message"]["text"])  # no embedded link


def _outside_code_spans(markdown: str) -> str:
    # ctguard's own folding markup (<details><summary><b>Failures</b> (81)</summary>) is not input text
    markdown = re.sub(r"<summary><b>[A-Za-z ]+</b>", " ", markdown)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", " ", markdown)


def test_markdown_holds_input_text_only_in_code_spans(outputs: dict[str, str]) -> None:
    text = outputs["markdown"]
    _no_controls(text)
    prose = _outside_code_spans(text)
    for hazard in ("![", "](https:evil", "@victim", "<script", "<b>", "injected by", "starts the line"):
        assert hazard not in prose, hazard
    assert "@victim" in text  # still shown, inside a code span


@pytest.mark.parametrize(
    "value, expected",
    [
        ("a\nb\x1b[0m", "a\\nb\\x1b[0m"),
        ("\u202eevil", "\\u202eevil"),
        ("\udcff", "\\udcff"),
    ],
)
def test_escape_controls(value: str, expected: str) -> None:
    assert neutralize.escape_controls(value) == expected


@pytest.mark.parametrize("value", ["::error::x", "  ::add-mask::x", "##[error]x", "\t::stop-commands::t"])
def test_no_workflow_command(value: str) -> None:
    assert not neutralize.no_workflow_command(value).lstrip().startswith(("::", "##["))


@pytest.mark.parametrize("value", ["a`b", "``", "`x`", "a|b", "![i](u)", "<b>", ""])
def test_markdown_code_round_trips_in_a_code_span(value: str) -> None:
    span = neutralize.markdown_code(value)
    if not value:
        assert span == ""
        return
    fence = re.match(r"`+", span).group()  # type: ignore[union-attr]
    inner = span[len(fence) : -len(fence)]
    assert span.endswith(fence) and fence not in inner
    assert inner.strip(" ") == value.replace("|", "\\|")


def test_html_text_for_the_html_report() -> None:
    assert neutralize.html_text('<img src=x onerror="a">\x1b') == "&lt;img src=x onerror=&quot;a&quot;&gt;\\x1b"


def test_policy_file_names_cannot_break_a_markdown_link() -> None:
    from types import SimpleNamespace

    from ctguard.formatters import rule_info

    url = rule_info.rule_url(SimpleNamespace(file="/pr/pol/CT9001-a) ![i](https:evil) x.yaml"))
    assert not set(url) & set(" ()[]"), url
