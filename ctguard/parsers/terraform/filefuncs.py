"""``file()``, ``fileexists()`` and ``templatefile()`` on files of the modules being checked.

A trail's bucket or key policy is often kept beside the module (``file("${path.module}/policy.json")``,
``templatefile("policy.json.tpl", {bucket = ...})``). Reading it is what Terraform does, but only
inside the directories ctguard already reads (the root module and the local modules it calls,
symbolic links resolved): a path anywhere else is refused and the value is Unknown saying so,
never read (a pull request must not make ctguard print files outside its checkout).
Relative paths are relative to the root module's directory, Terraform's working directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from ctguard.values import Unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.expr import Evaluator

MAX_BYTES = 1024 * 1024
_MARKER = "CTGUARD_TEMPLATE_END"
Function = Callable[["Evaluator", list[Tree[Token]], bool], Any]


def file_functions(root_directory: str, allowed: Callable[[], list[str]]) -> dict[str, Function]:
    """The three functions for a module; ``allowed()`` lists the module directories read so far."""

    def resolve(ev: Evaluator, node: Tree[Token]) -> str | Unknown:
        value = ev.eval(node)
        if not isinstance(value, str) or ev.trace.first_unknown(value) is not None:
            return Unknown(f"the file name is not known ({getattr(value, 'reason', 'not a string')})")
        path = os.path.realpath(os.path.join(root_directory, value))
        roots = [os.path.realpath(d) for d in allowed()]
        if not any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            return Unknown(f"{value} is outside the modules ctguard checks; not read")
        return path

    def read(path: str) -> str | Unknown:
        try:
            if os.path.getsize(path) > MAX_BYTES:
                return Unknown(f"{path} is larger than {MAX_BYTES:,} bytes; not read")
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            return Unknown(f"cannot read {path}: {exc}")

    def file(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
        path = resolve(ev, nodes[0])
        return path if isinstance(path, Unknown) else read(path)

    def fileexists(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
        path = resolve(ev, nodes[0])
        return path if isinstance(path, Unknown) else os.path.isfile(path)

    def templatefile(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
        path = resolve(ev, nodes[0])
        text = path if isinstance(path, Unknown) else read(path)
        if isinstance(text, Unknown):
            return text
        variables = ev.eval(nodes[1]) if len(nodes) > 1 else {}
        if not isinstance(variables, dict):
            return Unknown("templatefile() variables are not known")
        return render(ev, text, variables)

    return {"file": file, "fileexists": fileexists, "templatefile": templatefile}


def render(ev: Evaluator, text: str, variables: dict[str, Any]) -> Any:
    """A template file's text evaluated with ``variables`` as its only names (Terraform's rule)."""
    from ctguard.parsers.terraform.expr import Evaluator
    from ctguard.parsers.terraform.hcl import parse_expression

    if _MARKER in text:
        return Unknown("the template holds ctguard's own end marker")
    body = text if text.endswith("\n") else text + "\n"
    node = parse_expression(f"<<{_MARKER}\n{body}{_MARKER}\n")
    if node is None:
        return Unknown("the template file is not a valid template")

    def lookup(name: str) -> Any:
        if name in variables:
            return variables[name]
        raise KeyError(name)

    value = Evaluator(ev.trace, lookup, ev.functions).eval(node)
    if isinstance(value, str) and not text.endswith("\n") and value.endswith("\n"):
        value = value[:-1]
    return value
