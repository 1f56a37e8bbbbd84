"""Table-driven cases for rules R1-R36 of shared/docs/selector-semantics.md.

Each case cites its rule and the doc key of §0 of that file (BC, UG-filter, S3UG, ...).
Not testable in the simulator (they are config-lint or sizing facts, not capture semantics):
R32 (quotas), R33 (event size), R34 (trail name).  R35/R36 are tested through the capture
facts they rest on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from ctguard.model import (
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    InsightSelector,
    Trail,
    TrailStatus,
)
from ctguard.simulate.evaluate import (
    SimContext,
    Verdict,
    captured_by_any,
    compile_trail,
    evaluate,
    evaluate_trails,
)
from ctguard.simulate.events import Event
from ctguard.simulate.explain import render_text, verdict_to_dict
from ctguard.simulate.policy import SimPolicy
from ctguard.values import ABSENT, Known, Unknown

A = "111111111111"
B = "222222222222"
C = "333333333333"
_DROP = object()


def rec(**kw: Any) -> dict[str, Any]:
    """A modern management record; keyword ``x=_DROP`` removes key x."""
    r: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "eventCategory": "Management",
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "readOnly": False,
        "recipientAccountId": A,
        "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "accountId": A, "arn": f"arn:aws:iam::{A}:user/alice"},
    }
    for k, v in kw.items():
        if v is _DROP:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def s3(key: str = "bucket1/a.txt", name: str = "GetObject", read_only: bool = True, **kw: Any) -> dict[str, Any]:
    bucket = key.split("/")[0]
    base: dict[str, Any] = {
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "eventCategory": "Data",
        "managementEvent": False,
        "readOnly": read_only,
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{key}"},
            {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "accountId": A},
        ],
    }
    return rec(**{**base, **kw})


def lam(fn: str = "helloworld") -> dict[str, Any]:
    return rec(
        eventSource="lambda.amazonaws.com",
        eventName="Invoke",
        eventCategory="Data",
        managementEvent=False,
        readOnly=False,
        resources=[{"type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-west-2:{A}:function:{fn}"}],
    )


def ddb(table: str = "Music", types: tuple[str, ...] = ("AWS::DynamoDB::Table",)) -> dict[str, Any]:
    res = [
        {
            "type": t,
            "ARN": f"arn:aws:dynamodb:us-east-1:{A}:table/{table}" + ("/stream/2024" if t.endswith("Stream") else ""),
        }
        for t in types
    ]
    return rec(
        eventSource="dynamodb.amazonaws.com",
        eventName="GetRecords" if len(types) > 1 else "GetItem",
        eventCategory="Data",
        managementEvent=False,
        readOnly=True,
        resources=res,
    )


def vpce(source: str = "s3.amazonaws.com", **kw: Any) -> dict[str, Any]:
    return rec(
        eventSource=source,
        eventName="GetObject",
        eventCategory="NetworkActivity",
        eventType="AwsVpceEvent",
        managementEvent=_DROP,
        readOnly=_DROP,
        vpcEndpointId="vpce-1",
        vpcEndpointAccountId=A,
        **kw,
    )


def insight(itype: str = "ApiCallRateInsight", category: str | None = "Management") -> dict[str, Any]:
    details: dict[str, Any] = {
        "state": "Start",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "insightType": itype,
    }
    if category:
        details["sourceEventCategory"] = category
    return rec(
        eventCategory="Insight",
        eventType="AwsCloudTrailInsight",
        managementEvent=_DROP,
        readOnly=_DROP,
        insightDetails=details,
    )


def trail(**kw: Any) -> Trail:
    base: dict[str, Any] = {
        "key": "t",
        "is_logging": Known(True),
        "is_multi_region": Known(True),
        "home_region": Known("us-east-1"),
        "account_id": Known(A),
    }
    base.update(kw)
    return Trail(**base)


def fs(f: str | Unknown, **ops: Any) -> FieldSelector:
    return FieldSelector(field=f, **{k: tuple(v) for k, v in ops.items()})


def adv(*sels: tuple[str, list[FieldSelector]]) -> Known:
    return Known(tuple(AdvancedEventSelector(name=n, field_selectors=tuple(f)) for n, f in sels))


def basic(*sels: EventSelector) -> Known:
    return Known(tuple(sels))


def S3_DR(*values: str | Unknown) -> DataResource:
    return DataResource(type="AWS::S3::Object", values=tuple(values))


MGMT = fs("eventCategory", equals=["Management"])
DATA = fs("eventCategory", equals=["Data"])
S3OBJ = fs("resources.type", equals=["AWS::S3::Object"])


@dataclass
class Case:
    id: str
    trail: Trail
    record: dict[str, Any]
    expected: bool | None
    stage: str | None = None
    ctx: SimContext = field(default_factory=SimContext)


ORG = SimContext(organization_accounts=frozenset({A, B}))
Q1_UNKNOWN = SimContext(policy=SimPolicy(read_only_missing="unknown"))
WRITE_ONLY = basic(EventSelector(read_write_type=Known("WriteOnly")))

CASES = [
    # R1 / BC StopLogging, GetTrailStatus.IsLogging; UG23-...-create-trail (not logging until started)
    Case("R1-stopped", trail(is_logging=Known(False)), rec(), False, "logging"),
    Case("R1-absent-defaults-to-not-logging", trail(is_logging=ABSENT), rec(), False, "logging"),
    Case(
        "R1-status-overrides-config",
        trail(is_logging=Known(False), status=TrailStatus(is_logging=Known(True))),
        rec(),
        True,
    ),
    Case("R1-unknown", trail(is_logging=Unknown("!Ref Enabled")), rec(), None, "logging"),
    Case(
        "R1-unknown-but-other-account",
        trail(is_logging=Unknown("!Ref Enabled")),
        rec(recipientAccountId=C),
        False,
        "account",
    ),
    # R2 / UG23-cloudtrail-event-reference-record-contents (recipientAccountId)
    Case("R2-own-account", trail(), rec(), True),
    Case("R2-other-account", trail(), rec(recipientAccountId=B), False, "account"),
    Case("R2-missing-recipient-uses-caller", trail(), rec(recipientAccountId=_DROP), True),
    Case("R2-no-account-at-all", trail(), rec(recipientAccountId=_DROP, userIdentity=_DROP), None, "account"),
    Case("R2-account-from-deploy-context", trail(account_id=ABSENT), rec(), True, ctx=SimContext(account_id=A)),
    # R2 / S3UG "Object-level actions in cross-account scenarios": the bucket owner's copy
    Case(
        "R2-S3-owner-copy",
        trail(account_id=Known(B), advanced_event_selectors=adv(("s3", [DATA, S3OBJ]))),
        s3(recipientAccountId=B),
        True,
    ),
    # R3 / UG-concepts, UG23-creating-trail-organization
    Case("R3-org-member", trail(is_organization=Known(True)), rec(recipientAccountId=B), True, ctx=ORG),
    Case("R3-not-in-org", trail(is_organization=Known(True)), rec(recipientAccountId=C), False, "account", ctx=ORG),
    Case("R3-org-members-unknown", trail(is_organization=Known(True)), rec(recipientAccountId=B), None, "account"),
    Case("R3-non-org-trail-member", trail(), rec(recipientAccountId=B), False, "account", ctx=ORG),
    Case(
        "R3-opt-in-home-not-enabled",
        trail(is_organization=Known(True), home_region=Known("af-south-1")),
        rec(recipientAccountId=B, awsRegion="eu-west-1"),
        False,
        "account",
        ctx=replace(ORG, enabled_regions={B: frozenset({"eu-west-1"})}),
    ),
    Case(
        "R3-opt-in-home-enabled",
        trail(is_organization=Known(True), home_region=Known("af-south-1")),
        rec(recipientAccountId=B, awsRegion="eu-west-1"),
        True,
        ctx=replace(ORG, enabled_regions={B: frozenset({"eu-west-1", "af-south-1"})}),
    ),
    Case(
        "R3-opt-in-home-unknown",
        trail(is_organization=Known(True), home_region=Known("af-south-1")),
        rec(recipientAccountId=B, awsRegion="eu-west-1"),
        None,
        "account",
        ctx=ORG,
    ),
    # R4 / UG-concepts, UG-multi
    Case("R4-single-home", trail(is_multi_region=Known(False)), rec(), True),
    Case("R4-single-elsewhere", trail(is_multi_region=Known(False)), rec(awsRegion="eu-west-1"), False, "region"),
    Case("R4-multi-elsewhere", trail(), rec(awsRegion="ap-southeast-2"), True),
    Case("R4-multi-default-false", trail(is_multi_region=ABSENT), rec(awsRegion="eu-west-1"), False, "region"),
    Case(
        "R4-region-not-enabled",
        trail(),
        rec(awsRegion="me-south-1"),
        False,
        "region",
        ctx=SimContext(enabled_regions={A: frozenset({"us-east-1"})}),
    ),
    Case("R4-other-partition", trail(), rec(awsRegion="cn-north-1"), False, "region"),
    Case(
        "R4-home-from-deploy-context",
        trail(home_region=ABSENT, is_multi_region=Known(False)),
        rec(awsRegion="eu-west-1"),
        True,
        ctx=SimContext(region="eu-west-1"),
    ),
    Case(
        "R4-multi-unknown-elsewhere",
        trail(is_multi_region=Unknown("var.multi")),
        rec(awsRegion="eu-west-1"),
        None,
        "region",
    ),
    # R5 / UG-update (GSE in us-east-1 since 2021), UG-concepts, UG23-...-aws-console-sign-in-events
    Case(
        "R5-iam-single-us-east-1",
        trail(is_multi_region=Known(False)),
        rec(eventSource="iam.amazonaws.com", eventName="CreateUser"),
        True,
    ),
    Case(
        "R5-iam-single-elsewhere",
        trail(is_multi_region=Known(False), home_region=Known("eu-west-1")),
        rec(eventSource="iam.amazonaws.com", eventName="CreateUser"),
        False,
        "global-service-events",
    ),
    Case(
        "R5-iam-igse-false",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="iam.amazonaws.com", eventName="CreateUser"),
        False,
        "global-service-events",
    ),
    Case(
        "R5-iam-multi",
        trail(home_region=Known("eu-west-1")),
        rec(eventSource="iam.amazonaws.com", eventName="CreateUser"),
        True,
    ),
    Case(
        "R5-signin-is-global",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="signin.amazonaws.com", eventName="ConsoleLogin", eventType="AwsConsoleSignIn"),
        False,
        "global-service-events",
    ),
    Case(
        "R5-cloudfront-is-global",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="cloudfront.amazonaws.com", eventName="CreateDistribution"),
        False,
        "global-service-events",
    ),
    Case(
        "R5-sts-global-host",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(
            eventSource="sts.amazonaws.com",
            eventName="AssumeRole",
            tlsDetails={"clientProvidedHostHeader": "sts.amazonaws.com"},
        ),
        False,
        "global-service-events",
    ),
    Case(
        "R5-sts-regional-host",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(
            eventSource="sts.amazonaws.com",
            eventName="AssumeRole",
            tlsDetails={"clientProvidedHostHeader": "sts.us-east-1.amazonaws.com"},
        ),
        True,
    ),
    Case(
        "R5-sts-regional-elsewhere",
        trail(is_multi_region=Known(False), home_region=Known("eu-west-1")),
        rec(eventSource="sts.amazonaws.com", eventName="AssumeRole", awsRegion="eu-west-1"),
        True,
    ),
    # OPEN-Q3: STS in us-east-1 without host header: unknown only where the readings differ
    Case(
        "Q3-sts-no-host-readings-agree",
        trail(is_multi_region=Known(False)),
        rec(eventSource="sts.amazonaws.com", eventName="AssumeRole"),
        True,
    ),
    Case(
        "Q3-sts-no-host-readings-differ",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="sts.amazonaws.com", eventName="AssumeRole"),
        None,
        "global-service-events",
    ),
    Case(
        "Q3-route53-not-global",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="route53.amazonaws.com", eventName="ChangeResourceRecordSets"),
        True,
    ),
    Case(
        "Q3-route53-global-by-policy",
        trail(is_multi_region=Known(False), include_global_service_events=Known(False)),
        rec(eventSource="route53.amazonaws.com", eventName="ChangeResourceRecordSets"),
        False,
        "global-service-events",
        ctx=SimContext(policy=SimPolicy(extra_global_sources=frozenset({"route53.amazonaws.com"}))),
    ),
    # R6 / UG-update; OPEN-Q4: multi-Region + IGSE false is invalid, the flag is read as stored
    Case(
        "R6-multi-igse-false-gse",
        trail(include_global_service_events=Known(False)),
        rec(eventSource="iam.amazonaws.com", eventName="CreateUser"),
        False,
        "global-service-events",
    ),
    Case(
        "R6-multi-igse-false-regional",
        trail(include_global_service_events=Known(False)),
        rec(awsRegion="eu-west-1"),
        True,
    ),
    # R8 / UG-mgmt (non-API management events), UG23-cloudtrail-event-reference-record-contents
    Case(
        "R8-service-event",
        trail(),
        rec(eventType="AwsServiceEvent", readOnly=_DROP, eventSource="kms.amazonaws.com", eventName="RotateKey"),
        True,
    ),
    Case(
        "R8-console-signin",
        trail(),
        rec(eventSource="signin.amazonaws.com", eventName="ConsoleLogin", eventType="AwsConsoleSignIn"),
        True,
    ),
    # R9 / UG-mgmt: KMS Decrypt is a read event
    Case(
        "R9-kms-decrypt-write-only",
        trail(event_selectors=WRITE_ONLY),
        rec(eventSource="kms.amazonaws.com", eventName="Decrypt", readOnly=True),
        False,
        "selectors",
    ),
    Case(
        "R9-kms-disable-write-only",
        trail(event_selectors=WRITE_ONLY),
        rec(eventSource="kms.amazonaws.com", eventName="DisableKey", readOnly=False),
        True,
    ),
    # OPEN-Q1: a record without readOnly matches neither ReadOnly nor WriteOnly (or is unknown)
    Case("Q1-no-readonly-write-only", trail(event_selectors=WRITE_ONLY), rec(readOnly=_DROP), False, "selectors"),
    Case("Q1-no-readonly-all", trail(event_selectors=basic(EventSelector())), rec(readOnly=_DROP), True),
    Case(
        "Q1-no-readonly-unknown-policy",
        trail(event_selectors=WRITE_ONLY),
        rec(readOnly=_DROP),
        None,
        "selectors",
        ctx=Q1_UNKNOWN,
    ),
    Case(
        "Q1-advanced-readonly-equals",
        trail(advanced_event_selectors=adv(("w", [MGMT, fs("readOnly", equals=["false"])]))),
        rec(readOnly=_DROP),
        False,
        "selectors",
    ),
    # R10 / BC EventSelector ("By default ... all read and write management events, and no data events")
    Case("R10-default-management", trail(), rec(), True),
    Case("R10-default-no-data", trail(), s3(), False, "selectors"),
    Case(
        "R10-empty-lists-are-default", trail(event_selectors=Known(()), advanced_event_selectors=Known(())), rec(), True
    ),
    Case(
        "R10-basic-default-form",
        trail(
            event_selectors=basic(
                EventSelector(
                    read_write_type=Known("All"), include_management_events=Known(True), data_resources=Known(())
                )
            )
        ),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R10-advanced-default-form",
        trail(advanced_event_selectors=adv(("Management events selector", [MGMT]))),
        rec(),
        True,
    ),
    # OPEN-Q5: both kinds set: advanced wins (or Unknown by policy)
    Case(
        "Q5-advanced-wins",
        trail(event_selectors=WRITE_ONLY, advanced_event_selectors=adv(("r", [MGMT, fs("readOnly", equals=["true"])]))),
        rec(readOnly=True),
        True,
    ),
    Case(
        "Q5-both-unknown-by-policy",
        trail(event_selectors=WRITE_ONLY, advanced_event_selectors=adv(("m", [MGMT]))),
        rec(),
        None,
        "selectors",
        ctx=SimContext(policy=SimPolicy(advanced_wins_over_basic=False)),
    ),
    Case("R10-selectors-unknown", trail(advanced_event_selectors=Unknown("!If")), rec(), None, "selectors"),
    Case(
        "R10-selectors-unknown-but-stopped",
        trail(is_logging=Known(False), advanced_event_selectors=Unknown("!If")),
        rec(),
        False,
        "logging",
    ),
    # R11 / BC EventSelector: selectors are OR'd
    Case("R11-second-selector", trail(advanced_event_selectors=adv(("m", [MGMT]), ("s3", [DATA, S3OBJ]))), s3(), True),
    # R12 / API-AFS: Insights are not governed by event selectors
    Case(
        "R12-insight-ignores-event-selectors",
        trail(
            advanced_event_selectors=adv(("s3", [DATA, S3OBJ]), ("m", [MGMT])),
            insight_selectors=Known((InsightSelector("ApiCallRateInsight"),)),
        ),
        insight(),
        True,
    ),
    # R13 / BC PutEventSelectors worked example (RunInstances vs GetConsoleOutput)
    Case(
        "R13-write-only-runinstances",
        trail(event_selectors=WRITE_ONLY),
        rec(eventName="RunInstances", readOnly=False),
        True,
    ),
    Case(
        "R13-write-only-getconsoleoutput",
        trail(event_selectors=WRITE_ONLY),
        rec(eventName="GetConsoleOutput", readOnly=True),
        False,
        "selectors",
    ),
    # R13 / BC GetEventSelectors: ReadWriteType applies to data events too
    Case(
        "R13-rw-applies-to-data",
        trail(
            event_selectors=basic(
                EventSelector(read_write_type=Known("WriteOnly"), data_resources=Known((S3_DR("arn:aws:s3"),)))
            )
        ),
        s3(read_only=True),
        False,
        "selectors",
    ),
    Case("R13-rw-unknown", trail(event_selectors=basic(EventSelector(read_write_type=Unknown("var.rw")))), rec(), None),
    # R14 / BC EventSelector.IncludeManagementEvents
    Case(
        "R14-no-management",
        trail(
            event_selectors=basic(
                EventSelector(include_management_events=Known(False), data_resources=Known((S3_DR("arn:aws:s3"),)))
            )
        ),
        rec(),
        False,
        "selectors",
    ),
    Case(
        "R14-no-management-still-data",
        trail(
            event_selectors=basic(
                EventSelector(include_management_events=Known(False), data_resources=Known((S3_DR("arn:aws:s3"),)))
            )
        ),
        s3(),
        True,
    ),
    Case(
        "R14-ime-unknown-management",
        trail(
            event_selectors=basic(
                EventSelector(include_management_events=Unknown("p"), data_resources=Known((S3_DR("arn:aws:s3"),)))
            )
        ),
        rec(),
        None,
        "selectors",
    ),
    Case(
        "R14-ime-unknown-data-known",
        trail(
            event_selectors=basic(
                EventSelector(include_management_events=Unknown("p"), data_resources=Known((S3_DR("arn:aws:s3"),)))
            )
        ),
        s3(),
        True,
    ),
    # R15 / BC EventSelector.ExcludeManagementEventSources
    Case(
        "R15-exclude-kms",
        trail(event_selectors=basic(EventSelector(exclude_management_event_sources=Known(("kms.amazonaws.com",))))),
        rec(eventSource="kms.amazonaws.com", eventName="Decrypt"),
        False,
        "selectors",
    ),
    Case(
        "R15-exclude-kms-ec2-kept",
        trail(event_selectors=basic(EventSelector(exclude_management_event_sources=Known(("kms.amazonaws.com",))))),
        rec(),
        True,
    ),
    Case(
        "R15-advanced-notequals",
        trail(advanced_event_selectors=adv(("m", [MGMT, fs("eventSource", not_equals=["rdsdata.amazonaws.com"])]))),
        rec(eventSource="rdsdata.amazonaws.com", eventName="ExecuteStatement"),
        False,
        "selectors",
    ),
    # R16 / BC DataResource: three types only; a type matches only its own resources
    Case(
        "R16-s3-dr-not-lambda",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
        lam(),
        False,
        "selectors",
    ),
    Case(
        "R16-other-type-in-basic",
        trail(
            event_selectors=basic(
                EventSelector(data_resources=Known((DataResource("AWS::EC2::Snapshot", ("arn:aws:ec2",)),)))
            )
        ),
        rec(
            eventCategory="Data",
            managementEvent=False,
            resources=[{"type": "AWS::EC2::Snapshot", "ARN": "arn:aws:ec2:us-east-1::snapshot/snap-1"}],
        ),
        False,
        "selectors",
    ),
    # R17 / BC DataResource.Values
    Case(
        "R17-s3-all",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
        s3("any/k"),
        True,
    ),
    Case(
        "R17-s3-bucket",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/"),))))),
        s3("bucket1/x/y"),
        True,
    ),
    Case(
        "R17-s3-other-bucket",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/"),))))),
        s3("bucket10/x"),
        False,
        "selectors",
    ),
    Case(
        "R17-s3-object-prefix",
        trail(
            event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/example-images"),))))
        ),
        s3("bucket1/example-images/a.png"),
        True,
    ),
    Case(
        "R17-s3-object-prefix-miss",
        trail(
            event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/example-images"),))))
        ),
        s3("bucket1/docs/a.png"),
        False,
        "selectors",
    ),
    Case(
        "R17-lambda-all",
        trail(
            event_selectors=basic(
                EventSelector(data_resources=Known((DataResource("AWS::Lambda::Function", ("arn:aws:lambda",)),)))
            )
        ),
        lam("anything"),
        True,
    ),
    Case(
        "R17-lambda-exact",
        trail(
            event_selectors=basic(
                EventSelector(
                    data_resources=Known(
                        (DataResource("AWS::Lambda::Function", (f"arn:aws:lambda:us-west-2:{A}:function:helloworld",)),)
                    )
                )
            )
        ),
        lam(),
        True,
    ),
    Case(
        "R17-lambda-exact-not-prefix",
        trail(
            event_selectors=basic(
                EventSelector(
                    data_resources=Known(
                        (DataResource("AWS::Lambda::Function", (f"arn:aws:lambda:us-west-2:{A}:function:helloworld",)),)
                    )
                )
            )
        ),
        lam("helloworld2"),
        False,
        "selectors",
    ),
    Case(
        "R17-dynamodb-all",
        trail(
            event_selectors=basic(
                EventSelector(data_resources=Known((DataResource("AWS::DynamoDB::Table", ("arn:aws:dynamodb",)),)))
            )
        ),
        ddb(),
        True,
    ),
    Case(
        "R17-dynamodb-other-table",
        trail(
            event_selectors=basic(
                EventSelector(
                    data_resources=Known(
                        (DataResource("AWS::DynamoDB::Table", (f"arn:aws:dynamodb:us-east-1:{A}:table/Other",)),)
                    )
                )
            )
        ),
        ddb(),
        False,
        "selectors",
    ),
    Case(
        "R17-unknown-value-typed",
        trail(
            event_selectors=basic(
                EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::b0/", Unknown("var.bucket")),)))
            )
        ),
        s3(),
        None,
        "selectors",
    ),
    Case(
        "R17-unknown-value-known-hit",
        trail(
            event_selectors=basic(
                EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/", Unknown("var.bucket")),)))
            )
        ),
        s3(),
        True,
    ),
    Case(
        "R17-unknown-value-other-type",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR(Unknown("var.bucket")),))))),
        lam(),
        False,
        "selectors",
    ),
    # R18 / S3UG (ListObjects etc. carry ARNPrefix); OPEN-Q2
    Case(
        "R18-arnprefix-bucket",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::b/"),))))),
        rec(
            eventSource="s3.amazonaws.com",
            eventName="ListObjects",
            eventCategory="Data",
            readOnly=True,
            resources=[{"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b/"}],
        ),
        True,
    ),
    Case(
        "R18-arnprefix-narrower-value",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::b/img"),))))),
        rec(
            eventSource="s3.amazonaws.com",
            eventName="ListObjects",
            eventCategory="Data",
            readOnly=True,
            resources=[{"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b/"}],
        ),
        False,
        "selectors",
    ),
    Case(
        "Q2-arnprefix-advanced",
        trail(
            advanced_event_selectors=adv(("s3", [DATA, S3OBJ, fs("resources.ARN", starts_with=["arn:aws:s3:::b/"])]))
        ),
        rec(
            eventSource="s3.amazonaws.com",
            eventName="ListObjects",
            eventCategory="Data",
            readOnly=True,
            resources=[{"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b/logs/"}],
        ),
        True,
    ),
    Case(
        "Q2-arnprefix-ignored-by-policy",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::b/"),))))),
        rec(
            eventSource="s3.amazonaws.com",
            eventName="ListObjects",
            eventCategory="Data",
            readOnly=True,
            resources=[{"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b/"}],
        ),
        False,
        "selectors",
        ctx=SimContext(policy=SimPolicy(arn_prefix_as_arn=False)),
    ),
    # R19 / boto/boto3#2636, aws/aws-cdk#1841 ("arn:aws:s3:::" = all); BC InvalidEventSelectorsException
    Case(
        "R19-s3-colons-all",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::"),))))),
        s3(),
        True,
    ),
    Case(
        "R19-invalid-rw-matches-nothing",
        trail(event_selectors=basic(EventSelector(read_write_type=Known("read-only")))),
        rec(),
        False,
        "selectors",
    ),
    # R20 / BC PutEventSelectors: basic selectors cannot log network activity
    Case(
        "R20-basic-no-network",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
        vpce(),
        False,
        "selectors",
    ),
    # R21 / UG-filter, CLI-ex Example 1: conditions AND'd
    *(
        Case(
            f"R21-{n}",
            trail(
                advanced_event_selectors=adv(
                    (
                        "w",
                        [
                            DATA,
                            S3OBJ,
                            fs("eventName", equals=["PutObject", "DeleteObject"]),
                            fs("resources.ARN", not_starts_with=["arn:aws:s3:::secret/"]),
                        ],
                    )
                )
            ),
            r,
            exp,
            stage,
        )
        for n, r, exp, stage in [
            ("put-other", s3("pub/k", "PutObject", False), True, None),
            ("put-excluded", s3("secret/k", "PutObject", False), False, "selectors"),
            ("get", s3("pub/k", "GetObject"), False, "selectors"),
        ]
    ),
    # R22 / UG-filter "How CloudTrail evaluates multiple conditions for a field"; BC AdvancedFieldSelector
    Case(
        "R22-equals-any",
        trail(advanced_event_selectors=adv(("n", [DATA, S3OBJ, fs("eventName", equals=["PutObject", "GetObject"])]))),
        s3(),
        True,
    ),
    Case(
        "R22-notequals-none",
        trail(
            advanced_event_selectors=adv(("n", [DATA, S3OBJ, fs("eventName", not_equals=["PutObject", "GetObject"])]))
        ),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R22-endswith",
        trail(advanced_event_selectors=adv(("n", [DATA, S3OBJ, fs("resources.ARN", ends_with=[".txt"])]))),
        s3(),
        True,
    ),
    Case(
        "R22-notendswith",
        trail(advanced_event_selectors=adv(("n", [DATA, S3OBJ, fs("resources.ARN", not_ends_with=[".txt"])]))),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R22-select-and-deselect",
        trail(
            advanced_event_selectors=adv(
                (
                    "n",
                    [
                        DATA,
                        S3OBJ,
                        fs(
                            "resources.ARN",
                            starts_with=["arn:aws:s3:::b/"],
                            not_starts_with=["arn:aws:s3:::b/private/"],
                        ),
                    ],
                )
            )
        ),
        s3("b/private/x"),
        False,
        "selectors",
    ),
    Case(
        "R22-select-and-deselect-pass",
        trail(
            advanced_event_selectors=adv(
                (
                    "n",
                    [
                        DATA,
                        S3OBJ,
                        fs(
                            "resources.ARN",
                            starts_with=["arn:aws:s3:::b/"],
                            not_starts_with=["arn:aws:s3:::b/private/"],
                        ),
                    ],
                )
            )
        ),
        s3("b/public/x"),
        True,
    ),
    Case(
        "R22-absent-field-fails-select",
        trail(
            advanced_event_selectors=adv(
                (
                    "n",
                    [
                        fs("eventCategory", equals=["NetworkActivity"]),
                        fs("eventSource", equals=["s3.amazonaws.com"]),
                        fs("errorCode", equals=["VpceAccessDenied"]),
                    ],
                )
            )
        ),
        vpce(),
        False,
        "selectors",
    ),
    Case(
        "R22-no-wildcards",
        trail(advanced_event_selectors=adv(("n", [DATA, S3OBJ, fs("resources.ARN", equals=["arn:aws:s3:::*"])]))),
        s3(),
        False,
        "selectors",
    ),
    # R23 / BC AdvancedFieldSelector.Equals: readOnly takes Equals only
    Case(
        "R23-readonly-startswith-invalid",
        trail(advanced_event_selectors=adv(("m", [MGMT, fs("readOnly", starts_with=["f"])]))),
        rec(),
        False,
        "selectors",
    ),
    Case(
        "R23-nonstrict-evaluates",
        trail(advanced_event_selectors=adv(("m", [MGMT, fs("readOnly", starts_with=["f"])]))),
        rec(),
        True,
        ctx=SimContext(policy=SimPolicy(strict_trail_fields=False)),
    ),
    # R24 / API-AES, API-AFS: per-category fields for trails
    Case(
        "R24-eventname-eds-only-for-management",
        trail(advanced_event_selectors=adv(("m", [MGMT, fs("eventName", equals=["RunInstances"])]))),
        rec(),
        False,
        "selectors",
    ),
    Case(
        "R24-data-needs-resources-type",
        trail(advanced_event_selectors=adv(("d", [DATA, fs("eventName", equals=["GetObject"])]))),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R24-two-resources-types",
        trail(advanced_event_selectors=adv(("d", [DATA, S3OBJ, fs("resources.type", equals=["AWS::S3::Object"])]))),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R24-data-useridentity-arn",
        trail(
            advanced_event_selectors=adv(
                ("d", [DATA, S3OBJ, fs("userIdentity.arn", starts_with=[f"arn:aws:iam::{A}:user/"])])
            )
        ),
        s3(),
        True,
    ),
    Case(
        "R24-unknown-in-other-category",
        trail(
            advanced_event_selectors=adv(
                ("m", [MGMT]), ("d", [DATA, S3OBJ, fs("resources.ARN", starts_with=[Unknown("var.bucket")])])
            )
        ),
        rec(),
        True,
    ),
    Case(
        "R24-unknown-in-own-category",
        trail(
            advanced_event_selectors=adv(
                ("m", [MGMT]), ("d", [DATA, S3OBJ, fs("resources.ARN", starts_with=[Unknown("var.bucket")])])
            )
        ),
        s3(),
        None,
        "selectors",
    ),
    # R25 / UG-events DynamoDB row: any element of resources[] counts
    Case(
        "R25-stream-record-has-table-type",
        trail(advanced_event_selectors=adv(("t", [DATA, fs("resources.type", equals=["AWS::DynamoDB::Table"])]))),
        ddb(types=("AWS::DynamoDB::Stream", "AWS::DynamoDB::Table")),
        True,
    ),
    # R26 / API-AFS; hashicorp/terraform-provider-aws#28582 (NotEquals on a bucket prefix)
    Case(
        "R26-arn-only-of-selected-type",
        trail(
            advanced_event_selectors=adv(("s3", [DATA, S3OBJ, fs("resources.ARN", equals=["arn:aws:s3:::bucket1"])]))
        ),
        s3(),
        False,
        "selectors",
    ),
    Case(
        "R26-notequals-bucket-trap",
        trail(
            advanced_event_selectors=adv(
                ("s3", [DATA, S3OBJ, fs("resources.ARN", not_equals=["arn:aws:s3:::bucket1/"])])
            )
        ),
        s3(),
        True,
    ),
    # R27 / API-AFS readOnly
    Case(
        "R27-readonly-true",
        trail(advanced_event_selectors=adv(("r", [MGMT, fs("readOnly", equals=["true"])]))),
        rec(readOnly=True),
        True,
    ),
    Case(
        "R27-readonly-true-write",
        trail(advanced_event_selectors=adv(("r", [MGMT, fs("readOnly", equals=["true"])]))),
        rec(),
        False,
        "selectors",
    ),
    # R28 / BC AdvancedFieldSelectors >= 1
    Case("R28-empty-selector", trail(advanced_event_selectors=adv(("empty", []))), rec(), False, "selectors"),
    # R29 / CLI-ex Example 1: categories side by side
    Case(
        "R29-mixed-management",
        trail(
            advanced_event_selectors=adv(
                ("m", [MGMT]),
                ("s3", [DATA, S3OBJ]),
                (
                    "n",
                    [fs("eventCategory", equals=["NetworkActivity"]), fs("eventSource", equals=["s3.amazonaws.com"])],
                ),
            )
        ),
        rec(),
        True,
    ),
    Case("R29-mixed-data", trail(advanced_event_selectors=adv(("m", [MGMT]), ("s3", [DATA, S3OBJ]))), s3(), True),
    # R30 / UG-net, UG-events network-activity examples
    Case(
        "R30-network-source",
        trail(
            advanced_event_selectors=adv(
                ("n", [fs("eventCategory", equals=["NetworkActivity"]), fs("eventSource", equals=["s3.amazonaws.com"])])
            )
        ),
        vpce(),
        True,
    ),
    Case(
        "R30-network-other-source",
        trail(
            advanced_event_selectors=adv(
                (
                    "n",
                    [fs("eventCategory", equals=["NetworkActivity"]), fs("eventSource", equals=["kms.amazonaws.com"])],
                )
            )
        ),
        vpce(),
        False,
        "selectors",
    ),
    Case(
        "R30-network-denied-only",
        trail(
            advanced_event_selectors=adv(
                (
                    "n",
                    [
                        fs("eventCategory", equals=["NetworkActivity"]),
                        fs("eventSource", equals=["s3.amazonaws.com"]),
                        fs("errorCode", equals=["VpceAccessDenied"]),
                    ],
                )
            )
        ),
        vpce(errorCode="VpceAccessDenied"),
        True,
    ),
    Case("R30-not-by-default", trail(), vpce(), False, "selectors"),
    # R31 / BC InsightSelector, PutInsightSelectors
    Case("R31-call-rate", trail(insight_selectors=Known((InsightSelector("ApiCallRateInsight"),))), insight(), True),
    Case("R31-no-insights", trail(), insight(), False, "insights"),
    Case(
        "R31-other-type",
        trail(insight_selectors=Known((InsightSelector("ApiErrorRateInsight"),))),
        insight(),
        False,
        "insights",
    ),
    Case(
        "R31-data-only-categories",
        trail(insight_selectors=Known((InsightSelector("ApiCallRateInsight", ("Data",)),))),
        insight(),
        False,
        "insights",
    ),
    Case(
        "R31-data-insight",
        trail(
            advanced_event_selectors=adv(("s3", [DATA, S3OBJ])),
            insight_selectors=Known((InsightSelector("ApiCallRateInsight", ("Data",)),)),
        ),
        insight(category="Data"),
        True,
    ),
    Case(
        "R31-prereq-write-management",
        trail(
            advanced_event_selectors=adv(("r", [MGMT, fs("readOnly", equals=["true"])])),
            insight_selectors=Known((InsightSelector("ApiCallRateInsight"),)),
        ),
        insight(),
        False,
        "insights",
    ),
    Case(
        "R31-error-rate-read-only-ok",
        trail(
            advanced_event_selectors=adv(("r", [MGMT, fs("readOnly", equals=["true"])])),
            insight_selectors=Known((InsightSelector("ApiErrorRateInsight"),)),
        ),
        insight("ApiErrorRateInsight"),
        True,
    ),
    Case("R31-insights-unknown", trail(insight_selectors=Unknown("var.insights")), insight(), None, "insights"),
    Case(
        "R31-stopped",
        trail(is_logging=Known(False), insight_selectors=Known((InsightSelector("ApiCallRateInsight"),))),
        insight(),
        False,
        "logging",
    ),
    # R35 / UG23-logging-data-events-with-cloudtrail: log delivery into the trail's own bucket is a data event
    Case(
        "R35-own-bucket-feedback",
        trail(
            s3_bucket_name=Known("trail-logs"),
            event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),)))),
        ),
        s3(
            f"trail-logs/AWSLogs/{A}/CloudTrail/x.json.gz",
            "PutObject",
            False,
            userIdentity={"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
        ),
        True,
    ),
    # R36 / UG23-logging-data-events ("CloudTrail charges for two copies"): requester and owner copies
    Case(
        "R36-requester-copy",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
        s3(),
        True,
    ),
    Case(
        "R36-owner-copy-own-trail",
        trail(
            key="owner",
            account_id=Known(B),
            event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::bucket1/"),)))),
        ),
        s3(recipientAccountId=B),
        True,
    ),
    # OPEN-Q6 / UG23-creating-trail-organization: member-account ARNs in an org trail's selectors
    Case(
        "Q6-org-member-arn",
        trail(
            is_organization=Known(True),
            event_selectors=basic(
                EventSelector(
                    data_resources=Known(
                        (DataResource("AWS::Lambda::Function", (f"arn:aws:lambda:us-west-2:{B}:function:f",)),)
                    )
                )
            ),
        ),
        {
            **lam(),
            "recipientAccountId": B,
            "resources": [{"type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-west-2:{B}:function:f"}],
        },
        True,
        ctx=ORG,
    ),
    # OPEN-Q7: old records classified by the data-API catalogue
    Case(
        "Q7-old-putobject-is-data",
        trail(),
        s3("b/k", "PutObject", False, eventCategory=_DROP, managementEvent=_DROP, eventVersion="1.05"),
        False,
        "selectors",
    ),
    Case(
        "Q7-old-putobject-s3-trail",
        trail(event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
        s3("b/k", "PutObject", False, eventCategory=_DROP, managementEvent=_DROP, eventVersion="1.05"),
        True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case) -> None:
    event = Event.from_record(case.record, case.ctx.policy)
    verdict = evaluate(case.trail, event, case.ctx)
    assert verdict.captured is case.expected, render_text(verdict, event)
    if case.stage is not None:
        assert verdict.decided_by.stage == case.stage, render_text(verdict, event)
    if case.expected is None:
        assert verdict.unknown_because
    verdict_to_dict(verdict, event)  # renders for every case without error


def test_case_ids_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_testable_rule_has_a_case() -> None:
    covered = {c.id.split("-")[0] for c in CASES}
    testable = {f"R{i}" for i in range(1, 37)} - {"R7", "R32", "R33", "R34"}  # R7: test_category_derivation
    assert testable <= covered, sorted(testable - covered)
    assert {f"Q{i}" for i in range(1, 8)} - {"Q4"} <= covered  # Q4 is R6's cases


# R7 / UG23-cloudtrail-event-reference-record-contents, UG-events: category derivation order
@pytest.mark.parametrize(
    "record,category,basis",
    [
        (rec(), "Management", "eventCategory"),
        (s3(), "Data", "eventCategory"),
        (insight(), "Insight", "eventCategory"),
        (rec(eventCategory=_DROP, eventType="AwsCloudTrailInsight"), "Insight", "eventType"),
        (rec(eventCategory=_DROP, eventType="AwsVpceEvent"), "NetworkActivity", "eventType"),
        (rec(eventCategory=_DROP, managementEvent=False), "Data", "managementEvent"),
        (rec(eventCategory=_DROP, managementEvent="True"), "Management", "managementEvent"),
        (
            rec(eventCategory=_DROP, managementEvent=_DROP, eventSource="lambda.amazonaws.com", eventName="Invoke"),
            "Data",
            "catalogue",
        ),
        (
            rec(eventCategory=_DROP, managementEvent=_DROP, eventSource="dynamodb.amazonaws.com", eventName="PutItem"),
            "Data",
            "catalogue",
        ),
        (rec(eventCategory=_DROP, managementEvent=_DROP), "Management", "default"),
    ],
)
def test_category_derivation(record: dict[str, Any], category: str, basis: str) -> None:
    ev = Event.from_record(record)
    assert (ev.event_category, ev.category_basis) == (category, basis)


def test_category_catalogue_can_be_switched_off() -> None:
    r = rec(eventCategory=_DROP, managementEvent=_DROP, eventSource="s3.amazonaws.com", eventName="GetObject")
    assert Event.from_record(r, SimPolicy(use_data_api_catalogue=False)).event_category == "Management"


@pytest.mark.parametrize(
    "odd",
    [
        None,
        3,
        "x",
        [],
        {"eventSource": 5, "resources": "nope", "readOnly": "maybe"},
        {"resources": [None, "s", {"type": 1}], "tlsDetails": 7, "userIdentity": []},
        {"eventCategory": "", "insightDetails": "x", "eventType": "AwsCloudTrailInsight"},
    ],
)
def test_from_record_never_raises(odd: Any) -> None:
    ev = Event.from_record(odd)
    assert ev.event_category
    assert evaluate(trail(), ev, SimContext()).captured in (True, False, None)


def test_event_fields_and_classify() -> None:
    ev = Event.from_record(vpce(errorCode="VpceAccessDenied", sessionCredentialFromConsole="true"))
    assert (ev.event_type, ev.vpc_endpoint_id, ev.error_code) == ("AwsVpceEvent", "vpce-1", "VpceAccessDenied")
    assert ev.session_credential_from_console is True and ev.read_only is None
    assert ev.user_identity_arn == f"arn:aws:iam::{A}:user/alice"
    assert Event.from_record(insight("ApiErrorRateInsight", None)).insight_category == "Management"
    assert Event.from_record(rec(eventSource="iam.amazonaws.com")).classify()["global_service_event"] is True
    lower = Event.from_record(rec(resources=[{"arn": "arn:aws:kms:us-east-1:1:key/k", "type": "AWS::KMS::Key"}]))
    assert lower.resources[0].arn == "arn:aws:kms:us-east-1:1:key/k"


def test_decided_by_names_selector_field_operator_value() -> None:
    t = trail(
        advanced_event_selectors=adv(
            ("m", [MGMT]),
            ("w", [DATA, S3OBJ, fs("resources.ARN", not_starts_with=["arn:aws:s3:::a/", "arn:aws:s3:::secret/"])]),
        )
    )
    v = evaluate(t, Event.from_record(s3("secret/k")), SimContext())
    d = v.decided_by
    assert (v.captured, d.stage, d.selector_index, d.selector_name, d.field, d.operator, d.value) == (
        False,
        "selectors",
        1,
        "w",
        "resources.ARN",
        "NotStartsWith",
        "arn:aws:s3:::secret/",
    )
    miss = evaluate(t, Event.from_record(lam()), SimContext()).decided_by
    assert (miss.selector_index, miss.field, miss.operator) == (1, "resources.type", "Equals")
    basic_t = trail(
        event_selectors=basic(EventSelector(), EventSelector(data_resources=Known((S3_DR("arn:aws:s3:::b/"),))))
    )
    hit = evaluate(basic_t, Event.from_record(s3("b/k")), SimContext())
    assert hit.captured and hit.decided_by.selector_origin == "EventSelectors[1].DataResources[0]"
    assert hit.mode == "basic"


def test_verdicts_are_reused_across_events() -> None:
    ct = compile_trail(trail(), SimContext())
    a = ct.evaluate(Event.from_record(rec(eventName="A")))
    b = ct.evaluate(Event.from_record(rec(eventName="B")))
    assert a is b and isinstance(a, Verdict)


def test_evaluate_trails_and_captured_by_any() -> None:
    ev = Event.from_record(s3())
    ctx = SimContext()
    default, s3_all = (
        trail(key="d"),
        trail(key="s", event_selectors=basic(EventSelector(data_resources=Known((S3_DR("arn:aws:s3"),))))),
    )
    unknown = trail(key="u", advanced_event_selectors=Unknown("x"))
    assert [v.captured for v in evaluate_trails([default, s3_all], ev, ctx)] == [False, True]
    assert captured_by_any([default, s3_all], ev, ctx) is True
    assert captured_by_any([default, unknown], ev, ctx) is None
    assert captured_by_any([default], ev, ctx) is False
    assert captured_by_any([compile_trail(s3_all, ctx)], ev, ctx) is True
