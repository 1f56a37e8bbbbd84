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
from types import CellType, CodeType, FunctionType, MemberDescriptorType
from typing import Any

_RETURN_NAME = {(3, 11): "_return_type", (3, 12): "__dataclass_return_type__"}.get(sys.version_info[:2])
_MAX_ENTRIES = 4000
_codes: dict[Any, Any] = {}  # method parts -> (code, recipe); annotation key -> code
_new = 0


def _cache_file() -> str:
    from ctguard.code_cache import code_cache_path

    # v6: keyed by one string of the text's parts (v5: a tuple of them; v4: no parameter recipe;
    # v3: keyed by the whole text; v2: the code of the text's module; v1: postponed annotations)
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-v6"
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
    args_list, body_list = list(args), list(body)
    # The parts the text is made of identify it (no part holds a control character); the text
    # itself is only built on a miss, and one string per entry is quick to unmarshal.
    key = "\x01".join((name, "\x00".join(args_list), "\x00".join(body_list), "\x00".join(locals), return_annotation))
    entry = _codes.get(key)
    if type(entry) is tuple and len(entry) == 2 and type(entry[0]) is CodeType and type(entry[1]) is tuple:
        code, recipe = entry
    else:
        txt = _text(name, args_list, body_list, locals, return_annotation)
        # dont_inherit: dataclasses compiles without postponed annotations, so must this module
        method_code = _method_code(compile(txt, "<string>", "exec", dont_inherit=True), name)
        parsed = _recipe(args_list)
        if method_code is None or parsed is None:
            return _by_exec(txt, globals, locals)
        code, recipe = method_code, parsed
        if str((globals or {}).get("__name__", "")).startswith("ctguard.") and len(_codes) < _MAX_ENTRIES:
            _codes[key] = (code, recipe)
            _new += 1
    function = _function(code, recipe, name, globals, locals, return_type is not dataclasses.MISSING)
    if function is None:
        return _by_exec(_text(name, args_list, body_list, locals, return_annotation), globals, locals)
    return function


def _text(name: str, args: list[str], body: list[str], locals: dict[str, Any], return_annotation: str) -> str:
    # dataclasses._create_fn's text, character for character
    body_text = "\n".join(f"  {b}" for b in body)
    txt = f" def {name}({','.join(args)}){return_annotation}:\n{body_text}"
    local_vars = ", ".join(locals.keys())
    return f"def __create_fn__({local_vars}):\n{txt}\n return {name}"


def _by_exec(txt: str, globals: Any, locals: dict[str, Any]) -> Any:
    # what dataclasses itself does, for anything _function does not recognise
    ns: dict[str, Any] = {}
    exec(compile(txt, "<string>", "exec", dont_inherit=True), globals, ns)
    return ns["__create_fn__"](**locals)


def _method_code(module_code: CodeType, name: str) -> CodeType | None:
    # The text is a module defining __create_fn__, which defines the method: its code object is
    # a constant of __create_fn__'s, itself a constant of the module's.
    for outer in module_code.co_consts:
        if type(outer) is CodeType and outer.co_name == "__create_fn__":
            for inner in outer.co_consts:
                if type(inner) is CodeType and inner.co_name == name:
                    return inner
    return None


# Per parameter: its name, the local naming its annotation and its default ("" for none), and
# whether it is keyword-only.
_Recipe = tuple[tuple[str, str, str, bool], ...]


def _recipe(args: list[str]) -> _Recipe | None:
    """What the ``def``'s parameter list evaluates, read off dataclasses' argument texts
    (``name:_type_name=_dflt_name``, ``*``); None for any text of another shape."""
    out = []
    keyword_only = False
    for arg in args:
        if arg == "*":
            keyword_only = True
            continue
        parameter, _, default = arg.partition("=")
        parameter_name, _, annotation = parameter.partition(":")
        if not parameter_name.isidentifier() or not all(n.isidentifier() for n in (annotation, default) if n):
            return None
        out.append((parameter_name, annotation, default, keyword_only))
    return tuple(out)


def _function(
    code: CodeType, recipe: _Recipe, name: str, globals: Any, locals: dict[str, Any], returns: bool
) -> FunctionType | None:
    """The function ``__create_fn__(**locals)`` would return, built from the method's code alone:
    what the ``def`` evaluated in ``__create_fn__`` (defaults and annotations, names of its locals)
    and the cells of the locals the body reads.  Half the code to unmarshal and no ``exec`` per
    method (~2 ms of a one-template check); None where a name is not among the locals."""
    if not isinstance(globals, dict):
        return None
    defaults: list[Any] = []
    keyword_defaults: dict[str, Any] = {}
    annotations: dict[str, Any] = {}
    try:
        for parameter_name, annotation, default, keyword_only in recipe:
            if annotation:
                annotations[parameter_name] = locals[annotation]
            if default:
                if keyword_only:
                    keyword_defaults[parameter_name] = locals[default]
                else:
                    defaults.append(locals[default])
        if returns:
            annotations["return"] = locals[_RETURN_NAME or ""]
        closure = tuple(CellType(locals[free]) for free in code.co_freevars)
    except KeyError:
        return None
    function = FunctionType(code, globals, name, tuple(defaults) or None, closure or None)
    if keyword_defaults:
        function.__kwdefaults__ = keyword_defaults
    function.__annotations__ = annotations
    return function


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


_splits: dict[str, tuple[str | None, str] | None] = {}
# dataclasses' own functions this module stands in for, as found at install (tests compare with them)
originals: dict[str, Any] = {}


def _split(annotation: str) -> tuple[str | None, str] | None:
    # dataclasses' (module, name) reading of an annotation's text, once per text
    try:
        return _splits[annotation]
    except KeyError:
        match = dataclasses._MODULE_IDENTIFIER_RE.match(annotation)  # type: ignore[attr-defined]
        parts = (match.group(1), match.group(2)) if match else None
        _splits[annotation] = parts
        return parts


def _is_type(annotation: str, cls: type, a_module: Any, a_type: Any, is_type_predicate: Any) -> bool:
    """dataclasses._is_type (3.11, 3.12) with each annotation's text read once, not three times
    per field (issue 21): the same lookups, the same answer."""
    parts = _split(annotation)
    if parts is None:
        return False
    module_name, name = parts
    ns = None
    if not module_name:
        ns = sys.modules.get(cls.__module__).__dict__  # None's AttributeError, as in dataclasses
    else:
        module = sys.modules.get(cls.__module__)
        if module and module.__dict__.get(module_name) is a_module:
            ns = sys.modules.get(a_type.__module__).__dict__
    return bool(ns and is_type_predicate(ns.get(name), a_module))


def _get_field(cls: type, a_name: str, a_type: Any, default_kw_only: bool) -> Any:
    """dataclasses._get_field for the plain field of a text annotation that names no ClassVar,
    InitVar or KW_ONLY, without its two _is_type lookups; anything else is dataclasses' own."""
    special = True
    if type(a_type) is str:
        parts = _split(a_type)
        module = sys.modules.get(cls.__module__)
        if parts is None:
            special = False
        elif module is not None:
            module_name, name = parts
            bound = module.__dict__.get(module_name or name)
            special = bound is not None and _names_special(bound)
    if special:
        return originals["_get_field"](cls, a_name, a_type, default_kw_only)
    default = getattr(cls, a_name, dataclasses.MISSING)
    if isinstance(default, dataclasses.Field):
        f = default
    else:
        if isinstance(default, MemberDescriptorType):
            default = dataclasses.MISSING  # a slot: no default
        f = dataclasses.field(default=default)  # type: ignore[arg-type]  # MISSING: no default, as in dataclasses
    if f.default.__class__.__hash__ is None:  # a mutable default: dataclasses' own error
        return originals["_get_field"](cls, a_name, a_type, default_kw_only)
    f.name = a_name
    f.type = a_type
    f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
    if f.kw_only is dataclasses.MISSING:
        f.kw_only = default_kw_only
    return f


def _names_special(bound: Any) -> bool:
    # What the annotation's first name is bound to in the class's module: the typing or
    # dataclasses module, or anything _is_classvar, _is_initvar or _is_kw_only would accept.
    typing = sys.modules.get("typing")
    if bound is dataclasses or bound is typing:
        return True
    if bound is dataclasses.InitVar or type(bound) is dataclasses.InitVar or bound is dataclasses.KW_ONLY:
        return True
    return typing is not None and (
        bound is typing.ClassVar or (type(bound) is typing._GenericAlias and bound.__origin__ is typing.ClassVar)
    )


def install() -> None:
    """Route dataclasses' method compilation through the cache (once per process)."""
    original = getattr(dataclasses, "_create_fn", None)
    if _RETURN_NAME is None or original is None or original is _create_fn or sys.implementation.name != "cpython":
        return
    if original.__code__.co_varnames[:6] != ("name", "args", "body", "globals", "locals", "return_type"):
        return  # not the function this module mirrors
    _load()
    originals["_create_fn"] = original
    dataclasses._create_fn = _create_fn  # type: ignore[attr-defined]
    get_field, is_type = getattr(dataclasses, "_get_field", None), getattr(dataclasses, "_is_type", None)
    if (
        get_field is not None
        and is_type is not None
        and get_field.__code__.co_varnames[:4] == ("cls", "a_name", "a_type", "default_kw_only")
        and is_type.__code__.co_varnames[:5] == ("annotation", "cls", "a_module", "a_type", "is_type_predicate")
        and hasattr(dataclasses, "_MODULE_IDENTIFIER_RE")
        and hasattr(dataclasses, "_FIELD")
    ):
        originals.update(_get_field=get_field, _is_type=is_type)
        dataclasses._get_field = _get_field  # type: ignore[attr-defined]
        dataclasses._is_type = _is_type  # type: ignore[attr-defined]
    if sys.version_info[:2] == (3, 11):  # 3.12 also reads annotations through inspect
        dataclasses.inspect = _Signatures()  # type: ignore[attr-defined]
    atexit.register(_save)
