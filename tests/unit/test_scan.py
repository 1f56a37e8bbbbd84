from __future__ import annotations

import os
from pathlib import Path

import pytest

from ctguard.parsers import scan


def test_walk_is_sorted_and_skips_tool_directories(tmp_path: Path) -> None:
    for rel in [
        "b.yaml",
        "a.yaml",
        "sub/c.json",
        ".git/x.yaml",
        "node_modules/m/t.yaml",
        ".terraform/modules/x.tf",
        "env/pyvenv.cfg",
        "env/lib/t.yaml",
    ]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    found = [os.path.relpath(p, tmp_path) for p, problem in scan.walk([str(tmp_path)])]
    assert found == ["a.yaml", "b.yaml", os.path.join("sub", "c.json")]


def test_symlink_loops_terminate_and_dangling_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "t.yaml").write_text("x")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    os.symlink(tmp_path / "missing.yaml", tmp_path / "gone.yaml")
    results = list(scan.walk([str(tmp_path)]))
    problems = {os.path.basename(p): problem for p, problem in results if problem}
    assert problems == {"gone.yaml": "dangling symbolic link"}
    assert sum(1 for p, _ in results if p.endswith("t.yaml")) <= 2


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    assert list(scan.walk([str(tmp_path / "nope.yaml")])) == [
        (str(tmp_path / "nope.yaml"), "no such file or directory")
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_directory_is_a_problem(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert [problem for _, problem in scan.walk([str(tmp_path)])] == ["permission denied"]
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    "name, head, kind",
    [
        ("t.yaml", b"Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n", "cloudformation"),
        ("t.json", b'{"Resources": {"T": {"Type": "AWS::CloudTrail::Trail"}}}', "cloudformation"),
        ("t.template", b"AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", "cloudformation-other"),
        (
            "f.yaml",
            (
                b"Resources:\n  F:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n"
                b"      FilterPattern: '{ $.eventName = DeleteTrail }'\n"
            ),
            "cloudformation",
        ),
        ("deploy.yaml", b"apiVersion: apps/v1\nkind: Deployment\n", None),
        ("ci.yml", b"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n", None),
        ("package.json", b'{"name": "x", "version": "1.0.0"}', None),
        ("main.tf", b'resource "aws_cloudtrail" "t" {}', "terraform"),
        (
            "plan.json",
            (
                b'{"format_version": "1.2", "planned_values": {"root_module": '
                b'{"resources": [{"type": "aws_cloudtrail"}]}}}'
            ),
            "terraform-plan",
        ),
        ("README.md", b"AWS::CloudTrail::Trail", None),
    ],
)
def test_sniff_by_content(name: str, head: bytes, kind: str | None) -> None:
    assert scan.sniff(name, head) == kind


def test_decode_handles_boms_and_refuses_binary() -> None:
    assert scan.decode("\ufeffa: 1".encode("utf-8")) == "a: 1"
    assert scan.decode("a: 1".encode("utf-16")) == "a: 1"
    with pytest.raises(UnicodeDecodeError):
        scan.decode(b"\x00\x01AWS::CloudTrail::Trail")
    with pytest.raises(UnicodeDecodeError):
        scan.decode("Description: café".encode("latin-1"))
