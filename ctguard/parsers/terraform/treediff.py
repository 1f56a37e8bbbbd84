"""The first difference between two HCL parse trees (or two ``tf_hcl.Body``), down to every position.

Lark's own ``Tree.__eq__`` compares rule names and token *values* only; a parse path that must
be interchangeable with python-hcl2's (the content cache of ``tf_parsecache``) has to give the
same token types, the same ``meta`` (line, column, end and container positions) and the same
token positions too. Used by the equivalence test and ``scripts/hcl_equivalence.py``.
"""

from __future__ import annotations

from lark import Token, Tree

from ctguard.parsers.terraform.body import Body

_TOKEN_FIELDS = ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos")


def first_difference(a: object, b: object, path: str = "") -> str | None:
    """None when ``a`` and ``b`` are the same tree; otherwise where and how they differ."""
    if type(a) is not type(b):
        return f"{path or '/'}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, Token):
        assert isinstance(b, Token)
        mine, theirs = (tuple(getattr(t, f) for f in _TOKEN_FIELDS) for t in (a, b))
        return None if mine == theirs else f"{path}: token {mine} vs {theirs}"
    if not isinstance(a, Tree):
        return None if a == b else f"{path}: {a!r} vs {b!r}"
    assert isinstance(b, Tree)
    here = f"{path}/{a.data}"
    if (type(a.data), a.data) != (type(b.data), b.data):
        return f"{here}: rule {b.data!r}"
    meta_a = None if a._meta is None else vars(a._meta)  # reading .meta would create it
    meta_b = None if b._meta is None else vars(b._meta)
    if meta_a != meta_b:
        return f"{here}: meta {meta_a} vs {meta_b}"
    if len(a.children) != len(b.children):
        return f"{here}: {len(a.children)} vs {len(b.children)} children"
    for i, (x, y) in enumerate(zip(a.children, b.children, strict=False)):
        found = first_difference(x, y, f"{here}[{i}]")
        if found:
            return found
    return None


def first_body_difference(a: Body, b: Body, path: str = "") -> str | None:
    """None when two ``tf_hcl.Body`` are the same, down to every position of every expression tree."""
    if list(a.attributes) != list(b.attributes):
        return f"{path or '/'}: attributes {list(a.attributes)} vs {list(b.attributes)}"
    for name, x in a.attributes.items():
        y = b.attributes[name]
        if (x.name, x.file, x.line, x.column) != (y.name, y.file, y.line, y.column):
            return f"{path}/{name}: {(x.name, x.file, x.line, x.column)} vs {(y.name, y.file, y.line, y.column)}"
        found = first_difference(x.expr, y.expr, f"{path}/{name}=")
        if found:
            return found
    if len(a.blocks) != len(b.blocks):
        return f"{path or '/'}: {len(a.blocks)} vs {len(b.blocks)} blocks"
    for i, (x_block, y_block) in enumerate(zip(a.blocks, b.blocks, strict=True)):
        here = f"{path}/{x_block.type}[{i}]"
        mine = (x_block.type, x_block.labels, x_block.file, x_block.line, x_block.column)
        theirs = (y_block.type, y_block.labels, y_block.file, y_block.line, y_block.column)
        if mine != theirs:
            return f"{here}: {mine} vs {theirs}"
        found = first_body_difference(x_block.body, y_block.body, here)
        if found:
            return found
    return None
