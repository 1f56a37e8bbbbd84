"""ctguard's bundled JSON data (``ctguard/data``), decoded once and kept as ``marshal``.

A one-template check reads the CIS monitoring items (190 KB), the vendored resource schemas
(54 KB) and two smaller tables; ``json.loads`` of them is ~3 ms, reading the same values back
from ``marshal`` a third of it (issue 21).  Each file's decoded value is kept beside the other
derived files in ``ctguard/__pycache__`` (``code_cache``) with the size and modification time
of the JSON it came from, as a ``.pyc`` keeps its source's; any other size or time decodes the
JSON again.  Only files under ``ctguard/data`` are kept, never an input.
"""

from __future__ import annotations

import json
import marshal
import os
from typing import Any

from ctguard.code_cache import code_cache_path, write_atomic

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
_FORMAT = 1


def _kept_file(name: str) -> str:
    return os.path.join(code_cache_path(), f"data-{name}.marshal")


def load_json(name: str) -> Any:
    """The decoded value of ``ctguard/data/<name>``."""
    source = os.path.join(DATA_DIR, name)
    with open(source, "rb") as handle:
        st = os.fstat(handle.fileno())
        stamp = (_FORMAT, st.st_size, st.st_mtime_ns)
        kept = _kept_file(name)
        try:
            with open(kept, "rb") as cached:
                header, value = marshal.loads(cached.read())
            if header == stamp:
                return value
        except (OSError, ValueError, EOFError, TypeError):
            pass
        value = json.loads(handle.read())
    write_atomic(kept, marshal.dumps((stamp, value)))  # JSON values are all marshal types
    return value
