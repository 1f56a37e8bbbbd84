"""Selector lints CT301-CT311, table-driven over hand-built trails: status, message and the exact
model path (so the finding lands on the offending value's line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ctguard.checks import ct301_306_selector_lint as selector_lint
from ctguard.checks import ct307_308_selector_match as selector_lint_match
from ctguard.checks import ct309_311_selector_intent as selector_lint_intent
from ctguard.engine.evaluate import CheckContext, Outcome, Settings
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Model, Trail
from ctguard.values import Known, Unknown

POLICIES = {p.id: p for p in load_policies()}
CHECKS = {
    "CT301": selector_lint.ct301_advanced_fields,
    "CT302": selector_lint.ct302_basic_values,
    "CT303": selector_lint.ct303_bucket_trailing_slash,
    "CT304": selector_lint.ct304_wildcards,
    "CT305": selector_lint.ct305_resource_type_known,
    "CT306": selector_lint.ct306_limits,
    "CT307": selector_lint_match.ct307_never_match,
    "CT308": selector_lint_match.ct308_bucket_exact_match,
    "CT309": selector_lint_intent.ct309_read_write_split,
    "CT310": selector_lint_intent.ct310_delivery_feedback_loop,
    "CT311": selector_lint_intent.ct311_unscoped_data_events,
}


def fs(field: Any, **ops: tuple[Any, ...]) -> FieldSelector:
    return FieldSelector(field, **ops)


def adv(*selectors: tuple[FieldSelector, ...]) -> dict[str, Any]:
    return {
        "advanced_event_selectors": Known(tuple(AdvancedEventSelector(f"s{i}", s) for i, s in enumerate(selectors)))
    }


def basic(*selectors: EventSelector) -> dict[str, Any]:
    return {"event_selectors": Known(selectors)}


def es(rwt: Any = None, mgmt: Any = None, excl: Any = None, data: Any = None) -> EventSelector:
    kw: dict[str, Any] = {}
    if rwt is not None:
        kw["read_write_type"] = rwt if isinstance(rwt, Unknown) else Known(rwt)
    if mgmt is not None:
        kw["include_management_events"] = mgmt if isinstance(mgmt, Unknown) else Known(mgmt)
    if excl is not None:
        kw["exclude_management_event_sources"] = excl if isinstance(excl, Unknown) else Known(excl)
    if data is not None:
        kw["data_resources"] = data if isinstance(data, Unknown) else Known(tuple(DataResource(t, v) for t, v in data))
    return EventSelector(**kw)


MGMT = fs("eventCategory", equals=("Management",))
DATA = fs("eventCategory", equals=("Data",))
S3 = fs("resources.type", equals=("AWS::S3::Object",))
U = Unknown("parameter P")


@dataclass
class Case:
    id: str
    rule: str
    trail: dict[str, Any]
    status: Status
    path: tuple[Any, ...] | None = None
    msg: str = ""


def f(i: int, j: int, *rest: str) -> tuple[Any, ...]:
    return ("advanced_event_selectors", i, "field_selectors", j, *rest)


CASES = [
    # CT301: fields, operators, values per category
    Case("301-valid-mgmt", "CT301", adv((MGMT, fs("eventSource", not_equals=("kms.amazonaws.com",)))), Status.PASS),
    Case(
        "301-valid-network",
        "CT301",
        adv(
            (
                fs("eventCategory", equals=("NetworkActivity",)),
                fs("eventSource", equals=("s3.amazonaws.com",)),
                fs("errorCode", equals=("VpceAccessDenied",)),
            )
        ),
        Status.PASS,
    ),
    Case(
        "301-second-type",
        "CT301",
        adv((DATA, S3, fs("resources.type", equals=("AWS::Lambda::Function",)))),
        Status.FAIL,
        f(0, 2, "field"),
        "second resources.type",
    ),
    Case(
        "301-type-starts-with",
        "CT301",
        adv((DATA, fs("resources.type", starts_with=("AWS::S3",)))),
        Status.FAIL,
        f(0, 1, "starts_with"),
        "resources.type accepts only Equals",
    ),
    Case(
        "301-category-not-equals",
        "CT301",
        adv((fs("eventCategory", not_equals=("Data",)),)),
        Status.FAIL,
        f(0, 0, "not_equals"),
        "eventCategory accepts only Equals",
    ),
    Case(
        "301-read-only-value",
        "CT301",
        adv((MGMT, fs("readOnly", equals=("yes",)))),
        Status.FAIL,
        f(0, 1, "equals"),
        "not 'yes'",
    ),
    Case(
        "301-mgmt-event-source-equals",
        "CT301",
        adv((MGMT, fs("eventSource", equals=("iam.amazonaws.com",)))),
        Status.FAIL,
        f(0, 1, "equals"),
        "eventSource accepts only NotEquals",
    ),
    Case(
        "301-mgmt-exclude-s3",
        "CT301",
        adv((MGMT, fs("eventSource", not_equals=("s3.amazonaws.com",)))),
        Status.FAIL,
        f(0, 1, "not_equals"),
        "not 's3.amazonaws.com'",
    ),
    Case(
        "301-data-missing-type",
        "CT301",
        adv((DATA, fs("eventName", equals=("GetObject",)))),
        Status.FAIL,
        ("advanced_event_selectors", 0, "field_selectors"),
        "require a resources.type",
    ),
    Case(
        "301-no-category",
        "CT301",
        adv((S3,)),
        Status.FAIL,
        ("advanced_event_selectors", 0, "field_selectors"),
        "no eventCategory",
    ),
    Case(
        "301-typo-field",
        "CT301",
        adv((DATA, S3, fs("eventname", equals=("GetObject",)))),
        Status.FAIL,
        f(0, 2, "field"),
        "did you mean eventName?",
    ),
    Case(
        "301-eds-category",
        "CT301",
        adv((fs("eventCategory", equals=("ConfigurationItem",)),)),
        Status.FAIL,
        f(0, 0, "equals"),
        "event data stores",
    ),
    Case("301-empty-selector", "CT301", adv(()), Status.FAIL, ("advanced_event_selectors", 0), "no field selectors"),
    Case(
        "301-network-error-code",
        "CT301",
        adv(
            (
                fs("eventCategory", equals=("NetworkActivity",)),
                fs("eventSource", equals=("kms.amazonaws.com",)),
                fs("errorCode", equals=("AccessDenied",)),
            )
        ),
        Status.FAIL,
        f(0, 2, "equals"),
        "VpceAccessDenied",
    ),
    Case(
        "301-unknown-category",
        "CT301",
        adv((fs("eventCategory", equals=(U,)),)),
        Status.UNKNOWN,
        f(0, 0, "equals"),
        "parameter P",
    ),
    Case("301-unknown-list", "CT301", {"advanced_event_selectors": U}, Status.UNKNOWN, ("advanced_event_selectors",)),
    Case(
        "301-sure-problem-beats-unknown",
        "CT301",
        adv((fs(U, equals=("x",)), MGMT, fs("readOnly", ends_with=("e",)))),
        Status.FAIL,
        f(0, 2, "ends_with"),
    ),
    # CT302: basic values
    Case("302-valid", "CT302", basic(es("All", data=[("AWS::S3::Object", ("arn:aws:s3",))])), Status.PASS),
    Case(
        "302-ec2-instance",
        "CT302",
        basic(es(data=[("AWS::EC2::Instance", ("arn:aws:ec2",))])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0, "type"),
        "not a data resource type",
    ),
    Case(
        "302-advanced-only-type",
        "CT302",
        basic(es(data=[("AWS::EC2::Snapshot", ("arn:aws:ec2",))])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0, "type"),
        "needs advanced event selectors",
    ),
    Case(
        "302-read-write-type", "CT302", basic(es("read-only")), Status.FAIL, ("event_selectors", 0, "read_write_type")
    ),
    Case(
        "302-exclude",
        "CT302",
        basic(es(excl=("cloudtrail.amazonaws.com",))),
        Status.FAIL,
        ("event_selectors", 0, "exclude_management_event_sources"),
    ),
    Case(
        "302-empty-values",
        "CT302",
        basic(es(data=[("AWS::Lambda::Function", ())])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0, "values"),
        "no Values",
    ),
    Case(
        "302-unknown-type",
        "CT302",
        basic(es(data=[(U, ("arn:aws:s3",))])),
        Status.UNKNOWN,
        ("event_selectors", 0, "data_resources", 0, "type"),
    ),
    # CT303: trailing slash
    Case(
        "303-basic-no-slash",
        "CT303",
        basic(es(data=[("AWS::S3::Object", ("arn:aws:s3:::b",))])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0, "values"),
        "'arn:aws:s3:::b/'",
    ),
    Case("303-basic-all", "CT303", basic(es(data=[("AWS::S3::Object", ("arn:aws:s3:::", "arn:aws:s3"))])), Status.PASS),
    Case("303-lambda-not-s3", "CT303", basic(es(data=[("AWS::Lambda::Function", ("arn:aws:lambda",))])), Status.PASS),
    Case(
        "303-adv-not-starts-with",
        "CT303",
        adv((DATA, S3, fs("resources.ARN", not_starts_with=("arn:aws:s3:::logs",)))),
        Status.FAIL,
        f(0, 2, "not_starts_with"),
        "also excludes",
    ),
    Case(
        "303-adv-name-prefix",
        "CT303",
        adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::tenant-",)))),
        Status.PASS,
    ),
    Case(
        "303-adv-unknown",
        "CT303",
        adv((DATA, S3, fs("resources.ARN", starts_with=(U,)))),
        Status.UNKNOWN,
        f(0, 2, "starts_with"),
    ),
    # CT304: wildcards and regular expressions
    Case(
        "304-basic-star",
        "CT304",
        basic(es(data=[("AWS::S3::Object", ("arn:aws:s3:::*",))])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0, "values"),
        "arn:aws:s3",
    ),
    Case(
        "304-adv-star",
        "CT304",
        adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::b/*.csv",)))),
        Status.FAIL,
        f(0, 2, "starts_with"),
        "wildcard",
    ),
    Case(
        "304-adv-regex",
        "CT304",
        adv((DATA, S3, fs("eventName", equals=("Get.*",)))),
        Status.FAIL,
        f(0, 2, "equals"),
        "regular expression",
    ),
    Case(
        "304-literal",
        "CT304",
        adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::b/reports (2026)/",)))),
        Status.PASS,
    ),
    Case("304-unknown", "CT304", adv((DATA, S3, fs("eventName", equals=(U,)))), Status.UNKNOWN, f(0, 2, "equals")),
    # CT305: resources.type known
    Case("305-known", "CT305", adv((DATA, fs("resources.type", equals=("AWS::SNS::Topic",)))), Status.PASS),
    Case(
        "305-typo",
        "CT305",
        adv((DATA, fs("resources.type", equals=("AWS::Lambda::Function ",)))),
        Status.FAIL,
        f(0, 1, "equals"),
        "did you mean AWS::Lambda::Function?",
    ),
    Case("305-unknown", "CT305", adv((DATA, fs("resources.type", equals=(U,)))), Status.UNKNOWN, f(0, 1, "equals")),
    # CT306: limits
    Case("306-five", "CT306", basic(*[es() for _ in range(5)]), Status.PASS),
    Case("306-six", "CT306", basic(*[es() for _ in range(6)]), Status.FAIL, ("event_selectors", 5)),
    Case(
        "306-250-values",
        "CT306",
        basic(es(data=[("AWS::S3::Object", tuple(f"arn:aws:s3:::b{i}/" for i in range(250)))])),
        Status.PASS,
    ),
    Case(
        "306-251-values",
        "CT306",
        basic(
            es(
                data=[
                    ("AWS::S3::Object", tuple(f"arn:aws:s3:::b{i}/" for i in range(200))),
                    ("AWS::Lambda::Function", tuple(f"arn:aws:lambda:f{i}" for i in range(51))),
                ]
            )
        ),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 1, "values"),
        "more than 250",
    ),
    Case(
        "306-500-advanced",
        "CT306",
        adv((DATA, S3, fs("eventName", equals=tuple(f"E{i}" for i in range(498))))),
        Status.PASS,
    ),
    Case(
        "306-501-advanced",
        "CT306",
        adv((MGMT,), (DATA, S3, fs("eventName", equals=tuple(f"E{i}" for i in range(498))))),
        Status.FAIL,
        ("advanced_event_selectors", 1),
        "at most 500",
    ),
    Case("306-unknown", "CT306", {"event_selectors": U}, Status.UNKNOWN, ("event_selectors",)),
    # CT307: never matches
    Case(
        "307-equals-not-equals",
        "CT307",
        adv((DATA, S3, fs("eventName", equals=("PutObject",), not_equals=("PutObject",)))),
        Status.FAIL,
        f(0, 2, "equals"),
        "NotEquals 'PutObject'",
    ),
    Case(
        "307-starts-with-shadowed",
        "CT307",
        adv(
            (
                DATA,
                S3,
                fs("resources.ARN", starts_with=("arn:aws:s3:::b/logs/",)),
                fs("resources.ARN", not_starts_with=("arn:aws:s3:::b/",)),
            )
        ),
        Status.FAIL,
        f(0, 2, "starts_with"),
        "NotStartsWith",
    ),
    Case(
        "307-narrowing-ok",
        "CT307",
        adv(
            (DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::b/",), not_starts_with=("arn:aws:s3:::b/tmp/",)))
        ),
        Status.PASS,
    ),
    Case(
        "307-ends-with-shadowed",
        "CT307",
        adv((DATA, S3, fs("resources.ARN", ends_with=(".csv.gz",), not_ends_with=(".gz",)))),
        Status.FAIL,
        f(0, 2, "ends_with"),
    ),
    Case(
        "307-disjoint-equals",
        "CT307",
        adv((MGMT, fs("readOnly", equals=("true",)), fs("readOnly", equals=("false",)))),
        Status.FAIL,
        f(0, 2, "equals"),
        "share no value",
    ),
    Case(
        "307-dynamodb-arn",
        "CT307",
        adv(
            (
                DATA,
                fs("resources.type", equals=("AWS::DynamoDB::Table",)),
                fs("resources.ARN", equals=("arn:aws:lambda:us-east-1:1:function:f",)),
            )
        ),
        Status.FAIL,
        f(0, 2, "equals"),
        "not AWS::DynamoDB::Table ARNs",
    ),
    Case(
        "307-basic-nothing",
        "CT307",
        basic(es(mgmt=False)),
        Status.FAIL,
        ("event_selectors", 0, "include_management_events"),
        "records nothing",
    ),
    Case(
        "307-basic-data-only-fine",
        "CT307",
        basic(es(mgmt=False, data=[("AWS::S3::Object", ("arn:aws:s3",))])),
        Status.PASS,
    ),
    Case(
        "307-unknown-select",
        "CT307",
        adv((DATA, S3, fs("eventName", equals=(U,), not_equals=("PutObject",)))),
        Status.UNKNOWN,
        f(0, 2),
    ),
    # CT308: Equals / NotEquals on a bucket
    Case(
        "308-not-equals-prefix",
        "CT308",
        adv((DATA, S3, fs("resources.ARN", not_equals=("arn:aws:s3:::logs/",)))),
        Status.FAIL,
        f(0, 2, "not_equals"),
        "excludes nothing",
    ),
    Case(
        "308-equals-bucket",
        "CT308",
        adv((DATA, S3, fs("resources.ARN", equals=("arn:aws:s3:::logs",)))),
        Status.FAIL,
        f(0, 2, "equals"),
        "matches nothing",
    ),
    Case(
        "308-folder-marker",
        "CT308",
        adv((DATA, S3, fs("resources.ARN", not_equals=("arn:aws:s3:::b/tmp/",)))),
        Status.FAIL,
        f(0, 2, "not_equals"),
        "only an object named exactly 'tmp/'",
    ),
    Case(
        "308-object-arn-fine",
        "CT308",
        adv((DATA, S3, fs("resources.ARN", not_equals=("arn:aws:s3:::b/k.txt",)))),
        Status.PASS,
    ),
    Case(
        "308-not-s3",
        "CT308",
        adv(
            (
                DATA,
                fs("resources.type", equals=("AWS::DynamoDB::Table",)),
                fs("resources.ARN", not_equals=("arn:aws:dynamodb:us-east-1:1:table/t",)),
            )
        ),
        Status.PASS,
    ),
    Case(
        "308-unknown",
        "CT308",
        adv((DATA, S3, fs("resources.ARN", not_equals=(U,)))),
        Status.UNKNOWN,
        f(0, 2, "not_equals"),
    ),
    # CT309: read-only plus write-only
    Case(
        "309-basic-split",
        "CT309",
        basic(es("ReadOnly"), es("WriteOnly")),
        Status.FAIL,
        ("event_selectors", 0, "read_write_type"),
        "AwsServiceEvent",
    ),
    Case("309-default", "CT309", {}, Status.PASS),
    Case("309-read-only-only", "CT309", basic(es("ReadOnly")), Status.PASS),
    Case(
        "309-unknown", "CT309", basic(es("ReadOnly"), es(U)), Status.UNKNOWN, ("event_selectors", 1, "read_write_type")
    ),
    # CT310: own bucket
    Case(
        "310-all-buckets",
        "CT310",
        {"s3_bucket_name": Known("logs"), **basic(es(data=[("AWS::S3::Object", ("arn:aws:s3:::",))]))},
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0),
        "logs",
    ),
    Case(
        "310-excluded",
        "CT310",
        {
            "s3_bucket_name": Known("logs"),
            **adv((DATA, S3, fs("resources.ARN", not_starts_with=("arn:aws:s3:::logs/",)))),
        },
        Status.PASS,
    ),
    Case(
        "310-prefix-outside-awslogs",
        "CT310",
        {
            "s3_bucket_name": Known("logs"),
            "s3_key_prefix": Known("trail"),
            **adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::logs/AWSLogs/",)))),
        },
        Status.PASS,
    ),
    Case(
        "310-prefix-inside",
        "CT310",
        {
            "s3_bucket_name": Known("logs"),
            "s3_key_prefix": Known("trail"),
            **adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::logs/trail/",)))),
        },
        Status.FAIL,
        ("advanced_event_selectors", 0),
    ),
    Case(
        "310-prefix-unknown-matters",
        "CT310",
        {
            "s3_bucket_name": Known("logs"),
            "s3_key_prefix": U,
            **adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::logs/AWSLogs/",)))),
        },
        Status.UNKNOWN,
        ("s3_key_prefix",),
        "depends on the key prefix",
    ),
    Case(
        "310-prefix-unknown-irrelevant",
        "CT310",
        {"s3_bucket_name": Known("logs"), "s3_key_prefix": U, **basic(es(data=[("AWS::S3::Object", ("arn:aws:s3",))]))},
        Status.FAIL,
    ),
    Case(
        "310-reads-only",
        "CT310",
        {"s3_bucket_name": Known("logs"), **basic(es("ReadOnly", data=[("AWS::S3::Object", ("arn:aws:s3",))]))},
        Status.PASS,
    ),
    Case("310-bucket-unknown-no-s3", "CT310", {"s3_bucket_name": U}, Status.PASS),
    # Every bucket's objects: the trail's own among them whatever its name (issue 14).
    Case(
        "310-bucket-unknown-s3",
        "CT310",
        {"s3_bucket_name": U, **adv((DATA, S3))},
        Status.FAIL,
        ("advanced_event_selectors", 0),
    ),
    Case(
        "310-bucket-unknown-one-bucket",
        "CT310",
        {"s3_bucket_name": U, **adv((DATA, S3, fs("resources.ARN", starts_with=("arn:aws:s3:::shared-data/",))))},
        Status.UNKNOWN,
        ("s3_bucket_name",),
    ),
    # CT311: unscoped high-volume data events
    Case(
        "311-all-s3", "CT311", adv((MGMT,), (DATA, S3)), Status.FAIL, ("advanced_event_selectors", 1), "AWS::S3::Object"
    ),
    Case(
        "311-basic-all-lambda",
        "CT311",
        basic(es(data=[("AWS::Lambda::Function", ("arn:aws:lambda",))])),
        Status.FAIL,
        ("event_selectors", 0, "data_resources", 0),
        "AWS::Lambda::Function",
    ),
    Case(
        "311-basic-write-only",
        "CT311",
        basic(es("WriteOnly", data=[("AWS::S3::Object", ("arn:aws:s3",))])),
        Status.PASS,
    ),
    Case(
        "311-low-volume-type",
        "CT311",
        adv((DATA, fs("resources.type", equals=("AWS::CloudTrail::Channel",)))),
        Status.PASS,
    ),
    Case(
        "311-unknown-type",
        "CT311",
        adv((DATA, fs("resources.type", equals=(U,)))),
        Status.UNKNOWN,
        ("advanced_event_selectors", 0),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_lint(case: Case) -> None:
    trail = Trail(key="T", name=Known("audit"), is_logging=Known(True), **case.trail)
    ctx = CheckContext(POLICIES[case.rule], Model(trails=[trail]), Settings(), trail)
    out = CHECKS[case.rule](ctx)
    assert isinstance(out, Outcome)
    text = out.message or " ".join(str(v) for v in out.values.values())
    assert out.status is case.status, text
    if case.path is not None:
        assert out.path == case.path, text
    assert case.msg in text, text


def test_every_lint_policy_names_its_check() -> None:
    for rule, func in CHECKS.items():
        assert POLICIES[rule].resolve_impl() is func


def test_problems_are_all_counted_and_the_first_is_pointed_at() -> None:
    trail = Trail(key="T", **adv((MGMT, fs("readOnly", starts_with=("t",))), (DATA, S3, S3)))
    out = selector_lint.ct301_advanced_fields(CheckContext(POLICIES["CT301"], Model(trails=[trail]), Settings(), trail))
    # Two problems: readOnly StartsWith in the first selector, a second resources.type in the other.
    assert out.status is Status.FAIL and out.values["count"] == 2
    assert out.path == f(0, 1, "starts_with") and "and 1 more" in out.values["problem"]
