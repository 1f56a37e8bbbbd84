"""ctguard.module_bundle: ctguard's modules served from one file while their sources are unchanged;
an edited or new module takes the normal import, and specs, files and sources stay the normal ones."""

from __future__ import annotations

import json
import marshal
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "cloudformation" / "weak-trail.yaml"

_PROBE = """
import json, sys
from ctguard import module_bundle
module_bundle.install()
import ctguard.values, ctguard.parsers.cloudformation.detect as detect
import ctguard.parsers.cloudformation
print(json.dumps({
    "served": sorted(module_bundle._served),
    "file": ctguard.values.__file__,
    "origin": ctguard.values.__spec__.origin,
    "source": ctguard.values.__loader__.get_source("ctguard.values")[:200],
    "package_path": list(ctguard.parsers.cloudformation.__path__),
    "marker": getattr(ctguard.values, "BUNDLE_TEST_MARKER", None),
}))
"""


def _probe(root: Path, cache: Path) -> dict[str, object]:
    env = {"CTGUARD_CODE_CACHE": str(cache), "PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=60, cwd=root)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    # a copy of the package, so that a test may edit a module
    root = tmp_path / "src"
    shutil.copytree(REPO / "ctguard", root / "ctguard", ignore=shutil.ignore_patterns("__pycache__", "*.marshal"))
    return root


def test_modules_come_from_the_bundle_with_their_normal_files(package_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _probe(package_copy, cache)
    assert first["served"] == []  # nothing bundled yet: the normal import, then the bundle is written
    (bundle,) = cache.glob("modules-*.marshal")
    written = bundle.stat().st_mtime_ns
    second = _probe(package_copy, cache)
    assert {"ctguard.values", "ctguard.parsers.cloudformation.detect", "ctguard.parsers.cloudformation"} <= set(
        second["served"]  # type: ignore[arg-type]
    )
    values = package_copy / "ctguard" / "values.py"
    assert second["file"] == second["origin"] == str(values)
    assert second["source"] == values.read_text()[:200]  # tracebacks and inspect read the real file
    assert second["package_path"] == [str(package_copy / "ctguard" / "parsers" / "cloudformation")]
    assert bundle.stat().st_mtime_ns == written  # nothing new: not written again


def test_an_edited_module_is_imported_from_its_source(package_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _probe(package_copy, cache)
    values = package_copy / "ctguard" / "values.py"
    values.write_text(values.read_text() + "\nBUNDLE_TEST_MARKER = 21\n")
    edited = _probe(package_copy, cache)
    assert edited["marker"] == 21 and "ctguard.values" not in edited["served"]  # type: ignore[operator]
    again = _probe(package_copy, cache)  # the bundle took the edit at exit
    assert again["marker"] == 21 and "ctguard.values" in again["served"]  # type: ignore[operator]


def test_a_damaged_bundle_costs_only_the_normal_import(package_copy: Path, tmp_path: Path) -> None:
    from ctguard import module_bundle

    cache = tmp_path / "cache"
    _probe(package_copy, cache)
    (bundle,) = cache.glob("modules-*.marshal")
    data = bytearray(bundle.read_bytes())
    head = len(module_bundle._MAGIC)
    length = int.from_bytes(data[head : head + 8], "little")
    index = marshal.loads(bytes(data[head + 8 : head + 8 + length]))
    offset, size = index["ctguard.values"][4:]
    start = head + 8 + length + offset
    data[start : start + size] = b"\x00" * size  # its code overwritten
    bundle.write_bytes(bytes(data))
    assert "ctguard.values" not in _probe(package_copy, cache)["served"]  # type: ignore[operator]  # from source
    assert "ctguard.values" in _probe(package_copy, cache)["served"]  # type: ignore[operator]  # bundled again
    bundle.write_bytes(b"\x00 not a bundle")
    assert _probe(package_copy, cache)["served"] == []
    bundle.write_bytes(bytes(data[: head + 4]))  # cut short
    assert _probe(package_copy, cache)["served"] == []


def test_a_check_through_the_bundle_reports_what_a_normal_import_does(tmp_path: Path) -> None:
    env = {
        "CTGUARD_CODE_CACHE": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    command = [sys.executable, "-m", "ctguard", "check", str(TEMPLATE), "--format", "json"]
    runs = [subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=REPO) for _ in range(2)]
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; from ctguard.cli import main; sys.exit(main(sys.argv[1:]))", *command[3:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=REPO,
    )
    assert list(tmp_path.glob("modules-*.marshal"))
    assert runs[0].stdout == runs[1].stdout == plain.stdout and '"findings"' in plain.stdout
    assert runs[0].returncode == runs[1].returncode == plain.returncode == 1
