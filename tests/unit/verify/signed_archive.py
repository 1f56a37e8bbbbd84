"""Real signed CloudTrail archives for tests and bench/verify.py, built from the documented algorithm.

This module deliberately shares no code with ``ctguard.verify``: it writes digest files as the
AWS CloudTrail User Guide describes them ("CloudTrail digest file structure", "Custom
implementations of CloudTrail log file integrity validation") and signs them with a key pair made
here, so that the verifier is checked against the documentation, not against itself.

* log file ``hashValue``: hex SHA-256 of the *uncompressed* log file;
* ``previousDigestHashValue``: hex SHA-256 of the previous digest file, uncompressed;
* string to sign: ``digestEndTime \\n digestS3Bucket/digestS3Object \\n hex SHA-256 of this digest
  uncompressed \\n previousDigestSignature`` (``null`` for the first digest of a chain);
* signature: RSA PKCS#1 v1.5 over SHA-256 of that string, hex, in the object metadata ``signature``;
* public key: DER PKCS#1 ``RSAPublicKey``, base64 in ``aws cloudtrail list-public-keys`` output.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

T0 = datetime(2026, 3, 1, 0, 5, 17, tzinfo=UTC)


@lru_cache(maxsize=4)
def key_pair(seed: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_der(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    return hashlib.md5(public_der(key)).hexdigest()  # a 32-hex-digit fingerprint, as AWS shows them


def list_public_keys_answer(*keys: rsa.RSAPrivateKey) -> dict[str, Any]:
    return {
        "PublicKeyList": [
            {
                "Value": base64.b64encode(public_der(k)).decode(),
                "ValidityStartTime": "2026-01-01T00:00:00Z",
                "ValidityEndTime": "2026-12-31T00:00:00Z",
                "Fingerprint": fingerprint(k),
            }
            for k in keys
        ]
    }


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(
    key: rsa.RSAPrivateKey,
    end_time: str,
    bucket: str,
    digest_key: str,
    uncompressed: bytes,
    previous_signature: str | None,
) -> str:
    text = "\n".join(
        [
            end_time,
            f"{bucket}/{digest_key}",
            hashlib.sha256(uncompressed).hexdigest(),
            previous_signature if previous_signature is not None else "null",
        ]
    )
    return key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()


def log_bytes(account: str, region: str, when: datetime, events: int, rng: random.Random) -> bytes:
    records = [
        {
            "eventVersion": "1.09",
            "eventTime": iso(when - timedelta(seconds=rng.randrange(300))),
            "eventSource": "s3.amazonaws.com",
            "eventName": rng.choice(["GetObject", "PutObject", "ListBuckets"]),
            "awsRegion": region,
            "sourceIPAddress": f"203.0.113.{rng.randrange(256)}",
            "userIdentity": {"type": "IAMUser", "accountId": account, "userName": f"user{rng.randrange(50)}"},
            "requestParameters": {"bucketName": "data", "key": f"k/{rng.getrandbits(64):016x}"},
            "eventID": f"{rng.getrandbits(128):032x}",
            "recipientAccountId": account,
        }
        for _ in range(events)
    ]
    return json.dumps({"Records": records}).encode()


@dataclass
class SignedArchive:
    """Objects by S3 key (compressed bytes) and the signature S3 would keep in each digest's metadata."""

    bucket: str = "amzn-s3-demo-bucket"
    prefix: str = ""  # "logs/" puts everything under logs/AWSLogs/...
    account: str = "111122223333"
    region: str = "us-east-2"
    trail: str = "my_trail-1"
    signer: rsa.RSAPrivateKey = field(default_factory=key_pair)
    objects: dict[str, bytes] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)
    digests: list[str] = field(default_factory=list)  # digest keys, oldest first
    logs: list[str] = field(default_factory=list)
    seed: int = 7

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._previous: tuple[str, bytes, str] | None = None  # key, uncompressed bytes, signature

    def base(self, kind: str, when: datetime) -> str:
        return f"{self.prefix}AWSLogs/{self.account}/{kind}/{self.region}/{when:%Y/%m/%d}/"

    def add_log(self, when: datetime, events: int = 3) -> str:
        key = (
            self.base("CloudTrail", when) + f"{self.account}_CloudTrail_{self.region}_{when:%Y%m%dT%H%MZ}_"
            f"{self._rng.getrandbits(64):016X}.json.gz"
        )
        self.objects[key] = gzip.compress(log_bytes(self.account, self.region, when, events, self._rng), mtime=0)
        self.logs.append(key)
        return key

    def add_hours(
        self, hours: int, logs_per_hour: int = 2, start: datetime = T0, events: int = 3, new_chain: bool = False
    ) -> None:
        if new_chain:
            self._previous = None
        for h in range(hours):
            begin = start + timedelta(hours=h)
            listed = [
                self.add_log(begin + timedelta(minutes=5 + 50 * i // max(logs_per_hour, 1)), events)
                for i in range(logs_per_hour)
            ]
            self.add_digest(begin, begin + timedelta(hours=1), listed)

    def add_digest(self, begin: datetime, end: datetime, listed: list[str], backfill: bool = False) -> str:
        key = (
            self.base("CloudTrail-Digest", end) + f"{self.account}_CloudTrail-Digest_{self.region}_{self.trail}_"
            f"{self.region}_{end:%Y%m%dT%H%M%SZ}{'_backfill' if backfill else ''}.json.gz"
        )
        previous = None if backfill else self._previous
        body = {
            "awsAccountId": self.account,
            "digestStartTime": iso(begin),
            "digestEndTime": iso(end),
            "digestS3Bucket": self.bucket,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": fingerprint(self.signer),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": iso(end - timedelta(minutes=3)),
            "oldestEventTime": iso(begin),
            "previousDigestS3Bucket": self.bucket if previous else None,
            "previousDigestS3Object": previous[0] if previous else None,
            "previousDigestHashValue": hashlib.sha256(previous[1]).hexdigest() if previous else None,
            "previousDigestHashAlgorithm": "SHA-256" if previous else None,
            "previousDigestSignature": previous[2] if previous else None,
            "logFiles": [
                {
                    "s3Bucket": self.bucket,
                    "s3Object": log,
                    "hashValue": hashlib.sha256(gzip.decompress(self.objects[log])).hexdigest(),
                    "hashAlgorithm": "SHA-256",
                    "newestEventTime": iso(end),
                    "oldestEventTime": iso(begin),
                }
                for log in listed
            ],
        }
        raw = json.dumps(body).encode()
        signature = sign(self.signer, iso(end), self.bucket, key, raw, previous[2] if previous else None)
        self.objects[key] = gzip.compress(raw, mtime=0)
        self.signatures[key] = signature
        self.digests.append(key)
        if not backfill:
            self._previous = (key, raw, signature)
        return key

    # -- tampering helpers --------------------------------------------------------------------
    def digest_json(self, key: str) -> dict[str, Any]:
        return json.loads(gzip.decompress(self.objects[key]))  # type: ignore[no-any-return]

    def put_digest_json(self, key: str, body: dict[str, Any], resign_with: rsa.RSAPrivateKey | None = None) -> None:
        raw = json.dumps(body).encode()
        self.objects[key] = gzip.compress(raw, mtime=0)
        if resign_with is not None:
            self.signatures[key] = sign(
                resign_with,
                body["digestEndTime"],
                body["digestS3Bucket"],
                body["digestS3Object"],
                raw,
                body["previousDigestSignature"],
            )

    # -- output -------------------------------------------------------------------------------
    def write(self, root: Path, sidecars: str = "newest", drop_prefix: bool = False) -> Path:
        """Files as `aws s3 sync` leaves them; ``sidecars``: "all", "newest" (of the chain) or "none"."""
        for key, data in self.objects.items():
            rel = key[len(self.prefix) :] if drop_prefix and key.startswith(self.prefix) else key
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        chosen = {"all": list(self.signatures), "newest": self.digests[-1:], "none": []}[sidecars]
        for key in chosen:
            if key in self.objects:
                rel = key[len(self.prefix) :] if drop_prefix and key.startswith(self.prefix) else key
                (root / (rel + ".sig")).write_text(self.signatures[key] + "\n", encoding="utf-8")
        return root

    def keys_file(self, path: Path, *keys: rsa.RSAPrivateKey) -> Path:
        path.write_text(json.dumps(list_public_keys_answer(*(keys or (self.signer,)))), encoding="utf-8")
        return path

    def upload(self, client: Any) -> None:
        client.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
        for key, data in self.objects.items():
            meta = (
                {"signature": self.signatures[key], "signature-algorithm": "SHA256withRSA"}
                if key in self.signatures
                else {}
            )
            client.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata=meta)
