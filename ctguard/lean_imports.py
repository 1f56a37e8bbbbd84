"""Standard-library modules a check never uses, kept from loading with the ones it does (issue 21).

Some standard modules import others for one rarely used function: argparse imports gettext (and,
at its first message, locale) to translate its texts, dataclasses imports inspect (with ast, dis,
tokenize) for the docstring of a class written without one and copy (with weakref) for asdict,
pathlib imports urllib.parse (with ipaddress) for ``Path.as_uri``.  Together about 10 ms of a
one-template check.  Here each is imported once with a stand-in bound to those names, which does
exactly what the real function would do and imports the real module the first time it is needed.
Anyone else's import of these modules still gets the real ones.

Each step runs only on the CPython version it was checked against (3.11) and only where neither
module is loaded yet: in tests, or with ctguard used as a library inside another program,
nothing changes.  Importing this module sets up argparse's (``ctguard.cli`` imports it first).
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any

_CHECKED = sys.version_info[:2] == (3, 11) and sys.implementation.name == "cpython"


class ImportedOnUse(ModuleType):
    """A stand-in for a module: the real one is imported when something is first asked of it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


def _import_with(module: str, stand_ins: dict[str, ModuleType]) -> None:
    """Import ``module`` while ``stand_ins`` answer for their names in ``sys.modules``."""
    if not _CHECKED or module in sys.modules or any(name in sys.modules for name in stand_ins):
        return
    sys.modules.update(stand_ins)
    try:
        importlib.import_module(module)
    except ImportError:  # it asked a stand-in for more than it has: the usual import, later
        sys.modules.pop(module, None)
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def _no_catalogues() -> bool:
    # Until gettext is imported nobody changed its domain or directories, so a message is looked
    # up in <prefix>/share/locale/<language>/LC_MESSAGES/messages.mo; with no such directory
    # every lookup gives the message back, as gettext would after its search.
    return "gettext" not in sys.modules and not os.path.isdir(os.path.join(sys.base_prefix, "share", "locale"))


def _gettext(message: str) -> str:
    if _no_catalogues():
        return message
    import gettext

    return gettext.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    if _no_catalogues():
        return singular if n == 1 else plural
    import gettext

    return gettext.ngettext(singular, plural, n)


def _quote_from_bytes(*args: Any, **kwargs: Any) -> Any:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(*args, **kwargs)


def argparse_without_gettext() -> None:
    """argparse with gettext's two functions, which search for a catalogue only if one can exist."""
    stand_in = ModuleType("gettext")
    stand_in.gettext = _gettext  # type: ignore[attr-defined]
    stand_in.ngettext = _ngettext  # type: ignore[attr-defined]
    _import_with("argparse", {"gettext": stand_in})


def dataclasses_without_inspect() -> None:
    """dataclasses with inspect and copy imported on first use (``dataclass_code.install`` then
    writes docstrings without inspect)."""
    _import_with("dataclasses", {name: ImportedOnUse(name) for name in ("inspect", "copy")})


def pathlib_without_urllib() -> None:
    """pathlib with a quote_from_bytes that imports urllib.parse on its first call (Path.as_uri)."""
    stand_in = ModuleType("urllib.parse")
    stand_in.quote_from_bytes = _quote_from_bytes  # type: ignore[attr-defined]
    _import_with("pathlib", {"urllib.parse": stand_in})


argparse_without_gettext()
