"""Output formats; each module exposes ``render(report, options) -> str``.

Formatters work on any Report: findings whose file is a saved snapshot or ``aws://<account>``
and whose resource is an ARN render too (no file-system lookups for such locations).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")


def renderer(name: str) -> Callable[..., str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}")
    module: Any = importlib.import_module(f"ctguard.formatters.{name}_format")
    return module.render  # type: ignore[no-any-return]
