"""ctguard: check AWS CloudTrail configurations and simulate what trails record."""
from __future__ import annotations

__version__ = "0.1.0"
