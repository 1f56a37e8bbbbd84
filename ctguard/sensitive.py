"""Values an input marks as secret, and keeping them out of every report.

The inputs say which values are secret: a CloudFormation parameter with ``NoEcho``, a Terraform
variable with ``sensitive = true``, a plan's ``sensitive_values``.  The parser that reads such a
value marks it at the source (``mark``): the string becomes a ``Sensitive``, which compares,
hashes and slices as the real text, so policies judge it as usual, but formats as ``***`` in any
f-string or ``str.format`` message.  The parser also records the secret texts on the input
(``ParsedInput.secrets``), because a message can be built by concatenation, from a value derived
from a secret (``!Join``, an ARN interpolating ``var.x``) or from an error about it: the checker
replaces each of them, in any letter case, wherever it occurs in that input's findings
(``redact_findings``), and anything shaped like an AWS secret access key or session token
whatever its origin.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "***"
# Shorter marked values are not hunted in message text: "1" or "true" would blank out unrelated words.
_MIN_HUNTED = 4

# An AWS secret access key: 40 characters of base64 after something that names it, or on its
# own with at least one '/' or '+' and mixed case (so hex digests and long names stay).
_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[/+])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
    r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
_NAMED_SECRET_KEY = re.compile(
    r"(?i)(secret[_-]?access[_-]?key|aws[_-]?secret[^\s:=]*)(['\"]?\s*[:=]\s*['\"]?)"
    r"[A-Za-z0-9/+]{40}"
)
# STS session tokens are long base64 blobs; the modern ones start with these prefixes.
_SESSION_TOKEN = re.compile(
    r"(?:FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj|AQoDYXdzE)[A-Za-z0-9/+=]{40,}"
    r"|(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{200,}={0,2}(?![A-Za-z0-9/+=])"
)
_KEY_SHAPES = (_SESSION_TOKEN, _SECRET_KEY)
# Every shape above holds 40 characters in a row of this set: one search rules all three out for
# the ordinary message (a check redacts every finding's message, name and fix).
_SHAPE_CANDIDATE = re.compile(r"[A-Za-z0-9/+=]{40}")


class Sensitive(str):
    """A string the input declares secret: the real text for logic, ``***`` when formatted."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def __repr__(self) -> str:
        return repr(REDACTED)

    def __reduce__(self) -> tuple[Any, ...]:  # parsed inputs cross process boundaries
        return (Sensitive, (str(self),))


def mark(value: Any) -> Any:
    """``value`` with every string inside it marked sensitive (lists and maps are copied)."""
    if isinstance(value, str):
        return value if isinstance(value, Sensitive) else Sensitive(value)
    if isinstance(value, list):
        return [mark(v) for v in value]
    if isinstance(value, tuple):
        return tuple(mark(v) for v in value)
    if isinstance(value, dict):
        return {k: mark(v) for k, v in value.items()}
    return value


def mark_where(values: Any, flags: Any) -> Any:
    """Mark the parts of ``values`` that a plan's ``sensitive_values`` tree flags ``true``."""
    if flags is True:
        return mark(values)
    if isinstance(flags, dict) and isinstance(values, dict) and flags:
        return {k: mark_where(v, flags.get(k)) for k, v in values.items()}
    if isinstance(flags, list) and isinstance(values, list) and flags:
        return [mark_where(v, flags[i] if i < len(flags) else None) for i, v in enumerate(values)]
    return values


def strings_in(value: Any) -> set[str]:
    """The texts of a secret value: every string inside it, and the items of a comma-separated list."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(str(item))
            if "," in item:
                found.update(part.strip() for part in item.split(","))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return {s for s in found if len(s) >= _MIN_HUNTED}


def secrets_in(obj: Any) -> set[str]:
    """Every marked string reachable from ``obj`` (models, values, containers)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if isinstance(item, Sensitive) and len(item) >= _MIN_HUNTED:
                found.add(str(item))
            continue
        if item is None or isinstance(item, (int, float, bool)) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, name, None) for name in _field_names(type(item)))
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and anything shaped like an AWS secret key or token replaced."""
    hunted = sorted((s for s in secrets if len(s) >= _MIN_HUNTED), key=len, reverse=True)
    if hunted:  # longest first: one secret may contain another; any case: upper() and lower() derive from it
        lowered = text.lower()
        if any(s.lower() in lowered for s in hunted):
            text = re.sub("|".join(re.escape(s) for s in hunted), REDACTED, text, flags=re.IGNORECASE)
    if _SHAPE_CANDIDATE.search(text) is None:
        return text
    text = _NAMED_SECRET_KEY.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    for shape in _KEY_SHAPES:
        text = shape.sub(REDACTED, text)
    return text


def redact_findings(findings: list[Any], secrets: set[str]) -> list[Any]:
    """Findings whose message, resource name and fix carry no secret (unchanged ones are kept as they are)."""
    out = []
    for f in findings:
        changes = {}
        for name in ("message", "resource_name", "remediation"):
            value = getattr(f, name, None)
            if isinstance(value, str) and value:
                clean = redact(value, secrets)
                if clean != value:
                    changes[name] = clean
        out.append(dataclasses.replace(f, **changes) if changes else f)
    return out
