"""Fix texts (``docs.fix`` in a policy) may name the run's targets: ``{retention_days}``.

A printed fix must pass ctguard's own rules under the same settings, so a retention fix says the
``--retention-days`` the run used, not a fixed 365.  Only that placeholder is replaced: fixes are
full of literal braces (JSON, YAML flow mappings, HCL blocks), and an escape convention for them
(``{{``/``}}``) silently broke the JSON of CT405's command and the YAML of CT406's fix.
"""

from __future__ import annotations

DEFAULT_RETENTION_DAYS = 365


def fill(text: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> str:
    return text.replace("{retention_days}", str(retention_days))
