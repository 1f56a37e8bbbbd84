"""``ctguard verify s3://bucket/prefix`` through real boto3 clients against moto on 127.0.0.1.

The archive is built and signed by tests/unit/verify/signed_archive.py; S3 keeps each digest's
signature in its object metadata, as CloudTrail delivers it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verify"))

from signed_archive import SignedArchive, list_public_keys_answer

from ctguard.cli import main


def _archive(proxy: Any, prefix: str = "") -> tuple[SignedArchive, Any]:
    import boto3

    archive = SignedArchive(prefix=prefix)
    archive.add_hours(4)
    s3 = boto3.client("s3", region_name="us-east-2")
    archive.upload(s3)
    return archive, s3


def _verify(tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[Any]]:
    code = main(["verify", source, "--no-config", "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)["findings"]


def test_intact_bucket_with_saved_keys(proxy: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive, _ = _archive(proxy, prefix="trails/")
    keys = archive.keys_file(tmp_path / "keys.json")
    code, findings = _verify(tmp_path, f"s3://{archive.bucket}/trails/", capsys, "--public-keys", str(keys))
    assert code == 0
    assert [(f["rule_id"], f["status"]) for f in findings] == [("CT955", "PASS")] * 4
    assert all(f["file"].startswith(f"s3://{archive.bucket}/trails/AWSLogs/") for f in findings)


def test_live_public_keys(proxy: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive, _ = _archive(proxy)
    proxy.add("ListPublicKeys", "stub", body=list_public_keys_answer(archive.signer))
    code, findings = _verify(tmp_path, f"s3://{archive.bucket}", capsys, "--live-keys")
    assert code == 0 and {f["status"] for f in findings} == {"PASS"}
    assert proxy.count("ListPublicKeys") == 1  # one region verified, asked once


def test_tampered_bucket(proxy: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive, s3 = _archive(proxy)
    s3.delete_object(Bucket=archive.bucket, Key=archive.logs[1])
    s3.put_object(Bucket=archive.bucket, Key=archive.logs[2], Body=b"\x1f\x8b not really")
    newest = archive.digests[-1]
    s3.copy_object(
        Bucket=archive.bucket,
        Key=newest,
        CopySource={"Bucket": archive.bucket, "Key": newest},
        Metadata={"signature": archive.signatures[archive.digests[0]]},
        MetadataDirective="REPLACE",
    )
    keys = archive.keys_file(tmp_path / "keys.json")
    code, findings = _verify(tmp_path, f"s3://{archive.bucket}", capsys, "--public-keys", str(keys))
    assert code == 1
    failed = sorted((f["rule_id"], f["file"].rsplit("/", 1)[-1]) for f in findings if f["status"] == "FAIL")
    assert failed == sorted(
        [
            ("CT952", archive.logs[1].rsplit("/", 1)[-1]),
            ("CT951", archive.logs[2].rsplit("/", 1)[-1]),
            ("CT955", newest.rsplit("/", 1)[-1]),
        ]
    )
    # The older digests are intact: their metadata signatures are the ones their successors record.
    assert sum(1 for f in findings if f["rule_id"] == "CT955" and f["status"] == "PASS") == 3


def test_denied_read_is_exit_3(proxy: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive, _ = _archive(proxy)
    # The proxy names no operation for a plain object GET: match it by service and path.
    proxy.add("", "denied", service="s3", path_contains=archive.logs[0].rsplit("/", 1)[-1])
    keys = archive.keys_file(tmp_path / "keys.json")
    code, findings = _verify(tmp_path, f"s3://{archive.bucket}", capsys, "--public-keys", str(keys))
    assert code == 3
    errors = [f for f in findings if f["status"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["rule_id"] == "CT001" and "AccessDenied" in errors[0]["message"]
