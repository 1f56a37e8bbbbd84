"""ctguard.dataclass_code caches the compilation of dataclass methods; the classes must not change."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

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
            # annotations too: compiled where annotations are postponed, they once held '_type_a'
            assert getattr(cls, name).__annotations__ == getattr(plain, name).__annotations__, name
        x = cls(1, (2,))
        assert repr(x).endswith("P(a=1, b=(2,), c={})") and x == cls(1, (2,)) and x < cls(2)
        with pytest.raises(dataclasses.FrozenInstanceError):
            x.a = 3  # type: ignore[misc]


def _signature_cases(monkeypatch: pytest.MonkeyPatch, cached: bool) -> list[type]:
    probe = types.ModuleType("ctguard.test_signature_probe")
    monkeypatch.setitem(sys.modules, "ctguard.test_signature_probe", probe)
    if cached:  # method text compiled where annotations are postponed, as a check run does
        monkeypatch.setattr(dataclasses, "_create_fn", dataclass_code._create_fn)
    source = (
        "from __future__ import annotations\n"
        "from dataclasses import KW_ONLY, InitVar, dataclass, field\n"
        "from typing import ClassVar\n"
        "@dataclass\nclass Plain:\n    a: int\n    b: str = 'x'\n    c: list[int] = field(default_factory=list)\n"
        "@dataclass(frozen=True, slots=True)\nclass Frozen:\n    a: int | None = None\n    b: tuple[str, ...] = ()\n"
        "@dataclass\nclass Keywords:\n    a: int\n    _: KW_ONLY\n    b: int = 2\n    c: str = field(default='c')\n"
        "@dataclass(kw_only=True)\nclass AllKeywords:\n    a: int\n    b: dict = field(default_factory=dict)\n"
        "@dataclass\nclass Special:\n    k: ClassVar[int] = 3\n    a: InitVar[int] = 0\n    b: float = 1.5\n"
        "    def __post_init__(self, a):\n        pass\n"
        "@dataclass\nclass Empty:\n    pass\n"
        "@dataclass\nclass Child(Plain):\n    d: bytes = b''\n"
        "@dataclass\nclass Self:\n    self: int = 0\n"
    )
    exec(source, probe.__dict__)
    names = ("Plain", "Frozen", "Keywords", "AllKeywords", "Special", "Empty", "Child", "Self")
    return [probe.__dict__[n] for n in names]


@pytest.mark.parametrize("cached", [False, True])
def test_init_signature_is_what_inspect_says(monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    # dataclasses writes a class's missing docstring from this text; a check run serves it without
    # importing inspect (dataclass_code._Signatures), so it must be inspect's text exactly
    import inspect

    if cached and sys.version_info[:2] not in ((3, 11), (3, 12)):
        pytest.skip("mirrors _create_fn of 3.11/3.12 only")
    for cls in _signature_cases(monkeypatch, cached):
        assert dataclass_code.init_signature(cls) == str(inspect.signature(cls)), cls.__name__


def test_init_signature_leaves_other_classes_to_inspect() -> None:
    # annotations that are type objects (not postponed): inspect's formatting rules apply
    namespace: dict[str, Any] = {}
    source = "class Typed:\n    def __init__(self, a: int) -> None:\n        pass\n"
    exec(compile(source, "<typed>", "exec", dont_inherit=True), namespace)  # not this file's postponed annotations
    Typed = namespace["Typed"]

    class NotGenerated:
        def __init__(self, *args: int) -> None:
            pass

    class Meta(type):
        pass

    class WithMeta(metaclass=Meta):
        def __init__(self, a: int) -> None:
            pass

    for cls in (Typed, NotGenerated, WithMeta):
        assert dataclass_code.init_signature(cls) is None, cls.__name__
    assert str(dataclass_code._Signatures().signature(Typed)) == "(a: int) -> None"


def test_every_ctguard_dataclass_signature_is_what_inspect_says() -> None:
    import importlib
    import inspect
    import pkgutil

    import ctguard

    checked = 0
    for info in pkgutil.walk_packages(ctguard.__path__, "ctguard."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == info.name:
                text = dataclass_code.init_signature(value)
                if text is not None:
                    assert text == str(inspect.signature(value)), value
                    checked += 1
    assert checked > 100
