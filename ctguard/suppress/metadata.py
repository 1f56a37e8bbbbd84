"""CloudFormation ``Metadata: {ctguard: {skip: [...]}}`` on a resource, or on the template.

Accepted item forms (YAML and JSON templates alike): ``"CT101"``, ``"CT101:reason"`` (optionally
``:exp:YYYY-MM-DD``), ``{id: CT101, reason: ..., expires: ...}`` and checkov's ``comment`` key.
Called by the CloudFormation parser, which stores the result on ``ParsedInput.skips``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ctguard.suppress.inline import block_end
from ctguard.suppress.rules import Skip, from_entry

Span = Callable[[tuple[str | int, ...]], tuple[int, int]]


def metadata_skips(path: str, text: str, data: dict[str, Any], kinds: dict[str, str], span: Span) -> list[Skip]:
    """``kinds`` maps a resource type to its model kind (``AWS::CloudTrail::Trail`` -> ``trail``)."""
    if "ctguard" not in text:
        return []
    lines = text.splitlines()
    skips = _skips(path, data.get("Metadata"), ("Metadata",), span, {})
    resources = data.get("Resources")
    if isinstance(resources, dict):
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            kind = kinds.get(str(resource.get("Type")), "resource")
            header = span(("Resources", logical_id))[0]
            block = (path, header, block_end(lines, header)) if 0 < header <= len(lines) else None
            scope = {"owner": (kind, str(logical_id)), "block": block}
            skips += _skips(path, resource.get("Metadata"), ("Resources", logical_id, "Metadata"), span, scope)
    return skips


def _skips(path: str, metadata: Any, at: tuple[str | int, ...], span: Span, scope: dict[str, Any]) -> list[Skip]:
    if not isinstance(metadata, dict) or "ctguard" not in metadata:
        return []
    section = metadata["ctguard"]
    where_section = at + ("ctguard",)
    items = section.get("skip") if isinstance(section, dict) else None
    if items is None:
        line = span(where_section)[0]
        return [Skip("", "metadata", f"{path}:{line}", problem="Metadata ctguard has no skip list")]
    if isinstance(items, (str, dict)):
        items = [items]
    if not isinstance(items, list):
        line = span(where_section + ("skip",))[0]
        return [Skip("", "metadata", f"{path}:{line}", problem="Metadata ctguard.skip is not a list")]
    out: list[Skip] = []
    for index, item in enumerate(items):
        line = span(where_section + ("skip", index))[0]
        out += from_entry(item, "metadata", f"{path}:{line}", **scope)
    if not scope:  # template-level: the whole file
        out = [replace(s, block=(path, 1, 10**9)) for s in out]
    return out
