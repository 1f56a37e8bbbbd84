"""Reading model paths such as ``is_multi_region`` or ``bucket.versioning`` from the model.

Dotted paths follow a trail's links to related resources.  The AWS default of an Absent field
is applied here, once, so policies never handle Absent themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from ctguard.location import Owner, Path
from ctguard.model import Model
from ctguard.values import Absent, Known, Unknown

# A trail link -> (resource kind, the trail field that names the resource)
LINKS: dict[str, tuple[str, str]] = {
    "bucket": ("bucket", "s3_bucket_name"),
    "kms_key": ("kms_key", "kms_key_id"),
    "log_group": ("log_group", "cloudwatch_logs_log_group_arn"),
    "role": ("role", "cloudwatch_logs_role_arn"),
    "topic": ("topic", "sns_topic"),
}


@dataclass(frozen=True, slots=True)
class Resolved:
    """The value a model path leads to, and where it was read."""

    value: Known[Any] | Unknown
    owner: Owner
    path: Path


def owner_of(obj: Any) -> Owner:
    kind = "trail" if type(obj).__name__ == "Trail" else _kind_of(obj)
    return (kind, obj.key)


def _kind_of(obj: Any) -> str:
    from ctguard.model import RESOURCE_KINDS

    for kind, cls in RESOURCE_KINDS.items():
        if isinstance(obj, cls):
            return kind
    return type(obj).__name__.lower()


def lookup(root: Any, model: Model, dotted: str) -> Resolved:
    obj = root
    owner = owner_of(root)
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if not last and part in LINKS and hasattr(obj, part):
            kind, naming_field = LINKS[part]
            target = model.resource(kind, getattr(obj, part))
            if target is None:
                return _missing_link(obj, owner, part, naming_field)
            obj, owner = target, (kind, target.key)
            continue
        if not hasattr(obj, part):
            raise KeyError(f"model path {dotted!r}: {type(obj).__name__} has no field {part!r}")
        raw = getattr(obj, part)
        path: Path = (part,)
        if isinstance(raw, Absent):
            value: Known[Any] | Unknown = Known(_default(obj, part), via="AWS default")
        elif isinstance(raw, (Known, Unknown)):
            value = raw
        else:
            value = Known(raw)
        if last:
            return Resolved(value, owner, path)
        if isinstance(value, Unknown):
            return Resolved(value, owner, path)
        obj = value.value
        if obj is None or not is_dataclass(obj):
            return Resolved(Known(None), owner, path)
    raise KeyError(dotted)  # pragma: no cover - loop always returns


def _missing_link(obj: Any, owner: Owner, link: str, naming_field: str) -> Resolved:
    naming = getattr(obj, naming_field, None)
    if naming is None or isinstance(naming, Absent) or (isinstance(naming, Known) and not naming.value):
        return Resolved(Known(None), owner, (naming_field,))
    shown = naming.value if isinstance(naming, Known) else naming.reason
    return Resolved(Unknown(f"{link.replace('_', ' ')} {shown} is not defined in this input"), owner, (naming_field,))


def _default(obj: Any, name: str) -> Any:
    for f in fields(obj):
        if f.name == name:
            return f.metadata.get("default")
    return None
