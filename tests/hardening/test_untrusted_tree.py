"""The scan stays inside the roots it was given (issue 22 bullet 2, issue 17 bullet 5).

Every hostile tree is built at test time: links to ``/`` and to files outside the tree, an
in-tree DAG of directory links that would give 2^n copies, a FIFO named like a template and like
a Terraform file, ``/dev/zero`` behind a link, and the same entries named on the command line as
pre-commit does.  Runs that could block (FIFO, device) go through a subprocess with a timeout, so
a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ctguard.cli import main
from ctguard.parsers import scan

GOOD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Good:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: logs
      IsMultiRegionTrail: false
"""
SECRET = "s3cr3t-outside-the-tree"
TF = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "logs"\n}\n'
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _run(paths: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main(["check", *paths, "--format", "json", "--jobs", "1"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out), out + err


def _subprocess(paths: list[str], cwd: Path) -> tuple[int, dict, str]:
    result = subprocess.run(
        [sys.executable, "-m", "ctguard", "check", *paths, "--format", "json", "--jobs", "1"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout), result.stdout + result.stderr


def _unparsed(report: dict) -> dict[str, str]:
    return {os.path.basename(u["file"]): u["message"] for u in report["unparsed"]}


def _good_checked(report: dict) -> bool:
    return any(
        f["rule_id"] == "CT101" and f["status"] == "FAIL" and f["file"].endswith("good.yaml")
        for f in report["findings"]
    )


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "good.yaml").write_text(GOOD)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(GOOD.replace("logs", SECRET))
    return tree


def test_links_leaving_the_tree_are_reported_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tmp_path)
    os.symlink("/", tree / "root")
    os.symlink(tmp_path / "outside", tree / "outside-dir")
    os.symlink(tmp_path / "outside" / "secret.yaml", tree / "secret.yaml")
    os.symlink(tmp_path / "outside" / "secret.yaml", tree / "README")  # a name ctguard never reads: silent
    os.symlink("/", tree / "node_modules")  # a tool directory ctguard never walks: silent wherever it points
    code, report, output = _run([str(tree)], capsys)
    assert code == 3
    problems = _unparsed(report)
    assert set(problems) == {"root", "outside-dir", "secret.yaml"}, problems
    assert all("leaves the scanned tree" in m for m in problems.values())
    assert SECRET not in output
    assert _good_checked(report)


def test_links_inside_the_tree_are_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tmp_path)
    (tree / "real").mkdir()
    (tree / "real" / "linked.yaml").write_text(GOOD)
    os.symlink(tree / "real", tree / "alias")
    os.symlink(tree / "real" / "linked.yaml", tree / "also.yaml")
    code, report, _ = _run([str(tree)], capsys)
    assert code == 1 and not report["unparsed"]
    files = {os.path.relpath(i["file"], tree) for i in report["inputs"]}
    # each directory and each template is read once, under the first name the sorted walk meets
    assert files == {"good.yaml", os.path.join("alias", "linked.yaml")}, files


def test_link_dag_is_walked_once_per_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """d0/{a,b} -> d1, d1/{a,b} -> d2 ...: followed naively this is 2^40 paths."""
    tree = _tree(tmp_path)
    depth = 40
    for i in range(depth + 1):
        (tree / f"d{i}").mkdir()
    for i in range(depth):
        os.symlink(tree / f"d{i + 1}", tree / f"d{i}" / "a")
        os.symlink(tree / f"d{i + 1}", tree / f"d{i}" / "b")
    (tree / f"d{depth}" / "deep.yaml").write_text(GOOD)
    walked = list(scan.walk([str(tree)]))
    assert sum(1 for p, _ in walked if p.endswith("deep.yaml")) == 1
    code, report, _ = _run([str(tree)], capsys)
    assert code == 1 and len(report["inputs"]) == 2


def test_cycles_and_repeated_roots_are_walked_once(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "sub").mkdir()
    os.symlink(tree, tree / "sub" / "up")
    os.symlink(tree / "sub", tree / "sub" / "self")
    os.link(tree / "good.yaml", tree / "sub" / "hard.yaml")
    walked = [
        p
        for p, problem in scan.walk([str(tree), str(tree / "sub"), str(tree), str(tree / "good.yaml")])
        if problem is None
    ]
    assert [os.path.basename(p) for p in walked] == ["good.yaml"]


@needs_fifo
def test_fifos_named_like_inputs_are_never_opened(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    os.mkfifo(tree / "trail.yaml")
    (tree / "tf").mkdir()
    (tree / "tf" / "good.tf").write_text(TF)
    os.mkfifo(tree / "tf" / "main.tf")
    os.mkfifo(tree / "notes.txt")  # never read by name: silent
    code, report, _ = _subprocess([str(tree)], tmp_path)
    assert code == 3
    problems = _unparsed(report)
    assert set(problems) == {"trail.yaml", "main.tf"}, problems
    assert all("not a regular file (a FIFO)" in m for m in problems.values())
    assert _good_checked(report)
    assert any(f["file"].endswith("good.tf") and f["rule_id"] == "CT101" for f in report["findings"])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_behind_a_link_is_never_read(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    os.symlink("/dev/zero", tree / "zero.yaml")
    (tree / "tf").mkdir()
    os.symlink("/dev/zero", tree / "tf" / "zero.tf")
    (tree / "tf" / "good.tf").write_text(TF)
    code, report, _ = _subprocess([str(tree)], tmp_path)
    assert code == 3
    problems = _unparsed(report)
    assert set(problems) == {"zero.yaml", "zero.tf"}, problems
    assert _good_checked(report)


@needs_fifo
def test_files_named_on_the_command_line_as_pre_commit_does(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    os.mkfifo(tree / "fifo.yaml")
    os.symlink("/dev/zero", tree / "zero.tf")
    os.symlink(tmp_path / "outside" / "secret.yaml", tree / "secret.yaml")
    os.symlink("good.yaml", tree / "alias.yaml")  # stays in the checkout: read
    code, report, output = _subprocess(["good.yaml", "fifo.yaml", "zero.tf", "secret.yaml", "alias.yaml"], tree)
    assert code == 3
    problems = _unparsed(report)
    assert "not a regular file (a FIFO)" in problems["fifo.yaml"]
    assert "leaves the scanned tree" in problems["zero.tf"] and "leaves the scanned tree" in problems["secret.yaml"]
    assert "alias.yaml" not in problems and SECRET not in output
    assert _good_checked(report)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_named_explicitly_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tmp_path)
    code, report, _ = _run([str(tree), "/dev/zero"], capsys)
    assert code == 3
    assert "not a regular file (a device)" in _unparsed(report)["zero"]
    assert _good_checked(report)


def test_terraform_module_does_not_read_a_file_linked_from_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = _tree(tmp_path)
    (tmp_path / "outside" / "passwd").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    (tree / "tf").mkdir()
    (tree / "tf" / "main.tf").write_text(TF)
    os.symlink(tmp_path / "outside" / "passwd", tree / "tf" / "x.tf")
    code, report, output = _run([str(tree)], capsys)
    assert code == 3 and SECRET not in output
    about_link = [f for f in report["findings"] if f["file"].endswith("x.tf")]
    assert [f["message"] for f in about_link] == [f"cannot read {tree / 'tf' / 'x.tf'}: {scan.LEAVES_TREE}"]
    assert any(f["file"].endswith("main.tf") and f["rule_id"] == "CT101" for f in report["findings"])
