"""Regenerate the outputs that are checked in: the README's sample outputs and the golden reports.

The README shows output that ctguard printed, never output typed by hand: each block between
``<!-- sample: COMMAND -->`` and ``<!-- /sample -->`` is the stdout of COMMAND run from the
repository root.  Golden reports (``tests/golden/<case>/<file>``) are every format rendered
for six reports: a failing template, a pass-only template, a template with inline suppressions,
two unreadable inputs beside a readable one, a 90-file tree built here, and a live-audit snapshot.
``tests/test_outputs_golden.py`` fails when either drifts from what the code prints now.

    python scripts/refresh_outputs.py          # rewrite the README samples and the golden files
    python scripts/refresh_outputs.py --check  # exit 1 when something differs
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
GOLDEN = REPO / "tests" / "golden"
SAMPLE = re.compile(r"(<!-- sample: (?P<cmd>[^>]+?) -->\n```text\n)(?P<body>.*?)(```\n<!-- /sample -->)", re.S)
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")
TREE_FILES = 90
TREE_FORMATS = ("github", "markdown")  # the formats with consumer limits; the others grow with the tree
BROKEN_YAML = "Resources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties: {IsLogging: [unclosed\n"
BROKEN_HCL = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = \n'


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_command(command: str, cwd: Path = REPO) -> str:
    """stdout of ``ctguard ...`` run in-process from ``cwd`` (no terminal: plain text)."""
    from ctguard.cli import main

    words = shlex.split(command)
    assert words[0] == "ctguard", command
    out = io.StringIO()
    with _cwd(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(words[1:])
    return out.getvalue()


def readme_text() -> str:
    text = README.read_text(encoding="utf-8")
    return SAMPLE.sub(lambda m: m[1] + run_command(m["cmd"]) + m[4], text)


def make_tree(root: Path) -> Path:
    """90 templates: the three bundled examples, 30 times each under their own names."""
    tree = root / "tree"
    examples = sorted((REPO / "examples" / "cloudformation").glob("*.yaml"))
    for i in range(TREE_FILES):
        source = examples[i % len(examples)]
        target = tree / f"team-{i // 10:02d}" / f"{source.stem}-{i:02d}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return tree


def _render_all(report: object, formats: tuple[str, ...], cwd: Path) -> dict[str, str]:
    from ctguard.formatters import renderer

    ext = {
        "text": "txt",
        "json": "json",
        "sarif": "sarif",
        "junit": "xml",
        "github": "log",
        "markdown": "md",
        "html": "html",
    }
    with _cwd(cwd):
        return {f"report.{ext[name]}": renderer(name)(report, {}) for name in formats}


def live_report() -> object:
    """What ``ctguard audit`` (without --save) reports for the calls recorded in the fixture."""
    from ctguard import api
    from ctguard.calls import CallStore
    from ctguard.commands.audit import LIVE_PATH
    from ctguard.engine.policy import load_policies
    from ctguard.findings import Finding
    from ctguard.live_locations import locate, name_inputs
    from ctguard.parsers.aws.api import build_inputs

    snapshot = REPO / "fixtures" / "aws" / "snapshot-organization.json"
    store = CallStore.from_json(json.loads(snapshot.read_text(encoding="utf-8")))
    report = api.evaluate(name_inputs(build_inputs(store, LIVE_PATH)), load_policies())
    report.findings = sorted(locate(report.findings, report.inputs), key=Finding.sort_key)
    return report


def golden_cases() -> dict[str, Callable[[], dict[str, str]]]:
    from ctguard import api

    def template() -> dict[str, str]:
        with _cwd(REPO):
            report = api.check(["examples/cloudformation/weak-trail.yaml"])
        return _render_all(report, FORMATS, REPO)

    def tree() -> dict[str, str]:
        with tempfile.TemporaryDirectory(prefix="ctguard-golden-") as tmp:
            root = Path(tmp)
            make_tree(root)
            with _cwd(root):
                report = api.check(["tree"], jobs=1)
            out = _render_all(report, TREE_FORMATS, root)
            from ctguard.formatters.json_format import as_dict

            with _cwd(root):
                out["summary.json"] = json.dumps(as_dict(report)["summary"], indent=2) + "\n"
            return out

    def live() -> dict[str, str]:
        return _render_all(live_report(), FORMATS, REPO)

    def pass_only() -> dict[str, str]:
        # Nothing fails: PASS and NOT_APPLICABLE only, exit 0.
        with _cwd(REPO):
            report = api.check(["examples/cloudformation/secure-trail.yaml"])
        return _render_all(report, FORMATS, REPO)

    def suppressed() -> dict[str, str]:
        # Inline ctguard:skip comments, one of them expired.
        with _cwd(REPO):
            report = api.check(["fixtures/suppressions/inline.yaml"])
        return _render_all(report, FORMATS, REPO)

    def input_errors() -> dict[str, str]:
        # Two unreadable inputs (CT001, exit 3) beside one that is still checked.
        with tempfile.TemporaryDirectory(prefix="ctguard-golden-") as tmp:
            root = Path(tmp)
            (root / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")
            (root / "main.tf").write_text(BROKEN_HCL, encoding="utf-8")
            (root / "weak-trail.yaml").write_text(
                (REPO / "examples" / "cloudformation" / "weak-trail.yaml").read_text(encoding="utf-8"), encoding="utf-8"
            )
            with _cwd(root):
                report = api.check(["broken.yaml", "main.tf", "weak-trail.yaml"], jobs=1)
            return _render_all(report, FORMATS, root)

    return {
        "template": template,
        "tree-90": tree,
        "live-audit": live,
        "pass-only": pass_only,
        "suppressed": suppressed,
        "input-errors": input_errors,
    }


def golden_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for case, build in golden_cases().items():
        for name, text in build().items():
            files[GOLDEN / case / name] = text
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file differs")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    wanted = {README: readme_text(), **golden_files()}
    stale = [path for path, text in wanted.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"differs: {path.relative_to(REPO)}")
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
