"""CIS monitoring items: the CIS text passes, equivalent rewrites pass, narrowed and over-broad
filters fail and name the record that decides.  Pattern texts: CIS AWS Foundations Benchmark as
quoted by prowler-cloud/prowler (tests, compliance JSON) and cloudsploit; see ctguard/data/cis_monitoring.json."""

from __future__ import annotations

import pytest

from ctguard.monitoring.cis import best_item_for, judge_filter, load_items
from ctguard.monitoring.filter_ast import BoolOp, Comparison, Value
from ctguard.monitoring.filter_parser import parse_json

ITEMS = load_items()
KEYS = list(ITEMS)


def _rewrite(node) -> str:
    """An equivalent spelling: operands reversed, every term parenthesised, values requoted,
    extra spaces."""
    if isinstance(node, Comparison):
        value = node.value
        if value is not None and value.kind == "string":
            value = Value("string", value.text)
        return "(  " + Comparison(node.path, node.op, value).render() + "  )"
    return "(" + f"  {node.op}  ".join(_rewrite(o) for o in reversed(node.operands)) + ")"


def _drop(node, name: str):
    """The AST without the comparison $.eventName = name."""
    if isinstance(node, Comparison):
        return None if node.path == ("eventName",) and node.value and node.value.text == name else node
    kept = [d for d in (_drop(o, name) for o in node.operands) if d is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else BoolOp(node.op, tuple(kept))


def _render(node) -> str:
    return "{ " + node.render() + " }"


def test_fifteen_items_with_numbering() -> None:
    assert len(ITEMS) == 15
    for n, item in enumerate(ITEMS.values(), start=1):
        assert item.cis["v3.0.0"] == f"4.{n}" and item.cis["v7.0.0"] == f"5.{n}"
    assert [i.security_hub for i in ITEMS.values()][:3] == ["CloudWatch.2", "CloudWatch.3", "CloudWatch.1"]
    assert ITEMS["organizations-changes"].security_hub is None


@pytest.mark.parametrize("key", KEYS)
def test_cis_text_passes(key: str) -> None:
    verdict = judge_filter(key, ITEMS[key].pattern)
    assert verdict.passes, verdict.explain()


@pytest.mark.parametrize("key", KEYS)
def test_accepted_variants_pass_and_rejected_fail(key: str) -> None:
    for variant in ITEMS[key].variants:
        assert judge_filter(key, variant["pattern"]).passes, variant["source"]
    for rejected in ITEMS[key].rejected:
        verdict = judge_filter(key, rejected["pattern"])
        assert not verdict.passes and verdict.overbroad, rejected["source"]


@pytest.mark.parametrize("key", KEYS)
def test_equivalent_rewrite_passes(key: str) -> None:
    text = ITEMS[key].pattern
    start = text.index("{")
    rewritten = "{   " + _rewrite(parse_json(text, start, len(text))) + "   }"
    assert rewritten.replace(" ", "") != text.replace(" ", "")
    verdict = judge_filter(key, rewritten)
    assert verdict.passes, (rewritten, verdict.explain())


HAND_NARROWED = {
    "unauthorized-api-calls": ('{ $.errorCode = "AccessDenied*" }', "UnauthorizedOperation"),
    "console-signin-without-mfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Maybe") }',
        "MFAUsed=No",
    ),
    "root-account-usage": (
        '{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',
        "iam:CreateAccessKey (Root)",
    ),
    "console-auth-failures": (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && ($.userIdentity.type = "IAMUser") }',
        "(Root, Failed authentication)",
    ),
}


@pytest.mark.parametrize("key", KEYS)
def test_narrowed_filter_fails_and_names_the_missed_event(key: str) -> None:
    item = ITEMS[key]
    if key in HAND_NARROWED:
        text, expected = HAND_NARROWED[key]
    else:
        dropped = item.event_names[-1]
        start = item.pattern.index("{")
        text = _render(_drop(parse_json(item.pattern, start, len(item.pattern)), dropped))
        expected = f":{dropped}"
    verdict = judge_filter(key, text)
    assert not verdict.passes
    assert any(expected in m for m in verdict.missed), verdict.explain()


OVERBROAD = {
    "unauthorized-api-calls": ("{ $.errorCode = * }", "RequestLimitExceeded"),
    "console-signin-without-mfa": ('{ $.eventName = "ConsoleLogin" }', "MFAUsed=Yes"),
    "root-account-usage": ('{ $.userIdentity.type = "Root" }', "invokedBy a service"),
    "iam-policy-changes": ('{ $.eventSource = "iam.amazonaws.com" }', "iam:GetPolicy"),
    "cloudtrail-config-changes": ("{ $.eventSource = cloudtrail.amazonaws.com }", "cloudtrail:DescribeTrails"),
    "console-auth-failures": ("{ $.eventName = ConsoleLogin || $.errorCode = AccessDenied }", "(IAMUser, Success)"),
    "cmk-disable-or-deletion": ("{ $.eventSource = kms.amazonaws.com }", "kms:EnableKey"),
    "s3-bucket-policy-changes": (
        "{ ($.eventSource = s3.amazonaws.com) && ($.eventName = Put* || $.eventName = Delete* || $.eventName = Get*) }",
        "s3:GetBucketPolicy",
    ),
    "aws-config-changes": ("{ $.eventSource = config.amazonaws.com }", "config:DescribeConfigurationRecorders"),
    "security-group-changes": ("{ $.eventName = *SecurityGroup* }", "ec2:DescribeSecurityGroups"),
    "nacl-changes": ("{ $.eventName = *NetworkAcl* }", "ec2:DescribeNetworkAcls"),
    "network-gateway-changes": ("{ $.eventName = *Gateway* }", "ec2:DescribeInternetGateways"),
    "route-table-changes": ("{ $.eventName = *Route* }", "ec2:DescribeRouteTables"),
    "vpc-changes": ("{ $.eventName = * }", "ec2:DescribeInstances"),
    "organizations-changes": ("{ " + ITEMS["organizations-changes"].pattern.split("&& ", 1)[1], "iam:CreatePolicy"),
}


@pytest.mark.parametrize("key", KEYS)
def test_overbroad_filter_fails_and_names_an_unrelated_event(key: str) -> None:
    text, expected = OVERBROAD[key]
    verdict = judge_filter(key, text)
    assert not verdict.passes
    assert any(expected in o for o in verdict.overbroad), verdict.explain()


@pytest.mark.parametrize("key", KEYS)
def test_records_are_cloudtrail_shaped(key: str) -> None:
    item = ITEMS[key]
    for record in item.must_match + item.must_not_match + item.may_match:
        assert isinstance(record, dict)
        assert isinstance(record["eventSource"], str) and record["eventSource"].endswith(".amazonaws.com")
        assert isinstance(record["eventName"], str) and record["eventName"]
        assert record["_source"]


def test_iam_item_requires_all_sixteen_event_names() -> None:
    item = ITEMS["iam-policy-changes"]
    assert len(item.event_names) == 16
    assert {r["eventName"] for r in item.must_match} == set(item.event_names)


def test_old_cis_41_is_overbroad_and_the_51_text_is_accepted() -> None:
    item = ITEMS["unauthorized-api-calls"]
    old = judge_filter(item, item.rejected[0]["pattern"])
    assert "ec2:DescribeInstances (success)" in old.overbroad
    assert judge_filter(item, item.variants[0]["pattern"]).passes


def test_parse_error_is_reported_with_column() -> None:
    verdict = judge_filter("vpc-changes", "{ $.eventName = CreateVpc ")
    assert not verdict.passes and verdict.column == 26 and verdict.error


def test_best_item_for() -> None:
    assert best_item_for(ITEMS["nacl-changes"].pattern)[0] == "nacl-changes"
    assert best_item_for('{ $.eventName = "DeleteRolePolicy" }')[0] == "iam-policy-changes"
    assert best_item_for("{ $.nothing = here }") is None
