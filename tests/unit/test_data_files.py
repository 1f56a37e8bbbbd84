"""ctguard.data_files: the bundled JSON decoded once and read back from marshal, equal to json.loads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ctguard import data_files

DATA = Path(data_files.DATA_DIR)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.json")))
def test_kept_values_equal_the_json(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(tmp_path))
    expected = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert data_files.load_json(name) == expected  # decoded, then kept
    assert (tmp_path / f"data-{name}.marshal").is_file()
    monkeypatch.setattr(data_files.json, "loads", lambda *_: pytest.fail("decoded again"))
    assert data_files.load_json(name) == expected  # read back


def test_an_edited_file_is_decoded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data_files, "DATA_DIR", str(tmp_path))
    source = tmp_path / "table.json"
    source.write_text('{"a": [1, 2.5, null, true, "x"]}')
    assert data_files.load_json("table.json") == {"a": [1, 2.5, None, True, "x"]}
    source.write_text('{"a": [1, 2.5, null, true, "y"]}')  # same size: the time tells
    os.utime(source, ns=(1, 1))
    assert data_files.load_json("table.json") == {"a": [1, 2.5, None, True, "y"]}
    (tmp_path / "cache" / "data-table.json.marshal").write_bytes(b"\x00damaged")
    assert data_files.load_json("table.json") == {"a": [1, 2.5, None, True, "y"]}


def test_an_unwritable_cache_only_costs_the_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(blocker / "below-a-file"))
    assert data_files.load_json("cloudtrail_pricing.json") == json.loads((DATA / "cloudtrail_pricing.json").read_text())
