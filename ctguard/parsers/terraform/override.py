"""Terraform override files: ``override.tf``, ``*_override.tf`` (and their ``.tf.json`` forms).

Terraform loads them after the other files of the module, in lexical order, and merges each of
their blocks into the block with the same type and labels: arguments replace the original's one
by one; nested blocks of a type the override names replace *all* of the original's blocks of that
type (a ``dynamic "x"`` block counts as type ``x``).  ``locals`` merge name by name.  An override
block without an original is an error in Terraform; here it is reported and ignored.
"""

from __future__ import annotations

import os

from ctguard.parsers.terraform.hcl import Block, Body


def is_override(path: str) -> bool:
    name = os.path.basename(path)
    stem = name[: -len(".tf.json")] if name.endswith(".tf.json") else name[: -len(".tf")]
    return stem == "override" or stem.endswith("_override")


def merge_overrides(files: dict[str, Body]) -> tuple[dict[str, Body], list[tuple[Block, str]]]:
    """The module's primary files with every override merged in, and the overrides that matched nothing."""
    primary = {path: body for path, body in files.items() if not is_override(path)}
    orphans: list[tuple[Block, str]] = []
    for path in sorted(p for p in files if is_override(p)):
        for block in files[path].blocks:
            if block.type == "locals":
                _merge_locals(primary, block, orphans)
                continue
            target = _original(primary, block)
            if target is None:
                message = (
                    f"override {_describe(block)} in {os.path.basename(path)} has no original "
                    "block to override; ignored"
                )
                orphans.append((block, message))
            else:
                merge_block(target.body, block.body)
    return primary, orphans


def merge_block(target: Body, override: Body) -> None:
    target.attributes.update(override.attributes)
    replaced = {_nested_type(b) for b in override.blocks}
    if replaced:
        target.blocks = [b for b in target.blocks if _nested_type(b) not in replaced] + list(override.blocks)


def _merge_locals(primary: dict[str, Body], block: Block, orphans: list[tuple[Block, str]]) -> None:
    for name, attr in block.body.attributes.items():
        for body in primary.values():
            owner = next((b for b in body.blocks_of("locals") if name in b.body.attributes), None)
            if owner is not None:
                owner.body.attributes[name] = attr
                break
        else:
            orphans.append((block, f"override of local.{name} has no original local; ignored"))


def _original(primary: dict[str, Body], block: Block) -> Block | None:
    for body in primary.values():
        for candidate in body.blocks:
            if candidate.type == block.type and candidate.labels == block.labels:
                return candidate
    return None


def _nested_type(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _describe(block: Block) -> str:
    return " ".join([block.type, *(f'"{label}"' for label in block.labels)])
