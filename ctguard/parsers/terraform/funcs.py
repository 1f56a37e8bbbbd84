"""The few Terraform functions and operators ctguard evaluates; everything else is Unknown.

Each function gets the evaluator and the unevaluated argument nodes, so ``try`` can evaluate
lazily.  Unknown arguments make the result Unknown, except where Terraform itself could still
answer (``jsonencode`` keeps placeholders for documents, ``coalesce`` stops at a known value).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from ctguard.parsers.terraform.refs import JsonDoc, Namespace, has_unknown
from ctguard.symbols import non_empty
from ctguard.values import Symbolic, Unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.expr import Evaluator

MAX_ITEMS = 10_000  # for expressions over bigger collections are not worth evaluating
# Unknown reasons that stand for what Terraform treats as an error, which ``try`` skips.
_ERRORS = ("no attribute", "no key", "index ", "unknown name", "cannot ", "function ")


def _args(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> list[Any]:
    values = [_whole(ev.eval(n), ev) for n in nodes]
    if expand and values:
        last = values.pop()
        if isinstance(last, Unknown):
            raise ValueError("expanded argument is unknown")
        values.extend(last)
    return values


def _whole(value: Any, ev: Evaluator) -> Any:
    return value.expand(ev) if isinstance(value, Namespace) else value


def _strict(fn: Callable[..., Any]) -> Callable[[Evaluator, list[Tree[Token]], bool], Any]:
    """A function whose result is Unknown as soon as any argument holds an unknown part."""

    def call(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
        args = _args(ev, nodes, expand)
        for arg in args:
            unknown = has_unknown(arg, ev.trace)
            if unknown is not None:
                return Unknown(f"{fn.__name__.strip('_')}() of an unknown value: {unknown.reason}")
        return fn(*args)

    return call


def _texty(fn: Callable[[str], str]) -> Callable[[Evaluator, list[Tree[Token]], bool], Any]:
    """String functions that keep unknown markers in place (lower("${var.x}-a") stays partial)."""

    def call(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
        args = _args(ev, nodes, expand)
        if len(args) != 1:
            raise TypeError("expects one argument")
        derived = ev.trace.opaque(args[0], fn.__name__)
        if derived is not None:
            return derived  # lower("${var.x}") is not var.x: a symbol of its own
        return args[0] if isinstance(args[0], Unknown) else fn(ev.to_text(args[0]))

    return call


def _format(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
    args = _args(ev, nodes, expand)
    spec, rest = args[0], list(args[1:])
    if not isinstance(spec, str) or ev.trace.first_unknown(spec) is not None:
        return Unknown("format() with an unknown format string")
    out, i, n = [], 0, 0
    while i < len(spec):
        ch = spec[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        verb = spec[i + 1] if i + 1 < len(spec) else ""
        i += 2
        if verb == "%":
            out.append("%")
            continue
        if n >= len(rest):
            raise ValueError("not enough arguments")
        value = rest[n]
        n += 1
        text = ev.to_text(value) if not isinstance(value, (list, dict)) else json.dumps(value)
        out.append(json.dumps(text) if verb == "q" else text)
    return "".join(out)


def _join(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
    args = _args(ev, nodes, expand)
    sep, lists = args[0], args[1:]
    if isinstance(sep, Unknown) or any(isinstance(lst, Unknown) for lst in lists):
        return Unknown("join() of an unknown list")
    return ev.to_text(sep).join(ev.to_text(x) for lst in lists for x in lst)


def _try(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
    first: Any = None
    for node in nodes:
        value = ev.eval(node)
        if not isinstance(value, Unknown):
            return value
        if not value.reason.startswith(_ERRORS):
            return value  # a value unknown until apply is not an error: try() would return it
        first = value if first is None else first
    return Unknown("try() with no arguments") if first is None else first


def _coalesce(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
    for value in _args(ev, nodes, expand):
        if isinstance(value, Symbolic) and non_empty(value):
            return value  # never null nor "" (an account id, "${var.x}-logs"): coalesce stops here
        if isinstance(value, Unknown):
            return Unknown(f"coalesce() reached an unknown value: {value.reason}")
        if value is not None and value != "":
            return value
    raise ValueError("no non-null argument")


def _merge(*maps: Any) -> Any:
    result: dict[str, Any] = {}
    for m in maps:
        if m is not None:
            result.update(m)
    return result


def _concat(*lists: Any) -> Any:
    return [x for lst in lists for x in lst]


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise KeyError(key)


def _element(lst: Any, i: Any) -> Any:
    if not isinstance(lst, list):
        raise TypeError('Invalid value for "list" parameter: list of any single type required')
    if not lst:
        raise ValueError("cannot use element function with an empty list")
    if isinstance(i, bool) or not isinstance(i, (int, float)) or (isinstance(i, float) and not i.is_integer()):
        raise ValueError('Invalid value for "index" parameter: a whole number is required')
    if i < 0:
        raise ValueError("cannot use element function with a negative index")
    return lst[int(i) % len(lst)]


def _tobool(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if v in ("true", "false"):
        return v == "true"
    raise ValueError(f"cannot convert {v!r} to bool")


def _tostring(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)) or v is None:
        return v if not isinstance(v, (int, float)) else str(v)
    raise ValueError("not a primitive")


def _tonumber(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    if not isinstance(v, str):
        raise ValueError(f"cannot convert {_kind(v)} to number")
    number = int(v) if v.lstrip("-").isdigit() and len(v) <= 300 else float(v)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"cannot convert {v[:40]!r} to number")
    return number


def _kind(v: Any) -> str:
    return {bool: "bool", type(None): "null", list: "tuple", dict: "object"}.get(type(v), type(v).__name__)


def _checked_number(value: Any) -> Any:
    """Arithmetic results no AWS setting holds (inf, 10**400) stay Unknown rather than grow."""
    if (isinstance(value, float) and not math.isfinite(value)) or (isinstance(value, int) and abs(value) > 2**1023):
        return Unknown("number is outside the range ctguard evaluates")
    return value


def _jsonencode(ev: Evaluator, nodes: list[Tree[Token]], expand: bool) -> Any:
    return JsonDoc(_args(ev, nodes, expand)[0])


def _jsondecode(s: Any) -> Any:
    return json.loads(s)


def _one(lst: Any) -> Any:
    """one(): null for an empty list, its element for one; Terraform rejects longer lists."""
    if not isinstance(lst, list) or len(lst) > 1:
        return Unknown("one() needs a list of at most one element")
    return lst[0] if lst else None


def _distinct(lst: Any) -> Any:
    if not isinstance(lst, list):
        raise TypeError("a list or set is required")
    out: dict[str, Any] = {}
    for x in lst:  # keyed by JSON text: linear, where comparing with every kept item is quadratic
        out.setdefault(json.dumps(x, sort_keys=True, default=repr), x)
    return list(out.values())


def _flatten(lst: Any) -> Any:
    out: list[Any] = []
    for x in lst:
        out.extend(_flatten(x) if isinstance(x, list) else [x])
        if len(out) > MAX_ITEMS:
            raise ValueError(f"flatten() result has more than {MAX_ITEMS:,} items")
    return out


FUNCTIONS: dict[str, Callable[[Evaluator, list[Tree[Token]], bool], Any]] = {
    "format": _format,
    "join": _join,
    "try": _try,
    "coalesce": _coalesce,
    "jsonencode": _jsonencode,
    "lower": _texty(str.lower),
    "upper": _texty(str.upper),
    "trimspace": _texty(str.strip),
    "concat": _strict(_concat),
    "merge": _strict(_merge),
    "lookup": _strict(_lookup),
    "element": _strict(_element),
    "length": _strict(len),
    "tostring": _strict(_tostring),
    "tobool": _strict(_tobool),
    "tonumber": _strict(_tonumber),
    "tolist": _strict(list),
    "toset": _strict(_distinct),
    "distinct": _strict(_distinct),
    "flatten": _strict(_flatten),
    "compact": _strict(lambda lst: [x for x in lst if x not in (None, "")]),
    "contains": _strict(lambda lst, x: x in lst),
    "keys": _strict(lambda m: sorted(m)),
    "values": _strict(lambda m: [m[k] for k in sorted(m)]),
    "split": _strict(lambda sep, s: s.split(sep)),
    "replace": _strict(lambda s, a, b: s.replace(a, b)),
    "jsondecode": _strict(_jsondecode),
    "one": _strict(_one),
}


def json_text(obj: Any, ev: Evaluator) -> str:
    """JSON of a value with unknown parts as markers (kept inside the string they replace)."""

    def default(o: Any) -> Any:
        if isinstance(o, Unknown):
            return ev.trace.mark(o)
        if isinstance(o, JsonDoc):
            return o.obj
        return ev.trace.mark(Unknown(f"{type(o).__name__} in jsonencode()"))

    return json.dumps(obj, separators=(",", ":"), default=default)


def binary(op: str, left: Any, right: Any, ev: Evaluator) -> Any:
    left, right = _whole(left, ev), _whole(right, ev)
    unknown = has_unknown(left, ev.trace)
    unknown = has_unknown(right, ev.trace) if unknown is None else unknown
    if unknown is not None:
        return Unknown(f"operand of {op} is unknown: {unknown.reason}")
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op in ("&&", "||"):
        if not (isinstance(left, bool) and isinstance(right, bool)):
            return Unknown(f"{op} of non-bool values")
        return (left and right) if op == "&&" else (left or right)
    try:
        left, right = _tonumber(left), _tonumber(right)
    except (TypeError, ValueError):
        return Unknown(f"{op} of non-number values")
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "%": lambda a, b: a % b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    if op not in ops:
        return Unknown(f"{op} could not be evaluated")
    try:
        return _checked_number(ops[op](left, right))
    except ZeroDivisionError:
        return Unknown("can't divide by zero")
    except (OverflowError, TypeError, ValueError):
        return Unknown("number is outside the range ctguard evaluates")


def for_expr(ev: Evaluator, kids: list[Any], as_object: bool) -> Any:
    intro = next(k for k in kids if isinstance(k, Tree) and k.data == "for_intro")
    cond = next((k for k in kids if isinstance(k, Tree) and k.data == "for_cond"), None)
    names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
    source_node = next(
        c for c in intro.children if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")
    )
    body = [k for k in kids if isinstance(k, Tree) and k.data not in ("for_intro", "for_cond", "new_line_or_comment")]
    grouping = any(isinstance(k, Token) and k.type == "ELLIPSIS" for k in kids)
    source = _whole(ev.eval(source_node), ev)
    if isinstance(source, Unknown):
        return Unknown(f"for expression over an unknown collection: {source.reason}")
    pairs = list(source.items()) if isinstance(source, dict) else list(enumerate(source or []))
    if len(pairs) > MAX_ITEMS:
        return Unknown("for expression over too many items")
    out_list: list[Any] = []
    out_obj: dict[str, Any] = {}
    for key, value in pairs:
        scope = ev.bind(**({names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}))
        if cond is not None:
            keep = scope.eval(next(c for c in cond.children if isinstance(c, Tree) and c.data != "new_line_or_comment"))
            if isinstance(keep, Unknown):
                return Unknown(f"for expression condition is unknown: {keep.reason}")
            if not isinstance(keep, bool):
                return Unknown("Invalid 'for' condition: the 'if' clause must return a bool")
            if not keep:
                continue
        if not as_object:
            out_list.append(scope.eval(body[0]))
            continue
        k = scope.eval(body[0])
        if has_unknown(k, ev.trace) is not None:
            return Unknown("for expression key is unknown")
        v = scope.eval(body[1])
        if grouping:
            out_obj.setdefault(str(k), []).append(v)
        else:
            out_obj[str(k)] = v
    return out_obj if as_object else out_list
