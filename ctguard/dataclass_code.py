"""Compiled dataclass methods, kept between runs: the largest single cost of starting ctguard.

``@dataclass`` writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and the frozen
``__setattr__``/``__delattr__`` of every class as source text and compiles it with ``exec``:
about 500 compilations, a third of the CPU time of a one-template check.  The text depends on
the class's fields only, so the code object compiled from it is the same on every run.  This
module keeps those code objects (``marshal``, as the interpreter's own ``__pycache__`` does) in
``ctguard/__pycache__`` (``code_cache``: as trusted as the package's own bytecode, never the
user cache directory), keyed by the interpreter build, and hands ``exec`` the code object
instead of the text: the functions ``dataclasses`` builds are exactly the ones it would build.

Only ctguard's own classes (globals of a ``ctguard.`` module) use the cache, only on the
CPython versions whose ``dataclasses._create_fn`` this mirrors (3.11, 3.12); everywhere else
nothing changes.  A missing, unreadable or unwritable cache costs only the compilation.
"""

from __future__ import annotations

import atexit
import dataclasses
import marshal
import os
import sys
from types import CodeType, FunctionType
from typing import Any

_RETURN_NAME = {(3, 11): "_return_type", (3, 12): "__dataclass_return_type__"}.get(sys.version_info[:2])
_MAX_ENTRIES = 4000
_codes: dict[str, CodeType] = {}
_new = 0


def _cache_file() -> str:
    from ctguard.code_cache import code_cache_path

    # v2: methods compiled without this module's postponed annotations (their __annotations__
    # hold the field types, as dataclasses' own do; v1's held the local names, '_type_x')
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-v2"
    return os.path.join(code_cache_path(), f"dataclass-code-{build}.marshal")


def _load() -> None:
    try:
        with open(_cache_file(), "rb") as handle:
            loaded = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if isinstance(loaded, dict):
        _codes.update(loaded)  # each entry's type is checked where it is used


def _save() -> None:
    if not _new:
        return
    from ctguard.code_cache import write_atomic

    write_atomic(_cache_file(), marshal.dumps(_codes))


def _create_fn(
    name: str, args: Any, body: Any, *, globals: Any = None, locals: Any = None, return_type: Any = dataclasses.MISSING
) -> Any:
    # Same text as dataclasses._create_fn of this Python version; only the compilation is cached.
    global _new
    if locals is None:
        locals = {}
    return_annotation = ""
    if return_type is not dataclasses.MISSING:
        locals[_RETURN_NAME] = return_type
        return_annotation = f"->{_RETURN_NAME}"
    args = ",".join(args)
    body = "\n".join(f"  {b}" for b in body)
    txt = f" def {name}({args}){return_annotation}:\n{body}"
    local_vars = ", ".join(locals.keys())
    txt = f"def __create_fn__({local_vars}):\n{txt}\n return {name}"
    code = _codes.get(txt)
    if type(code) is not CodeType:
        # dont_inherit: dataclasses compiles without postponed annotations, so must this module
        code = compile(txt, "<string>", "exec", dont_inherit=True)
        if str((globals or {}).get("__name__", "")).startswith("ctguard.") and len(_codes) < _MAX_ENTRIES:
            _codes[txt] = code
            _new += 1
    ns: dict[str, Any] = {}
    exec(code, globals, ns)
    return ns["__create_fn__"](**locals)


def annotation_code(text: str) -> CodeType:
    """A field annotation compiled for ``eval``: with postponed annotations each is text, and
    ``typing.get_type_hints`` compiles every one on every run (~3 ms of a one-template check's
    model check, engine/shape.py); kept with the methods, under a key no method text can have."""
    global _new
    key = "<annotation>\n" + text
    code = _codes.get(key)
    if type(code) is not CodeType:
        code = compile(text, "<annotation>", "eval", dont_inherit=True)
        if len(_codes) < _MAX_ENTRIES:
            _codes[key] = code
            _new += 1
    return code


_CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08  # inspect's flags, without importing inspect


def init_signature(cls: type) -> str | None:
    """``str(inspect.signature(cls))`` for a dataclass whose ``__init__`` dataclasses just wrote,
    read off that function; None for anything else (the caller then asks inspect)."""
    init = cls.__dict__.get("__init__")
    if (
        type(cls) is not type
        or "__new__" in cls.__dict__
        or hasattr(cls, "__signature__")
        or hasattr(cls, "__wrapped__")
        or not isinstance(init, FunctionType)
    ):
        return None
    code = init.__code__
    if code.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS) or code.co_posonlyargcount or code.co_argcount < 1:
        return None
    annotations = init.__annotations__
    positional = code.co_varnames[: code.co_argcount]
    keyword = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    defaults = dict(
        zip(positional[len(positional) - len(init.__defaults__ or ()) :], init.__defaults__ or (), strict=True)
    )
    defaults.update(init.__kwdefaults__ or {})
    if not all(isinstance(annotations.get(n, ""), str) for n in (*positional, *keyword)):
        return None  # a real type object: inspect.formatannotation's rules, not repr
    parts = []
    for i, name in enumerate((*positional[1:], *keyword)):
        if keyword and i == len(positional) - 1:
            parts.append("*")
        text = f"{name}: {annotations[name]!r}" if name in annotations else name
        if name in defaults:
            text += f" = {defaults[name]!r}" if name in annotations else f"={defaults[name]!r}"
        parts.append(text)
    rendered = f"({', '.join(parts)})"
    if "return" in annotations:  # None, or its name as text where annotations are postponed
        returned = annotations["return"]
        if returned is not None and not isinstance(returned, str):
            return None
        rendered += f" -> {returned!r}"
    return rendered


class _Signatures:
    """Stands in for ``inspect`` inside ``dataclasses``, which uses it for one thing: the
    ``Name(field: 'type' = default, ...)`` docstring of a class written without one.  Importing
    inspect (with ast, dis, tokenize and linecache) is ~5 ms of a one-template check (issue 21),
    so that text is read off the generated ``__init__``; anything else goes to inspect itself."""

    def signature(self, obj: Any) -> Any:
        text = init_signature(obj) if isinstance(obj, type) else None
        if text is not None:
            return text
        import inspect

        return inspect.signature(obj)

    def __getattr__(self, name: str) -> Any:
        import inspect

        return getattr(inspect, name)


def install() -> None:
    """Route dataclasses' method compilation through the cache (once per process)."""
    original = getattr(dataclasses, "_create_fn", None)
    if _RETURN_NAME is None or original is None or original is _create_fn or sys.implementation.name != "cpython":
        return
    if original.__code__.co_varnames[:6] != ("name", "args", "body", "globals", "locals", "return_type"):
        return  # not the function this module mirrors
    _load()
    dataclasses._create_fn = _create_fn  # type: ignore[attr-defined]
    if sys.version_info[:2] == (3, 11):  # 3.12 also reads annotations through inspect
        dataclasses.inspect = _Signatures()  # type: ignore[attr-defined]
    atexit.register(_save)
