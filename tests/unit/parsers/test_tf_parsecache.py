"""The cached HCL parse path gives exactly the Lark path's body and the same findings, and refuses any
cache entry it did not write itself (issue 21, bullet 2).

The same comparison over the real-world corpus: ``scripts/hcl_equivalence.py --corpus DIR``.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import time
from pathlib import Path

import pytest
from lark import Token

from ctguard.cli import main
from ctguard.parsers.terraform import parsecache as tf_parsecache
from ctguard.parsers.terraform.comments import blank_comments
from ctguard.parsers.terraform.hcl import HclError, parse_text
from ctguard.parsers.terraform.parsecache import MIN_CHARS, cache_dir, parse_body
from ctguard.parsers.terraform.treediff import first_body_difference, first_difference

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
TF_FILES = sorted(FIXTURES.rglob("*.tf"))
BIG = FIXTURES / "rules" / "CT406" / "fail" / "tf-versioning-without-mfa" / "main.tf"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CTGUARD_HCL_PARSER", raising=False)
    monkeypatch.setattr(tf_parsecache, "MIN_CHARS", 0)  # every fixture goes through the cache
    monkeypatch.setattr(tf_parsecache, "_OPENED", {})
    monkeypatch.setattr(tf_parsecache, "STORE_ON_SECOND_SIGHT", False)  # second sight: its own test
    return tmp_path / "xdg" / "ctguard" / "hcl-trees"


def _entries(root: Path) -> list[Path]:
    return (
        [
            p
            for p in root.iterdir()
            if p.name not in ("key", "swept") and not p.name.startswith(".") and not p.name.endswith(".seen")
        ]
        if root.is_dir()
        else []
    )


def test_every_terraform_fixture_loads_back_as_the_lark_paths_exact_body(cache: Path) -> None:
    assert len(TF_FILES) > 100
    compared = 0
    cached_texts: set[str] = set()
    for path in TF_FILES:
        text = blank_comments(path.read_text(encoding="utf-8"))
        try:
            reference = tf_parsecache.lark_body(text, "main.tf")
        except Exception:
            continue
        try:
            built = parse_body(text, "main.tf")  # a miss: parsed, stored
        except Exception:
            continue
        loaded = parse_body(text, "main.tf")  # a hit
        if len(text) >= MIN_CHARS:
            assert loaded is not built
            cached_texts.add(text)
        assert first_body_difference(reference, built) is None, f"{path}: {first_body_difference(reference, built)}"
        assert first_body_difference(built, loaded) is None, f"{path}: {first_body_difference(built, loaded)}"
        compared += 1
    assert compared >= len(TF_FILES) - 5
    assert len(_entries(cache)) >= len(cached_texts)  # every distinct text of 64 characters or more is stored


def _check_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    main(["check", "-f", "json", "--jobs", "1", *args])
    return json.loads(capsys.readouterr().out)


def test_check_reports_the_same_with_lark_and_with_a_warm_cache(
    cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs = sorted({str(p.parent) for p in TF_FILES if "terraform" in p.parts[-4:] or "rules" in p.parts})
    monkeypatch.setenv("CTGUARD_HCL_PARSER", "lark")
    lark_report = _check_json(dirs, capsys)
    assert not _entries(cache)
    monkeypatch.delenv("CTGUARD_HCL_PARSER")
    cold = _check_json(dirs, capsys)
    stored = len(_entries(cache))
    warm = _check_json(dirs, capsys)
    assert stored > 100 and len(_entries(cache)) == stored  # the warm run only read
    assert lark_report["findings"] and lark_report == cold == warm


def test_a_tampered_or_planted_entry_is_refused(cache: Path) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    reference = parse_body(text, "main.tf")
    (entry,) = _entries(cache)
    data = bytearray(entry.read_bytes())
    data[-20] ^= 0x01
    entry.write_bytes(bytes(data))
    assert first_body_difference(reference, parse_body(text, "main.tf")) is None  # parsed again, stored again
    assert entry.read_bytes() != bytes(data)
    # A pickle that would run code, planted without the key: refused before any decoding.
    entry.write_bytes(b"\0" * 32 + pickle.dumps(os.getcwd))
    assert first_body_difference(reference, parse_body(text, "main.tf")) is None


def test_a_signed_entry_of_another_shape_is_parsed_again(cache: Path) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    reference = parse_body(text, "main.tf")
    store = tf_parsecache._Store.open()
    assert store is not None
    name = store.name_of(text)
    for blob in (marshal.dumps(compile("1", "x", "eval")), marshal.dumps((1, 2)), b"\xff"):
        (cache / name).write_bytes(store._tag(name, blob) + blob)
        assert store.get(name, "main.tf") is None
    assert first_body_difference(reference, parse_body(text, "main.tf")) is None


def test_a_key_open_to_others_turns_the_cache_off(cache: Path) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    parse_body(text, "main.tf")
    for entry in _entries(cache):
        entry.unlink()
    (cache / "key").chmod(0o644)
    tf_parsecache._OPENED.clear()  # a new process
    assert tf_parsecache._Store.open() is None
    assert parse_body(text, "main.tf") is not None and not _entries(cache)


def test_a_text_is_stored_when_it_comes_a_second_time(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tf_parsecache, "STORE_ON_SECOND_SIGHT", True)
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    first = parse_body(text, "main.tf")
    assert not _entries(cache) and len(list(cache.glob("*.seen"))) == 1  # first sight: a marker only
    second = parse_body(text, "main.tf")
    assert len(_entries(cache)) == 1 and not list(cache.glob("*.seen"))
    third = parse_body(text, "main.tf")
    assert third is not second and first_body_difference(first, third) is None


def test_huge_texts_are_never_stored(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing a huge tree costs more than parsing it again (a 1 MB file: 537 MB on its second sight)."""
    monkeypatch.setattr(tf_parsecache, "STORE_ON_SECOND_SIGHT", True)
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    monkeypatch.setattr(tf_parsecache, "MAX_CHARS", len(text) - 1)
    first, second = parse_body(text, "main.tf"), parse_body(text, "main.tf")
    assert not _entries(cache) and not list(cache.glob("*.seen"))
    assert first_body_difference(first, second) is None
    monkeypatch.setattr(tf_parsecache, "MAX_CHARS", len(text))
    parse_body(text, "main.tf"), parse_body(text, "main.tf")
    assert len(_entries(cache)) == 1  # at the limit it is still stored


def test_entries_not_rewritten_for_a_month_are_swept(cache: Path) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    parse_body(text, "main.tf")
    (old,) = _entries(cache)
    fresh = cache / ("0" * 64)
    fresh.write_bytes(old.read_bytes())
    month_ago = time.time() - (tf_parsecache.MAX_AGE_DAYS + 1) * 86400
    os.utime(old, (month_ago, month_ago))
    tf_parsecache._OPENED.clear()  # a new process, but swept less than a day ago: nothing happens
    tf_parsecache._Store.open()
    assert old.exists()
    os.utime(cache / "swept", (month_ago, month_ago))
    tf_parsecache._OPENED.clear()
    assert tf_parsecache._Store.open() is not None
    assert not old.exists() and fresh.exists() and (cache / "key").exists()


def test_lark_mode_and_small_files_bypass_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    monkeypatch.setenv("CTGUARD_HCL_PARSER", "lark")
    parse_body(text, "main.tf")
    assert not cache_dir().exists()
    monkeypatch.delenv("CTGUARD_HCL_PARSER")
    monkeypatch.setattr(tf_parsecache, "MIN_CHARS", len(text) + 1)
    parse_body(text, "main.tf")
    assert not cache_dir().exists()


def test_syntax_errors_are_reported_the_same_and_never_cached(cache: Path) -> None:
    bad = 'resource "aws_cloudtrail" "t" {\n  name = \n}\n'
    first, second = parse_text("main.tf", bad), parse_text("main.tf", bad)
    assert isinstance(first, HclError) and first == second and first.line == 2
    assert not _entries(cache)


def test_first_difference_sees_a_moved_token() -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    a, b = tf_parsecache.lark_tree(text), tf_parsecache.lark_tree(text)
    assert first_difference(a, b) is None
    token = next(b.scan_values(lambda v: isinstance(v, Token) and v.type == "NAME"))
    token.end_column += 1
    assert "token" in (first_difference(a, b) or "")


def test_an_entry_serves_the_same_text_in_another_file(cache: Path) -> None:
    text = blank_comments(BIG.read_text(encoding="utf-8"))
    parse_body(text, "a/main.tf")
    assert len(_entries(cache)) == 1
    loaded = parse_body(text, "b/main.tf")  # a hit, read for the second file
    assert first_body_difference(tf_parsecache.lark_body(text, "b/main.tf"), loaded) is None
    assert {block.file for block in loaded.blocks} == {"b/main.tf"}
