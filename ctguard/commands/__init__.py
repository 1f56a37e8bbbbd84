"""One module per ``ctguard`` sub-command.

Each module exposes ``add_parser(sub)`` (registers its argparse sub-parser; must import nothing
heavy at module level, since every invocation builds every parser) and ``run(args) -> int``.
"""

from __future__ import annotations

# Order is the order of ``ctguard --help``.
COMMANDS: tuple[str, ...] = (
    "check",
    "simulate",
    "audit",
    "drift",
    "verify",
    "rules",
    "explain",
)
