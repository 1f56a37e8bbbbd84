"""Process exit codes, shared by every command."""

from __future__ import annotations

EXIT_OK = 0  # nothing at or above --fail-on
EXIT_FINDINGS = 1  # findings at or above --fail-on
EXIT_USAGE = 2  # usage, configuration or policy error; internal error
EXIT_INPUT = 3  # an input could not be read or parsed (or a live audit was incomplete)
