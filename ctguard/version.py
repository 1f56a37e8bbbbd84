"""The version of ctguard: a leaf module, so everything can read it without importing the API."""

from __future__ import annotations

__version__ = "0.1.0"
