"""ctguard.dataclass_code caches the compilation of dataclass methods; the classes must not change."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ctguard import dataclass_code

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import dataclasses, json, sys
from ctguard.cli import main
try:
    main(["check", sys.argv[1], "--format", "json"])
except SystemExit:
    pass
from ctguard import model
t = model.Trail(key="t")
print(json.dumps({"patched": dataclasses._create_fn.__module__, "repr": repr(t)[:60], "eq": t == model.Trail(key="t"),
                  "hash": hash(model.DataResource("x")) == hash(model.DataResource("x"))}), file=sys.stderr)
"""


def _run(cache: Path) -> tuple[str, dict]:
    import json

    env = {"CTGUARD_CODE_CACHE": str(cache), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(REPO / "examples" / "cloudformation" / "weak-trail.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors _create_fn of 3.11/3.12 only")
def test_cold_and_warm_cache_give_the_same_report(tmp_path: Path) -> None:
    cold_out, cold = _run(tmp_path)
    files = list(tmp_path.glob("dataclass-code-*.marshal"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    warm_out, warm = _run(tmp_path)
    assert cold["patched"] == warm["patched"] == "ctguard.dataclass_code"
    assert cold_out == warm_out and '"findings"' in cold_out
    assert cold == warm and warm["eq"] and warm["hash"] and warm["repr"].startswith("Trail(key='t'")
    # a corrupt cache is ignored
    files[0].write_bytes(b"\x00not marshal")
    assert _run(tmp_path)[0] == cold_out


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors _create_fn of 3.11/3.12 only")
def test_cached_code_builds_the_same_methods_as_dataclasses(monkeypatch: pytest.MonkeyPatch) -> None:
    # Compile a frozen, slotted class with a return-annotated __init__ both ways in this process.
    probe = types.ModuleType("ctguard.test_probe")
    monkeypatch.setitem(sys.modules, "ctguard.test_probe", probe)

    def make() -> type:
        ns = probe.__dict__
        exec(
            "from dataclasses import dataclass, field\n"
            "@dataclass(frozen=True, slots=True, order=True)\n"
            "class P:\n    a: int\n    b: tuple = ()\n    c: dict = field(default_factory=dict)\n",
            ns,
        )
        return ns["P"]

    original = dataclasses._create_fn
    if original is dataclass_code._create_fn:
        pytest.skip("already installed in this process")
    plain = make()
    monkeypatch.setattr(dataclasses, "_create_fn", dataclass_code._create_fn)
    monkeypatch.setattr(dataclass_code, "_codes", {})
    cached_first, cached_again = make(), make()
    assert len(dataclass_code._codes) > 0  # ctguard.* globals: stored
    for cls in (cached_first, cached_again):
        for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__"):
            assert getattr(cls, name).__code__.co_code == getattr(plain, name).__code__.co_code, name
        x = cls(1, (2,))
        assert repr(x).endswith("P(a=1, b=(2,), c={})") and x == cls(1, (2,)) and x < cls(2)
        with pytest.raises(dataclasses.FrozenInstanceError):
            x.a = 3  # type: ignore[misc]
