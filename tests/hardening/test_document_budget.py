"""A policy document larger than AWS accepts is CT002 at its attribute, left Unknown, and the
rest of the input is checked, whatever the input kind (issue 22 bullet 3, issue 17 bullet 4).

Evaluating a document's statements against every request the bucket checks make cost 9 s for
1 MB of statements; no deployable policy is over 32 KB (``engine/shape.py`` ``MAX_DOCUMENT``)."""

from __future__ import annotations

import json
from pathlib import Path

from ctguard.api import check
from ctguard.engine.shape import MAX_DOCUMENT
from ctguard.findings import Status
from ctguard.parsers.context import ParseContext

CONTEXT = ParseContext(account_id="111122223333", region="eu-west-1")


def _document(statements: int) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"s{i}",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::logs/p{i}/*",
            }
            for i in range(statements)
        ],
    }


def _module(root: Path, statements: int, indent: int = 0) -> None:
    document = _document(statements)
    (root / "main.tf").write_text(
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = aws_s3_bucket.b.id\n'
        "  enable_logging = true\n}\n"
        'resource "aws_s3_bucket" "b" {\n  bucket = "logs"\n}\n'
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.b.id\n'
        f"  policy = <<EOF\n{json.dumps(document, indent=indent or None)}\nEOF\n}}\n"
    )


def _size(statements: int) -> int:
    return len(json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": f"s{i}"} for i in range(statements)]}))


def test_a_document_over_the_limit_is_ct002_at_its_line_and_unknown(tmp_path: Path) -> None:
    _module(tmp_path, 400)
    report = check([tmp_path], context=CONTEXT)
    [note] = [f for f in report.findings if f.rule_id == "CT002"]
    assert note.line == 11 and note.file.endswith("main.tf")
    assert note.message.startswith("policy is a JSON document of") and f"{MAX_DOCUMENT:,}" in note.message
    delivery = [f for f in report.findings if f.rule_id == "CT402"]
    assert [f.status for f in delivery] == [Status.UNKNOWN]  # never a PASS on a policy not read
    # the rest is checked: the trail's own settings are judged
    assert any(f.rule_id == "CT101" and f.status is not Status.UNKNOWN for f in report.findings)
    assert report.exit_code() == 1


def test_whitespace_does_not_count_against_the_limit(tmp_path: Path) -> None:
    # Indented, the text is over the limit; written as AWS counts it, it is under: it is read.
    statements = 150
    _module(tmp_path, statements, indent=8)
    assert len((tmp_path / "main.tf").read_text()) > MAX_DOCUMENT > 2 * _size(statements)
    report = check([tmp_path], context=CONTEXT)
    assert not [f for f in report.findings if f.rule_id == "CT002"]
    [delivery] = [f for f in report.findings if f.rule_id == "CT402"]
    assert "JSON document" not in delivery.message


def test_a_cloudformation_document_over_the_limit_is_ct002_too(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}},
            "P": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": _document(400)},
            },
            "T": {
                "Type": "AWS::CloudTrail::Trail",
                "Properties": {"IsLogging": True, "S3BucketName": {"Ref": "B"}},
            },
        }
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template, indent=1))
    report = check([path], context=CONTEXT)
    [note] = [f for f in report.findings if f.rule_id == "CT002"]
    assert note.message.startswith("policy is a JSON document of") and note.line > 1
    assert [f.status for f in report.findings if f.rule_id == "CT402"] == [Status.UNKNOWN]
