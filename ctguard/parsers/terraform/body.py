"""What ``tf_hcl`` makes of an HCL file: bodies of blocks and attributes, with their positions.

The attribute expressions stay python-hcl2's Lark trees (``tf_expr`` and the other readers
walk them). ``body_of`` reads python-hcl2's tree of a whole file (the reference path);
``tf_fastparse.parse_body`` builds the same structure straight from tree-sitter's tree, and the
parse cache stores and reloads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Token, Tree


@dataclass(slots=True)
class Attr:
    name: str
    expr: Tree[Token] | Token
    file: str
    line: int
    column: int


@dataclass(slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    file: str
    line: int
    column: int


@dataclass(slots=True)
class Body:
    attributes: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


def name_of(node: Tree[Token] | Token) -> str:
    """Text of an identifier, keyword, literal_value or quoted label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":  # a quoted label: its escapes mean what they mean in any string
        return _unescape("".join(str(t.children[0]) for t in node.children if isinstance(t, Tree)))
    return "".join(name_of(c) for c in node.children)


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)
_SINGLE = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape(text: str) -> str:
    """The escapes of an HCL quoted string: ``\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``."""
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        if code is not None:
            point = int(code, 16)
            return chr(point) if point <= 0x10FFFF else m.group(0)
        return _SINGLE.get(m.group(3), m.group(3))

    return _ESCAPE.sub(one, text)


def _is_layout(node: object) -> bool:
    return isinstance(node, Tree) and node.data == "new_line_or_comment"


def body_of(tree: Tree[Token], file: str) -> Body:
    body = Body()
    for child in tree.children:
        if not isinstance(child, Tree) or _is_layout(child):
            continue
        if child.data == "attribute":
            name = name_of(child.children[0])
            body.attributes[name] = Attr(name, child.children[2], file, child.meta.line, child.meta.column)
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree) and not _is_layout(c)]
            inner = parts[-1]
            header = [name_of(p) for p in parts[:-1]]
            body.blocks.append(
                Block(header[0], tuple(header[1:]), body_of(inner, file), file, child.meta.line, child.meta.column)
            )
    return body
