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


def _make_records() -> Callable[[bytes], Any]:
    from ctguard.simulate.records import Record

    if Record is None:
        return _stdlib_only
    import msgspec

    LogFile = msgspec.defstruct("LogFile", [("Records", list[Record])], gc=False)
    decode = msgspec.json.Decoder(LogFile).decode
    errors = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)

    def records(data: bytes) -> Any:
        # msgspec skips the fields it does not keep without checking their UTF-8, which
        # json.loads would refuse: such a document goes the generic way (and fails there).
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return FAILED
        try:
            return decode(data).Records  # type: ignore[attr-defined]
        except errors:
            return FAILED

    return records


records_loads = _make_records()
records_loads.__doc__ = """The records of a CloudTrail log file (``{"Records": [...]}``) as ``records.Record``
structs, or FAILED for any other document or one the struct cannot take (then decode it with
``fast_loads``/``json.loads``): a record that is not an object, "Records" not a list, a
byte-order mark, NaN, lone surrogates, ... """


def loads(data: bytes) -> Any:
    """``json.loads(data)``, by the fast decoder when it accepts the document."""
    doc = fast_loads(data)
    return json.loads(data) if doc is FAILED else doc


__all__ = ["DECODER", "FAILED", "fast_loads", "loads", "records_loads"]
