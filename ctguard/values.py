"""Three-valued model values: Known, Unknown(reason) or Absent.

Every configurable field of the model holds one of these.  Parsers decide which; policies
read them through ``resolve`` so an unresolved ``!Ref Param`` or ``var.x`` can never turn
into a silent PASS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

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


@dataclass(frozen=True, slots=True)
class Symbol:
    """A value fixed at deploy time, named as the input names it (``AWS::AccountId``,
    ``data.aws_caller_identity.current.account_id``, ``var.bucket_name``), with the shape
    every value it can take has (``ctguard.symbols.SHAPES``: ``account`` is 12 digits...)."""

    name: str = field(compare=False)
    shape: str = "text"
    # What makes two symbols the same value: ``AWS::AccountId`` and
    # ``data.aws_caller_identity.current.account_id`` are both the deploying account.
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.name)

    def __str__(self) -> str:
        return "${" + self.name + "}"


@dataclass(frozen=True, slots=True)
class Symbolic(Unknown):
    """A string built from literal text and deploy-time symbols (``${AWS::AccountId}-logs``).

    It is an Unknown, so code that does not reason about symbols keeps treating it as one; the
    IAM evaluator and resource identity compare the parts instead: the same symbolic
    expression on both sides is equal for every deployment, and shapes decide inequalities
    (see "Deploy-time symbols" in docs/architecture.md).
    """

    parts: tuple[str | Symbol, ...] = ()

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        return tuple(dict.fromkeys(p for p in self.parts if isinstance(p, Symbol)))

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)


ABSENT = Absent()
fast_pickle(Known, Unknown, Symbol, Symbolic)

Value = Known[T] | Unknown | Absent


def known(value: Any) -> Known[Any]:
    return Known(value)


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


def symbolic(name: str, shape: str, reason: str, key: str = "") -> Symbolic:
    """One deploy-time symbol standing alone."""
    return Symbolic(reason, (Symbol(name, shape, key),))


def concat(*pieces: object) -> Any:
    """Join strings and symbolic strings; a plain Unknown piece makes the whole Unknown.

    Numbers and booleans join as their text, as ``Fn::Sub`` and HCL interpolation render them.
    """
    parts: list[str | Symbol] = []
    reasons: list[str] = []
    for piece in pieces:
        if isinstance(piece, Symbolic):
            parts.extend(piece.parts)
            reasons.append(piece.reason)
        elif isinstance(piece, Unknown):
            return piece
        elif isinstance(piece, Symbol):
            parts.append(piece)
        elif isinstance(piece, bool):
            parts.append("true" if piece else "false")
        else:
            parts.append(str(piece))
    merged: list[str | Symbol] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not any(isinstance(p, Symbol) for p in merged):
        return "".join(merged)  # type: ignore[arg-type]
    return Symbolic("; ".join(dict.fromkeys(reasons)) or "depends on deploy-time values", tuple(merged))


def show(value: object) -> str:
    """How a value reads in a message: a symbolic string as ``${Symbol}`` text."""
    if isinstance(value, Symbolic):
        return value.text
    if isinstance(value, Unknown):
        return f"<unknown: {value.reason}>"
    return str(value)
