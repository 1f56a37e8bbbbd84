"""The checked policy catalogue: the YAML data of every policy file that loaded cleanly, by digest.

Reading 80+ policy files with span-tracking YAML costs more than the rest of a one-template
check; validating them needs ``jsonschema``.  A file whose exact bytes loaded, validated and
passed every loader check before is taken from this catalogue instead: one ``marshal`` read
(the data is plain YAML scalars, lists and dicts).  Anything edited, added or renamed is a
new digest and goes the slow way, so the catalogue never changes what a run reports.

The catalogue lives beside ctguard's bytecode (``code_cache``: never the checkout nor the user
cache directory, since a forged entry would be policy logic) and its name carries
everything that could change the outcome of the slow path for the same bytes: the policy
schema, the ctguard version and the loader modules' own files.
"""

from __future__ import annotations

import importlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ctguard.version import __version__

_MAX_ENTRIES = 2000
# The model and the path walk decide whether a policy's model paths are valid (``model_paths``).
_LOADERS = (
    "policy.py",
    "policy_catalogue.py",
    "../yamlload.py",
    "model_paths.py",
    "paths.py",
    "../model.py",
    "placeholders.py",
)


def _sha256_class() -> Callable[..., Any]:
    # CPython's built-in SHA-256 gives the same digests as hashlib's; hashlib would first load
    # OpenSSL (about 2.5 ms, a tenth of what a one-template check spends beyond its YAML).
    for name in ("_sha256", "_sha2"):  # 3.11, 3.12+
        try:
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


sha256 = _sha256_class()


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex: how the catalogue names a policy file's exact bytes."""
    return str(sha256(data).hexdigest())


def cache_dir() -> Path:
    from ctguard.code_cache import code_cache_dir

    return code_cache_dir()


def _key(schema_path: Path) -> str:
    here = Path(__file__).resolve().parent
    h = sha256(schema_path.read_bytes())
    h.update(__version__.encode())
    for name in _LOADERS:
        try:
            st = (here / name).stat()
            h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            h.update(name.encode())
    return str(h.hexdigest())[:16]


class PolicyCatalogue:
    """Policy data by the SHA-256 of the file's bytes, for files that loaded without error.

    For ctguard's own policy files it also keeps each file's digest with its size, mtime and inode
    (``stamped``), as a ``.pyc`` keeps its source's: the 88 built-in files are then stat'ed, not
    read and hashed, on every run (~1.5 ms of a one-template check, issue 21).  Policy files from
    elsewhere (``--policies``, a configuration in the checked tree) are always read and hashed."""

    def __init__(self, schema_path: Path) -> None:
        self.path = cache_dir() / f"policies-{_key(schema_path)}.marshal"
        self.entries: dict[str, Any] = {}
        self.stamps: dict[str, tuple[int, int, int, str]] = {}
        try:
            loaded = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            loaded = None
        if isinstance(loaded, tuple) and len(loaded) == 2 and all(isinstance(part, dict) for part in loaded):
            self.entries, self.stamps = loaded
        self.dirty = False
        self.used: set[str] = set()

    def stamped(self, file: str, st: os.stat_result) -> str | None:
        """The digest of a built-in policy file unchanged since it was last read (size, mtime, inode)."""
        stamp = self.stamps.get(file)
        if isinstance(stamp, tuple) and len(stamp) == 4 and stamp[:3] == (st.st_size, st.st_mtime_ns, st.st_ino):
            return stamp[3] if isinstance(stamp[3], str) else None
        return None

    def stamp(self, file: str, st: os.stat_result, digest: str) -> None:
        self.stamps[file] = (st.st_size, st.st_mtime_ns, st.st_ino, digest)
        self.dirty = True

    def get(self, digest: str) -> dict[str, Any] | None:
        data = self.entries.get(digest)
        if not isinstance(data, dict):
            return None
        self.used.add(digest)
        return data

    def known(self, digest: str) -> bool:
        """True when these bytes validated against this schema before (no jsonschema needed)."""
        return digest in self.entries

    def add(self, digest: str, data: dict[str, Any]) -> None:
        try:
            marshal.dumps(data)
        except ValueError:  # not plain data: keep loading this file the slow way
            return
        self.entries[digest] = data
        self.used.add(digest)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        if len(self.entries) > _MAX_ENTRIES:  # edited policies leave old digests behind
            self.entries = {d: v for d, v in self.entries.items() if d in self.used}
        if len(self.stamps) > _MAX_ENTRIES:
            self.stamps = {}
        from ctguard.code_cache import write_atomic

        # a read-only home must not break a check: the slow path runs again next time
        write_atomic(str(self.path), marshal.dumps((self.entries, self.stamps)))
