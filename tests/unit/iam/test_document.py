"""ctguard.iam.document.normalize remembers what it normalised, by identity, within bounds."""

from __future__ import annotations

from ctguard.iam import document
from ctguard.iam.document import normalize


def _policy(sid: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "*",
            }
        ],
    }


def test_the_same_document_is_normalised_once_and_an_equal_one_alike() -> None:
    raw = _policy("a")
    first = normalize(raw)
    assert normalize(raw) is first
    other = normalize(_policy("a"))
    assert other == first and other is not first


def test_what_is_remembered_stays_bounded() -> None:
    kept = [_policy(str(i)) for i in range(document._REMEMBERED * 2)]
    for raw in kept:
        normalize(raw)
    assert len(document._NORMALIZED) <= document._REMEMBERED
    assert normalize(kept[0]).statements[0].sid == "0"  # forgotten, then normalised again
