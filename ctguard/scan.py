"""Finding inputs: walk paths, read files safely, and decide from content what each one is.

Detection is by content, not only by name, and cheap: a byte-level prefilter decides whether a
file is CloudTrail-related before anything is parsed, so a repository of Kubernetes YAML and
workflows costs a directory walk and a few regex scans.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ctguard import prefilter

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".terraform", ".terragrunt-cache", "__pycache__",
    ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "cdk.out",
    ".aws-sam", ".serverless",
})
CDK_OUT = "cdk.out"  # in SKIP_DIRS for its assets; its templates are read (``_cdk_templates``)
TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template", ".cfn", ".tmpl"})
MAX_FILE_BYTES = 20 * 1024 * 1024  # CloudFormation caps templates at 1 MB; anything this big is not one
MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024  # snapshots of whole organizations

_CFN_HINT = re.compile(rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")
# A ctguard snapshot and `aws cloudtrail describe-trails` output: JSON objects with these keys
# (the parsers check that the key is at the top level).
_JSON_OBJECT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")
_AWS_SNAPSHOT = re.compile(rb'"ctguard_snapshot"\s*:')
_DESCRIBE_TRAILS = re.compile(rb'"trailList"\s*:')
_PLAN = re.compile(r'"planned_values"\s*:')


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # as the user gave it or joined below it
    kind: str  # cloudformation | terraform-dir | terraform-plan | unreadable | too-large
    detail: str = ""


def walk(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (file path, problem) in a deterministic order; problem is set for unreadable entries."""
    for given in paths:
        if os.path.isdir(given):
            yield from _walk_dir(given, set())
        elif os.path.lexists(given):
            if not os.path.exists(given):
                yield given, "dangling symbolic link"
            else:
                yield given, None
        else:
            yield given, "no such file or directory"


def _walk_dir(directory: str, seen: set[tuple[int, int]]) -> Iterator[tuple[str, str | None]]:
    try:
        st = os.stat(directory)
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    ident = (st.st_dev, st.st_ino)
    if ident in seen:
        return  # a symlink loop: this directory is already being walked
    seen = seen | {ident}
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    for entry in entries:
        path = os.path.join(directory, entry.name)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name == CDK_OUT:
                yield from _cdk_templates(path)
                continue
            if entry.name in SKIP_DIRS or os.path.exists(os.path.join(path, "pyvenv.cfg")):
                continue
            yield from _walk_dir(path, seen)
        elif entry.is_symlink() and not os.path.exists(path):
            if Path(entry.name).suffix.lower() in TEMPLATE_SUFFIXES | {".tf"}:
                yield path, "dangling symbolic link"
        else:
            yield path, None


def _cdk_templates(directory: str) -> Iterator[tuple[str, str | None]]:
    """The synthesized templates of a CDK app (``cdk.out/*.template.json``), not its assets."""
    try:
        names = sorted(e.name for e in os.scandir(directory) if e.is_file() and e.name.endswith(".template.json"))
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    for name in names:
        yield os.path.join(directory, name), None


def _os_problem(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def read_text(path: str) -> str:
    """Decode a file as CloudFormation and Terraform tools do: UTF-8 (BOM allowed) or UTF-16 with BOM."""
    data = Path(path).read_bytes()
    return decode(data)


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "binary content (NUL bytes)")
    return data.decode("utf-8-sig")


def sniff(path: str, head: bytes) -> str | None:
    """What a file is, from its name and its first bytes; None for files we ignore."""
    suffix = Path(path).suffix.lower()
    if suffix == ".tf":
        return "terraform"
    if suffix not in TEMPLATE_SUFFIXES:
        return None
    related = prefilter.bytes_may_concern_cloudtrail(head)
    if suffix == ".json" and _JSON_OBJECT.match(head):
        if _AWS_SNAPSHOT.search(head):
            return "aws-snapshot"
        if _DESCRIBE_TRAILS.search(head):
            return "aws-cli"
        if related and _PLAN.search(prefilter.unescape(head.decode("utf-8", errors="replace"))):
            return "terraform-plan"
    if related:
        return "cloudformation"  # or something else: parsing decides (``dispatch``)
    if _CFN_HINT.search(head):
        return "cloudformation-other"
    return None
