"""Write the snapshot fixtures of the live-only cases: ``fixtures/rules/<ID>/<outcome>/snapshot-<case>.json``
with its ``.expect`` sidecar.

Each case is a small snapshot (``docs/snapshot.md``): only the calls its policy needs, with boto3's
response shapes (``tests/unit/parsers/test_aws_snapshot.py`` checks them against botocore). A call left
out is "not read", so other policies may say UNKNOWN on these files; the fixture harness judges only
the folder's policy.

    python scripts/make_snapshot_fixtures.py          # rewrite every case
    python scripts/make_snapshot_fixtures.py --check  # exit 1 when a file differs from what it would write
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"

ACCOUNT, MANAGEMENT, OTHER = "111122223333", "999988887777", "444455556666"
REGION = "us-east-1"
CREATED = "2026-11-22T10:00:00Z"
CANONICAL = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
ROOT_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
)

Calls = list[dict[str, Any]]


def _j(doc: Any) -> str:
    return json.dumps(doc, separators=(", ", ": "))


def call(
    service: str,
    operation: str,
    params: dict[str, Any],
    response: Any = None,
    *,
    error: str | None = None,
    status: int = 403,
    message: str = "",
    account: str = ACCOUNT,
    region: str = REGION,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "account": account,
        "region": region,
        "service": service,
        "operation": operation,
        "params": params,
    }
    if error is not None:
        entry["error"] = {"code": error, "message": message or error, "http_status": status}
    else:
        entry["response"] = response if response is not None else {}
    return entry


# --- names ---------------------------------------------------------------------------------------


def trail_arn(account: str = ACCOUNT, name: str = "main-trail", region: str = REGION) -> str:
    return f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"


def key_arn(account: str = ACCOUNT, key_id: str = "1234abcd-12ab-34cd-56ef-1234567890ab") -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


def group_arn(account: str = ACCOUNT, name: str = "cloudtrail/main-trail", region: str = REGION) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def topic_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:sns:{REGION}:{account}:{name}"


ROLE = f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToCloudWatch"
BUCKET = "acme-cloudtrail-logs"


# --- the account --------------------------------------------------------------------------------


def account_calls(
    account: str = ACCOUNT,
    *,
    pab: dict[str, bool] | None = None,
    org: str | None = None,
    buckets: tuple[str, ...] = (BUCKET,),
) -> Calls:
    """sts, regions (one enabled), organization, the account's public access block, its buckets."""
    out = [
        call(
            "sts",
            "GetCallerIdentity",
            {},
            {
                "UserId": "AROAEXAMPLEID:ctguard",
                "Account": account,
                "Arn": f"arn:aws:sts::{account}:assumed-role/SecurityAudit/ctguard",
            },
            account=account,
        ),
        call(
            "ec2",
            "DescribeRegions",
            {"AllRegions": True},
            {
                "Regions": [
                    {
                        "Endpoint": "ec2.us-east-1.amazonaws.com",
                        "RegionName": "us-east-1",
                        "OptInStatus": "opt-in-not-required",
                    },
                    {
                        "Endpoint": "ec2.af-south-1.amazonaws.com",
                        "RegionName": "af-south-1",
                        "OptInStatus": "not-opted-in",
                    },
                ]
            },
            account=account,
        ),
    ]
    if org is None:
        out.append(
            call(
                "organizations",
                "DescribeOrganization",
                {},
                error="AWSOrganizationsNotInUseException",
                status=400,
                message="Your account is not a member of an organization.",
                account=account,
            )
        )
    else:
        out.append(
            call(
                "organizations",
                "DescribeOrganization",
                {},
                {
                    "Organization": {
                        "Id": org,
                        "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/{org}",
                        "FeatureSet": "ALL",
                        "MasterAccountArn": f"arn:aws:organizations::{MANAGEMENT}:account/{org}/{MANAGEMENT}",
                        "MasterAccountId": MANAGEMENT,
                        "MasterAccountEmail": "aws-root@example.com",
                    }
                },
                account=account,
            )
        )
    params = {"AccountId": account}
    if pab is None:
        out.append(
            call(
                "s3control",
                "GetPublicAccessBlock",
                params,
                error="NoSuchPublicAccessBlockConfiguration",
                status=404,
                message="The public access block configuration was not found",
                account=account,
            )
        )
    else:
        out.append(
            call("s3control", "GetPublicAccessBlock", params, {"PublicAccessBlockConfiguration": pab}, account=account)
        )
    out.append(
        call(
            "s3",
            "ListBuckets",
            {},
            {
                "Buckets": [{"Name": b, "CreationDate": "2025-03-01T07:55:00Z"} for b in buckets],
                "Owner": {"ID": CANONICAL},
            },
            account=account,
        )
    )
    return out


ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
ALL_OFF = dict.fromkeys(ALL_ON, False)


# --- the trail ----------------------------------------------------------------------------------


def trail_calls(
    account: str = ACCOUNT,
    *,
    name: str = "main-trail",
    owner: str | None = None,
    logging: bool = True,
    multi_region: bool = True,
    organization: bool = False,
    bucket: str = BUCKET,
    key: str | None = None,
    group: str | None = None,
    role: str | None = None,
    topic: str | None = None,
) -> Calls:
    """DescribeTrails (read in ``account``) and the trail's status, selectors, insights and tags.

    ``owner`` is the account whose trail it is (an organization trail seen from a member)."""
    arn = trail_arn(owner or account, name)
    entry: dict[str, Any] = {
        "Name": name,
        "S3BucketName": bucket,
        "S3KeyPrefix": "trails",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": multi_region,
        "HomeRegion": REGION,
        "TrailARN": arn,
        "LogFileValidationEnabled": True,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": organization,
    }
    if topic:
        entry.update({"SnsTopicName": topic, "SnsTopicARN": topic})
    if key:
        entry["KmsKeyId"] = key
    if group:
        entry["CloudWatchLogsLogGroupArn"] = group + ":*"
        entry["CloudWatchLogsRoleArn"] = role or ROLE
    status: dict[str, Any] = {
        "IsLogging": logging,
        "StartLoggingTime": "2025-03-01T08:00:00Z",
        "LatestDeliveryTime": "2026-11-22T09:55:12Z",
        "LatestDigestDeliveryTime": "2026-11-22T09:20:01Z",
    }
    if group:
        status["LatestCloudWatchLogsDeliveryTime"] = "2026-11-22T09:56:40Z"
    if not logging:
        status["StopLoggingTime"] = "2026-11-20T16:12:00Z"
    return [
        call("cloudtrail", "DescribeTrails", {"includeShadowTrails": True}, {"trailList": [entry]}, account=account),
        call("cloudtrail", "GetTrailStatus", {"Name": arn}, status, account=account),
        call(
            "cloudtrail",
            "GetEventSelectors",
            {"TrailName": arn},
            {
                "TrailARN": arn,
                "EventSelectors": [
                    {
                        "ReadWriteType": "All",
                        "IncludeManagementEvents": True,
                        "DataResources": [],
                        "ExcludeManagementEventSources": [],
                    }
                ],
            },
            account=account,
        ),
        call(
            "cloudtrail",
            "GetInsightSelectors",
            {"TrailName": arn},
            error="InsightNotEnabledException",
            status=400,
            message=f"Trail {arn} does not have Insights enabled.",
            account=account,
        ),
        call(
            "cloudtrail",
            "ListTags",
            {"ResourceIdList": [arn]},
            {"ResourceTagList": [{"ResourceId": arn, "TagsList": []}]},
            account=account,
        ),
    ]


# --- the bucket ---------------------------------------------------------------------------------


def delivery_policy(bucket: str = BUCKET, account: str = ACCOUNT, *extra: dict[str, Any]) -> dict[str, Any]:
    source = {"StringEquals": {"aws:SourceArn": trail_arn(account)}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": source,
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/trails/AWSLogs/{account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn(account)}
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            *extra,
        ],
    }


PUBLIC_READ = {
    "Sid": "PublicRead",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}


def bucket_calls(
    name: str = BUCKET,
    *,
    account: str = ACCOUNT,
    policy: dict[str, Any] | None = None,
    pab: dict[str, bool] | None = ALL_ON,
    versioning: dict[str, str] | None = None,
    lifecycle_days: int | None = None,
    logging_target: str | None = "acme-access-logs",
    lifecycle_filter: dict[str, Any] | None = None,
    denied: bool = False,
) -> Calls:
    """The ten S3 calls; ``denied``: every one AccessDenied (a bucket of another account)."""
    p = {"Bucket": name}
    ops = (
        "GetBucketLocation",
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketAcl",
        "GetPublicAccessBlock",
        "GetBucketVersioning",
        "GetObjectLockConfiguration",
        "GetBucketLogging",
        "GetBucketLifecycleConfiguration",
        "GetBucketEncryption",
    )
    if denied:
        return [call("s3", op, p, error="AccessDenied", message="Access Denied", account=account) for op in ops]
    doc = policy if policy is not None else delivery_policy(name)
    out = [
        call("s3", "GetBucketLocation", p, {"LocationConstraint": None}, account=account),
        call("s3", "GetBucketPolicy", p, {"Policy": _j(doc)}, account=account),
        call("s3", "GetBucketPolicyStatus", p, {"PolicyStatus": {"IsPublic": False}}, account=account),
        call(
            "s3",
            "GetBucketAcl",
            p,
            {
                "Owner": {"ID": CANONICAL},
                "Grants": [{"Grantee": {"ID": CANONICAL, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}],
            },
            account=account,
        ),
    ]
    if pab is None:
        out.append(
            call(
                "s3",
                "GetPublicAccessBlock",
                p,
                error="NoSuchPublicAccessBlockConfiguration",
                status=404,
                message="The public access block configuration was not found",
                account=account,
            )
        )
    else:
        out.append(call("s3", "GetPublicAccessBlock", p, {"PublicAccessBlockConfiguration": pab}, account=account))
    out += [
        call(
            "s3",
            "GetBucketVersioning",
            p,
            versioning or {"Status": "Enabled", "MFADelete": "Disabled"},
            account=account,
        ),
        call(
            "s3",
            "GetObjectLockConfiguration",
            p,
            error="ObjectLockConfigurationNotFoundError",
            status=404,
            message="Object Lock configuration does not exist for this bucket",
            account=account,
        ),
        call(
            "s3",
            "GetBucketLogging",
            p,
            {"LoggingEnabled": {"TargetBucket": logging_target, "TargetPrefix": f"{name}/"}} if logging_target else {},
            account=account,
        ),
    ]
    if lifecycle_days is None:
        out.append(
            call(
                "s3",
                "GetBucketLifecycleConfiguration",
                p,
                error="NoSuchLifecycleConfiguration",
                status=404,
                message="The lifecycle configuration does not exist",
                account=account,
            )
        )
    else:
        out.append(
            call(
                "s3",
                "GetBucketLifecycleConfiguration",
                p,
                {
                    "Rules": [
                        {
                            "ID": f"expire-after-{lifecycle_days}-days",
                            "Filter": lifecycle_filter or {"Prefix": ""},
                            "Status": "Enabled",
                            "Expiration": {"Days": lifecycle_days},
                        }
                    ]
                },
                account=account,
            )
        )
    out.append(
        call(
            "s3",
            "GetBucketEncryption",
            p,
            {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [
                        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
                    ]
                }
            },
            account=account,
        )
    )
    return out


# --- KMS ----------------------------------------------------------------------------------------


def key_policy(account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Id": "Key policy created by CloudTrail",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Allow CloudTrail to encrypt logs",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceArn": trail_arn(account)},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"
                    },
                },
            },
            {
                "Sid": "Allow CloudTrail to describe key",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
        ],
    }


def key_calls(
    named: str | None = None, *, state: str = "Enabled", rotation: bool = True, account: str = ACCOUNT
) -> Calls:
    """DescribeKey with the id the trail states (``named``), then rotation and policy by key ARN."""
    arn = key_arn(account)
    meta: dict[str, Any] = {
        "AWSAccountId": account,
        "KeyId": arn.rsplit("/", 1)[1],
        "Arn": arn,
        "CreationDate": "2025-02-27T14:02:11Z",
        "Enabled": state == "Enabled",
        "Description": "CloudTrail log encryption",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": state,
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if state == "PendingDeletion":
        meta["DeletionDate"] = "2026-11-29T10:00:00Z"
        meta["PendingDeletionWindowInDays"] = 7
    return [
        call("kms", "DescribeKey", {"KeyId": named or arn}, {"KeyMetadata": meta}, account=account),
        call(
            "kms",
            "GetKeyRotationStatus",
            {"KeyId": arn},
            {"KeyRotationEnabled": rotation, "KeyId": arn} | ({"RotationPeriodInDays": 365} if rotation else {}),
            account=account,
        ),
        call(
            "kms",
            "GetKeyPolicy",
            {"KeyId": arn, "PolicyName": "default"},
            {"Policy": _j(key_policy(account)), "PolicyName": "default"},
            account=account,
        ),
    ]


# --- CloudWatch Logs, role ------------------------------------------------------------------------


def group_calls(
    name: str = "cloudtrail/main-trail",
    *,
    retention: int | None = 400,
    kms: str | None = None,
    region: str = REGION,
    filters: list[dict[str, Any]] | None = None,
    account: str = ACCOUNT,
) -> Calls:
    group: dict[str, Any] = {
        "logGroupName": name,
        "creationTime": 1740837600000,
        "metricFilterCount": len(filters or []),
        "arn": group_arn(account, name, region) + ":*",
        "storedBytes": 123456789,
        "logGroupClass": "STANDARD",
        "logGroupArn": group_arn(account, name, region),
    }
    if retention is not None:
        group["retentionInDays"] = retention
    if kms:
        group["kmsKeyId"] = kms
    return [
        call(
            "logs",
            "DescribeLogGroups",
            {"logGroupNamePrefix": name},
            {"logGroups": [group]},
            account=account,
            region=region,
        ),
        call(
            "logs",
            "DescribeMetricFilters",
            {"logGroupName": name},
            {"metricFilters": filters or []},
            account=account,
            region=region,
        ),
    ]


def metric_filter(name: str, pattern: str, metric: str, group: str = "cloudtrail/main-trail") -> dict[str, Any]:
    return {
        "filterName": name,
        "filterPattern": pattern,
        "metricTransformations": [{"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}],
        "creationTime": 1740838000000,
        "logGroupName": group,
    }


def role_calls(account: str = ACCOUNT, group: str | None = None) -> Calls:
    name = "CloudTrailToCloudWatch"
    return [
        call(
            "iam",
            "GetRole",
            {"RoleName": name},
            {
                "Role": {
                    "Path": "/",
                    "RoleName": name,
                    "RoleId": "AROAEXAMPLEROLEID1234",
                    "Arn": f"arn:aws:iam::{account}:role/{name}",
                    "CreateDate": "2025-03-01T07:58:00Z",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "MaxSessionDuration": 3600,
                }
            },
            account=account,
        ),
        call(
            "iam",
            "ListRolePolicies",
            {"RoleName": name},
            {"PolicyNames": ["cloudtrail-to-logs"], "IsTruncated": False},
            account=account,
        ),
        call(
            "iam",
            "ListAttachedRolePolicies",
            {"RoleName": name},
            {"AttachedPolicies": [], "IsTruncated": False},
            account=account,
        ),
        call(
            "iam",
            "GetRolePolicy",
            {"RoleName": name, "PolicyName": "cloudtrail-to-logs"},
            {
                "RoleName": name,
                "PolicyName": "cloudtrail-to-logs",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": (group or group_arn(account)) + ":*",
                        }
                    ],
                },
            },
            account=account,
        ),
    ]


# --- alarms, SNS, EventBridge -------------------------------------------------------------------


def alarm(name: str, metric: str, actions: list[str], **overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
        "ActionsEnabled": True,
        "OKActions": [],
        "AlarmActions": actions,
        "InsufficientDataActions": [],
        "StateValue": "OK",
        "MetricName": metric,
        "Namespace": "CISBenchmark",
        "Statistic": "Sum",
        "Dimensions": [],
        "Period": 300,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    out.update(overrides)
    return out


def alarm_calls(*alarms: dict[str, Any], region: str = REGION) -> Calls:
    return [
        call("cloudwatch", "DescribeAlarms", {}, {"MetricAlarms": list(alarms), "CompositeAlarms": []}, region=region)
    ]


def topic_calls(
    arn: str, *, subscriptions: int = 1, policy: dict[str, Any] | None = None, account: str = ACCOUNT
) -> Calls:
    attributes = {
        "TopicArn": arn,
        "Owner": account,
        "DisplayName": "",
        "SubscriptionsConfirmed": str(subscriptions),
        "SubscriptionsPending": "0",
    }
    if policy is not None:
        attributes["Policy"] = _j(policy)
    subs = [
        {
            "SubscriptionArn": f"{arn}:5f1e2d3c-aaaa-bbbb-cccc-12345678900{i}",
            "Owner": account,
            "Protocol": "email",
            "Endpoint": f"security{i}@example.com",
            "TopicArn": arn,
        }
        for i in range(subscriptions)
    ]
    return [
        call("sns", "GetTopicAttributes", {"TopicArn": arn}, {"Attributes": attributes}, account=account),
        call("sns", "ListSubscriptionsByTopic", {"TopicArn": arn}, {"Subscriptions": subs}, account=account),
    ]


def notify_policy(arn: str) -> dict[str, Any]:
    return {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailSNSPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn()}},
            }
        ],
    }


def rule_calls(*rules: tuple[str, dict[str, Any], str, list[str]]) -> Calls:
    """(name, pattern, state, target ARNs) per rule, on the default bus."""
    out = [
        call(
            "events",
            "ListRules",
            {"EventBusName": "default"},
            {
                "Rules": [
                    {
                        "Name": name,
                        "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}",
                        "EventPattern": _j(pattern),
                        "State": state,
                        "EventBusName": "default",
                    }
                    for name, pattern, state, _ in rules
                ]
            },
        )
    ]
    for name, _, _, targets in rules:
        out.append(
            call(
                "events",
                "ListTargetsByRule",
                {"Rule": name, "EventBusName": "default"},
                {"Targets": [{"Id": f"target-{i}", "Arn": t} for i, t in enumerate(targets)]},
            )
        )
    return out


def snapshot(calls: Calls, accounts: tuple[str, ...] = (ACCOUNT,)) -> dict[str, Any]:
    return {
        "ctguard_snapshot": "1.0",
        "meta": {
            "created": CREATED,
            "tool": "ctguard 0.1.0",
            "partition": "aws",
            "accounts": list(accounts),
            "regions": [REGION],
        },
        "calls": calls,
    }


# --- the cases ----------------------------------------------------------------------------------

ALERTS = topic_arn("security-alerts")
NOTIFY = topic_arn("cloudtrail-notify")
GROUP = group_arn()


def delivery_case(
    *,
    account: Calls | None = None,
    bucket: Calls | None = None,
    key: Calls | None = None,
    key_named: str | None = None,
    group: Calls | None = None,
    group_at: str | None = None,
    topic: bool = False,
    trail_bucket: str = BUCKET,
) -> dict[str, Any]:
    """One account, one trail, and the delivery resources the case needs (``bucket=[]``: the bucket was
    not read, so bucket policies say UNKNOWN and the case stays small)."""
    uses_key = key is not None
    calls = [
        *(account if account is not None else account_calls(pab=ALL_ON)),
        *trail_calls(
            bucket=trail_bucket,
            key=(key_named or key_arn()) if uses_key else None,
            group=(group_at or GROUP) if group is not None else None,
            topic=NOTIFY if topic else None,
        ),
        *(bucket if bucket is not None else bucket_calls()),
        *(key or []),
        *(group or []),
    ]
    if group is not None:
        calls += role_calls(group=group_at)
    if topic:
        calls += topic_calls(NOTIFY, policy=notify_policy(NOTIFY))
    return snapshot(calls)


ROOT_FILTER = metric_filter("RootAccountUsage", ROOT_PATTERN, "RootAccountUsageCount")
ROOT_EVENT_PATTERN = {
    "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"]}},
}


def chain_case(
    *,
    logging: bool = True,
    multi_region: bool = True,
    group: bool = True,
    filters: list[dict[str, Any]] | None = None,
    alarms: list[dict[str, Any]] | None = None,
    subscriptions: int = 1,
    rules: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """CT503 (root user) through the CIS chain: trail -> log group -> filter -> metric -> alarm -> SNS -> subscriber."""
    calls = [
        *account_calls(pab=ALL_ON),
        *trail_calls(logging=logging, multi_region=multi_region, group=GROUP if group else None),
    ]
    if group:
        calls += group_calls(filters=[ROOT_FILTER] if filters is None else filters)
        calls += alarm_calls(
            *([alarm("root-account-usage", "RootAccountUsageCount", [ALERTS])] if alarms is None else alarms)
        )
        calls += topic_calls(ALERTS, subscriptions=subscriptions)
    calls += rule_calls(*rules)
    return snapshot(calls)


def org_calls(account: str, *, management: bool) -> Calls:
    """An account of organization o-a1b2c3d4e5 whose only trail is the management account's organization trail."""
    calls = [
        *account_calls(account, pab=ALL_ON, org="o-a1b2c3d4e5", buckets=("acme-org-cloudtrail",) if management else ()),
        *trail_calls(
            account,
            name="org-trail",
            owner=MANAGEMENT,
            organization=True,
            bucket="acme-org-cloudtrail",
            group=group_arn(MANAGEMENT, "cloudtrail/org-trail"),
            role=f"arn:aws:iam::{MANAGEMENT}:role/CloudTrailToCloudWatch",
        ),
    ]
    if management:
        calls += group_calls("cloudtrail/org-trail", account=MANAGEMENT)
        calls += [dict(c, account=MANAGEMENT) for c in alarm_calls()]
        calls += [dict(c, account=MANAGEMENT) for c in rule_calls()]
    else:
        calls.append(
            call(
                "s3",
                "GetBucketPolicy",
                {"Bucket": "acme-org-cloudtrail"},
                error="AccessDenied",
                message="Access Denied",
                account=account,
            )
        )
    return calls


CASES: dict[str, tuple[Callable[[], dict[str, Any]], list[str]]] = {
    # --- area D: delivery and protection -----------------------------------------------------
    "CT401/pass/snapshot-account-public-access-block": (
        lambda: delivery_case(
            bucket=bucket_calls(policy=delivery_policy(BUCKET, ACCOUNT, PUBLIC_READ), pab=None),
            account=account_calls(pab=ALL_ON),
        ),
        ["CT401 PASS resource=arn:aws:s3:::acme-cloudtrail-logs"],
    ),
    "CT401/fail/snapshot-public-policy-no-account-block": (
        lambda: delivery_case(
            bucket=bucket_calls(policy=delivery_policy(BUCKET, ACCOUNT, PUBLIC_READ), pab=None),
            account=account_calls(pab=None),
        ),
        ['CT401 FAIL resource=arn:aws:s3:::acme-cloudtrail-logs msg="its bucket policy is public"'],
    ),
    "CT401/unknown/snapshot-cross-account-bucket-denied": (
        lambda: delivery_case(
            trail_bucket="central-log-archive", bucket=bucket_calls("central-log-archive", denied=True)
        ),
        ['CT401 UNKNOWN msg="s3:GetBucketPolicy failed: AccessDenied (HTTP 403)"'],
    ),
    "CT402/pass/snapshot-delivery-policy": (lambda: delivery_case(), ["CT402 PASS"]),
    "CT402/unknown/snapshot-cross-account-bucket-denied": (
        lambda: delivery_case(
            trail_bucket="central-log-archive", bucket=bucket_calls("central-log-archive", denied=True)
        ),
        ['CT402 UNKNOWN msg="AccessDenied"'],
    ),
    "CT403/pass/snapshot-source-arn-condition": (lambda: delivery_case(), ["CT403 PASS"]),
    "CT404/pass/snapshot-deny-insecure-transport": (lambda: delivery_case(), ["CT404 PASS"]),
    "CT404/fail/snapshot-no-tls-statement": (
        lambda: delivery_case(
            bucket=bucket_calls(policy={"Version": "2012-10-17", "Statement": delivery_policy()["Statement"][:2]})
        ),
        ["CT404 FAIL resource=arn:aws:s3:::acme-cloudtrail-logs"],
    ),
    "CT405/pass/snapshot-access-logging": (lambda: delivery_case(), ['CT405 PASS msg="acme-access-logs"']),
    "CT405/fail/snapshot-access-logging-off": (
        lambda: delivery_case(bucket=bucket_calls(logging_target=None)),
        ['CT405 FAIL msg="server access logging is off"'],
    ),
    "CT406/pass/snapshot-mfa-delete": (
        lambda: delivery_case(bucket=bucket_calls(versioning={"Status": "Enabled", "MFADelete": "Enabled"})),
        ['CT406 PASS msg="MFA delete"'],
    ),
    "CT406/fail/snapshot-versioning-without-mfa-delete": (
        lambda: delivery_case(),
        ['CT406 FAIL msg="MFA delete is off"'],
    ),
    "CT407/pass/snapshot-no-lifecycle": (
        lambda: delivery_case(),
        ['CT407 PASS msg="no lifecycle rule expires the logs"'],
    ),
    "CT407/fail/snapshot-expires-after-90-days": (
        lambda: delivery_case(bucket=bucket_calls(lifecycle_days=90)),
        ['CT407 FAIL msg="after 90 days"'],
    ),
    "CT407/pass/snapshot-tagged-objects-only": (  # CloudTrail writes its log files without tags
        lambda: delivery_case(
            bucket=bucket_calls(
                lifecycle_days=30,
                lifecycle_filter={"And": {"Prefix": "", "Tags": [{"Key": "retention", "Value": "short"}]}},
            )
        ),
        ["CT407 PASS"],
    ),
    "CT408/pass/snapshot-rotation-on": (lambda: delivery_case(bucket=[], key=key_calls()), ["CT408 PASS"]),
    "CT408/fail/snapshot-rotation-off": (
        lambda: delivery_case(bucket=[], key=key_calls(rotation=False)),
        ['CT408 FAIL msg="automatic rotation is off"'],
    ),
    "CT409/pass/snapshot-key-policy": (lambda: delivery_case(bucket=[], key=key_calls()), ["CT409 PASS"]),
    "CT410/pass/snapshot-key-policy": (lambda: delivery_case(bucket=[], key=key_calls()), ["CT410 PASS"]),
    "CT411/pass/snapshot-key-enabled": (
        lambda: delivery_case(bucket=[], key=key_calls()),
        ['CT411 PASS msg="the key is Enabled"'],
    ),
    "CT411/fail/snapshot-key-pending-deletion": (
        lambda: delivery_case(bucket=[], key=key_calls(state="PendingDeletion")),
        ['CT411 FAIL msg="the key is PendingDeletion"'],
    ),
    "CT411/fail/snapshot-key-disabled": (
        lambda: delivery_case(bucket=[], key=key_calls(state="Disabled")),
        ['CT411 FAIL msg="the key is Disabled"'],
    ),
    "CT411/unknown/snapshot-describe-key-denied": (
        lambda: delivery_case(
            bucket=[],
            key=[
                call(
                    "kms",
                    "DescribeKey",
                    {"KeyId": key_arn(OTHER)},
                    error="AccessDeniedException",
                    message="User is not authorized to perform: kms:DescribeKey",
                )
            ],
            key_named=key_arn(OTHER),
        ),
        ['CT411 UNKNOWN msg="kms:DescribeKey failed: AccessDeniedException (HTTP 403)"'],
    ),
    "CT412/pass/snapshot-alias-reference": (
        lambda: delivery_case(bucket=[], key=key_calls("alias/cloudtrail"), key_named="alias/cloudtrail"),
        ['CT412 PASS msg="alias/cloudtrail resolves to key"'],
    ),
    "CT413/pass/snapshot-retention-400-days": (
        lambda: delivery_case(bucket=[], group=group_calls()),
        ['CT413 PASS msg="400 days"'],
    ),
    "CT413/fail/snapshot-retention-30-days": (
        lambda: delivery_case(bucket=[], group=group_calls(retention=30)),
        ['CT413 FAIL msg="30 days"'],
    ),
    "CT414/pass/snapshot-log-group-key": (
        lambda: delivery_case(bucket=[], group=group_calls(kms=key_arn()), key=key_calls()),
        ['CT414 PASS msg="encrypted with KMS key"'],
    ),
    "CT414/fail/snapshot-log-group-service-key": (
        lambda: delivery_case(bucket=[], group=group_calls()),
        ['CT414 FAIL msg="service-owned CloudWatch Logs key"'],
    ),
    "CT415/pass/snapshot-delivery-role": (lambda: delivery_case(bucket=[], group=group_calls()), ["CT415 PASS"]),
    "CT416/pass/snapshot-topic-policy": (lambda: delivery_case(bucket=[], topic=True), ["CT416 PASS"]),
    "CT417/pass/snapshot-log-group-in-home-region": (
        lambda: delivery_case(bucket=[], group=group_calls()),
        ['CT417 PASS msg="the log group is in us-east-1"'],
    ),
    "CT417/fail/snapshot-log-group-in-other-region": (
        lambda: delivery_case(bucket=[], group=group_calls(region="eu-west-1"), group_at=group_arn(region="eu-west-1")),
        ['CT417 FAIL msg="not in the trail\'s home Region us-east-1"'],
    ),
    # --- area E: the CT503 chain, one broken link per case ------------------------------------
    "CT503/pass/snapshot-complete-chain": (
        lambda: chain_case(),
        ['CT503 PASS msg="topic security-alerts with 1 subscription"'],
    ),
    "CT503/fail/snapshot-trail-not-logging": (
        lambda: chain_case(logging=False),
        ['CT503 FAIL msg="trail main-trail is not logging"'],
    ),
    "CT503/fail/snapshot-trail-single-region": (
        lambda: chain_case(multi_region=False),
        ['CT503 FAIL msg="trail main-trail is not multi-region"'],
    ),
    "CT503/fail/snapshot-no-log-group": (
        lambda: chain_case(group=False),
        ['CT503 FAIL msg="has no CloudWatch Logs log group"'],
    ),
    "CT503/fail/snapshot-no-metric-filter": (
        lambda: chain_case(filters=[]),
        ['CT503 FAIL msg="log group cloudtrail/main-trail has no metric filter for CIS 4.3/5.3"'],
    ),
    "CT503/fail/snapshot-filter-narrowed": (
        lambda: chain_case(
            filters=[
                metric_filter(
                    "RootConsoleLogin",
                    '{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',
                    "RootAccountUsageCount",
                )
            ]
        ),
        ['CT503 FAIL msg="(filter RootConsoleLogin misses"'],
    ),
    "CT503/fail/snapshot-metric-without-alarm": (
        lambda: chain_case(alarms=[]),
        ['CT503 FAIL msg="metric CISBenchmark/RootAccountUsageCount has no alarm"'],
    ),
    "CT503/fail/snapshot-alarm-without-sns-action": (
        lambda: chain_case(alarms=[alarm("root-account-usage", "RootAccountUsageCount", [])]),
        ['CT503 FAIL msg="alarm root-account-usage has no SNS action"'],
    ),
    "CT503/fail/snapshot-topic-without-subscription": (
        lambda: chain_case(subscriptions=0),
        ['CT503 FAIL msg="topic security-alerts has no subscription"'],
    ),
    "CT503/pass/snapshot-eventbridge-rule": (
        lambda: chain_case(group=False, rules=(("root-activity", ROOT_EVENT_PATTERN, "ENABLED", [ALERTS]),)),
        ['CT503 PASS msg="EventBridge rule root-activity"'],
    ),
    "CT503/unknown/snapshot-organization-trail-from-member": (
        lambda: snapshot(org_calls("222233334444", management=False), ("222233334444",)),
        ['CT503 UNKNOWN resource=222233334444 msg="is in account 999988887777, whose metric filters cannot be seen"'],
    ),
    # --- area B: coverage -------------------------------------------------------------------------
    "CT201/pass/snapshot-organization-trail-covers-member": (
        lambda: snapshot(
            org_calls(MANAGEMENT, management=True) + org_calls("222233334444", management=False),
            (MANAGEMENT, "222233334444"),
        ),
        [
            'CT201 PASS resource=222233334444 msg="org-trail"',
            f"CT201 PASS resource={trail_arn(MANAGEMENT, 'org-trail')}",
        ],
    ),
}


def render(name: str) -> tuple[str, str]:
    build, expects = CASES[name]
    body = json.dumps(build(), indent=2) + "\n"
    note = "generated by scripts/make_snapshot_fixtures.py; edit the script, not this file"
    return body, f"# {note}\n" + "".join(f"expect: {line}\n" for line in expects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for name in args.cases or sorted(CASES):
        body, expect = render(name)
        path = RULES / f"{name}.json"
        for target, text in ((path, body), (path.with_suffix(".expect"), expect)):
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                continue
            stale.append(target)
            if not args.check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for target in stale:
        print(("differs: " if args.check else "wrote: ") + str(target.relative_to(REPO)))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
