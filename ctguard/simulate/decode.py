"""JSON decoding for archive replay: msgspec when installed (the ``fast`` extra), else the stdlib.

``msgspec.json`` decodes CloudTrail log files into the same Python objects as ``json.loads``
in about 60% of the time, which is most of a replay's cost.  It is used only where its answer
is ``json.loads``'s: any document it refuses (NaN or 1e400, lone surrogates, a byte-order mark,
UTF-16, invalid UTF-8, nesting past its limit) goes through ``json.loads`` again, so accepted
input, error messages and the JSON-lines fallback stay exactly those of the stdlib.  (orjson,
slightly faster, turns integers beyond 64 bits into floats silently, so it is not used.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

FAILED: Any = object()  # the fast decoder refused the document: decode it with json.loads


def _stdlib_only(data: bytes) -> Any:
    return FAILED


def _make() -> tuple[str, Callable[[bytes], Any]]:
    try:
        import msgspec
    except ImportError:
        return "json", _stdlib_only
    decode = msgspec.json.Decoder().decode
    errors = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)

    def fast(data: bytes) -> Any:
        try:
            return decode(data)
        except errors:
            return FAILED

    return "msgspec", fast


DECODER, fast_loads = _make()


def loads(data: bytes) -> Any:
    """``json.loads(data)``, by the fast decoder when it accepts the document."""
    doc = fast_loads(data)
    return json.loads(data) if doc is FAILED else doc


__all__ = ["DECODER", "FAILED", "fast_loads", "loads"]
