"""Headless Chromium (the Debian package) for tests that load a page: its DOM and console."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_CONSOLE = re.compile(r":CONSOLE[:(]")


def chromium() -> str:
    """The browser's path; skips the test only where a browser is not required (CI requires it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CTGUARD_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (CTGUARD_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return path


def load(page: Path) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and every console message it logged."""
    with tempfile.TemporaryDirectory(prefix="ctguard-chromium-") as profile:
        done = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if _CONSOLE.search(line)]
