"""The checked policy catalogue (ctguard/engine/policy_catalogue.py) changes load time, never results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ctguard.engine.policy import PolicyError, builtin_policy_dir, load_policies

from .test_policy_loader import VALID, write

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_catalogue_hit_gives_the_same_policies_as_the_slow_path(cache: Path) -> None:
    slow = load_policies(use_cache=False)
    first = load_policies()  # fills the catalogue
    files = list(cache.glob("policies-*.marshal"))
    assert len(files) == 1
    assert not str(files[0]).startswith(str(REPO))  # never in the checkout
    second = load_policies()  # served from the catalogue
    assert slow == first == second
    assert len(second) == len(list(builtin_policy_dir().glob("*.yaml")))


def test_catalogue_is_not_consulted_for_edited_or_renamed_files(cache: Path, tmp_path: Path) -> None:
    d = write(tmp_path, "ORG100-tagged.yaml", VALID)
    assert [p.id for p in load_policies((str(d),)) if p.id == "ORG100"] == ["ORG100"]
    # same bytes under a name that no longer matches the id: the loader's own check still runs
    shutil.move(str(d / "ORG100-tagged.yaml"), str(d / "ORG101-tagged.yaml"))
    with pytest.raises(PolicyError, match="does not match the file name"):
        load_policies((str(d),))
    shutil.move(str(d / "ORG101-tagged.yaml"), str(d / "ORG100-tagged.yaml"))
    (d / "ORG100-tagged.yaml").write_text(VALID.replace("check:\n", "impl: x:y\ncheck:\n"))
    with pytest.raises(PolicyError, match="exactly one of"):
        load_policies((str(d),))


def test_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CTGUARD_CODE_CACHE", str(blocker))
    assert load_policies() == load_policies(use_cache=False)


def test_corrupt_catalogue_is_ignored(cache: Path) -> None:
    load_policies()
    for f in cache.glob("policies-*.marshal"):
        f.write_bytes(b"\x00garbage")
    assert load_policies() == load_policies(use_cache=False)


def test_code_caches_live_beside_ctguards_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the user cache directory: a CI cache a pull request wrote could be restored there,
    and these entries become policy logic and code."""
    from ctguard import code_cache

    monkeypatch.delenv("CTGUARD_CODE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/somewhere-a-pull-request-wrote")
    package = Path(code_cache.__file__).resolve().parent
    assert code_cache.code_cache_dir() == package / "__pycache__"


def test_built_in_files_unchanged_since_their_last_read_are_not_read_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctguard.engine import policy as policy_module

    builtin = tmp_path / "policies"
    shutil.copytree(builtin_policy_dir(), builtin)
    monkeypatch.setattr(policy_module, "builtin_policy_dir", lambda: builtin)
    first = load_policies()  # reads, hashes and stamps every file
    read: list[str] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert load_policies() == first and not [n for n in read if n.endswith(".yaml")]
    # an edit of the same size changes the time: the file is read and its new bytes judged
    target = next(builtin.glob("CT101-*.yaml"))
    text = target.read_text()
    start = text.index("\ntitle: ") + len("\ntitle: ")
    edited = text[:start] + ("Z" if text[start] != "Z" else "Y") + text[start + 1 :]
    assert len(edited) == len(text)
    target.write_text(edited)
    read.clear()
    titles = [p.title for p in load_policies() if p.id == "CT101"]
    assert target.name in read and titles[0].startswith(("Z", "Y"))
    assert titles == [p.title for p in load_policies(use_cache=False) if p.id == "CT101"]
