"""Pausing Python's cycle collector while many acyclic objects are made and kept alive.

Used where that happens: reading a Terraform module, building or loading an HCL tree, replaying
a batch of CloudTrail records. Reading a module builds a syntax tree of about one object per character of HCL and keeps it
alive until the module is evaluated. Every few thousand new containers the collector runs, and
every so often it rescans everything alive, tree included: on a 1 MB file, 1.9 s of the 2.1 s
spent turning the tree into blocks was collecting. Trees and blocks hold no cycles, so the
collector is paused while the module is read and evaluated; whatever cyclic garbage is made
meanwhile waits for its first run after that.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Nested uses are fine: only the outermost one turns the collector back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
