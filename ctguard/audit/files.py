"""Where an audit writes: checked before the first AWS call, snapshots readable by their owner only."""

from __future__ import annotations

import os


def unwritable(path: str) -> str | None:
    """Why ``path`` cannot be written (None when it can), without creating or changing it."""
    if os.path.isdir(path):
        return "it is a directory"
    if os.path.exists(path):
        return None if os.access(path, os.W_OK) else "permission denied"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"directory {os.path.dirname(path) or '.'} does not exist"
    return None if os.access(parent, os.W_OK | os.X_OK) else f"cannot create files in {os.path.dirname(path) or '.'}"


def write_private(path: str, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600: a snapshot describes an account's security setup.

    An existing file is narrowed to 0600 before anything is written into it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fd = -1
            fh.write(text)
    finally:
        if fd != -1:
            os.close(fd)


__all__ = ["unwritable", "write_private"]
