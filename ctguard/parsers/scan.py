"""Finding inputs: walk paths, read files safely, and decide from content what each one is.

Detection is by content, not only by name, and cheap: a byte-level prefilter decides whether a
file is CloudTrail-related before anything is parsed, so a repository of Kubernetes YAML and
workflows costs a directory walk and a few regex scans.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from ctguard.parsers import prefilter

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".terraform",
        ".terragrunt-cache",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "cdk.out",
        ".aws-sam",
        ".serverless",
    }
)
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


LEAVES_TREE = "symbolic link leaves the scanned tree; not followed"


def walk(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (file path, problem) in a deterministic order; problem is set for unreadable entries.

    The walk stays inside the roots it was given (a pull request can add links to ``/`` or to
    files outside the checkout): a link that leaves them is a problem, not followed; a directory
    reached twice (link cycles, several links to one directory) is walked once; FIFOs, sockets
    and devices are never opened.  Entries ctguard would not read anyway are passed over silently.
    """
    roots = tuple(os.path.realpath(p) for p in paths if os.path.isdir(p))
    seen: set[tuple[int, int]] = set()
    for given in paths:
        if os.path.isdir(given):
            yield from _walk_dir(given, roots, seen)
        elif os.path.lexists(given):
            problem = _given_file_problem(given, roots)
            if problem is not None or _first_visit(given, seen):
                yield given, problem
        else:
            yield given, "no such file or directory"


def _given_file_problem(path: str, roots: tuple[str, ...]) -> str | None:
    """A file named on the command line (pre-commit passes the changed files) may be a link too."""
    if not os.path.exists(path):
        return "dangling symbolic link"
    if os.path.islink(path):
        # A relative name is read from the working directory (the checkout): its links stay there.
        base = roots + (
            (os.path.realpath(os.getcwd()),) if not os.path.isabs(path) else (os.path.realpath(os.path.dirname(path)),)
        )
        if not _inside(os.path.realpath(path), base):
            return LEAVES_TREE
    return _special_problem(path)


def _walk_dir(directory: str, roots: tuple[str, ...], seen: set[tuple[int, int]]) -> Iterator[tuple[str, str | None]]:
    try:
        st = os.stat(directory)
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    ident = (st.st_dev, st.st_ino)
    if ident in seen:
        return  # a link cycle, or a second link to a directory already walked
    seen.add(ident)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    for entry in entries:
        path = os.path.join(directory, entry.name)
        readable_name = _read_by_name(entry.name)
        if entry.name in SKIP_DIRS and entry.name != CDK_OUT:
            continue  # never walked, wherever it points (a node_modules or .venv link out of the tree is common)
        if entry.is_symlink():
            if not os.path.exists(path):
                if readable_name:
                    yield path, "dangling symbolic link"
                continue
            if not _inside(os.path.realpath(path), roots):
                if readable_name or os.path.isdir(path):
                    yield path, LEAVES_TREE
                continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name == CDK_OUT:
                yield from _cdk_templates(path, roots, seen)
                continue
            if os.path.exists(os.path.join(path, "pyvenv.cfg")):
                continue
            yield from _walk_dir(path, roots, seen)
            continue
        if not readable_name:
            yield path, None  # never opened: the dispatcher reads templates and Terraform files only
            continue
        problem = None if entry.is_file() else _special_problem(path)  # is_file: no stat for plain files
        if problem is not None:
            yield path, problem
        elif _first_visit(path, seen):
            yield path, None


def _first_visit(path: str, seen: set[tuple[int, int]]) -> bool:
    """False for a template reached again (a second link or hard link to it, a file named twice).

    Terraform files are always yielded: each names its module directory, and a module may hold
    a link to a shared ``providers.tf`` that another module holds too.
    """
    if path.lower().endswith((".tf", ".tf.json")):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return True  # reading it reports the problem
    ident = (st.st_dev, st.st_ino)
    if ident in seen:
        return False
    seen.add(ident)
    return True


_READ_SUFFIXES = TEMPLATE_SUFFIXES | {".tf"}


def _read_by_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in _READ_SUFFIXES


def _inside(real: str, roots: tuple[str, ...]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _special_problem(path: str) -> str | None:
    """Why a path that exists is not a regular file (reading a FIFO blocks, a device never ends)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _os_problem(exc)
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )
    return f"not a regular file ({kind}); not read"


def _cdk_templates(
    directory: str, roots: tuple[str, ...], seen: set[tuple[int, int]]
) -> Iterator[tuple[str, str | None]]:
    """The synthesized templates of a CDK app (``cdk.out/*.template.json``), not its assets; each
    under the same rules as any file of the walk (links stay in the tree, regular files only)."""
    try:
        names = sorted(e.name for e in os.scandir(directory) if e.name.endswith(".template.json"))
    except OSError as exc:
        yield directory, _os_problem(exc)
        return
    for name in names:
        path = os.path.join(directory, name)
        if os.path.islink(path) and not _inside(os.path.realpath(path), roots):
            yield path, LEAVES_TREE
            continue
        problem = _special_problem(path)
        if problem is not None:
            yield path, problem
        elif _first_visit(path, seen):
            yield path, None


def _os_problem(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def read_text(path: str) -> str:
    """Decode a file as CloudFormation and Terraform tools do: UTF-8 (BOM allowed) or UTF-16 with BOM."""
    data = Path(path).read_bytes()
    return decode(data)


def decode(data: bytes) -> str:
    if data.startswith(prefilter.UTF16_BOMS):
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
