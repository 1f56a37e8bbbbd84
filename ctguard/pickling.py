"""Faster pickling for the slotted dataclasses a parallel scan sends between processes.

A ``slots=True`` dataclass pickles through the ``__getstate__``/``__setstate__`` pair that
``dataclasses`` generates, which calls ``fields()`` and sets every field in a Python loop.
Reducing to the class and one tuple of values instead loads about 2.5 times and dumps about
3.5 times faster (measured on 100,000 ``Known`` values); a parallel scan of 460 inputs sends
the models and some 30,000 findings back from its workers.  Unpickling skips ``__init__`` as
the default does.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}
_set = object.__setattr__


def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    obj: Any = object.__new__(cls)
    for name, value in zip(_NAMES[cls], values, strict=False):
        _set(obj, name, value)
    return obj


def _reduce(self: Any) -> tuple[Any, ...]:
    cls = type(self)
    return _rebuild, (cls, tuple([getattr(self, name) for name in _NAMES[cls]]))


def fast_pickle(*classes: type) -> None:
    """Give these dataclasses the tuple-based ``__reduce__``."""
    for cls in classes:
        _NAMES[cls] = tuple(f.name for f in fields(cls))
        cls.__reduce__ = _reduce  # type: ignore[assignment, method-assign]


__all__ = ["fast_pickle"]
