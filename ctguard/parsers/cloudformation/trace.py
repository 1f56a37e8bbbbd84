"""What flows through intrinsic resolution besides values: the ``NO_VALUE`` sentinel and the
``Trace`` of references, shared by the resolver, the ``Fn::*`` handlers and physical names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(slots=True)
class Trace:
    """How a property value was derived from the template."""

    refs: list[str] = field(default_factory=list)  # logical ids, in the order written
    vias: list[str] = field(default_factory=list)
    # Parameters whose default was used: a deployment may pass another value.
    defaults: list[str] = field(default_factory=list)

    def via(self) -> str | None:
        return "; ".join(dict.fromkeys(self.vias)) or None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
