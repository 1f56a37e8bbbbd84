"""Run audit work on daemon threads that Ctrl-C does not wait for.

``concurrent.futures`` joins its worker threads at exit and runs every queued task on shutdown,
so Ctrl-C took effect only when the running work ended. Here the caller waits in short slices
(KeyboardInterrupt reaches the main thread at once), queued work is dropped as soon as the audit's
``cancel`` event is set, and a call still in flight is abandoned with its daemon thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_POLL = 0.05  # seconds between checks while waiting: bounds how late Ctrl-C is noticed


class Cancelled(Exception):
    """The audit was interrupted: no new call is made."""


def run_all(
    fn: Callable[[T], R], items: Iterable[T], workers: int, cancel: threading.Event, name: str = "ctguard-audit"
) -> list[R]:
    """``[fn(item) for item in items]`` on up to ``workers`` daemon threads, in order.

    The first exception of any item is raised once every started item has ended; with ``cancel``
    set, items not yet started are skipped and Cancelled is raised.
    """
    todo = list(enumerate(items))
    results: list[R | None] = [None] * len(todo)
    errors: list[BaseException] = []
    pending: queue.SimpleQueue[tuple[int, T]] = queue.SimpleQueue()
    for entry in todo:
        pending.put(entry)
    lock = threading.Lock()
    left = [len(todo)]
    done = threading.Event()
    if not todo:
        return []

    def finish() -> None:
        with lock:
            left[0] -= 1
            if left[0] == 0:
                done.set()

    def worker() -> None:
        while True:
            try:
                index, item = pending.get_nowait()
            except queue.Empty:
                return
            try:
                if cancel.is_set():
                    raise Cancelled()
                results[index] = fn(item)
            except BaseException as exc:  # handed to the caller, which decides
                with lock:
                    errors.append(exc)
            finally:
                finish()

    for i in range(max(1, min(workers, len(todo)))):
        threading.Thread(target=worker, name=f"{name}-{i}", daemon=True).start()
    while not done.wait(_POLL):
        pass
    if errors:
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
    return results  # type: ignore[return-value]


__all__ = ["Cancelled", "run_all"]
