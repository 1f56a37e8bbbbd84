"""The archive reader's fast decoder (ctguard/simulate/decode.py) reads exactly what json.loads reads:
same objects, same errors, same replay summary.  The replay-vs-DuckDB equivalence over both
decoders is in test_sql.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from ctguard.simulate import decode
from ctguard.simulate.archive import ArchiveError, iter_batches, load_records
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.replay import Replay
from ctguard.simulate.report import summarize

from .test_replay import ARN_TRAILS, RESOURCE_HEAVY, TRAILS, TRICKY, A

pytestmark = pytest.mark.skipif(decode.DECODER != "msgspec", reason="msgspec (extra `fast`) is not installed")

ACCEPTED = [
    b'{"a": 1, "a": 2}',
    b"[123456789012345678901234567890, -0.0, 5e-324, 0.1, 1E5]",
    b'{"Records": [{"eventName": "\\u00e9\\n", "x": null, "y": [true, false]}]}',
    b"  [1]  \n",
    b"{}",
]
REFUSED = [b"[NaN]", b"[1e400]", b'["\\ud800"]', b"\xef\xbb\xbf[1]", "[1]".encode("utf-16"), b"[" * 2000 + b"]" * 2000]


@pytest.mark.parametrize("doc", ACCEPTED)
def test_accepted_documents_decode_to_json_loads(doc: bytes) -> None:
    assert decode.fast_loads(doc) is not decode.FAILED
    got, want = decode.loads(doc), json.loads(doc)
    assert got == want and repr(got) == repr(want)  # repr: int stays int, -0.0 stays -0.0


@pytest.mark.parametrize("doc", REFUSED)
def test_refused_documents_fall_back_to_json_loads(doc: bytes) -> None:
    assert decode.fast_loads(doc) is decode.FAILED
    try:
        want: Any = json.loads(doc)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            decode.loads(doc)
    else:
        assert repr(decode.loads(doc)) == repr(want)


def _stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "fast_loads", lambda data: decode.FAILED)
    monkeypatch.setattr(decode, "records_loads", lambda data: decode.FAILED)


@pytest.mark.parametrize(
    "content",
    [
        b'{"Records": 5}',
        b"[1, 2",
        b'{"a": "\xff"}',
        b"5",
        b"[NaN, 1e400]",
        b'{"eventName": "a"}\n{"eventName": "b"}\n\n[{"eventName": "c"}]\n',
        b'{"eventName": "a"}\n{"eventName": \n',
    ],
)
def test_archive_reader_results_and_errors_do_not_depend_on_the_decoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    p = tmp_path / "x.json"
    p.write_bytes(content)

    def read() -> Any:
        try:
            return repr(load_records(str(p)))
        except ArchiveError as exc:
            return "error: " + str(exc)

    fast = read()
    _stdlib(monkeypatch)
    assert read() == fast


def _summary(files: list[tuple[str, int]]) -> Any:
    ctx = SimContext(account_id=A)
    trails = [compile_trail(t, ctx) for t in TRAILS + ARN_TRAILS]
    rp = Replay(trails, SimPolicy())
    for batch in iter_batches(files):
        rp.add(batch.records)
    return rp.records, summarize(
        trails, rp.shapes(), records=rp.records, first_time=rp.first_time, last_time=rp.last_time
    )


def test_replay_summary_is_the_same_with_either_decoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = (TRICKY + RESOURCE_HEAVY) * 3
    files = []
    for i in range(0, len(records), 25):
        p = tmp_path / f"{i:04d}.json.gz"
        p.write_bytes(gzip.compress(json.dumps({"Records": records[i : i + 25]}).encode()))
        files.append((str(p), p.stat().st_size))
    lines = tmp_path / "more.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records if isinstance(r, dict)), encoding="utf-8")
    files.append((str(lines), lines.stat().st_size))
    fast = _summary(files)
    assert fast[0] == len(records) + sum(isinstance(r, dict) for r in records)
    _stdlib(monkeypatch)
    assert _summary(files) == fast
