"""The command line's logging set-up, applied only once something logs.

Importing ``logging`` (with ``traceback``, ``threading`` and ``string``) costs about 5 ms, a
tenth of a one-template check's own start-up, and a check that goes well logs nothing (issue
21).  So ``ctguard check`` only records the set-up here (``configure(..., lazy=True)``); the
first ``logger()`` call applies it.  Commands whose modules log through ``logging`` directly
(audit: its secret scrubber filters the root handlers it finds) and ``--debug`` apply it at once.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

FORMAT = "ctguard: %(levelname)s: %(message)s"

_debug: bool | None = None  # None: the command line did not ask for any set-up (API use)
_applied = False


def configure(debug: bool, *, lazy: bool = False) -> None:
    """Remember the command line's set-up; apply it now unless ``lazy`` (and not yet needed)."""
    global _debug, _applied
    _debug, _applied = debug, False
    if debug or not lazy or "logging" in sys.modules:
        _apply()


def logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)``, with the command line's set-up in place first."""
    import logging

    _apply()
    return logging.getLogger(name)


def _apply() -> None:
    global _applied
    if _debug is None or _applied:
        return
    import logging

    _applied = True
    logging.basicConfig(level=logging.DEBUG if _debug else logging.WARNING, format=FORMAT, stream=sys.stderr)
