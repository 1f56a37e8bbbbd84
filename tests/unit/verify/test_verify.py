"""``ctguard verify`` over local copies of real signed archives, tampered with in every way it reports.

The archives come from ``signed_archive`` (the documented algorithm, a key pair made there).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from signed_archive import T0, SignedArchive, key_pair

from ctguard.cli import main
from ctguard.findings import Finding, Status
from ctguard.verify.archive import LocalArchive
from ctguard.verify.keys import PublicKeys, load_key_files
from ctguard.verify.run import Outcome, Verifier, Window


def _verify(root: Path, keys: PublicKeys, window: Window | None = None, bucket: str | None = None) -> Outcome:
    return Verifier(LocalArchive(str(root), bucket), keys, window or Window(), jobs=2).run()


def _run(archive: SignedArchive, tmp_path: Path, sidecars: str = "newest", **kw: object) -> Outcome:
    root = archive.write(tmp_path / "copy", sidecars=sidecars)
    return _verify(root, load_key_files([str(archive.keys_file(tmp_path / "keys.json"))]), **kw)  # type: ignore[arg-type]


def _results(outcome: Outcome) -> Counter[tuple[str, str]]:
    return Counter((f.rule_id, f.status.value) for f in outcome.findings)


def _only(outcome: Outcome, rule: str, status: Status) -> list[Finding]:
    return [f for f in outcome.findings if f.rule_id == rule and f.status is status]


@pytest.fixture
def archive() -> SignedArchive:
    a = SignedArchive()
    a.add_hours(6, logs_per_hour=2)
    return a


def test_intact_archive_is_valid_with_only_the_newest_signature(archive: SignedArchive, tmp_path: Path) -> None:
    outcome = _run(archive, tmp_path)
    assert _results(outcome) == Counter({("CT955", "PASS"): 6})
    assert outcome.stats.digests_valid == 6 and outcome.stats.logs_valid == outcome.stats.logs == 12
    assert all("2/2 listed log files match" in f.message for f in outcome.findings)


def test_every_sidecar_and_head_object_sidecar(archive: SignedArchive, tmp_path: Path) -> None:
    root = archive.write(tmp_path / "copy", sidecars="all")
    newest = root / (archive.digests[-1] + ".sig")
    newest.write_text(
        json.dumps(
            {
                "ContentType": "application/json",
                "Metadata": {
                    "signature": archive.signatures[archive.digests[-1]],
                    "signature-algorithm": "SHA256withRSA",
                },
            }
        )
    )
    outcome = _verify(root, load_key_files([str(archive.keys_file(tmp_path / "k.json"))]))
    assert _results(outcome) == Counter({("CT955", "PASS"): 6})


def test_without_the_newest_signature_it_is_unknown_and_the_rest_still_proven(
    archive: SignedArchive, tmp_path: Path
) -> None:
    outcome = _run(archive, tmp_path, sidecars="none")
    assert _results(outcome) == Counter({("CT955", "PASS"): 5, ("CT955", "UNKNOWN"): 1})
    unknown = _only(outcome, "CT955", Status.UNKNOWN)[0]
    assert unknown.file.endswith(archive.digests[-1]) and "signature not available" in unknown.message


def test_without_public_keys_nothing_passes(archive: SignedArchive, tmp_path: Path) -> None:
    outcome = _verify(archive.write(tmp_path / "copy"), PublicKeys())
    assert _results(outcome) == Counter({("CT955", "UNKNOWN"): 6})


def test_modified_log_file(archive: SignedArchive, tmp_path: Path) -> None:
    log = archive.logs[3]
    body = json.loads(gzip.decompress(archive.objects[log]))
    body["Records"].pop()  # an event removed
    archive.objects[log] = gzip.compress(json.dumps(body).encode())
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT951", Status.FAIL)
    assert [f.file for f in failed] == [str(tmp_path / "copy" / log)]
    assert "hash value doesn't match" in failed[0].message
    assert _results(outcome)[("CT955", "PASS")] == 6


def test_log_file_with_a_second_gzip_member_appended(archive: SignedArchive, tmp_path: Path) -> None:
    log = archive.logs[0]
    archive.objects[log] += gzip.compress(b'{"Records": [{"eventName": "Injected"}]}')
    failed = _only(_run(archive, tmp_path), "CT951", Status.FAIL)
    assert len(failed) == 1 and "after the end of the gzip stream" in failed[0].message


def test_truncated_log_file(archive: SignedArchive, tmp_path: Path) -> None:
    archive.objects[archive.logs[5]] = archive.objects[archive.logs[5]][:40]
    failed = _only(_run(archive, tmp_path), "CT951", Status.FAIL)
    assert len(failed) == 1 and "truncated" in failed[0].message


def test_missing_log_file(archive: SignedArchive, tmp_path: Path) -> None:
    del archive.objects[archive.logs[4]]
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT952", Status.FAIL)
    assert [f.file for f in failed] == [str(tmp_path / "copy" / archive.logs[4])]
    assert _results(outcome)[("CT951", "FAIL")] == 0


def test_extra_log_file_inside_the_chain_fails_and_outside_is_unknown(archive: SignedArchive, tmp_path: Path) -> None:
    injected = archive.add_log(T0 + timedelta(hours=2, minutes=30))
    before = [archive.add_log(T0 - timedelta(days=2, minutes=m)) for m in (10, 20, 30)]
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT953", Status.FAIL)
    assert [f.file for f in failed] == [str(tmp_path / "copy" / injected)]
    unknown = _only(outcome, "CT953", Status.UNKNOWN)
    assert len(unknown) == 1 and unknown[0].message.startswith("3 log files of 111122223333 us-east-2")
    assert unknown[0].file.endswith(tuple(before))


def test_deleted_digest_is_reported_and_the_walk_goes_on(archive: SignedArchive, tmp_path: Path) -> None:
    deleted = archive.digests[3]
    del archive.objects[deleted]
    outcome = _run(archive, tmp_path, sidecars="all")
    failed = _only(outcome, "CT954", Status.FAIL)
    assert [f.file for f in failed] == [str(tmp_path / "copy" / deleted)]
    assert _results(outcome)[("CT955", "PASS")] == 5  # older digests verified with their own signatures
    # Its log files are listed by nothing now, inside the time the chain covers.
    assert len(_only(outcome, "CT953", Status.FAIL)) == 2


def test_deleted_digest_without_older_signatures_leaves_the_older_one_unknown(
    archive: SignedArchive, tmp_path: Path
) -> None:
    del archive.objects[archive.digests[3]]
    outcome = _run(archive, tmp_path, sidecars="newest")
    assert [f.file.endswith(archive.digests[2]) for f in _only(outcome, "CT955", Status.UNKNOWN)] == [True]
    assert _results(outcome)[("CT955", "PASS")] == 4


def test_modified_digest_fails_its_signature_and_breaks_the_chain(archive: SignedArchive, tmp_path: Path) -> None:
    target = archive.digests[2]
    body = archive.digest_json(target)
    body["logFiles"] = body["logFiles"][:1]  # hide a log file
    archive.put_digest_json(target, body)
    outcome = _run(archive, tmp_path, sidecars="all")
    assert [f.file.endswith(target) for f in _only(outcome, "CT955", Status.FAIL)] == [True]
    broken = _only(outcome, "CT956", Status.FAIL)
    assert len(broken) == 1 and broken[0].file.endswith(target) and "SHA-256" in broken[0].message
    assert len(_only(outcome, "CT953", Status.FAIL)) == 1  # the hidden log file is now extra


def test_digest_replaced_and_resigned_with_a_valid_key_breaks_the_chain(archive: SignedArchive, tmp_path: Path) -> None:
    target = archive.digests[2]
    body = archive.digest_json(target)
    body["logFiles"] = []
    archive.put_digest_json(target, body, resign_with=archive.signer)  # even with CloudTrail's own key
    outcome = _run(archive, tmp_path, sidecars="all")
    broken = _only(outcome, "CT956", Status.FAIL)
    assert {f.message.split(" ")[2] for f in broken} >= {"SHA-256"}
    assert any("signature (object metadata)" in f.message for f in broken)
    assert all(f.file.endswith(target) for f in broken)


def test_digest_forged_with_another_key_is_key_not_found(archive: SignedArchive, tmp_path: Path) -> None:
    target = archive.digests[-1]
    forger = key_pair(1)
    body = archive.digest_json(target)
    body["digestPublicKeyFingerprint"] = "0" * 32
    archive.put_digest_json(target, body, resign_with=forger)
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT958", Status.FAIL)
    assert len(failed) == 1 and "fingerprint " + "0" * 32 in failed[0].message


def test_signature_of_another_file_fails(archive: SignedArchive, tmp_path: Path) -> None:
    archive.signatures[archive.digests[-1]] = archive.signatures[archive.digests[-2]]
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT955", Status.FAIL)
    assert len(failed) == 1 and "signature verification failed" in failed[0].message


def test_moved_digest(archive: SignedArchive, tmp_path: Path) -> None:
    old = archive.digests[-1]
    new = old.replace("my_trail-1", "my_trail-2")
    archive.objects[new] = archive.objects.pop(old)
    archive.signatures[new] = archive.signatures.pop(old)
    archive.digests[-1] = new
    outcome = _run(archive, tmp_path)
    failed = _only(outcome, "CT955", Status.FAIL)
    assert len(failed) == 1 and "moved from its original location" in failed[0].message


def test_wrong_bucket_is_moved(archive: SignedArchive, tmp_path: Path) -> None:
    outcome = _run(archive, tmp_path, bucket="another-bucket")
    assert _results(outcome)[("CT955", "FAIL")] == 6


def test_gap_between_chains(tmp_path: Path) -> None:
    a = SignedArchive()
    a.add_hours(3)
    a.add_hours(2, start=T0 + timedelta(hours=10), new_chain=True)
    outcome = _run(a, tmp_path, sidecars="newest")
    gaps = _only(outcome, "CT957", Status.FAIL)
    assert len(gaps) == 1 and "2026-03-01T03:05:17Z to 2026-03-01T10:05:17Z" in gaps[0].message
    # The older chain's newest digest has no successor: its signature is needed from outside.
    assert _results(outcome) == Counter({("CT955", "PASS"): 4, ("CT955", "UNKNOWN"): 1, ("CT957", "FAIL"): 1})


def test_extra_digest_no_chain_reaches(archive: SignedArchive, tmp_path: Path) -> None:
    # A digest inserted between two chained ones (validly signed) is skipped by the walk.
    a = SignedArchive()
    a.add_hours(3)
    stray = a.add_digest(T0 + timedelta(hours=1, minutes=30), T0 + timedelta(hours=1, minutes=31), [])
    a.digests.remove(stray)
    a._previous = (a.digests[-1], gzip.decompress(a.objects[a.digests[-1]]), a.signatures[a.digests[-1]])
    a.add_hours(1, start=T0 + timedelta(hours=3))
    outcome = _run(a, tmp_path)
    failed = _only(outcome, "CT953", Status.FAIL)
    assert [f.file.endswith(stray) for f in failed] == [True]


def test_backfill_digest_is_verified_on_its_own(archive: SignedArchive, tmp_path: Path) -> None:
    late = archive.add_log(T0 + timedelta(hours=2, minutes=44))
    archive.add_digest(T0 + timedelta(hours=3), T0 + timedelta(hours=4), [late], backfill=True)
    outcome = _run(archive, tmp_path, sidecars="all")
    assert _results(outcome) == Counter({("CT955", "PASS"): 7})


def test_time_window(archive: SignedArchive, tmp_path: Path) -> None:
    window = Window(T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    outcome = _run(archive, tmp_path, sidecars="all", window=window)
    # Digests ending 02:05 (it starts before the window) to 04:05 (an hour after its end, as the CLI reads).
    assert _results(outcome) == Counter({("CT955", "PASS"): 3})


def test_time_window_on_a_copy_with_only_the_newest_signature(archive: SignedArchive, tmp_path: Path) -> None:
    # The window's newest digest is checked with the signature the next (newer) digest records.
    window = Window(T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    outcome = _run(archive, tmp_path, sidecars="newest", window=window)
    assert _results(outcome) == Counter({("CT955", "PASS"): 3})
    # A deleted digest after the window is not this window's business; one inside it is.
    del archive.objects[archive.digests[5]]
    assert _results(_run(archive, tmp_path / "b", sidecars="newest", window=window)) == Counter({("CT955", "PASS"): 3})
    del archive.objects[archive.digests[3]]
    outcome = _run(archive, tmp_path / "c", sidecars="newest", window=window)
    assert _results(outcome)[("CT954", "FAIL")] == 1


def test_prefix_dropped_by_the_copy_is_learnt(tmp_path: Path) -> None:
    a = SignedArchive(prefix="org/trails/")
    a.add_hours(3)
    root = a.write(tmp_path / "copy", drop_prefix=True)
    outcome = _verify(root, load_key_files([str(a.keys_file(tmp_path / "k.json"))]), bucket=a.bucket)
    assert _results(outcome) == Counter({("CT955", "PASS"): 3})
    root2 = a.write(tmp_path / "whole")  # a copy of the bucket root keeps the prefix as folders
    assert _results(_verify(root2, load_key_files([str(tmp_path / "k.json")]))) == Counter({("CT955", "PASS"): 3})


def test_unreadable_log_file_is_an_error(archive: SignedArchive, tmp_path: Path) -> None:
    root = archive.write(tmp_path / "copy")
    path = root / archive.logs[2]
    path.unlink()
    path.mkdir()  # a directory where the file should be: open() fails with an OSError, not "missing"
    outcome = _verify(root, load_key_files([str(archive.keys_file(tmp_path / "k.json"))]))
    errors = _only(outcome, "CT001", Status.ERROR)
    assert len(errors) == 1 and errors[0].file == str(path)


def test_fifo_and_device_in_place_of_a_log_file_do_not_hang(archive: SignedArchive, tmp_path: Path) -> None:
    import os

    root = archive.write(tmp_path / "copy")
    (root / archive.logs[0]).unlink()
    os.mkfifo(root / archive.logs[0])
    (root / archive.logs[1]).unlink()
    (root / archive.logs[1]).symlink_to("/dev/zero")
    outcome = _verify(root, load_key_files([str(archive.keys_file(tmp_path / "k.json"))]))
    errors = _only(outcome, "CT001", Status.ERROR)
    assert sorted(f.file for f in errors) == sorted(str(root / k) for k in archive.logs[:2])
    assert all("not a regular file" in f.message for f in errors)


def test_gzip_bomb_digest_is_invalid_format(archive: SignedArchive, tmp_path: Path) -> None:
    import zlib

    bomb = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    archive.objects[archive.digests[1]] = bomb.compress(b"\0" * (80 << 20)) + bomb.flush()
    failed = _only(_run(archive, tmp_path, sidecars="all"), "CT955", Status.FAIL)
    assert len(failed) == 1 and "inflates beyond" in failed[0].message


def test_invalid_digest_format(archive: SignedArchive, tmp_path: Path) -> None:
    archive.objects[archive.digests[1]] = b"not gzip"
    outcome = _run(archive, tmp_path, sidecars="all")
    failed = _only(outcome, "CT955", Status.FAIL)
    assert len(failed) == 1 and "invalid format" in failed[0].message


# -- the command --------------------------------------------------------------------------------


def _cli(tmp_path: Path, archive: SignedArchive, *extra: str) -> int:
    root = archive.write(tmp_path / "copy")
    keys = archive.keys_file(tmp_path / "keys.json")
    return main(["verify", str(root), "--public-keys", str(keys), "--no-config", *extra])


def test_exit_codes(archive: SignedArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(tmp_path / "a", archive) == 0
    del archive.objects[archive.logs[0]]
    assert _cli(tmp_path / "b", archive) == 1
    assert "CT952" in capsys.readouterr().out


def test_exit_code_3_when_unreadable(archive: SignedArchive, tmp_path: Path) -> None:
    root = archive.write(tmp_path / "copy")
    (root / archive.logs[0]).unlink()
    (root / archive.logs[0]).mkdir()
    keys = archive.keys_file(tmp_path / "keys.json")
    assert main(["verify", str(root), "--public-keys", str(keys), "--no-config"]) == 3


def test_strict_turns_unknown_into_failure(archive: SignedArchive, tmp_path: Path) -> None:
    root = archive.write(tmp_path / "copy", sidecars="none")
    keys = archive.keys_file(tmp_path / "keys.json")
    assert main(["verify", str(root), "--public-keys", str(keys), "--no-config"]) == 0
    assert main(["verify", str(root), "--public-keys", str(keys), "--no-config", "--strict"]) == 1


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github", "markdown", "text"])
def test_every_format_renders(
    fmt: str, archive: SignedArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive.objects[archive.logs[1]] = gzip.compress(b"{}")
    assert _cli(tmp_path, archive, "--format", fmt) == 1
    out = capsys.readouterr().out
    assert "CT951" in out
    if fmt == "json":
        doc = json.loads(out)
        assert [f["rule_id"] for f in doc["findings"] if f["status"] == "FAIL"] == ["CT951"]
    if fmt == "sarif":
        rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
        rule = next(r for r in rules if r["id"] == "CT951")
        assert "SHA-256" in rule["shortDescription"]["text"] and rule["helpUri"].endswith("/docs/verify.md")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--start-time", "yesterday"], "is not a time"),
        (["--start-time", "2026-03-02T00:00:00Z", "--end-time", "2026-03-01T00:00:00Z"], "must not be after"),
        (["--jobs", "0"], "at least 1"),
    ],
)
def test_usage_errors(
    argv: list[str], message: str, archive: SignedArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(tmp_path, archive, *argv) == 2
    assert message in capsys.readouterr().err


def test_bad_key_file_and_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keys.json").write_text('{"Trails": []}')
    assert main(["verify", str(tmp_path), "--public-keys", str(tmp_path / "keys.json"), "--no-config"]) == 2
    assert "PublicKeyList" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "nope"), "--no-config"]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_explain_knows_the_verify_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "CT956"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("CT956 digest-chain-broken:") and "previous one" in page
    assert main(["explain", "public-key-not-found"]) == 0


def test_several_trails_regions_and_keys_in_one_archive(tmp_path: Path) -> None:
    east = SignedArchive(trail="a")
    east.add_hours(3)
    east2 = SignedArchive(trail="b", seed=8)  # a second trail writing to the same account and region
    east2.add_hours(2)
    west = SignedArchive(region="eu-west-1", trail="a", signer=key_pair(2), seed=9)
    west.add_hours(2)
    root = tmp_path / "copy"
    for a in (east, east2, west):
        a.write(root)
    keys = load_key_files(
        [str(east.keys_file(tmp_path / "east.json")), str(west.keys_file(tmp_path / "west.json", key_pair(2)))]
    )
    outcome = _verify(root, keys)
    assert _results(outcome) == Counter({("CT955", "PASS"): 7})
    assert {f.resource for f in outcome.findings} == {
        "111122223333/us-east-2/a",
        "111122223333/us-east-2/b",
        "111122223333/eu-west-1/a",
    }
    # Only the east keys: the west digests name a key nobody gave.
    outcome = _verify(root, load_key_files([str(tmp_path / "east.json")]))
    assert _results(outcome) == Counter({("CT955", "PASS"): 5, ("CT958", "FAIL"): 2})


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from ctguard.verify.progress import Progress, RichProgress, progress_for

    assert type(progress_for(io.StringIO())) is Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    bar = progress_for(Tty())
    assert isinstance(bar, RichProgress)
    bar.start(2)
    bar.advance()
    bar.stop()


def test_changed_successor_does_not_condemn_an_intact_digest(archive: SignedArchive, tmp_path: Path) -> None:
    # The newest digest (signature stored) is edited to record a wrong signature for its predecessor.
    newest = archive.digests[-1]
    body = archive.digest_json(newest)
    body["previousDigestSignature"] = archive.signatures[archive.digests[0]]
    archive.put_digest_json(newest, body)
    outcome = _run(archive, tmp_path, sidecars="newest")
    assert [f.file.endswith(newest) for f in _only(outcome, "CT955", Status.FAIL)] == [True]
    # Its predecessor's signature is known nowhere else now: unknown, not invalid.
    unknown = _only(outcome, "CT955", Status.UNKNOWN)
    assert [f.file.endswith(archive.digests[-2]) for f in unknown] == [True]
    assert not _only(outcome, "CT956", Status.FAIL)


def test_unproven_successor_with_a_wrong_record_is_a_broken_chain(archive: SignedArchive, tmp_path: Path) -> None:
    newest = archive.digests[-1]
    body = archive.digest_json(newest)
    body["previousDigestSignature"] = archive.signatures[archive.digests[0]]
    archive.put_digest_json(newest, body)
    outcome = _run(archive, tmp_path, sidecars="none")  # nothing proves the newest digest
    broken = _only(outcome, "CT956", Status.FAIL)
    assert [f.file.endswith(archive.digests[-2]) for f in broken] == [True]
    assert "this digest or its successor was changed" in broken[0].message


def test_symlinked_files_are_read_and_symlinked_directories_not_followed(
    archive: SignedArchive, tmp_path: Path
) -> None:
    root = archive.write(tmp_path / "copy")
    elsewhere = tmp_path / "elsewhere.json.gz"
    (root / archive.logs[0]).rename(elsewhere)
    (root / archive.logs[0]).symlink_to(elsewhere)
    (root / "AWSLogs" / "loop").symlink_to(root, target_is_directory=True)  # a cycle, never walked
    outcome = _verify(root, load_key_files([str(archive.keys_file(tmp_path / "k.json"))]))
    assert _results(outcome) == Counter({("CT955", "PASS"): 6})
