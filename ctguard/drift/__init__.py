"""Drift between trails and event data stores in code and in an AWS account.

``sides`` collects what each side defines, ``match`` pairs them by ARN or name, ``fields``
compares settings value by value (three-valued: what the code leaves to deploy time is UNKNOWN,
never drift), ``selectors`` compares what the selectors record through the simulator, and
``findings`` turns all of it into CT9xx findings that name both locations.
"""

from __future__ import annotations

from ctguard.drift.run import compare

__all__ = ["compare"]
