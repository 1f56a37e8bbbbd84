"""ctguard: check AWS CloudTrail configurations and simulate what trails record.

``ctguard.check(paths, ...)`` is the Python API (``ctguard.api.check``; the simulator's is
``ctguard.api.simulate``); it and the other API
names are imported on first use, so ``import ctguard`` (and ``ctguard --version``) stay fast.
"""

from __future__ import annotations

from ctguard.version import __version__

# typing is imported by the command line with the collector paused (cli.py), not here, where
# its objects would start young collections that free nothing (issue 21)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_API = ("check", "evaluate", "Report", "Finding", "Severity", "Status", "Suppression", "Gate", "Settings")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from ctguard import dataclass_code

        dataclass_code.install()
        if name == "Suppression":
            from ctguard.findings import Suppression

            return Suppression
        from ctguard import api

        return getattr(api, name)
    raise AttributeError(f"module 'ctguard' has no attribute {name!r}")
