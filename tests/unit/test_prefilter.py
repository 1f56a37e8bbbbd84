"""The prefilter is conservative: no spelling the grammars allow hides a CloudTrail-related value.

Issue 22 bullet 6. Each generated document is first parsed by the parser ctguard uses for it
(so the spelling is real and means the value), then given to the prefilter, which must say yes.
The spellings cover the escapes of JSON, YAML double-quoted and HCL strings, YAML's quoting,
block and tag forms, escaped line breaks, HCL comments around labels and unquoted labels.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.parsers.prefilter import may_concern_cloudtrail, unescape
from ctguard.parsers.terraform.hcl import Block, parse_text
from ctguard.yamlload import load

CFN_TYPES = ["AWS::CloudTrail::Trail", "AWS::CloudTrail::EventDataStore"]
TF_TYPES = ["aws_cloudtrail", "aws_cloudtrail_event_data_store"]
VALUES = (
    CFN_TYPES
    + TF_TYPES
    + [
        "cloudtrail.amazonaws.com",
        "{ $.eventName = ConsoleLogin }",
        "aws.cloudtrail",
        "AWS API Call via CloudTrail",
        '{ ($.errorCode = "AccessDenied*") }',
    ]
)
EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True)


@st.composite
def escaped(draw: st.DrawFn, value: str, forms: tuple[str, ...]) -> str:
    """``value`` as the inside of a double-quoted string, each character perhaps escaped."""
    out = []
    for char in value:
        form = draw(st.sampled_from(("plain",) * 2 + forms))
        upper = draw(st.booleans())
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif form == "u":
            out.append(f"\\u{code:04X}" if upper else f"\\u{code:04x}")
        elif form == "U":
            out.append(f"\\U{code:08x}")
        elif form == "x":
            out.append(f"\\x{code:02x}")
        elif form == "break" and char != " ":  # YAML: an escaped line break and indentation vanish
            out.append("\\\n" + " " * draw(st.integers(4, 8)) + char)
        else:
            out.append(char)
    return "".join(out)


def strings(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {s for v in data.values() for s in strings(v)}
    if isinstance(data, list):
        return {s for v in data for s in strings(v)}
    return {data} if isinstance(data, str) else set()


def comment(kind: str) -> str:
    return {"none": "", "block": " /* trail */ ", "multi": " /* a\n  b */ "}[kind]


@given(st.data())
@EXAMPLES
def test_json_escapes(data: st.DataObject) -> None:
    value = data.draw(st.sampled_from(VALUES))
    body = data.draw(escaped(value, ("u",)))
    text = data.draw(
        st.sampled_from(
            (
                '{"Resources": {"T": {"Type": "%s"}}}',
                '{"resource": {"%s": {"main": {}}}}',
                '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "%s"}]}}}',
            )
        )
    )
    document = text % body
    assert value in strings(json.loads(document))  # the spelling means the value
    assert may_concern_cloudtrail(document)


@given(st.data())
@EXAMPLES
def test_yaml_scalar_styles(data: st.DataObject) -> None:
    value = data.draw(st.sampled_from(VALUES))
    style = data.draw(st.sampled_from(("plain", "single", "double", "folded", "literal")))
    tag = data.draw(st.sampled_from(("", "!!str ")))
    if style == "plain" and value[0] not in "{'\"":
        scalar = tag + value
    elif style == "single":
        scalar = tag + "'" + value.replace("'", "''") + "'"
    elif style in ("folded", "literal"):
        scalar = tag + (">-" if style == "folded" else "|-") + "\n      " + value
    else:
        scalar = tag + '"' + data.draw(escaped(value, ("u", "U", "x", "break"))) + '"'
    note = data.draw(st.sampled_from(("", "  # trail\n")))
    document = f"Resources:\n{note}  T:\n    Type: {scalar}\n"
    assert load(document).data["Resources"]["T"]["Type"] == value
    assert may_concern_cloudtrail(document)


@given(st.data())
@EXAMPLES
def test_hcl_labels_comments_and_escapes(data: st.DataObject) -> None:
    value = data.draw(st.sampled_from(TF_TYPES))
    if data.draw(st.booleans()):
        label = value  # HCL allows identifiers as labels
    else:
        label = '"' + data.draw(escaped(value, ("u", "U"))) + '"'
    c1, c2, c3 = (comment(data.draw(st.sampled_from(("none", "block", "multi")))) for _ in range(3))
    keyword = data.draw(st.sampled_from(("resource", "data")))
    document = f'{keyword}{c1 or " "}{label}{c2 or " "}"main"{c3 or " "}{{\n  name = "t" # x\n}}\n'
    body = parse_text("main.tf", document)
    assert isinstance(body.blocks[0], Block) and body.blocks[0].labels[0] == value, document
    assert may_concern_cloudtrail(document)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_unescape_never_loses_a_needle_written_literally(noise: str) -> None:
    for needle in ("cloudtrail", "$.eventName"):
        assert may_concern_cloudtrail(noise + needle + noise)


def test_unrelated_documents_are_skipped() -> None:
    """The test is not trivially true: a manifest, a workflow and a package.json are skipped."""
    for text in (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        "on: push\njobs:\n  build:\n    steps:\n      - run: make\n",
        '{"name": "web", "scripts": {"test": "jest \\u0041"}}',
        'resource "aws_s3_bucket" "site" {\n  bucket = "www"\n}\n',
    ):
        assert not may_concern_cloudtrail(text)


def test_unescape_reads_each_grammar() -> None:
    assert (
        unescape(
            r"Cloud\x54rail \u0041 \U00000042 \/ a\
       b"
        )
        == "CloudTrail A B / ab"
    )


def test_utf16_with_a_byte_order_mark_is_read_as_utf16() -> None:
    """Windows PowerShell 5 writes `>` redirections as UTF-16 LE with a BOM: its needles are
    NUL-interleaved, so a UTF-8 reading never found them and the file was skipped unseen."""
    from ctguard.parsers.prefilter import bytes_may_concern_cloudtrail

    text = 'resource "aws_cloudtrail" "t" {}\n'
    assert bytes_may_concern_cloudtrail(text.encode("utf-16"))  # BOM + little-endian
    assert bytes_may_concern_cloudtrail(b"\xfe\xff" + text.encode("utf-16-be"))
    assert bytes_may_concern_cloudtrail(text.encode("utf-16")[:-1])  # a head cut mid-character
    assert not bytes_may_concern_cloudtrail("kind: Deployment\n".encode("utf-16"))
