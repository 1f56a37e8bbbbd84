"""ctguard's own bytecode in one file, so that starting a check costs one read instead of a
hundred module searches (issue 21).

A one-template check imports about 120 ctguard modules.  For each, the import system walks
``sys.meta_path`` and the package directory's finder, stats and opens the ``.pyc``, checks its
header and only then unmarshals the code: some 60 microseconds of Python per module before a
line of it runs, ~7 ms in all.  This finder answers for ``ctguard.*`` from a bundle read once:
per module the code ``SourceFileLoader.get_code`` gave (the bytecode the normal import would
run), with the size and modification time of the source it came from.  A module is served from
the bundle only while its source still has that size and time (one ``stat``, as the ``.pyc``
check does); anything else (an edited file, a module the bundle has not seen) takes the normal
import, and the bundle is brought up to date at exit.  Specs, loaders, ``__file__`` and
tracebacks are the normal ones: the loader is a ``SourceFileLoader`` that reads its code from
the bundle.

The bundle lives beside the other derived files in ``ctguard/__pycache__`` (``code_cache``: as
trusted as the package's ``.pyc`` files) and is keyed by interpreter build and optimisation
level.  Only the command line installs the finder (``cli.run``); the API and tests import as
Python always does.
"""

from __future__ import annotations

import atexit
import marshal
import os
import sys
from types import CodeType
from typing import Any

from ctguard.code_cache import code_cache_path, write_atomic

_PACKAGE = "ctguard"
# The file: this magic, the index's length (8 bytes, little-endian), the index (marshal), then each
# module's marshalled code.  Only the index is read at start; each module's code is read where it
# is imported, so the 1.4 MB of all of them is never copied at once (~1.5 ms, issue 21).
_MAGIC = b"ctguard-modules-1\n"
# name -> (path relative to the package's parent, is a package, source mtime_ns, source size,
# offset of the code after the index, its length)
_Entry = tuple[str, bool, int, int, int, int]
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_entries: dict[str, _Entry] = {}
_served: set[str] = set()
_stale = False
_file: int | None = None  # the bundle read at start, open for the codes
_base = 0  # where the codes start in it


def bundle_file() -> str:
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-O{sys.flags.optimize}"
    return os.path.join(code_cache_path(), f"modules-{build}.marshal")


def _source_loader() -> type:
    from importlib.machinery import SourceFileLoader

    class BundledLoader(SourceFileLoader):
        """The normal loader for a ctguard source file, whose code comes from the bundle."""

        def get_code(self, fullname: str) -> Any:
            entry = _entries.get(fullname)
            if entry is not None:
                code = _code(_stored(entry))
                if code is not None:
                    _served.add(fullname)
                    return code
                _forget(fullname)  # damaged: compiled the normal way, and bundled again at exit
            return super().get_code(fullname)

    return BundledLoader


def _stored(entry: _Entry) -> bytes | None:
    """A module's marshalled code as the bundle read at start holds it; None if it cannot be read whole."""
    if _file is None:
        return None
    try:
        data = os.pread(_file, entry[5], _base + entry[4])
    except OSError:
        return None
    return data if len(data) == entry[5] else None


def _code(data: bytes | None) -> CodeType | None:
    try:
        code = None if data is None else marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _forget(name: str) -> None:
    global _stale
    _entries.pop(name, None)
    _stale = True


class _Finder:
    """Finds ``ctguard.*`` modules whose source is unchanged since the bundle was written."""

    def __init__(self) -> None:
        from importlib.machinery import ModuleSpec

        self._spec = ModuleSpec
        self._loader = _source_loader()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        global _stale
        entry = _entries.get(fullname)
        if entry is None:
            if fullname.startswith(_PACKAGE + "."):
                _stale = True  # a module the bundle has not seen: add it at exit
            return None
        relative, is_package, mtime, size = entry[:4]
        origin = os.path.join(_ROOT, relative)
        directory = os.path.dirname(origin)
        parent = os.path.dirname(directory) if is_package else directory
        if path is not None and parent not in path:
            return None  # the parent package lives elsewhere: not the files this bundle describes
        try:
            st = os.stat(origin)
        except OSError:
            _forget(fullname)
            return None
        if st.st_mtime_ns != mtime or st.st_size != size:
            _forget(fullname)  # edited since: the normal import compiles it
            return None
        spec = self._spec(fullname, self._loader(fullname, origin), origin=origin, is_package=is_package)
        spec.has_location = True
        if is_package:
            spec.submodule_search_locations = [directory]
        return spec

    def invalidate_caches(self) -> None:
        return None


def _load() -> None:
    global _file, _base
    try:
        fd = os.open(bundle_file(), os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        head = os.pread(fd, len(_MAGIC) + 8, 0)
        if len(head) != len(_MAGIC) + 8 or not head.startswith(_MAGIC):
            raise ValueError("not a module bundle")
        length = int.from_bytes(head[len(_MAGIC) :], "little")
        index = marshal.loads(os.pread(fd, length, len(head)))
        if not isinstance(index, dict):
            raise ValueError("not a module bundle")
    except (OSError, ValueError, EOFError, TypeError):
        os.close(fd)
        return
    for name, entry in index.items():
        if (
            isinstance(name, str)
            and isinstance(entry, tuple)
            and len(entry) == 6
            and isinstance(entry[0], str)
            and all(type(n) is int for n in entry[2:])
        ):
            _entries[name] = entry
    _file, _base = fd, len(head) + length


def _entry_for(name: str, module: Any) -> tuple[str, bool, int, int, bytes] | None:
    spec: Any = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None)
    loader: Any = getattr(spec, "loader", None)
    if not isinstance(origin, str) or not origin.endswith(".py") or not hasattr(loader, "get_code"):
        return None
    relative = os.path.relpath(origin, _ROOT)
    if relative.startswith(os.pardir) or not relative.startswith(_PACKAGE + os.sep):
        return None
    try:
        st = os.stat(origin)  # before the code: an edit in between leaves a time that no longer matches
        code = loader.get_code(name)
    except (OSError, ImportError, SyntaxError, ValueError):
        return None
    if code is None:
        return None
    return relative, spec.submodule_search_locations is not None, st.st_mtime_ns, st.st_size, marshal.dumps(code)


def _save() -> None:
    if not _stale:
        return
    # (name, path relative to the package's parent, is a package, mtime_ns, size, marshalled code)
    modules: list[tuple[str, str, bool, int, int, bytes]] = []
    for name, entry in _entries.items():
        data = _stored(entry)
        if data is not None and _code(data) is not None:  # what the new file holds must load
            modules.append((name, *entry[:4], data))
    for name, module in list(sys.modules.items()):
        if name.startswith(_PACKAGE + ".") and name not in _served and name not in _entries:
            fresh = _entry_for(name, module)
            if fresh is not None:
                modules.append((name, *fresh))
    index: dict[str, _Entry] = {}
    offset = 0
    for name, relative, is_package, mtime, size, data in modules:
        index[name] = (relative, is_package, mtime, size, offset, len(data))
        offset += len(data)
    head = marshal.dumps(index)
    codes = [data for *_, data in modules]
    write_atomic(bundle_file(), b"".join([_MAGIC, len(head).to_bytes(8, "little"), head, *codes]))


def install() -> None:
    """Serve ctguard's modules from the bundle (once per process, CPython only)."""
    if sys.implementation.name != "cpython" or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    _load()
    sys.meta_path.insert(0, _Finder())
    atexit.register(_save)
