"""Saved AWS answers of a shape boto3 cannot return are failed calls (``MalformedResponse``).

Every answer a mapper reads has a shape in ``aws_shapes.RESPONSES``, typed as botocore types it; a
snapshot whose answer breaks it still checks, the findings fed by that answer are UNKNOWN naming the
JSON path, and nothing else changes.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ctguard.api import check
from ctguard.findings import Status
from ctguard.parsers.aws import cli as aws_cli
from ctguard.parsers.aws import snapshot as aws_snapshot
from ctguard.parsers.aws.reader import Answer, document, timestamp
from ctguard.parsers.aws.shapes import DOC, NUMBER, RESPONSES, TIME, Kind, response_problem
from ctguard.parsers.context import ParseContext
from ctguard.values import Known, Unknown

AWS = Path(__file__).resolve().parents[3] / "fixtures" / "aws"
FIXTURES = {
    name: json.loads((AWS / f"snapshot-{name}.json").read_text(encoding="utf-8"))
    for name in ("single-account", "organization")
}
ACCOUNT = "111122223333"
ROLE_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/cloudtrail-logs-write"
# DescribeTrails is checked whole (a broken trail list makes the snapshot unusable, CT001).
CHECKED_ELSEWHERE = {("cloudtrail", "DescribeTrails")}


def _call(doc: dict[str, Any], operation: str, service: str | None = None) -> dict[str, Any]:
    return next(
        c for c in doc["calls"] if c["operation"] == operation and "response" in c and service in (None, c["service"])
    )


def _add(doc: dict[str, Any], service: str, operation: str, params: dict[str, Any], response: Any) -> None:
    doc["calls"].append(
        {
            "account": ACCOUNT,
            "region": "us-east-1",
            "service": service,
            "operation": operation,
            "params": params,
            "response": response,
        }
    )


# --- preparations: calls the fixture lacks, or edits that make the mutated value decide a finding ----


def _owner_decides(doc: dict[str, Any]) -> None:
    """The bucket's ACL is public and its own block off: the account's block (whose it is: ListBuckets) decides CT401."""
    _call(doc, "GetPublicAccessBlock", "s3")["response"]["PublicAccessBlockConfiguration"] = {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    acl = _call(doc, "GetBucketAcl")["response"]
    acl["Grants"].append(
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}
    )
    owner = acl["Owner"]["ID"]
    _add(
        doc,
        "s3",
        "ListBuckets",
        {},
        {"Buckets": [{"Name": "acme-cloudtrail-logs", "CreationDate": "2025-01-01T00:00:00Z"}], "Owner": {"ID": owner}},
    )


def _owner_by_acl(doc: dict[str, Any]) -> None:
    """As ``_owner_decides``, but ListBuckets does not name the bucket: GetBucketAcl's owner id does."""
    _owner_decides(doc)
    _call(doc, "ListBuckets")["response"]["Buckets"] = []


def _attached_policy(doc: dict[str, Any]) -> None:
    """The delivery role's permissions come from an attached managed policy (GetPolicy, GetPolicyVersion)."""
    inline = _call(doc, "GetRolePolicy")["response"]["PolicyDocument"]
    _call(doc, "ListRolePolicies")["response"]["PolicyNames"] = []
    _call(doc, "ListAttachedRolePolicies")["response"]["AttachedPolicies"] = [
        {"PolicyName": "cloudtrail-logs-write", "PolicyArn": ROLE_POLICY}
    ]
    _add(
        doc,
        "iam",
        "GetPolicy",
        {"PolicyArn": ROLE_POLICY},
        {"Policy": {"PolicyName": "cloudtrail-logs-write", "Arn": ROLE_POLICY, "DefaultVersionId": "v2"}},
    )
    _add(
        doc,
        "iam",
        "GetPolicyVersion",
        {"PolicyArn": ROLE_POLICY, "VersionId": "v2"},
        {
            "PolicyVersion": {
                "Document": urllib.parse.quote(json.dumps(inline)),
                "VersionId": "v2",
                "IsDefaultVersion": True,
            }
        },
    )


def _alarm_notifies_trail_topic(doc: dict[str, Any]) -> None:
    """The root-usage alarm notifies the topic whose subscriptions the snapshot holds."""
    alarm = _call(doc, "DescribeAlarms")["response"]["MetricAlarms"][0]
    alarm["AlarmActions"] = [f"arn:aws:sns:us-east-1:{ACCOUNT}:cloudtrail-notify"]


def _rule_covers_cis_4_5(doc: dict[str, Any]) -> None:
    """The EventBridge rule matches every CIS 4.5 event, so its targets decide CT505."""
    _call(doc, "ListRules")["response"]["Rules"][0]["EventPattern"] = json.dumps(
        {
            "source": ["aws.cloudtrail"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventName": ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]},
        }
    )


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(response: dict[str, Any]) -> None:
        node = response
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate


MONITORING = {f"CT5{n:02d}" for n in range(1, 16)}
KEY = {"CT408", "CT409", "CT410", "CT411", "CT412"}
STATUS = {"CT102", "CT201", "CT503", "CT601", "CT604", "CT801", "CT802", "CT803", "CT804", "CT805", "CT806", "CT807"}

# (service, operation, preparation, mutation, findings that must turn UNKNOWN, others that may change)
Case = tuple[str, str, Callable[[dict[str, Any]], None] | None, Callable[[dict[str, Any]], None], set[str], set[str]]
CASES: dict[str, Case] = {
    "kms-describe-key": ("kms", "DescribeKey", None, _set("KeyMetadata", "KeyState", value=["Enabled"]), KEY, set()),
    "kms-rotation": ("kms", "GetKeyRotationStatus", None, _set("KeyRotationEnabled", value="true"), {"CT408"}, set()),
    "kms-policy": ("kms", "GetKeyPolicy", None, _set("Policy", value=7), {"CT409", "CT410"}, set()),
    "kms-policy-not-an-object": (
        "kms",
        "GetKeyPolicy",
        None,
        _set("Policy", value="[1, 2]"),
        {"CT409", "CT410"},
        set(),
    ),
    "logs-groups": (
        "logs",
        "DescribeLogGroups",
        None,
        _set("logGroups", 0, "retentionInDays", value="400"),
        {"CT413", "CT414"},
        set(),
    ),
    "logs-filters": (
        "logs",
        "DescribeMetricFilters",
        None,
        _set("metricFilters", 0, "metricTransformations", value={"metricName": "x"}),
        MONITORING,
        set(),
    ),
    "logs-filter-null": ("logs", "DescribeMetricFilters", None, _set("metricFilters", value=[None]), MONITORING, set()),
    "cloudwatch-alarms": (
        "cloudwatch",
        "DescribeAlarms",
        None,
        _set("MetricAlarms", 0, "Threshold", value="1"),
        {"CT503"},
        set(),
    ),
    "sns-attributes": ("sns", "GetTopicAttributes", None, _set("Attributes", "Policy", value=["x"]), {"CT416"}, set()),
    "sns-subscriptions": (
        "sns",
        "ListSubscriptionsByTopic",
        _alarm_notifies_trail_topic,
        _set("Subscriptions", value={"Protocol": "email"}),
        {"CT503"},
        set(),
    ),
    "iam-role": ("iam", "GetRole", None, _set("Role", "AssumeRolePolicyDocument", value=5), {"CT415"}, set()),
    "iam-inline-names": (
        "iam",
        "ListRolePolicies",
        None,
        _set("PolicyNames", value="cloudtrail-to-logs"),
        {"CT415"},
        set(),
    ),
    "iam-attached": (
        "iam",
        "ListAttachedRolePolicies",
        None,
        _set("AttachedPolicies", value=[{"PolicyArn": 1}]),
        {"CT415"},
        set(),
    ),
    "iam-inline-document": ("iam", "GetRolePolicy", None, _set("PolicyDocument", value=[]), {"CT415"}, set()),
    "iam-inline-document-empty": ("iam", "GetRolePolicy", None, _set("PolicyDocument", value=""), {"CT415"}, set()),
    "iam-policy": ("iam", "GetPolicy", _attached_policy, _set("Policy", "DefaultVersionId", value=2), {"CT415"}, set()),
    "iam-policy-version": (
        "iam",
        "GetPolicyVersion",
        _attached_policy,
        _set("PolicyVersion", "Document", value=True),
        {"CT415"},
        set(),
    ),
    "events-rules": (
        "events",
        "ListRules",
        None,
        _set("Rules", 0, "EventPattern", value={"source": ["aws.x"]}),
        MONITORING - {"CT503"},
        {"CT503"},
    ),
    "events-targets": (
        "events",
        "ListTargetsByRule",
        _rule_covers_cis_4_5,
        _set("Targets", value=[{"Arn": 5}]),
        {"CT505"},
        set(),
    ),
    "events-pattern-not-json": (
        "events",
        "ListRules",
        _rule_covers_cis_4_5,
        _set("Rules", 0, "EventPattern", value="StopLogging"),
        MONITORING - {"CT503"},
        {"CT503"},
    ),
    "organizations": (
        "organizations",
        "DescribeOrganization",
        None,
        _set("Organization", "MasterAccountId", value=999988887777),
        {"CT605"},
        set(),
    ),
    "ec2-regions": (
        "ec2",
        "DescribeRegions",
        None,
        _set("Regions", 0, "RegionName", value=["us-east-1"]),
        {"CT604"},
        set(),
    ),
    "s3-list-buckets": ("s3", "ListBuckets", _owner_decides, _set("Buckets", 0, "Name", value=5), {"CT401"}, set()),
    "s3-acl-owner": ("s3", "GetBucketAcl", _owner_by_acl, _set("Owner", value="me"), {"CT401"}, set()),
    "s3-policy": ("s3", "GetBucketPolicy", None, _set("Policy", value=7), {"CT402", "CT403", "CT404"}, {"CT401"}),
    "cloudtrail-status-time": (
        "cloudtrail",
        "GetTrailStatus",
        None,
        _set("LatestDeliveryTime", value=["2026"]),
        STATUS,
        {"CT603"},
    ),
}

# Answers of the right type whose content AWS never gives: the mapper says why, without a guess.
ODD = {
    "kms-policy-not-an-object": "kms:GetKeyPolicy answered a policy document that is not a JSON object",
    "iam-inline-document-empty": "iam:GetRolePolicy answered a policy document that is not valid JSON",
    "events-pattern-not-json": "events:ListRules gave an EventPattern that is not a JSON object",
}


def _run(doc: dict[str, Any], tmp_path: Path, name: str) -> list[Any]:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = check([path])
    assert not report.unusable, [f.message for f in report.unusable]
    assert not [f for f in report.findings if f.status is Status.ERROR]
    return report.findings


def _key(f: Any) -> tuple[Any, ...]:
    return (f.rule_id, f.resource, f.model_path, f.status, f.message)


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_answer_is_unknown_with_its_path(case: str, tmp_path: Path) -> None:
    service, operation, prepare, mutate, unknown, may_change = CASES[case]
    doc = copy.deepcopy(FIXTURES["single-account"])
    if prepare:
        prepare(doc)
    before = _run(doc, tmp_path, "before.json")
    call = _call(doc, operation, service)
    mutate(call["response"])
    problem = response_problem(service, operation, call["response"])
    assert (problem is None) == (case in ODD), problem
    where = ODD.get(case) or f"MalformedResponse: calls/{doc['calls'].index(call)}/response: {problem}"
    after = _run(doc, tmp_path, "after.json")

    for rule in unknown:
        got = [f for f in after if f.rule_id == rule]
        assert got and all(f.status is Status.UNKNOWN for f in got), (rule, [f.message for f in got])
        assert any(where in f.message for f in got), (rule, where, [f.message for f in got])
    changed = {key[0] for key in set(map(_key, before)) ^ set(map(_key, after))}
    assert changed <= unknown | may_change, sorted(changed - unknown - may_change)


def _parse(doc: dict[str, Any]) -> Any:
    [parsed] = [
        p
        for p in aws_snapshot.parse("snap.json", json.dumps(doc), ParseContext())
        if p.variants and p.variants[0].account_id == Known(ACCOUNT)
    ]
    return parsed.variants[0]


EDS = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/lake-1"


def _lake(doc: dict[str, Any]) -> None:
    summary = {
        "EventDataStoreArn": EDS,
        "Name": "lake",
        "Status": "ENABLED",
        "RetentionPeriod": 2557,
        "TerminationProtectionEnabled": True,
        "MultiRegionEnabled": True,
        "OrganizationEnabled": False,
        "AdvancedEventSelectors": [
            {"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        ],
    }
    next(c for c in doc["calls"] if c["operation"] == "ListEventDataStores" and c["region"] == "us-east-1")[
        "response"
    ] = {"EventDataStores": [summary]}
    _add(
        doc,
        "cloudtrail",
        "GetEventDataStore",
        {"EventDataStore": EDS},
        {**summary, "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/lake"},
    )


@pytest.mark.parametrize(
    "operation, mutate, field, stand_in",
    [
        ("ListEventDataStores", _set("EventDataStores", 0, "RetentionPeriod", value="7 years"), "retention_days", True),
        ("ListEventDataStores", _set("EventDataStores", value={"Name": "lake"}), "is_organization", True),
        ("GetEventDataStore", _set("KmsKeyId", value=["k"]), "kms_key_id", False),
    ],
)
def test_malformed_lake_answer_leaves_its_values_unknown(
    operation: str, mutate: Callable[[dict[str, Any]], None], field: str, stand_in: bool
) -> None:
    """No policy reads event data stores yet: the model carries the Unknown, and no "no store" guess."""
    doc = copy.deepcopy(FIXTURES["single-account"])
    _lake(doc)
    [good] = _parse(doc).all("event_data_store")
    assert good.key == EDS and isinstance(getattr(good, field), Known)
    call = _call(doc, operation)
    mutate(call["response"])
    stores = _parse(doc).all("event_data_store")
    [store] = [s for s in stores if (s.key.endswith("event-data-stores-not-read") if stand_in else s.key == EDS)]
    value = getattr(store, field)
    assert isinstance(value, Unknown)
    assert f"MalformedResponse: calls/{doc['calls'].index(call)}/response: " in value.reason
    if not stand_in:  # the listing still gives what GetEventDataStore would have confirmed
        assert store.retention_days == Known(2557)


def _augmented() -> dict[str, Any]:
    """The single-account fixture plus the calls it lacks (ListBuckets, GetPolicy(Version), CloudTrail Lake)."""
    doc = copy.deepcopy(FIXTURES["single-account"])
    _owner_decides(doc)
    _attached_policy(doc)
    _lake(doc)
    return doc


def test_every_answer_a_mapper_reads_has_a_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapper that starts reading a new call without describing its shape fails here."""
    read: set[tuple[str, str]] = set()
    original = Answer.response

    def recording(self: Answer) -> Any:
        service, operation = self.label.split(":", 1)
        read.add((service, operation))
        return original.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Answer, "response", property(recording))
    for doc in (*FIXTURES.values(), _augmented()):
        assert aws_snapshot.parse("snap.json", json.dumps(doc), ParseContext())
    assert {("s3", "ListBuckets"), ("iam", "GetPolicyVersion"), ("cloudtrail", "GetEventDataStore")} <= read
    assert read - CHECKED_ELSEWHERE <= set(RESPONSES), sorted(read - CHECKED_ELSEWHERE - set(RESPONSES))


@pytest.mark.parametrize("name", sorted(FIXTURES) + ["augmented"])
def test_fixture_answers_are_not_malformed(name: str, tmp_path: Path) -> None:
    doc = _augmented() if name == "augmented" else FIXTURES[name]
    for i, call in enumerate(doc["calls"]):
        if "response" in call:
            assert response_problem(call["service"], call["operation"], call["response"]) is None, i
    findings = _run(doc, tmp_path, "snap.json")
    assert not [f for f in findings if "MalformedResponse" in f.message]


def _botocore_mismatch(ours: Any, theirs: Any, where: str) -> str | None:
    kind = theirs.type_name
    if isinstance(ours, dict):
        if kind == "map":
            return next(
                filter(None, (_botocore_mismatch(v, theirs.value, f"{where}.{k}") for k, v in ours.items())), None
            )
        if kind != "structure":
            return f"{where}: an object here, {kind} in botocore"
        for key, inner in ours.items():
            if key not in theirs.members:
                return f"{where}.{key}: no such member in botocore"
            found = _botocore_mismatch(inner, theirs.members[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list):
        return _botocore_mismatch(ours[0], theirs.member, f"{where}[]") if kind == "list" else f"{where}: {kind}"
    expected = {str: {"string"}, bool: {"boolean"}, int: {"integer", "long"}}
    if isinstance(ours, Kind):
        expected = {id(NUMBER): {"double", "float", "integer", "long"}, id(TIME): {"timestamp"}, id(DOC): {"string"}}  # type: ignore[dict-item]
        ours = id(ours)
    return None if kind in expected[ours] else f"{where}: {ours!r} here, {kind} in botocore"


@pytest.mark.parametrize("service, operation", sorted(RESPONSES))
def test_shapes_follow_botocore(service: str, operation: str) -> None:
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model(service).operation_model(operation)
    assert _botocore_mismatch(RESPONSES[(service, operation)], model.output_shape, operation) is None


@pytest.mark.parametrize(
    "operation, response, problem",
    [
        ("GetBucketPolicy", {"Policy": 7}, "Policy is a number, not a policy document (a JSON string or an object)"),
        ("GetBucketLogging", {"LoggingEnabled": None}, None),  # an optional key left out
        ("GetBucketLogging", {}, None),  # a bucket without access logging answers with nothing
        # Every GetBucketPolicy answer holds the policy ("none" is NoSuchBucketPolicy): without it, cut short.
        ("GetBucketPolicy", {}, "Policy is missing (a cut-short or garbled answer)"),
        ("GetBucketPolicy", {"Policy": None}, "Policy is missing (a cut-short or garbled answer)"),
        ("GetBucketPolicy", [], "the answer is a list, not an object"),
    ],
)
def test_problem_messages(operation: str, response: Any, problem: str | None) -> None:
    assert response_problem("s3", operation, response) == problem


@pytest.mark.parametrize(
    "operation, response",
    [
        ("GetEventSelectors", {}),  # a truncated JSON body that botocore parsed leniently
        ("DescribeTrails", {"trailList": "x"}),
        ("GetTrailStatus", {"LatestDeliveryTime": "2026-01-01T00:00:00Z"}),
    ],
)
def test_cloudtrail_answers_without_their_members_are_malformed(operation: str, response: Any) -> None:
    assert response_problem("cloudtrail", operation, response) is not None


def test_a_list_of_accounts_without_accounts_is_malformed() -> None:
    assert response_problem("organizations", "ListAccounts", {}) is not None
    assert (
        response_problem("organizations", "ListAccounts", {"Accounts": [{"Id": 7}]})
        == "Accounts[0].Id is a number, not a string"
    )
    assert response_problem("organizations", "ListAccounts", {"Accounts": []}) is None


def test_odd_values_that_pass_the_shape_are_not_guessed() -> None:
    assert isinstance(document(""), Unknown) and isinstance(document("[]"), Unknown)
    assert isinstance(document("7"), Unknown)
    assert document(urllib.parse.quote('{"Statement": []}')) == {"Statement": []}
    assert timestamp(1763805600) == "2025-11-22T10:00:00Z"  # AWS CLI v1 writes epoch seconds
    assert timestamp(1763805600.5) == "2025-11-22T10:00:00.500000Z"
    doc = copy.deepcopy(FIXTURES["single-account"])
    _call(doc, "DescribeOrganization")["response"]["Organization"]["Id"] = ""
    _call(doc, "ListRules")["response"]["Rules"][0]["Name"] = ""
    _call(doc, "DescribeRegions")["response"]["Regions"].append({"OptInStatus": "opted-in"})
    _call(doc, "GetBucketLifecycleConfiguration")["response"]["Rules"][0]["Filter"] = {
        "And": {"Prefix": "access/", "Tags": [{"Key": "k", "Value": "v"}]}
    }
    model = _parse(doc)
    [bucket] = model.all("bucket")
    assert bucket.lifecycle_rules.value[0].prefix == Known("access/")  # not "" (the whole bucket)
    assert isinstance(model.organization_id, Unknown)  # not Known(None): that would mean "no organization"
    assert model.enabled_regions == Known(("eu-west-1", "us-east-1"))
    [rule] = model.all("event_rule")
    assert not isinstance(rule.name, Known) and isinstance(rule.targets, Unknown)


def _cli_status(tmp_path: Path, status: dict[str, Any]) -> Any:
    """describe-trails output with a get-trail-status sidecar holding ``status``: main-trail's status."""
    sample = AWS / "describe-trails"
    for file in sample.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "trails.main-trail.status.json").write_text(json.dumps(status), encoding="utf-8")
    [parsed] = aws_cli.parse(
        str(tmp_path / "trails.json"), (tmp_path / "trails.json").read_text(encoding="utf-8"), ParseContext()
    )
    assert not parsed.problems, parsed.problems
    return next(t for t in parsed.variants[0].trails if t.key.endswith("trail/main-trail")).status


def test_cli_sidecar_with_aws_cli_v1_epoch_times(tmp_path: Path) -> None:
    status = _cli_status(
        tmp_path, {"IsLogging": True, "LatestDeliveryTime": 1763805600.0, "StartLoggingTime": 1740816000}
    )
    assert status.is_logging == Known(True)
    assert status.latest_delivery_time == Known("2025-11-22T10:00:00Z")
    assert status.start_logging_time == Known("2025-03-01T08:00:00Z")


def test_cli_sidecar_of_the_wrong_shape_is_a_failed_call(tmp_path: Path) -> None:
    status = _cli_status(tmp_path, {"IsLogging": "yes", "LatestDeliveryTime": "2026-11-22T09:55:12Z"})
    assert isinstance(status.is_logging, Unknown)
    assert "SidecarInvalid" in status.is_logging.reason
    assert "IsLogging is a string, not a boolean" in status.is_logging.reason


def test_event_data_store_listed_without_its_arn_gets_no_made_up_arn() -> None:
    doc = copy.deepcopy(FIXTURES["single-account"])
    _lake(doc)
    del _call(doc, "ListEventDataStores")["response"]["EventDataStores"][0]["EventDataStoreArn"]
    [store] = _parse(doc).all("event_data_store")
    assert isinstance(store.arn, Unknown) and isinstance(store.kms_key_id, Unknown)
    assert store.retention_days == Known(2557)  # what the listing does say is kept
