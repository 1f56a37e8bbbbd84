"""Where ctguard keeps what it derived from its own files between runs (compiled dataclass
methods, the checked policy catalogue).

Beside its own bytecode (``ctguard/__pycache__``), never in the user's cache directory: what is
loaded from there becomes code or policy logic, so it must be exactly as trusted as the package.
A user cache directory can be restored in CI from a cache a pull request wrote; the package's
directory is written only by whoever installed ctguard, as its ``.pyc`` files are. Where that
directory is not writable, nothing is kept and each run pays the full cost.
``CTGUARD_CODE_CACHE`` names another directory (tests isolate their runs with it).
"""

from __future__ import annotations

import os
from pathlib import Path


def code_cache_dir() -> Path:
    override = os.environ.get("CTGUARD_CODE_CACHE")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "__pycache__"
