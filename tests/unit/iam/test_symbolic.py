"""Matching over deploy-time symbols (ctguard/iam/symbolic.py): decided only when the answer is
the same for every value the symbols can take, Unknown naming the deciding symbols otherwise."""

from __future__ import annotations

import pytest

from ctguard.iam.conditions import evaluate_condition, parse_operator
from ctguard.iam.matching import resource_matches
from ctguard.symbols import account_symbol, describe, joined, region_symbol, settled_options, text_symbol
from ctguard.values import Symbolic, Unknown, concat, symbolic

ACCOUNT = account_symbol()
REGION = region_symbol()
BUCKET_VAR = text_symbol("var.bucket_name", "var.bucket_name has no value")
FOREIGN = "\uf8ff" * 12  # the confused-deputy probe's account (cloudtrail_access._FOREIGN_ACCOUNT)


def _match(pattern: object, resource: object) -> object:
    return resource_matches(pattern, resource, {}, True)  # type: ignore[arg-type]


def test_same_symbolic_expression_on_both_sides_is_equal() -> None:
    bucket = concat("arn:aws:s3:::", ACCOUNT, "-logs")
    assert (
        _match(concat(bucket, "/AWSLogs/", ACCOUNT, "/*"), concat(bucket, "/AWSLogs/", ACCOUNT, "/CloudTrail/x.gz"))
        is True
    )
    # Two spellings of the deploying account (CloudFormation, Terraform) are one value.
    tf_account = account_symbol("data.aws_caller_identity.current.account_id")
    assert _match(concat("arn:aws:s3:::", tf_account, "-logs/*"), concat("arn:aws:s3:::", ACCOUNT, "-logs/k")) is True


def test_shapes_decide_inequalities() -> None:
    # A bucket named "<12 digits>-logs" is never my-sensitive-bucket.
    assert _match("arn:aws:s3:::my-sensitive-bucket/*", concat("arn:aws:s3:::", ACCOUNT, "-logs/k")) is False
    # A Region is never "global".
    assert _match("arn:aws:logs:global:*", concat("arn:aws:logs:", REGION, ":x")) is False


def test_a_free_symbol_against_a_literal_is_unknown_and_named() -> None:
    result = _match("arn:aws:s3:::acme-logs/*", concat("arn:aws:s3:::", BUCKET_VAR, "/AWSLogs/k"))
    assert isinstance(result, Symbolic)
    assert "var.bucket_name" in result.reason and "(chosen at deploy time)" in result.reason


def test_the_same_symbol_in_the_same_place_is_aligned() -> None:
    # "<name>/*" never covers the bucket "<name>" itself, whatever the name.
    assert (
        _match(concat("arn:aws:s3:::", BUCKET_VAR, "-trail/*"), concat("arn:aws:s3:::", BUCKET_VAR, "-trail")) is False
    )


def test_question_mark_never_absorbs_a_symbol() -> None:
    result = _match("arn:aws:s3:::?-logs/*", concat("arn:aws:s3:::", ACCOUNT, "-logs/k"))
    assert result is False  # an account id is 12 characters, never one


def test_star_absorbs_a_symbol() -> None:
    assert _match("arn:aws:s3:::*-logs/*", concat("arn:aws:s3:::", ACCOUNT, "-logs/k")) is True


@pytest.mark.parametrize(
    "operator, policy, expected",
    [
        ("StringEquals", ACCOUNT, False),  # our account is never the foreign one
        ("StringLike", "*", True),
        ("StringEquals", "111122223333", False),
        ("StringNotEquals", ACCOUNT, True),
    ],
)
def test_foreign_account_probe(operator: str, policy: object, expected: bool) -> None:
    context = {"aws:sourceaccount": FOREIGN}
    assert evaluate_condition(parse_operator(operator), "aws:SourceAccount", [policy], context) is expected  # type: ignore[list-item]


def test_source_arn_with_symbols() -> None:
    ours = concat("arn:aws:cloudtrail:", REGION, ":", ACCOUNT, ":trail/main")
    theirs = concat("arn:aws:cloudtrail:", REGION, ":", FOREIGN, ":trail/main")
    op = parse_operator("ArnLike")
    assert evaluate_condition(op, "aws:SourceArn", [ours], {"aws:sourcearn": ours}) is True
    assert evaluate_condition(op, "aws:SourceArn", [ours], {"aws:sourcearn": theirs}) is False
    any_account = concat("arn:aws:cloudtrail:*:*:trail/main")
    assert evaluate_condition(op, "aws:SourceArn", [any_account], {"aws:sourcearn": theirs}) is True


def test_plain_unknown_stays_unknown() -> None:
    hole = Unknown("imported value")
    assert _match("arn:aws:s3:::x/*", hole) is hole


def test_concat_and_show() -> None:
    value = concat("a", symbolic("P", "text", "p"), "b", 1, True)
    assert isinstance(value, Symbolic) and value.text == "a${P}b1true"
    assert concat("a", "b") == "ab"
    hole = Unknown("x")
    assert concat("a", hole, ACCOUNT) is hole


def test_which_option_settles() -> None:
    assert describe(concat(ACCOUNT, REGION)) == "AWS::AccountId, AWS::Region (--account and --region settle it)"
    assert describe(concat(ACCOUNT, BUCKET_VAR)).endswith("(chosen at deploy time)")
    assert settled_options(concat(ACCOUNT, REGION)) == ("--account", "--region")
    assert settled_options(concat(ACCOUNT, BUCKET_VAR)) == ()
    assert settled_options(Unknown("the trail's bucket is defined outside this input")) == ()


def test_joined_unknowns_are_settled_only_when_each_is() -> None:
    assert settled_options(joined([ACCOUNT, REGION])) == ("--account", "--region")
    # One Unknown no option settles (a condition, an unread resource) spoils the lot; the first
    # reason stays for the message.
    mixed = joined([ACCOUNT, Unknown("depends on condition HasPrefix")])
    assert settled_options(mixed) == () and mixed.reason == ACCOUNT.reason
    assert settled_options(joined([ACCOUNT, BUCKET_VAR])) == ()
