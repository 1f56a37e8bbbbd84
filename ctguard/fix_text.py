"""Fix texts (``docs.fix`` in a policy) may name the run's targets: ``{retention_days}``.

A printed fix must pass ctguard's own rules under the same settings, so a retention fix says the
``--retention-days`` the run used, not a fixed 365.  ``{{`` and ``}}`` stand for literal braces.
"""
from __future__ import annotations

DEFAULT_RETENTION_DAYS = 365


def fill(text: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> str:
    return (text.replace("{{", "\x00").replace("}}", "\x01")
            .replace("{retention_days}", str(retention_days))
            .replace("\x00", "{").replace("\x01", "}"))
