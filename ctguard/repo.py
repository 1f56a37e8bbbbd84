"""Repository-relative paths: what SARIF URIs, fingerprints and baselines are keyed on.

The repository root is the nearest directory at or above a file that holds ``.git``; without one
paths are made relative to the current directory.  Locations that are not files (``aws://...``
for live accounts, ARNs) are returned unchanged, so every formatter works on any report.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import PurePosixPath


def is_file_location(path: str) -> bool:
    return "://" not in path and not path.startswith("arn:")


@lru_cache(maxsize=1024)
def repo_root(directory: str) -> str | None:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def repo_relative(path: str) -> str:
    """``path`` relative to its repository root (else the CWD), with forward slashes."""
    if not path or not is_file_location(path):
        return path
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed under us
        cwd = os.path.abspath(os.sep)
    return _relative(path, cwd)


@lru_cache(maxsize=8192)
def _relative(path: str, cwd: str) -> str:
    # Cached: every finding's fingerprint asks, and a scan has tens of thousands of findings
    # on a few hundred files (abspath + relpath cost ~8 us a call).
    absolute = os.path.join(cwd, path) if not os.path.isabs(path) else path
    absolute = os.path.normpath(absolute)
    root = repo_root(os.path.dirname(absolute)) or cwd
    rel = os.path.relpath(absolute, root)
    if rel.startswith(".."):  # outside both: keep the absolute path, still stable per machine
        return PurePosixPath(absolute.replace(os.sep, "/")).as_posix()
    return rel.replace(os.sep, "/")
