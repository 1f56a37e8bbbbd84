"""``python -m ctguard``."""

from __future__ import annotations

import os
import sys


def _drop_working_directory() -> None:
    """``python -m`` puts the working directory first on ``sys.path``; in CI that is the pull request's
    checkout, where a ``yaml.py`` or ``jsonschema.py`` would run when ctguard imports that name."""
    if not sys.path or sys.flags.safe_path:
        return
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    if sys.path[0] in ("", cwd):
        del sys.path[0]


if __name__ == "__main__":
    _drop_working_directory()
    from ctguard.cli import run

    run()
