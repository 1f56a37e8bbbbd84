"""A progress bar on stderr while log files are hashed: rich, only on a terminal; nothing otherwise."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """No output: for pipes, files and tests."""

    def start(self, total: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def stop(self) -> None:
        pass


class RichProgress(Progress):
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("verifying log files"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def start(self, total: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("verify", total=total or None)

    def advance(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, advance=1)

    def stop(self) -> None:
        self._bar.stop()


def progress_for(stream: Any = None) -> Progress:
    stream = stream or sys.stderr
    return RichProgress() if stream.isatty() else Progress()
