"""ctguard.lean_imports: the stand-ins argparse, dataclasses and pathlib meet do what the real
functions do (the start-up test checks that a check never loads the real modules)."""

from __future__ import annotations

import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ctguard import lean_imports

REPO = Path(__file__).resolve().parents[2]


def test_gettext_without_catalogues_gives_the_message_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delitem(sys.modules, "gettext")  # nobody changed gettext's domain or directories
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))  # no share/locale below it
    assert lean_imports._gettext("usage: ") == "usage: "
    assert lean_imports._ngettext("expected %s argument", "expected %s arguments", 1) == "expected %s argument"
    assert lean_imports._ngettext("expected %s argument", "expected %s arguments", 2) == "expected %s arguments"


def test_gettext_with_a_catalogue_directory_asks_gettext(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "share" / "locale").mkdir(parents=True)
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))
    monkeypatch.delitem(sys.modules, "gettext")
    assert not lean_imports._no_catalogues()
    monkeypatch.setitem(sys.modules, "gettext", gettext)
    monkeypatch.setattr(gettext, "gettext", lambda message: f"<{message}>")
    monkeypatch.setattr(gettext, "ngettext", lambda one, many, n: f"<{one if n == 1 else many}>")
    assert lean_imports._gettext("options") == "<options>"  # gettext itself answered
    assert lean_imports._ngettext("a", "b", 3) == "<b>"


def test_stand_ins_forward_to_the_real_modules() -> None:
    assert lean_imports.ImportedOnUse("copy").deepcopy([[1]]) == [[1]]
    assert lean_imports._quote_from_bytes(b"/a b") == "/a%20b"


def test_a_fresh_command_line_uses_the_stand_ins_and_keeps_argparse_messages(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from ctguard.cli import main\n"
        "try:\n    main(['check'])\nexcept SystemExit as exc:\n    print('exit', exc.code, file=sys.stderr)\n"
        "import argparse\n"
        "print('gettext loaded:', 'gettext' in sys.modules, argparse._.__module__, file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert "error: the following arguments are required: PATH" in proc.stderr, proc.stderr
    assert "exit 2" in proc.stderr
    if sys.version_info[:2] == (3, 11) and not os.path.isdir(os.path.join(sys.base_prefix, "share", "locale")):
        assert "gettext loaded: False ctguard.lean_imports" in proc.stderr, proc.stderr
