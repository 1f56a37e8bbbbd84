"""Three-valued model values: Known, Unknown(reason) or Absent.

Every configurable field of the model holds one of these.  Parsers decide which; policies
read them through ``resolve`` so an unresolved ``!Ref Param`` or ``var.x`` can never turn
into a silent PASS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, Union

from ctguard.pickling import fast_pickle

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Known(Generic[T]):
    """A value the input states (or that a parser derived with certainty).

    ``via`` says where a derived value came from (``"parameter Env (default)"``,
    ``"Ref LogBucket"``) so messages can name it; it is not part of equality.
    """

    value: T
    via: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the input sets but we cannot know statically, with why."""

    reason: str

    def __bool__(self) -> bool:  # guard against `if unknown:` slipping through as truthy
        raise TypeError(f"truth value of Unknown({self.reason!r}) is undefined")


@dataclass(frozen=True, slots=True)
class Absent:
    """The input does not set the value: the AWS default applies."""

    def __reduce__(self) -> str:
        # Parsed inputs cross process boundaries (parallel parsing); ``is ABSENT`` must still hold.
        return "ABSENT"


ABSENT = Absent()
fast_pickle(Known, Unknown)

Value = Union[Known[T], Unknown, Absent]


def known(value: Any) -> Known[Any]:
    return Known(value)


def is_unknown(v: object) -> bool:
    return isinstance(v, Unknown)


def resolve(v: Value[T], default: T) -> Known[T] | Unknown:
    """Apply the AWS default to an Absent value."""
    if isinstance(v, Absent):
        return Known(default)
    return v


def contains_unknown(obj: object) -> Unknown | None:
    """First Unknown found anywhere inside a plain JSON-like structure (documents, lists)."""
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, dict):
        items: Any = [x for kv in obj.items() for x in kv]
    elif isinstance(obj, (list, tuple)):
        items = obj
    else:
        return None
    for item in items:
        found = contains_unknown(item)
        if found is not None:
            return found
    return None
