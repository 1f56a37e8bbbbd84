"""The pieces of the documented algorithm, one at a time, and flat memory."""

from __future__ import annotations

import gzip
import hashlib
import json
import tracemalloc
from io import BytesIO
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from signed_archive import SignedArchive, key_pair, public_der, sign

from ctguard.verify.archive import LocalArchive
from ctguard.verify.digest import DigestFormatError, parse_digest
from ctguard.verify.keys import load_key_files
from ctguard.verify.loghash import LogFormatError, hash_log
from ctguard.verify.names import parse_digest_key, parse_log_key
from ctguard.verify.run import Verifier, Window
from ctguard.verify.signature import SignatureCheck, check_signature

# The sample of the AWS CloudTrail User Guide ("CloudTrail digest file structure"), abridged.
SAMPLE = {
    "awsAccountId": "111122223333",
    "digestStartTime": "2015-08-17T14:01:31Z",
    "digestEndTime": "2015-08-17T15:01:31Z",
    "digestS3Bucket": "amzn-s3-demo-bucket",
    "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_"
    "us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
    "digestPublicKeyFingerprint": "31e8b5433410dfb61a9dc45cc65b22ff",
    "digestSignatureAlgorithm": "SHA256withRSA",
    "previousDigestS3Bucket": None,
    "previousDigestS3Object": None,
    "previousDigestHashValue": None,
    "previousDigestHashAlgorithm": None,
    "previousDigestSignature": None,
    "logFiles": [],
}


def test_string_to_sign_is_the_documented_one() -> None:
    raw = json.dumps(SAMPLE).encode()
    digest = parse_digest(gzip.compress(raw))
    expected = (
        "2015-08-17T15:01:31Z\namzn-s3-demo-bucket/"
        + SAMPLE["digestS3Object"]
        + "\n"
        + hashlib.sha256(raw).hexdigest()
        + "\nnull"
    )
    assert digest.string_to_sign() == expected.encode()
    chained = parse_digest(gzip.compress(json.dumps({**SAMPLE, "previousDigestSignature": "ab12"}).encode()))
    assert chained.string_to_sign().endswith(b"\nab12")


def test_signature_check_against_an_independent_signer() -> None:
    key = key_pair()
    raw = json.dumps(SAMPLE).encode()
    signature = sign(key, SAMPLE["digestEndTime"], SAMPLE["digestS3Bucket"], SAMPLE["digestS3Object"], raw, None)
    digest = parse_digest(gzip.compress(raw))
    assert check_signature(digest, signature, public_der(key)) is SignatureCheck.VALID
    assert check_signature(digest, signature, public_der(key_pair(1))) is SignatureCheck.INVALID
    assert check_signature(digest, "zz", public_der(key)) is SignatureCheck.BAD_SIGNATURE
    assert check_signature(digest, signature, b"not a key") is SignatureCheck.BAD_KEY


@pytest.mark.parametrize(
    "raw, why",
    [
        (b"plain", "not gzip"),
        (gzip.compress(b"[1]"), "not a JSON object"),
        (
            gzip.compress(json.dumps({k: v for k, v in SAMPLE.items() if k != "digestEndTime"}).encode()),
            "missing digestEndTime",
        ),
        (gzip.compress(json.dumps({**SAMPLE, "digestEndTime": "soon"}).encode()), "not a time"),
        (gzip.compress(json.dumps({**SAMPLE, "logFiles": [{"s3Bucket": "b"}]}).encode()), "s3Object"),
    ],
)
def test_digest_format_errors(raw: bytes, why: str) -> None:
    with pytest.raises(DigestFormatError, match=why):
        parse_digest(raw)


def test_log_hash_is_over_the_uncompressed_bytes() -> None:
    content = b'{"Records": []}' * 1000
    assert hash_log(BytesIO(gzip.compress(content))).sha256 == hashlib.sha256(content).hexdigest()
    for bad in (b"", b"\x1f\x8b\x08\x00", gzip.compress(content) + b"x", b"not gzip at all"):
        with pytest.raises(LogFormatError):
            hash_log(BytesIO(bad))


def test_key_names() -> None:
    d = parse_digest_key(
        "p/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/eu-west-1/2026/03/01/111122223333_"
        "CloudTrail-Digest_eu-west-1_org_trail_x_us-east-1_20260301T010517Z_backfill.json.gz"
    )
    assert d is not None and (d.location.prefix, d.location.org, d.trail, d.home_region, d.backfill) == (
        "p/",
        "o-abc123",
        "org_trail_x",
        "us-east-1",
        True,
    )
    log = parse_log_key(
        "AWSLogs/111122223333/CloudTrail/us-gov-west-1/2026/03/01/111122223333_CloudTrail_"
        "us-gov-west-1_20260301T0105Z_AbC123.json.gz"
    )
    assert log is not None and log.location.region == "us-gov-west-1" and log.time.hour == 1
    assert parse_digest_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/x.json.gz") is None


def _peak(tmp_path: Path, files: int, events: int) -> int:
    archive = SignedArchive()
    archive.add_hours(max(1, files // 20), logs_per_hour=min(20, files), events=events)
    root = archive.write(tmp_path / f"copy-{files}-{events}")
    keys = load_key_files([str(archive.keys_file(tmp_path / "k.json"))])
    tracemalloc.start()
    try:
        outcome = Verifier(LocalArchive(str(root)), keys, Window(), jobs=1).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.stats.logs_valid == files
    return peak


def test_memory_does_not_grow_with_log_file_size(tmp_path: Path) -> None:
    small, large = _peak(tmp_path, 3, 10), _peak(tmp_path, 3, 6000)  # ~4 KB vs ~2 MB per uncompressed log
    assert large - small < 1_000_000  # a read and an inflate buffer, not a whole file (2 MB)


def test_memory_per_log_file_is_a_few_bytes(tmp_path: Path) -> None:
    few, many = _peak(tmp_path, 100, 5), _peak(tmp_path, 800, 5)
    # 700 more log files and 35 more digests: the 8-byte key hashes and one record per digest.
    assert (many - few) / 700 < 400
