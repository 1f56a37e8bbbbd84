"""ctguard.iam.matching: the direct comparison of plain patterns agrees with the regex it spares."""

from __future__ import annotations

import itertools
import random

import pytest

from ctguard.iam.matching import _fullmatch, _plain, _regex, tokens_of

PATTERNS = [
    "s3:GetBucketAcl",
    "s3:*",
    "kms:GenerateDataKey*",
    "*",
    "arn:aws:s3:::bucket/AWSLogs/111122223333/*",
    "arn:aws:s3:::bucket",
    "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail:*",
    "arn:aws:*:eu-west-1:*:trail/x",
    "s3:Get?ucketAcl",
    "arn:aws:s3:::b?cket/*",
    "ſ3:GetObject",
    "K",
    "",
]
VALUES = [
    "s3:GetBucketAcl",
    "S3:getbucketacl",
    "s3:GetObject",
    "ſ3:GetObject",
    "s3:getobject",
    "\u212a",
    "k",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKey",
    "arn:aws:s3:::bucket/AWSLogs/111122223333/CloudTrail/x.json.gz",
    "arn:aws:s3:::bucket/AWSLogs/111122223333/",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket\nmore",
    "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail:log-stream:a",
    "arn:aws:cloudtrail:eu-west-1:1:trail/x",
    "",
]


@pytest.mark.parametrize("arn_segments", [False, True])
@pytest.mark.parametrize("ignore_case", [False, True])
def test_direct_comparison_agrees_with_the_regex(arn_segments: bool, ignore_case: bool) -> None:
    rng = random.Random(21)
    values = VALUES + ["".join(rng.choice("s3:*?Gk\u212aſ/\n") for _ in range(rng.randrange(6))) for _ in range(200)]
    for pattern, value in itertools.product(PATTERNS, values):
        tokens = tokens_of(pattern, {}, False)
        assert not isinstance(tokens, type(None))
        expected = _regex(tokens, arn_segments, ignore_case).fullmatch(value) is not None  # type: ignore[arg-type]
        assert _fullmatch(tokens, value, arn_segments, ignore_case) is expected, (pattern, value)  # type: ignore[arg-type]


def test_only_patterns_without_inner_wildcards_skip_the_regex() -> None:
    def plain(pattern: str) -> tuple[str, bool] | None:
        return _plain(tokens_of(pattern, {}, False))  # type: ignore[arg-type]

    assert plain("s3:GetObject") == ("s3:GetObject", False)
    assert plain("s3:*") == ("s3:", True)
    assert plain("*") == ("", True)
    assert plain("s3:Get*Acl") is None
    assert plain("s3:GetObjec?") is None
    assert plain("arn:aws:s3:::${aws:username}/*") == ("arn:aws:s3:::${aws:username}/", True)
