"""``python -m ctguard``."""
from __future__ import annotations

from ctguard.cli import run

if __name__ == "__main__":
    run()
