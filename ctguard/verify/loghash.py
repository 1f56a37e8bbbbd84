"""SHA-256 of a log file's uncompressed content, streamed: CloudTrail hashes what it gzips.

Only one file's chunk is in memory at a time. Bytes after the end of the gzip stream count as a
modification: a reader that stops at the first gzip member (as ``aws cloudtrail validate-logs``
does) would hash the original content and miss records appended as a second member.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1 << 16  # CloudTrail log files are mostly far smaller; a large read buffer costs per call
OUT = 1 << 18  # inflated bytes per step: a 64 KiB chunk of JSON can inflate to a megabyte or more


class LogFormatError(ValueError):
    """Not a gzip file, truncated, or with bytes after the gzip stream."""


@dataclass(frozen=True, slots=True)
class LogHash:
    sha256: str
    compressed_bytes: int


def hash_log(stream: BinaryIO) -> LogHash:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    digest = hashlib.sha256()
    read = 0
    try:
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            if inflater.eof:
                raise LogFormatError("bytes after the end of the gzip stream")
            data = chunk
            while data and not inflater.eof:
                digest.update(inflater.decompress(data, OUT))
                data = inflater.unconsumed_tail
            if data:
                raise LogFormatError("bytes after the end of the gzip stream")
        digest.update(inflater.flush())
    except zlib.error as exc:
        raise LogFormatError(f"not a valid gzip file ({exc})") from None
    if not inflater.eof:
        raise LogFormatError("truncated gzip file" if read else "empty file")
    if inflater.unused_data:
        raise LogFormatError("bytes after the end of the gzip stream")
    return LogHash(digest.hexdigest(), read)
