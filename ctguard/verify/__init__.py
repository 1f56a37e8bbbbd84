"""``ctguard verify``: CloudTrail log file integrity validation over a local archive or an S3 bucket.

Modules, one job each: ``names`` (what a digest or log file key says), ``archive`` (listing and
reading a local tree or an S3 bucket/prefix), ``digest`` (parsing a digest file and its string to
sign), ``keys`` (public keys from a saved ``list-public-keys`` answer or read live),
``signature`` (RSA SHA-256 checks), ``loghash`` (streamed SHA-256 of a log file's uncompressed
bytes), ``chain`` (walking each trail's digest chain), ``extras`` (files no digest lists),
``rules`` (the CT95x rule ids and their documentation), ``progress`` (the bar on a terminal),
``run`` (the whole verification).
The algorithm is AWS's "custom implementation of CloudTrail log file integrity validation";
docs/verify.md states how it is applied to a copy of the archive.
"""

from __future__ import annotations
