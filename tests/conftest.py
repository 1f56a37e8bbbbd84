from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ctguard's caches (parse trees, policy catalogue, compiled methods) out of the
    developer's home and out of the package directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(tmp_path_factory.getbasetemp() / "code-cache"))


@pytest.fixture
def repo() -> Path:
    return REPO
