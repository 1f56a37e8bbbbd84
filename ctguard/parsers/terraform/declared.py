"""What Terraform rejects about a module's declarations before it evaluates anything.

* The same resource, data source, variable, output, local or module call declared twice across the
  module's files: Terraform refuses the configuration ("Duplicate resource configuration"), so
  it is a CT001 at the second declaration, naming the first, never "the last file wins".
* A reference to a resource, data source, variable, local or module call the module does not
  declare: Terraform refuses it too ("Reference to undeclared resource"); CT004, as for
  CloudFormation's references to undefined names.

Read from the syntax tree only (no evaluation), once per module directory.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token, Tree

from ctguard.inputs import BAD_REFERENCE, PARSE_ERROR
from ctguard.parsers.terraform.hcl import Block, Body
from ctguard.parsers.terraform.problem import Problem

# Root names that never refer to a declaration of the module.
_BUILTIN = frozenset({"count", "each", "self", "path", "terraform"})
_KINDS = {"var": "variable", "local": "local value", "module": "module call", "data": "data source"}


def problems(bodies: dict[str, Body]) -> list[Problem]:
    declared: dict[tuple[str, ...], Block | tuple[str, int, int]] = {}
    found: list[Problem] = []
    key: tuple[str, ...] | None  # the second loop stores _key's result, which may be None
    for body in bodies.values():
        for key, where, what in _declarations(body):
            first = declared.get(key)
            if first is None:
                declared[key] = where
                continue
            file, line, column = where if isinstance(where, tuple) else (where.file, where.line, where.column)
            ffile, fline, _ = first if isinstance(first, tuple) else (first.file, first.line, first.column)
            found.append(
                Problem(
                    PARSE_ERROR,
                    f"duplicate {what} (first declared in {ffile}:{fline}); Terraform rejects the configuration",
                    file,
                    line,
                    column,
                )
            )
    # One walk over every expression finds both the references and the names for expressions
    # and dynamic blocks bind (a 1 MB module has ~16,000 attributes).
    references: list[tuple[str, list[str], int, int]] = []
    bound: set[str] = set()
    for body in bodies.values():
        _scan(body, references, bound)
    seen: set[tuple[tuple[str, ...], str, int]] = set()
    for file, chain, line, column in references:
        key = _key(chain, bound)
        if key is None or key in declared or (key, file, line) in seen:
            continue
        seen.add((key, file, line))
        found.append(
            Problem(
                BAD_REFERENCE,
                f"reference to undeclared {_describe(key)}; Terraform rejects the configuration",
                file,
                line,
                column,
            )
        )
    return found


def _declarations(body: Body) -> Iterator[tuple[tuple[str, ...], Block | tuple[str, int, int], str]]:
    for block in body.blocks:
        labels = block.labels
        if block.type == "resource" and len(labels) == 2:
            yield ("resource", *labels), block, f"resource {labels[0]}.{labels[1]}"
        elif block.type == "data" and len(labels) == 2:
            yield ("data", *labels), block, f"data source data.{labels[0]}.{labels[1]}"
        elif block.type in ("variable", "output", "module") and len(labels) == 1:
            yield (block.type, labels[0]), block, f"{block.type} {labels[0]}"
        elif block.type == "locals":
            for name, attr in block.body.attributes.items():
                yield ("local", name), (attr.file, attr.line, attr.column), f"local value local.{name}"


def _key(chain: list[str], bound: set[str]) -> tuple[str, ...] | None:
    root = chain[0]
    if root in _BUILTIN or root in bound:
        return None
    if root == "var" and len(chain) > 1:
        return ("variable", chain[1])
    if root == "local" and len(chain) > 1:
        return ("local", chain[1])
    if root == "module" and len(chain) > 1:
        return ("module", chain[1])
    if root == "data" and len(chain) > 2:
        return ("data", chain[1], chain[2])
    if root.startswith(("aws_", "awscc_")) and len(chain) > 1:
        return ("resource", root, chain[1])
    return None


def _describe(key: tuple[str, ...]) -> str:
    kind = key[0]
    if kind == "resource":
        return f"resource {key[1]}.{key[2]}"
    if kind == "data":
        return f"data source data.{key[1]}.{key[2]}"
    prefix = {"variable": "var", "local": "local", "module": "module"}[kind]
    return f"{_KINDS[prefix]} {prefix}.{key[1]}"


def _scan(body: Body, references: list[tuple[str, list[str], int, int]], bound: set[str]) -> None:
    """References (file, chain, line, column) in source order, and the names bound, of a body and
    the blocks inside it."""
    for attr in body.attributes.values():
        _walk(attr.expr, attr.file, attr.line, attr.column, references, bound)
    for block in body.blocks:
        if block.type == "dynamic" and block.labels:
            bound.add(block.labels[0])
            iterator = block.body.attributes.get("iterator")
            if iterator is not None and isinstance(iterator.expr, Tree):
                chain = _chain(iterator.expr)
                if chain:
                    bound.add(chain[0])
        _scan(block.body, references, bound)


def _walk(
    node: Tree[Token] | Token,
    file: str,
    line: int,
    column: int,
    references: list[tuple[str, list[str], int, int]],
    bound: set[str],
) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, Tree):
            continue
        data = item.data
        if data == "get_attr_expr_term":
            chain = _chain(item)
            if chain:
                meta = getattr(item, "meta", None)
                at = (
                    (getattr(meta, "line", line), getattr(meta, "column", column))
                    if meta and not meta.empty
                    else (line, column)
                )
                references.append((file, chain, at[0], at[1]))
        elif data == "for_intro":
            for child in item.children:
                if isinstance(child, Tree) and child.data == "identifier":
                    bound.add(str(child.children[0]))
        stack.extend(item.children)


def _chain(node: Tree[Token]) -> list[str] | None:
    """``var.x.y`` as ["var", "x", "y"] when the term is a plain traversal from an identifier."""
    if node.data == "expr_term" and len(node.children) == 1:
        child = node.children[0]
        if isinstance(child, Tree) and child.data == "identifier":
            return [str(child.children[0])]
        if isinstance(child, Tree) and child.data == "get_attr_expr_term":
            return _chain(child)
        return None
    if node.data == "get_attr_expr_term" and len(node.children) == 2:
        head, tail = node.children
        base = _chain(head) if isinstance(head, Tree) else None
        name = (
            [c for c in tail.children if isinstance(c, Tree) and c.data == "identifier"]
            if isinstance(tail, Tree)
            else []
        )
        if base is None or not name:
            return None
        return base + [str(name[0].children[0])]
    return None
