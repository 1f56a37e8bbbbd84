"""Table-driven tests of the CloudWatch Logs filter pattern parser and evaluator.

Sources, cited per case by tag:
  [FPS]   awsdocs/amazon-cloudwatch-logs-user-guide@doc_source/FilterAndPatternSyntax.md
          ("Filter and Pattern Syntax", docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
          FilterAndPatternSyntax.html)
  [JSONP] "Using filter patterns to match terms in JSON log events",
          docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html
  [REGEX] "Supported regular expressions (regex) syntax",
          docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html
  [CDK]   aws/aws-cdk@packages/aws-cdk-lib/aws-logs/lib/pattern.ts (FilterPattern factories)
  [AZUL]  github.com/DataBiosphere/azul/issues/5884 (!= on a missing field, console test tool)
  [LS]    Lightsail GetContainerLog filterPattern doc ("-ERROR", "" = all events),
          docs.aws.amazon.com/sdk-for-kotlin/api/latest/lightsail/.../filter-pattern.html
  [API]   API_MetricFilter: "filterPattern ... Maximum length of 1024"
  [CIS]   CIS AWS Foundations Benchmark pattern texts as quoted by prowler-cloud/prowler tests
          and cloudsploit (see ctguard/data/cis_monitoring.json)
"""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.monitoring.filter_pattern import (
    FilterPattern,
    FilterPatternError,
    parse_filter_pattern,
    record_as_log_line,
)

# The example document of [FPS] "JSON Metric Filter Examples".
DOC1 = {
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "ThisFlag": True,
}
# The example document of [FPS] "JSON Compound Conditions".
DOC2 = {
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
}
APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 404 4355',
]

CASES = [
    # --- JSON selectors and values -------------------------------------------------------
    ('{ $.eventType = "UpdateTrail" }', DOC1, True),  # [FPS] "The following filters would match"
    (
        "{ $.eventType = UpdateTrail }",
        DOC1,
        True,
    ),  # [FPS] "Strings that consist entirely of alphanumeric characters do not need to be quoted"
    ('{ $.eventType = "updatetrail" }', DOC1, False),  # [FPS] "Metric filters are case sensitive"
    ("{ $.sourceIPAddress != 123.123.* }", DOC1, True),  # [FPS]/[JSONP] outside the 123.123 prefix
    ("{ $.sourceIPAddress != 111.111.* }", DOC1, False),  # [FPS] same example, inside the prefix
    ('{ $.arrayKey[0] = "value" }', DOC1, True),  # [FPS] first entry of arrayKey
    ('{ $.arrayKey[1] = "value" }', DOC1, False),  # [FPS] array index selects one element
    ('{ $.eventType[0] = "UpdateTrail" }', DOC1, False),  # [FPS] "If arrayKey is not an array this will be false"
    ("{ $.objectList[1].id = 2 }", DOC1, True),  # [FPS] second entry's id
    ("{ $.objectList[5].id = 2 }", DOC1, False),  # [FPS] "do not have an id property, this will be false"
    ("{ $.SomeObject IS NULL }", DOC1, True),  # [FPS] IS NULL example
    ("{ $.eventType IS NULL }", DOC1, False),  # [FPS] "only be true is the specified object is set to null"
    ("{ $.Missing IS NULL }", DOC1, False),  # [FPS] same sentence: a missing field is not set to null
    ("{ $.SomeOtherObject NOT EXISTS }", DOC1, True),  # [FPS] NOT EXISTS example
    ("{ $.eventType NOT EXISTS }", DOC1, False),  # [FPS] "only be true if specified object does not exist"
    ("{ $.ThisFlag IS TRUE }", DOC1, True),  # [FPS] IS TRUE example
    ("{ $.ThisFlag IS FALSE }", DOC1, False),  # [FPS] "also works for boolean filters which check for FALSE"
    (
        "{ $.eventType IS TRUE }",
        DOC1,
        False,
    ),  # [CDK] booleanValue: "matches if the field exists and equals the boolean value"
    ("{ $.eventType = * }", DOC1, True),  # [CDK] exists(): "a readable convenience wrapper over 'field = *'"
    ("{ $.latency = * }", DOC1, False),  # [FPS] "{ $.latency = * }" publishes only events that have latency
    ("{ $.eventType = *Trail }", DOC1, True),  # [FPS] "*Event will match PutEvent and GetEvent"
    ("{ $.eventType = Update* }", DOC1, True),  # [FPS] "Event* will match EventId and EventName"
    ("{ $.eventType = *dateTr* }", DOC1, True),  # [FPS] wildcard "at, before, or after a search term"
    ("{ $.eventType = Upd*Trail }", DOC1, False),  # [FPS] "Ev*ent will only match the actual string Ev*ent"
    ("{ $.eventType = Upd*Trail }", {"eventType": "Upd*Trail"}, True),  # [FPS] same sentence, literal star
    ("{ $.users = 1 }", {"users": [1, 2, 3]}, False),  # [FPS] JSON Special Considerations: array selector
    ("{ $.users != 1 }", {"users": [1, 2, 3]}, False),  # [FPS] "both ... will fail to match"
    # --- != on a missing field -----------------------------------------------------------
    (
        '{ ($.errorCode = "AccessDenied") && ($.userIdentity.invokedBy != "cloudfront.amazonaws.com") }',
        {"errorCode": "AccessDenied", "userIdentity": {"accountId": "anonymous"}},
        False,
    ),  # [AZUL] "Result: no match"
    (
        '{ ($.errorCode = "AccessDenied") && ($.userIdentity.invokedBy != "cloudfront.amazonaws.com") }',
        {"errorCode": "AccessDenied", "userIdentity": {"invokedBy": "s3.amazonaws.com"}},
        True,
    ),  # [AZUL] field present
    # --- compound conditions -------------------------------------------------------------
    (
        '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
        DOC2,
        True,
    ),  # [FPS] "Matches the JSON above"
    (
        '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
        DOC2,
        False,
    ),  # [FPS] "Doesn't match"
    (
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
        DOC2,
        True,
    ),  # [FPS] precedence && over ||
    (
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
        DOC2,
        False,
    ),  # [FPS] parentheses first
    ("{ $.coordinates[1][2] = 6 }", DOC2, True),  # [FPS] nested array index $.coordinates[0][1] form
    ("{$.foo = bar || $.foo = baz }", {"foo": "baz"}, True),  # [FPS] OR Pattern Matching in JSON filters
    ("{$.foo = bar}", {"foo": "baz"}, False),  # [FPS] same section, pattern 1 only
    # --- numeric comparisons -------------------------------------------------------------
    ("{ $.latency >= 500 }", {"latency": 500}, True),  # [FPS] Numeric Comparisons examples
    ("{ $.latency >= 500 }", {"latency": 499.9}, False),  # [FPS]
    ("{ $.numbers[0] < 10e3 }", {"numbers": [9999]}, True),  # [FPS] scientific notation
    ("{ $.numbers[0] < 10e-3 }", {"numbers": [0.5]}, False),  # [FPS]
    (
        "{ $.processes[4].averageRuntime <= 55.5 }",
        {"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]},
        True,
    ),  # [FPS]
    ("{ $.errorCode = 400 }", {"errorCode": 400}, True),  # [FPS]
    ("{ $.errorCode != 500 }", {"errorCode": 400}, True),  # [FPS]
    ("{ $.errorCode != 500 }", {"errorCode": 500}, False),  # [FPS]
    ("{ $.latency > +1000 }", {"latency": 1001}, True),  # [FPS] "optional + or - sign"
    ("{ $.latency > +1000 }", {"latency": "slow"}, False),  # [FPS] numeric filters need a number
    (
        "{ $.recipientAccountId = 123456789012 }",
        {"recipientAccountId": "123456789012"},
        True,
    ),  # [FPS] "the recipientAccountId is 123456789012"
    # --- regex ---------------------------------------------------------------------------
    (
        "{ $.message = %bind: address already in use% }",
        {"message": "error: bind: address already in use"},
        True,
    ),  # [CDK] regexValue example
    ("{ $.eventName = %^Delete.*Policy$% }", {"eventName": "DeleteRolePolicy"}, True),  # [REGEX] ^ and $ anchors
    ("{ $.eventName != %^Get% }", {"eventName": "GetPolicy"}, False),  # [CDK] regexValue "Either = or !="
    # --- CIS patterns on CloudTrail records ----------------------------------------------
    (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        {"errorCode": "Client.UnauthorizedOperation"},
        True,
    ),  # [CIS] v1.2 3.1
    (
        "{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }",
        {"eventName": "DescribeInstances", "sourceIPAddress": "10.0.0.1"},
        True,
    ),  # [CIS] v1.4/v3.0 4.1 over-match
    (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        {"userIdentity": {"type": "Root"}, "eventType": "AwsConsoleSignIn"},
        True,
    ),  # [CIS] 4.3
    # --- plain terms ---------------------------------------------------------------------
    ('"ERROR"', "[ERROR] A fatal exception has occurred", True),  # [FPS] Example 1
    ('"ERROR"', "Exiting with ERRORCODE: -1", True),  # [FPS] Example 1 (substring)
    ('"ERROR" - "Exiting"', "Exiting with ERRORCODE: -1", False),  # [FPS] Example 2
    ('"ERROR" - "Exiting"', "[ERROR] A fatal exception has occurred", True),  # [FPS] Example 2
    ('"ERROR Exception"', "[ERROR] Caught IllegalArgumentException", False),  # [FPS] quoted = one term
    ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", True),  # [FPS] Example 3
    ("Failed to process the request", "[WARN] Failed to process the request", True),  # [FPS] Example 3
    ("ERROR", "WARN message", False),  # [FPS] OR Pattern Matching: ERROR matches 1 and 2
    ("?ERROR ?WARN", "WARN message", True),  # [FPS] "?ERROR ?WARN matches examples 1, 2, and 3"
    ("ERROR WARN", "ERROR message", False),  # [FPS] "ERROR WARN only matches example 1"
    ("ERROR -WARN", "ERROR message", True),  # [FPS] "ERROR -WARN matches example 2"
    ("ERROR -WARN", "ERROR WARN message", False),  # [FPS] same
    ("-ERROR", "all good", True),  # [LS] "-ERROR" returns all other log events
    ("", "anything at all", True),  # [LS] a filter pattern of "" returns all log events
    ('?"ERROR" "MainThread" ?"WARN" "Deadlock"', "WARN Deadlock in pool", True),  # [CDK] anyTermGroup rendering
    ('?"ERROR" "MainThread" ?"WARN" "Deadlock"', "ERROR elsewhere", False),  # [CDK] group needs all its terms
    ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", True),  # [REGEX] example
    ("%^[hc]at%", "hat trick", True),  # [REGEX] "^: anchors the match to the beginning"
    ("%^[hc]at%", "that", False),  # [REGEX] same
    ("%a{3,5}%", "baaab", True),  # [REGEX] "{m, n}"
    # --- space-delimited -----------------------------------------------------------------
    ("[ip, user, username, timestamp, request, status_code, bytes]", APACHE[0], True),  # [FPS]
    ("[..., status_code, bytes]", APACHE[0], True),  # [FPS] ellipsis
    ("[ip, user, ...]", APACHE[0], True),  # [FPS] ellipsis
    ("[ip, user, username, timestamp, request, status_code, bytes > 1000]", APACHE[0], True),  # [FPS]
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", APACHE[1], False),  # [FPS]
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", APACHE[2], True),  # [FPS]
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", APACHE[2], True),  # [FPS]
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", APACHE[0], False),  # [FPS]
    (
        "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
        APACHE[2],
        True,
    ),  # [FPS] && in a field
    ("[w1=ERROR, w2]", "ERROR message", True),  # [FPS] OR in space-delimited filters
    ("[w1=ERROR || w1=WARN, w2]", "WARN message", True),  # [FPS]
    ("[w1=ERROR || w1=WARN, w2]", "ERROR WARN message", False),  # [FPS] three fields, two slots
    ("[..., request=*.html*, status_code=4*,]", APACHE[2], True),  # [FPS] extracted-fields example
]


@pytest.mark.parametrize(("pattern", "event", "expected"), CASES)
def test_documented_examples(pattern: str, event: dict | str, expected: bool) -> None:
    assert parse_filter_pattern(pattern).matches(event) is expected


ERRORS = [
    ('{ $.eventName = "x"', 20, "'}'"),  # [FPS] "must be enclosed in curly braces"
    ("{ $.eventName = }", 17, "value"),  # [FPS] { SELECTOR EQUALITY_OPERATOR STRING }
    ('{ eventName = "x" }', 3, "selector"),  # [FPS] "Property selectors always start with dollar sign"
    ("{ $.a[*] = 1 }", 6, "[NUMBER]"),  # [FPS] "Array elements are denoted with [NUMBER] syntax"
    ("{ $.a == 1 }", 8, "value"),  # [FPS] operators are =, !=, <, >, <=, >= ([CDK] rejects == too)
    ("{ $.a = 1 & $.b = 2 }", 11, "&&"),  # [FPS] compound conditions use && and ||
    ("{ ($.a = 1 }", 12, "')'"),  # [FPS] parentheses must balance
    ("{ $.a > abc }", 9, "number"),  # [FPS] NUMERIC_OPERATOR NUMBER
    ("{ $.a IS MISSING }", 7, "IS NULL"),  # [FPS] IS NULL / NOT EXISTS / IS TRUE / IS FALSE only
    ("{ $.a = %b(c)% }", 11, "()"),  # [REGEX] "The () operator is not supported"
    ("{ $.a = %something!% }", 19, "not allowed"),  # [REGEX] "%something!% would be rejected"
    ("{ $.a = %x% || $.b = %y% || $.c = %z% }", 35, "at most 2"),  # [REGEX] regex limit 2 per pattern
    ('{ $.a = "x" } trailing', 15, "end of pattern"),  # [FPS] one JSON expression per pattern
    ('"unterminated', 1, "unterminated"),  # [FPS] quoted terms need closing quotes
    ("[a, ..., b, ...]", 13, "only one"),  # [CDK] "Can use at most one '...' column"
    ("[a, b", 6, "']'"),  # [FPS] "entire pattern enclosed in square brackets"
    ("x" * 1025, 1025, "1024"),  # [API] maximum length 1024
]


@pytest.mark.parametrize(("pattern", "column", "fragment"), ERRORS)
def test_errors_point_at_the_offending_character(pattern: str, column: int, fragment: str) -> None:
    with pytest.raises(FilterPatternError) as info:
        parse_filter_pattern(pattern)
    assert info.value.column == column, info.value
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("{ $.a = 1 }", "json"),
        ("[a, b]", "space"),
        ("ERROR", "terms"),
        ("", "terms"),
        ("  { $.a = 1 }  ", "json"),
    ],
)
def test_kind(pattern: str, kind: str) -> None:
    # [FPS]: JSON patterns are in {}, space-delimited in [], everything else is terms.
    assert parse_filter_pattern(pattern).kind == kind


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Reordered ||, requoted values, extra parentheses and spaces: same normal form.
        (
            '{ ($.eventName = CreateTrail) || ($.eventName = "DeleteTrail") }',
            '{$.eventName="DeleteTrail"||(($.eventName = "CreateTrail"))}',
        ),
        ("{ $.a = 1 && ($.b = x || $.c = y) }", '{ ($.c = "y" || $.b = "x") && $.a = 1 }'),
        ("?ERROR ?WARN", '?"WARN" ?"ERROR"'),
    ],
)
def test_normalised_form_is_equal_for_equivalent_rewrites(a: str, b: str) -> None:
    assert parse_filter_pattern(a).normalised == parse_filter_pattern(b).normalised


def test_dict_is_serialised_compactly_for_text_patterns() -> None:
    # CloudTrail writes one compact JSON object per log event; terms then see '"eventName":"X"'.
    record = {"eventName": "ConsoleLogin", "n": 1}
    assert record_as_log_line(record) == '{"eventName":"ConsoleLogin","n":1}'
    assert parse_filter_pattern('"\\"eventName\\":\\"ConsoleLogin\\""').matches(record)


def test_json_pattern_accepts_raw_json_line_and_rejects_non_json() -> None:
    pattern = parse_filter_pattern("{ $.eventName = ConsoleLogin }")
    assert pattern.matches(json.dumps({"eventName": "ConsoleLogin"}))
    assert not pattern.matches("not json at all")
    assert isinstance(pattern, FilterPattern)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(list('{}[]()$.="*%&|!<>?-, aZ09_\\') + [" IS ", " NULL", " NOT ", "EXISTS", "$.a"]), max_size=30
    ).map("".join)
)
def test_fuzz_only_documented_errors(text: str) -> None:
    try:
        pattern = parse_filter_pattern(text)
    except FilterPatternError as exc:
        assert 1 <= exc.column <= max(len(text), 1) + 1
        return
    pattern.matches({"a": 1, "b": [1, {"c": None}]})
    pattern.matches("a b c")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_arbitrary_unicode(text: str) -> None:
    with contextlib.suppress(FilterPatternError):
        parse_filter_pattern(text).matches({"x": text})
