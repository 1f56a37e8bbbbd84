"""The ``Fn::*`` functions (and ``Ref``) as handlers of ``Resolver``.

Each handler takes (resolver, argument, path of the function key, trace, depth) and returns a
plain value, ``Unknown`` or ``NO_VALUE``.  Malformed arguments give Unknown rather than an
error: cfn-lint reports those, and the schema validator reports type problems.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ctguard.parsers.cloudformation.trace import _SUB_VAR, NO_VALUE, Trace, _text
from ctguard.values import Symbolic, Unknown, concat

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.intrinsics import Resolver
    from ctguard.parsers.cloudformation.template import Path


def _scalar_text(value: Any, what: str) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (str, int, float)) and value is not NO_VALUE:
        return _text(value)
    return Unknown(f"{what} is not a string")


# --- handlers: (resolver, argument, path of the function key, trace, depth) -> value ----------


def _ref(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    return r.ref(arg, path[:-1], trace, depth)


def _get_att(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1) if "." in arg else [arg, None]
    if not isinstance(arg, list) or len(arg) != 2:
        return Unknown("Fn::GetAtt needs [resource, attribute]")
    attribute = r.resolve(arg[1], path + (1,), trace, depth)
    return r.get_att(arg[0], attribute, path[:-1], trace, depth)


def _sub(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    variables: dict[str, Any] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        text = arg[0]
        for name, value in arg[1].items():
            variables[name] = r.resolve(value, path + (1, name), trace, depth)
    else:
        text = arg
    if not isinstance(text, str):
        return Unknown("Fn::Sub needs a string")
    parts: list[str | Symbolic] = []
    unknown: Unknown | None = None
    pos = 0
    for match in _SUB_VAR.finditer(text):
        parts.append(text[pos : match.start()])
        pos = match.end()
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} writes ${Literal}
            parts.append("${" + name[1:] + "}")
            continue
        name = name.strip()
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            resource, _, attribute = name.partition(".")
            value = r.get_att(resource, attribute, path[:-1], trace, depth)
        else:
            value = r.ref(name, path[:-1], trace, depth)
        piece = _scalar_text(value, f"${{{name}}}")
        if isinstance(piece, Unknown) and not isinstance(piece, Symbolic):
            # Keep resolving: a later ${Undefined} must still be reported (CT004).
            if unknown is None:
                unknown = piece
            continue
        parts.append(piece)
    if unknown is not None:
        return unknown
    parts.append(text[pos:])
    return concat(*parts)  # deploy-time symbols stay named inside the string


def _join(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        return Unknown("Fn::Join needs [delimiter, list]")
    delimiter = r.resolve(arg[0], path + (0,), trace, depth)
    items = r.resolve(arg[1], path + (1,), trace, depth)
    for value in (delimiter, items):
        if isinstance(value, Unknown):
            return value
    if not isinstance(delimiter, str) or not isinstance(items, list):
        return Unknown("Fn::Join needs a string delimiter and a list")
    texts: list[str | Symbolic] = []
    for item in items:
        piece = _scalar_text(item, "a Fn::Join item")
        if isinstance(piece, Unknown) and not isinstance(piece, Symbolic):
            return piece
        texts.extend([delimiter, piece] if texts else [piece])
    return concat(*texts)


def _select(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        return Unknown("Fn::Select needs [index, list]")
    index = r.resolve(arg[0], path + (0,), trace, depth)
    items = r.resolve(arg[1], path + (1,), trace, depth)
    for value in (index, items):
        if isinstance(value, Unknown):
            return _plain(value)
    try:
        position = int(index)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an index of .inf
        return Unknown(f"Fn::Select index {str(index)[:40]!r} is not a number")
    if not isinstance(items, list):
        return Unknown("Fn::Select needs a list")
    if not 0 <= position < len(items):
        return Unknown(f"Fn::Select index {position} is out of range (list of {len(items)})")
    return items[position]


def _split(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        return Unknown("Fn::Split needs [delimiter, string]")
    delimiter = r.resolve(arg[0], path + (0,), trace, depth)
    text = r.resolve(arg[1], path + (1,), trace, depth)
    for value in (delimiter, text):
        if isinstance(value, Unknown):
            return _plain(value)
    if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
        return Unknown("Fn::Split needs a delimiter and a string")
    return text.split(delimiter)


def _if(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
        return Unknown("Fn::If needs [condition, value if true, value if false]")
    name = arg[0]
    if name not in r.template.conditions:
        r.report("CT004", f"Fn::If names undefined condition '{name}'", path[:-1])
        return Unknown(f"Fn::If names undefined condition '{name}'")
    value = r.condition(name)
    if value is None:
        return Unknown(f"depends on condition {name}")
    branch = 1 if value else 2
    return r.resolve(arg[branch], path + (branch,), trace, depth)


def _import_value(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    name = r.resolve(arg, path, Trace(), depth)
    return Unknown(f"imported value {name}" if isinstance(name, str) else "imported value (name not known)")


def _find_in_map(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) < 3:
        return Unknown("Fn::FindInMap needs [map, top-level key, second-level key]")
    keys = [r.resolve(arg[i], path + (i,), trace, depth) for i in range(3)]
    for key in keys:
        if isinstance(key, Unknown):
            return Unknown(f"Fn::FindInMap key is unknown: {key.reason}")
    map_name, top, second = (_text(k) if isinstance(k, (str, int, float)) else None for k in keys)
    if map_name not in r.template.mappings:
        r.report("CT004", f"Fn::FindInMap names undefined mapping '{map_name}'", path[:-1])
        return Unknown(f"Fn::FindInMap names undefined mapping '{map_name}'")
    level = r.template.mappings[map_name]
    for key in (top, second):
        if not isinstance(level, dict) or key not in level:
            return Unknown(f"mapping {map_name} has no key {key!r}")
        level = level[key]
    return r.resolve(level, ("Mappings", map_name, top or "", second or ""), trace, depth)


def _base64(r: Resolver, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
    value = _scalar_text(r.resolve(arg, path, trace, depth), "Fn::Base64 input")
    return _plain(value) if isinstance(value, Unknown) else base64.b64encode(value.encode()).decode()


def _plain(value: Unknown) -> Unknown:
    """A function of a symbolic value is not that value: keep only why it is unknown."""
    return Unknown(value.reason) if isinstance(value, Symbolic) else value


def _deploy_time(what: str) -> Callable[..., Any]:
    return lambda r, arg, path, trace, depth: Unknown(f"{what} is evaluated at deploy time")


HANDLERS: dict[str, Callable[[Resolver, Any, Any, Trace, int], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::ImportValue": _import_value,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _deploy_time("Fn::GetAZs"),
    "Fn::Cidr": _deploy_time("Fn::Cidr"),
}
