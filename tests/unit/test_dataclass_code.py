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

    _use_stock(monkeypatch)
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
        _use_cache(monkeypatch)
    else:
        _use_stock(monkeypatch)
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


_DESCRIBE = r"""
import dataclasses, importlib, json, pkgutil, re, sys, types
if sys.argv[1] == "cached":
    from ctguard import dataclass_code
    dataclass_code.install()
import ctguard

def describe(value):
    if value is dataclasses.MISSING:
        return "MISSING"
    if isinstance(value, type):
        return "class " + value.__qualname__
    if isinstance(value, types.FunctionType):
        return "function " + value.__qualname__
    return re.sub(" at 0x[0-9a-f]+", "", repr(value))

out = {}
for info in pkgutil.walk_packages(ctguard.__path__, "ctguard."):
    if info.name.startswith(("ctguard.__main__", "ctguard.audit", "ctguard.drift")):
        continue  # boto3-heavy; their classes are built the same way
    module = importlib.import_module(info.name)
    for cls in vars(module).values():
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == info.name):
            continue
        out[f"{cls.__module__}.{cls.__qualname__}"] = [
            [(f.name, repr(f.type), describe(f.default), describe(f.default_factory), f.init, f.repr, f.hash,
              f.compare, repr(f.metadata), f.kw_only, f._field_type.name) for f in cls.__dataclass_fields__.values()],
            repr(cls.__dataclass_params__), repr(getattr(cls, "__match_args__", None)),
            repr(getattr(cls, "__slots__", None)), cls.__doc__, sorted(vars(cls)),
        ]
        for name, fn in sorted(vars(cls).items()):
            fn = getattr(fn, "__wrapped__", fn)  # __repr__ under reprlib's recursion guard
            if not isinstance(fn, types.FunctionType) or fn.__code__.co_filename != "<string>":
                continue
            code = fn.__code__
            out[f"{cls.__module__}.{cls.__qualname__}.{name}"] = [
                code.co_code.hex(), repr(code.co_consts), code.co_names, code.co_varnames, code.co_freevars,
                fn.__name__, fn.__qualname__, fn.__module__, describe(fn.__defaults__),
                describe(fn.__kwdefaults__), repr(fn.__annotations__),
                [describe(c.cell_contents) for c in fn.__closure__ or ()],
            ]
print(json.dumps(out, sort_keys=True))
"""


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors _create_fn of 3.11/3.12 only")
def test_every_ctguard_dataclass_gets_the_methods_dataclasses_writes(tmp_path: Path) -> None:
    # Built from the cached method code (cold cache, then warm) and by dataclasses itself:
    # code, names, defaults, keyword defaults, annotations and closure cells all alike.
    env = {"CTGUARD_CODE_CACHE": str(tmp_path), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}

    def run(mode: str) -> dict[str, Any]:
        proc = subprocess.run(
            [sys.executable, "-c", _DESCRIBE, mode], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    import json

    plain = run("plain")
    assert len(plain) > 400  # every ctguard dataclass's methods
    cold = run("cached")
    assert list(tmp_path.glob("dataclass-code-*.marshal"))
    warm = run("cached")
    for built in (cold, warm):
        assert built.keys() == plain.keys()
        for method, description in plain.items():
            assert built[method] == description, method


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors _create_fn of 3.11/3.12 only")
@pytest.mark.parametrize("warm", [False, True])
def test_uncommon_fields_get_the_methods_dataclasses_writes(monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    # Keyword-only fields with defaults, InitVar, ClassVar, factories, a field named self, order,
    # unsafe_hash and inheritance: what ctguard's own classes do not all exercise.
    _use_stock(monkeypatch)
    plain = _describe_cases(monkeypatch, cached=False)
    monkeypatch.setattr(dataclass_code, "_codes", {})
    if warm:
        _describe_cases(monkeypatch, cached=True)
        assert dataclass_code._codes
    assert _describe_cases(monkeypatch, cached=True) == plain


def _describe_cases(monkeypatch: pytest.MonkeyPatch, cached: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cls in _signature_cases(monkeypatch, cached) + _more_cases(monkeypatch, cached):
        out[cls.__qualname__] = (
            [
                (f.name, f.type, repr(f.default), repr(f.default_factory), f.init, f.kw_only, f._field_type.name)
                for f in cls.__dataclass_fields__.values()
            ],
            repr(cls.__dataclass_params__),
            getattr(cls, "__match_args__", None),
            getattr(cls, "__slots__", None),
            sorted(vars(cls)),
        )
        for name, fn in sorted(vars(cls).items()):
            fn = getattr(fn, "__wrapped__", fn)
            if isinstance(fn, types.FunctionType) and fn.__code__.co_filename == "<string>":
                code = fn.__code__
                out[f"{cls.__qualname__}.{name}"] = (
                    code.co_code,
                    code.co_freevars,
                    fn.__qualname__,
                    repr(fn.__defaults__),
                    repr(fn.__kwdefaults__),
                    repr(fn.__annotations__),
                    [type(c.cell_contents).__name__ for c in fn.__closure__ or ()],
                )
    return out


def _more_cases(monkeypatch: pytest.MonkeyPatch, cached: bool) -> list[type]:
    probe = types.ModuleType("ctguard.test_more_probe")
    monkeypatch.setitem(sys.modules, "ctguard.test_more_probe", probe)
    if cached:
        _use_cache(monkeypatch)
    else:
        _use_stock(monkeypatch)
    exec(
        "from __future__ import annotations\n"
        "import dataclasses, typing\n"
        "from typing import ClassVar\n"
        "CV = ClassVar\n"
        "from dataclasses import KW_ONLY, InitVar, dataclass, field\n"
        "@dataclass\nclass Special2:\n    a: CV[int] = 1\n    b: typing.ClassVar[str] = 'b'\n"
        "    c: dataclasses.InitVar[int] = 0\n    d: dataclasses.KW_ONLY\n    e: int = 5\n"
        "    def __post_init__(self, c):\n        pass\n"
        "@dataclass(order=True, unsafe_hash=True)\nclass Ordered:\n    a: int\n    b: list = field(default_factory=list, compare=False)\n"
        "@dataclass(frozen=True, kw_only=True)\nclass Kw:\n    a: int = 1\n    b: tuple = field(default_factory=tuple)\n    c: str\n"
        "@dataclass\nclass Mixed:\n    a: int\n    _: KW_ONLY\n    b: dict = field(default_factory=dict)\n    c: 'InitVar[int]' = 3\n"
        "    def __post_init__(self, c):\n        self.d = c\n"
        "@dataclass(slots=True)\nclass Sub(Ordered):\n    self: int = 0\n",
        probe.__dict__,
    )
    return [probe.__dict__[n] for n in ("Special2", "Ordered", "Kw", "Mixed", "Sub")]


_STANDS_IN = ("_create_fn", "_get_field", "_is_type")
# dataclasses' own functions: recorded by install() if a test ran it before this module was
# imported, else still in place now
_STOCK = {name: dataclass_code.originals.get(name, getattr(dataclasses, name)) for name in _STANDS_IN}


def _use_stock(monkeypatch: pytest.MonkeyPatch) -> None:
    # dataclasses' own functions, whether or not an earlier test installed the cache in this process
    for name in _STANDS_IN:
        assert _STOCK[name].__module__ == "dataclasses", name
        monkeypatch.setattr(dataclasses, name, _STOCK[name])


def _use_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # what install() does, undone after the test
    _use_stock(monkeypatch)
    monkeypatch.setitem(dataclass_code.originals, "_get_field", dataclasses._get_field)  # type: ignore[attr-defined]
    monkeypatch.setattr(dataclasses, "_create_fn", dataclass_code._create_fn)
    monkeypatch.setattr(dataclasses, "_get_field", dataclass_code._get_field)
    monkeypatch.setattr(dataclasses, "_is_type", dataclass_code._is_type)


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="mirrors dataclasses of 3.11/3.12 only")
def test_a_mutable_default_is_refused_as_dataclasses_refuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_stock(monkeypatch)
    probe = types.ModuleType("ctguard.test_mutable_probe")
    monkeypatch.setitem(sys.modules, "ctguard.test_mutable_probe", probe)
    source = "from __future__ import annotations\nfrom dataclasses import dataclass\n@dataclass\nclass M:\n    a: list = []\n"
    with pytest.raises(ValueError) as plain:
        exec(source, probe.__dict__)
    _use_cache(monkeypatch)
    with pytest.raises(ValueError) as fast:
        exec(source, probe.__dict__)
    assert str(fast.value) == str(plain.value) and "mutable default" in str(plain.value)
