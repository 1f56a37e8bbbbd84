"""Where ctguard keeps what it derived from its own files between runs (compiled dataclass
methods, compiled regexes, its modules' bytecode, decoded data files, the checked policy catalogue).

Beside its own bytecode (``ctguard/__pycache__``), never in the user's cache directory: what is
loaded from there becomes code or policy logic, so it must be exactly as trusted as the package.
A user cache directory can be restored in CI from a cache a pull request wrote; the package's
directory is written only by whoever installed ctguard, as its ``.pyc`` files are. Where that
directory is not writable, nothing is kept and each run pays the full cost.
``CTGUARD_CODE_CACHE`` names another directory (tests isolate their runs with it).
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def code_cache_path() -> str:
    # os.path: the command line reads some of these files before pathlib is imported
    override = os.environ.get("CTGUARD_CODE_CACHE")
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.realpath(__file__)), "__pycache__")


def code_cache_dir() -> Path:
    """``code_cache_path()`` as a Path."""
    from pathlib import Path

    return Path(code_cache_path())


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (readers see the old file or the new one), or
    leave it as it is: a read-only package directory only means the work is done again next run."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
