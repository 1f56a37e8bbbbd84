"""Listing and reading an archive: a local copy of a bucket (an ``AWSLogs/`` tree) or an S3 bucket/prefix.

Keys are archive keys: the object key in a bucket, the path under the root in a local copy. A
copy made with ``aws s3 sync s3://bucket/prefix DIR`` drops the prefix; it is learnt from the
first digest file read (whose ``digestS3Object`` names its own
key) so that the keys digests list map back to files. S3 keeps a digest's signature in object
metadata, which a copy on disk loses: a local archive reads it from a sidecar file next to the
digest (``<digest>.sig``: the hex signature, or the saved ``aws s3api head-object`` answer).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

SIDECAR = ".sig"
DIGEST_MAX = 64 << 20  # digest files list an hour of log files: kilobytes, a few megabytes at most


class ObjectMissing(Exception):
    """The object is not there (deleted, or never copied)."""


class ObjectUnreadable(Exception):
    """The object may be there but could not be read (permissions, I/O, S3 errors)."""


class Archive(Protocol):
    name: str
    bucket: str | None  # None: a local copy whose bucket was not named (--bucket)

    def keys(self) -> Iterator[str]: ...
    def read_digest(self, key: str) -> tuple[bytes, str | None]: ...
    def open(self, key: str) -> BinaryIO: ...
    def display(self, key: str) -> str: ...
    def learn_prefix(self, key_in_archive: str, stated_key: str) -> str: ...
    def local_key(self, key: str) -> str | None: ...


class LocalArchive:
    """A directory holding ``AWSLogs/`` (or an ``AWSLogs`` directory itself)."""

    def __init__(self, path: str, bucket: str | None = None) -> None:
        root = Path(path)
        if root.name == "AWSLogs":
            root = root.parent
        self.root = root
        self._root = str(root) + os.sep  # string joins: a Path per file costs more than hashing a small one
        self.name = path
        self.bucket = bucket
        self._prefix: str | None = None

    def keys(self) -> Iterator[str]:
        """Every ``.json.gz`` under the root, in key order, as the prefix-relative path."""
        yield from self._walk(self.root, "")

    def _walk(self, directory: Path, rel: str) -> Iterator[str]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise ObjectUnreadable(f"{directory}: cannot list: {exc.strerror or exc}") from None
        for entry in entries:
            name = rel + entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), name + "/")
            elif entry.name.endswith(".json.gz"):
                # symlinked files count (reading follows them; a FIFO or device there is unreadable),
                # symlinked directories are not followed: no cycles, nothing outside the tree
                yield name

    def learn_prefix(self, key_in_archive: str, stated_key: str) -> str:
        """The S3 key of a file of this copy; the first digest read fixes the prefix the copy dropped."""
        if self._prefix is None:
            tail = "/" + key_in_archive
            self._prefix = stated_key[: -len(key_in_archive)] if stated_key.endswith(tail) else ""
        return self._prefix + key_in_archive

    def _path(self, key: str) -> str:
        return self._root + key

    def local_key(self, key: str) -> str | None:
        """The key in this copy of an S3 key a digest names; None when it lies outside the copied prefix."""
        prefix = self._prefix or ""
        return key[len(prefix) :] if key.startswith(prefix) else None

    def read_digest(self, key: str) -> tuple[bytes, str | None]:
        path = Path(self._path(key))
        data = _read(path)
        sidecar = path.with_name(path.name + SIDECAR)
        try:
            text = sidecar.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return data, None
        except (OSError, UnicodeDecodeError) as exc:
            raise ObjectUnreadable(f"{sidecar}: cannot read the signature: {exc}") from None
        return data, _signature_from_sidecar(text)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            _regular(path)
            return open(path, "rb")
        except FileNotFoundError:
            raise ObjectMissing(str(path)) from None
        except OSError as exc:
            raise ObjectUnreadable(f"{path}: {exc.strerror or exc}") from None

    def display(self, key: str) -> str:
        return self._path(key)


def _regular(path: str | Path) -> None:
    """A FIFO or a device where a file should be (a named pipe would block, /dev/zero never ends)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(0, "not a regular file")


def _read(path: Path) -> bytes:
    try:
        _regular(path)
        if path.stat().st_size > DIGEST_MAX:
            raise ObjectUnreadable(f"{path}: larger than {DIGEST_MAX >> 20} MiB, not a digest file")
        return path.read_bytes()
    except FileNotFoundError:
        raise ObjectMissing(str(path)) from None
    except OSError as exc:
        raise ObjectUnreadable(f"{path}: {exc.strerror or exc}") from None


def _signature_from_sidecar(text: str) -> str | None:
    """A hex signature, or the JSON ``aws s3api head-object`` prints (``Metadata.signature``)."""
    if not text.startswith("{"):
        return text or None
    try:
        answer: Any = json.loads(text)
    except ValueError:
        return None
    meta = answer.get("Metadata") if isinstance(answer, dict) else None
    value = meta.get("signature") if isinstance(meta, dict) else None
    return value if isinstance(value, str) and value else None


class S3Archive:
    """``s3://bucket/prefix`` through boto3; the signature comes from the object metadata."""

    def __init__(self, url: str, client: Any) -> None:
        bucket, _, prefix = url[len("s3://") :].partition("/")
        self.name = url
        self.bucket = bucket
        self.prefix = prefix
        self._client = client

    def keys(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith(".json.gz"):
                        yield key
        except (ClientError, BotoCoreError) as exc:
            raise ObjectUnreadable(f"s3://{self.bucket}/{self.prefix}: cannot list: {exc}") from None

    def learn_prefix(self, key_in_archive: str, stated_key: str) -> str:
        return key_in_archive

    def local_key(self, key: str) -> str | None:
        return key

    def _get(self, key: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ObjectMissing(self.display(key)) from None
            raise ObjectUnreadable(f"{self.display(key)}: {exc}") from None
        except BotoCoreError as exc:
            raise ObjectUnreadable(f"{self.display(key)}: {exc}") from None

    def read_digest(self, key: str) -> tuple[bytes, str | None]:
        from botocore.exceptions import BotoCoreError

        answer = self._get(key)
        if answer.get("ContentLength", 0) > DIGEST_MAX:
            raise ObjectUnreadable(f"{self.display(key)}: larger than {DIGEST_MAX >> 20} MiB, not a digest file")
        try:
            data = answer["Body"].read()
        except (BotoCoreError, OSError) as exc:
            raise ObjectUnreadable(f"{self.display(key)}: {exc}") from None
        signature = (answer.get("Metadata") or {}).get("signature")
        return data, signature or None

    def open(self, key: str) -> BinaryIO:
        return self._get(key)["Body"]  # type: ignore[no-any-return]

    def display(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
