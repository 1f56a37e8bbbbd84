"""A progress bar on stderr while auditing: rich, only on a terminal; nothing otherwise."""

from __future__ import annotations

import sys
import threading
from typing import Any, Protocol


class Progress(Protocol):
    def start(self, accounts: int) -> None: ...
    def call_done(self) -> None: ...
    def account_done(self, account: str) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, accounts: int) -> None:
        pass

    def call_done(self) -> None:
        pass

    def account_done(self, account: str) -> None:
        pass

    def stop(self) -> None:
        pass


class RichProgress:
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("accounts · {task.fields[calls]} calls"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None
        self._calls = 0
        self._lock = threading.Lock()

    def start(self, accounts: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("auditing", total=accounts, calls=0)

    def call_done(self) -> None:
        with self._lock:
            self._calls += 1
            calls = self._calls
        if self._task is not None:
            self._bar.update(self._task, calls=calls)

    def account_done(self, account: str) -> None:
        if self._task is not None:
            self._bar.update(self._task, advance=1, description=f"auditing (last: {account})")

    def stop(self) -> None:
        self._bar.stop()


def progress_for(stream: Any = None) -> Progress:
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return RichProgress() if tty else NoProgress()
