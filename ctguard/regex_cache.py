"""Compiled regular expressions kept between runs: a tenth of a one-template check (issue 21).

``re.compile`` parses and compiles every pattern in pure Python the first time a process meets it:
about 80 patterns and 15 ms of a one-template check, half of them PyYAML's (its reader's
non-printable class alone is 5 ms) and half ctguard's own.  What that work produces is a list of
integers for the C matcher (``_sre.compile``), the same on every run for the same pattern, flags
and interpreter build.  This module keeps those lists (``marshal``, beside the dataclass code cache
in ``ctguard/__pycache__``: as trusted as the package's bytecode) and hands a pattern met again to
``_sre.compile`` directly; the Pattern object is the one ``re`` would have built.

Only patterns written in source are kept: a pattern is recorded when it is a constant of the code
that compiled it (a module-level ``re.compile(r"...")``, a class body's, an accessor's) or comes
from the package's own data files (``compile_packaged``: the vendored resource schemas), never one
built at run time from the inputs (an IAM wildcard, a suppression glob), so the file neither grows
with what is checked nor holds any of it.  The hook sits on ``re._compiler.compile``, which ``re``
calls only when its own cache misses, so a hit costs nothing more.  It is installed by the command
line (``cli.run``) only, on the CPython versions whose ``re._compiler.compile`` this mirrors (3.11,
3.12); anywhere else, or without a readable cache, ``re`` compiles as it always does.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # the C matcher re itself uses: no stubs
import atexit
import marshal
import os
import re
import sys
from typing import Any

from ctguard.code_cache import code_cache_path, write_atomic

_MAX_ENTRIES = 1000  # far above the ~150 pattern literals ctguard and its imports compile
_Parts = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
_stored: dict[tuple[str | bytes, int], _Parts] = {}
_new: dict[tuple[str | bytes, int], _Parts] = {}
_original: Any = None
_packaged: set[str | bytes] = set()


def cache_file() -> str:
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}"
    return os.path.join(code_cache_path(), f"regex-{build}-{_sre.MAGIC}.marshal")


def compile_parts(pattern: str | bytes, flags: int) -> _Parts:
    """What ``re._compiler.compile`` hands ``_sre.compile`` after the pattern, computed as it does."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    # the opcodes are int subclasses with names, which marshal refuses: plain ints are the same code
    opcodes = [int(op) for op in code]
    return int(flags | parsed.state.flags), opcodes, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def build(pattern: str | bytes, parts: _Parts) -> re.Pattern[Any]:
    final_flags, code, groups, groupindex, indexgroup = parts
    return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)  # type: ignore[no-any-return]


def compile_packaged(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` for a pattern read from ctguard's own data files (the vendored resource
    schemas): as fixed as a literal in its source, so kept like one."""
    _packaged.add(pattern)
    return re.compile(pattern, flags)


# argparse builds its patterns from the parser's definition (nargs), never from the arguments
# it is given, which it only matches against them.
_DEFINITION_ONLY = frozenset({"argparse"})


def _written_in_source(pattern: str | bytes) -> bool:
    if pattern in _packaged:
        return True
    # The first frame outside the re package is the code that asked for the pattern.
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "re":
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return False
    if frame.f_globals.get("__name__") in _DEFINITION_ONLY:
        return True
    return any(type(constant) is type(pattern) and constant == pattern for constant in frame.f_code.co_consts)


def _compile(pattern: Any, flags: int = 0) -> Any:
    if type(pattern) not in (str, bytes) or flags & re.DEBUG:
        return _original(pattern, flags)
    key = (pattern, flags)
    parts = _stored.get(key)
    if parts is not None:
        try:
            return build(pattern, parts)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            _stored.pop(key, None)  # a damaged entry: compile afresh and store it again
    if len(_stored) + len(_new) < _MAX_ENTRIES and _written_in_source(pattern):
        parts = compile_parts(pattern, flags)
        _new[key] = parts
        return build(pattern, parts)
    return _original(pattern, flags)


def _load() -> None:
    try:
        with open(cache_file(), "rb") as handle:
            data = handle.read()  # marshal.load reads a file object piece by piece: ten times slower
        loaded = marshal.loads(data)
    except (OSError, ValueError, EOFError, TypeError):
        return
    if not isinstance(loaded, dict):
        return
    for key, parts in loaded.items():
        if (
            isinstance(key, tuple)
            and len(key) == 2
            and type(key[0]) in (str, bytes)
            and type(key[1]) is int
            and isinstance(parts, tuple)
            and len(parts) == 5
        ):
            _stored[key] = parts


def _save() -> None:
    if not _new:
        return
    write_atomic(cache_file(), marshal.dumps({**_stored, **_new}))
    _stored.update(_new)
    _new.clear()


def install() -> None:
    """Route ``re``'s compilations through the cache (once per process)."""
    global _original
    if sys.implementation.name != "cpython" or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    compiler = getattr(re, "_compiler", None)
    original = getattr(compiler, "compile", None)
    if original is None or original is _compile or not hasattr(compiler, "_code"):
        return
    if original.__code__.co_varnames[:2] != ("p", "flags"):
        return  # not the function this module mirrors
    _original = original
    _load()
    compiler.compile = _compile  # type: ignore[union-attr]
    atexit.register(_save)
