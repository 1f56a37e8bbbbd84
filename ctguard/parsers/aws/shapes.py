"""Shape checks for saved AWS answers that ctguard reads (snapshots, describe-trails output).

boto3 never returns a trail whose ``HomeRegion`` is a list, but a hand-edited or corrupted file
can. Such a file must be refused with a message naming the problem, not mapped with a guess
(``str(["x"])``) and never reported as a parser crash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

_TRAIL_STRINGS = (
    "Name",
    "S3BucketName",
    "S3KeyPrefix",
    "HomeRegion",
    "TrailARN",
    "SnsTopicName",
    "SnsTopicARN",
    "KmsKeyId",
    "CloudWatchLogsLogGroupArn",
    "CloudWatchLogsRoleArn",
)
_TRAIL_BOOLS = (
    "IncludeGlobalServiceEvents",
    "IsMultiRegionTrail",
    "LogFileValidationEnabled",
    "HasCustomEventSelectors",
    "HasInsightSelectors",
    "IsOrganizationTrail",
)
_JSON_TYPES = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}

# What a mapper raises when an answer has another shape than the API's (a list where an object
# belongs, a number where a string is split...).
SHAPE_ERRORS = (TypeError, AttributeError, KeyError, ValueError, IndexError)


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def trail_list_problem(trails: Any) -> str | None:
    """Why a DescribeTrails ``trailList`` is not one boto3 could have returned; None when it could."""
    if not isinstance(trails, list):
        return f"trailList is {json_type(trails)}, not a list"
    for i, trail in enumerate(trails):
        if not isinstance(trail, dict):
            return f"trailList[{i}] is {json_type(trail)}, not an object"
        if not isinstance(trail.get("TrailARN"), str) or not trail["TrailARN"].startswith("arn:"):
            return f"trailList[{i}] has no TrailARN"
        for key in _TRAIL_STRINGS:
            if trail.get(key) is not None and not isinstance(trail[key], str):
                return f"trailList[{i}].{key} is {json_type(trail[key])}, not a string"
        for key in _TRAIL_BOOLS:
            if trail.get(key) is not None and not isinstance(trail[key], bool):
                return f"trailList[{i}].{key} is {json_type(trail[key])}, not a boolean"
    return None


class Kind:
    """A leaf that accepts several JSON types: numbers, timestamps, policy documents."""

    def __init__(self, name: str, *types: type) -> None:
        self.name, self.types = name, types

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"


# A double may be written without a fraction (a snapshot edited by hand keeps 1 as 1).
NUMBER = Kind("a number", int, float)
# boto3 gives datetime; snapshots and AWS CLI v2 ISO 8601 strings; AWS CLI v1 epoch seconds.
TIME = Kind("a timestamp", str, datetime, date, int, float)
# S3, KMS and SNS give JSON strings; IAM a dict (boto3 decodes it) or a URL-encoded string.
DOC = Kind("a policy document (a JSON string or an object)", str, dict)

_STRS = [str]
_FIELD = {
    "Field": str,
    "Equals": _STRS,
    "StartsWith": _STRS,
    "EndsWith": _STRS,
    "NotEquals": _STRS,
    "NotStartsWith": _STRS,
    "NotEndsWith": _STRS,
}
_ADVANCED = [{"Name": str, "FieldSelectors": [_FIELD]}]
# The answers the AWS mappers read, as boto3 returns them: only the keys ctguard reads, typed as
# botocore's service models type them (tests/unit/parsers/test_aws_shapes.py checks both). A key that
# is missing or null is left to the mapper. A type is a Python type or a Kind, [shape] a list of
# shape, {key: shape} an object. DescribeTrails is checked whole by ``trail_list_problem``.
_PAB = {
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": bool,
        "IgnorePublicAcls": bool,
        "BlockPublicPolicy": bool,
        "RestrictPublicBuckets": bool,
    }
}
_EVENT_DATA_STORE = {
    "EventDataStoreArn": str,
    "Name": str,
    "RetentionPeriod": int,
    "TerminationProtectionEnabled": bool,
    "MultiRegionEnabled": bool,
    "OrganizationEnabled": bool,
    "AdvancedEventSelectors": _ADVANCED,
    "Status": str,
}
RESPONSES: dict[tuple[str, str], Any] = {
    # CloudTrail
    ("cloudtrail", "GetTrailStatus"): {
        "IsLogging": bool,
        "LatestDeliveryError": str,
        "LatestNotificationError": str,
        "LatestCloudWatchLogsDeliveryError": str,
        "LatestDigestDeliveryError": str,
        "LatestDeliveryTime": TIME,
        "LatestDigestDeliveryTime": TIME,
        "LatestCloudWatchLogsDeliveryTime": TIME,
        "StartLoggingTime": TIME,
        "StopLoggingTime": TIME,
    },
    ("cloudtrail", "GetEventSelectors"): {
        "EventSelectors": [
            {
                "ReadWriteType": str,
                "IncludeManagementEvents": bool,
                "ExcludeManagementEventSources": _STRS,
                "DataResources": [{"Type": str, "Values": _STRS}],
            }
        ],
        "AdvancedEventSelectors": _ADVANCED,
    },
    ("cloudtrail", "GetInsightSelectors"): {"InsightSelectors": [{"InsightType": str, "EventCategories": _STRS}]},
    ("cloudtrail", "ListTags"): {"ResourceTagList": [{"ResourceId": str, "TagsList": [{"Key": str, "Value": str}]}]},
    ("cloudtrail", "ListEventDataStores"): {"EventDataStores": [_EVENT_DATA_STORE]},
    ("cloudtrail", "GetEventDataStore"): {**_EVENT_DATA_STORE, "KmsKeyId": str},
    # S3 (GetBucketLocation and GetBucketPolicyStatus only place a bucket's findings: never read)
    ("s3", "ListBuckets"): {"Buckets": [{"Name": str}], "Owner": {"ID": str}},
    ("s3", "GetBucketPolicy"): {"Policy": DOC},
    ("s3", "GetBucketLogging"): {"LoggingEnabled": {"TargetBucket": str, "TargetPrefix": str}},
    ("s3", "GetBucketVersioning"): {"Status": str, "MFADelete": str},
    ("s3", "GetPublicAccessBlock"): _PAB,
    ("s3control", "GetPublicAccessBlock"): _PAB,
    ("s3", "GetBucketAcl"): {
        "Owner": {"ID": str},
        "Grants": [{"Grantee": {"Type": str, "URI": str, "ID": str, "EmailAddress": str}, "Permission": str}],
    },
    ("s3", "GetBucketLifecycleConfiguration"): {
        "Rules": [
            {
                "Status": str,
                "Prefix": str,
                "Filter": {
                    "Prefix": str,
                    "Tag": {"Key": str, "Value": str},
                    "And": {"Prefix": str, "Tags": [{"Key": str, "Value": str}]},
                },
                "Expiration": {"Days": int},
                "NoncurrentVersionExpiration": {"NoncurrentDays": int},
            }
        ]
    },
    ("s3", "GetObjectLockConfiguration"): {
        "ObjectLockConfiguration": {
            "ObjectLockEnabled": str,
            "Rule": {"DefaultRetention": {"Mode": str, "Days": int, "Years": int}},
        }
    },
    ("s3", "GetBucketEncryption"): {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": str, "KMSMasterKeyID": str}}]
        }
    },
    # KMS
    ("kms", "DescribeKey"): {
        "KeyMetadata": {"KeyId": str, "Arn": str, "KeyState": str, "KeyManager": str, "MultiRegion": bool}
    },
    ("kms", "GetKeyRotationStatus"): {"KeyRotationEnabled": bool},
    ("kms", "GetKeyPolicy"): {"Policy": DOC},
    # CloudWatch Logs and CloudWatch
    ("logs", "DescribeLogGroups"): {"logGroups": [{"logGroupName": str, "retentionInDays": int, "kmsKeyId": str}]},
    ("logs", "DescribeMetricFilters"): {
        "metricFilters": [
            {
                "filterName": str,
                "filterPattern": str,
                "logGroupName": str,
                "metricTransformations": [{"metricName": str, "metricNamespace": str, "metricValue": str}],
            }
        ]
    },
    ("cloudwatch", "DescribeAlarms"): {
        "MetricAlarms": [
            {
                "AlarmArn": str,
                "AlarmName": str,
                "MetricName": str,
                "Namespace": str,
                "Statistic": str,
                "Period": int,
                "EvaluationPeriods": int,
                "Threshold": NUMBER,
                "ComparisonOperator": str,
                "ActionsEnabled": bool,
                "AlarmActions": _STRS,
                "DatapointsToAlarm": int,
            }
        ]
    },
    # SNS
    ("sns", "GetTopicAttributes"): {"Attributes": {"Policy": DOC, "KmsMasterKeyId": str}},
    ("sns", "ListSubscriptionsByTopic"): {
        "Subscriptions": [{"Protocol": str, "Endpoint": str, "SubscriptionArn": str}]
    },
    # IAM
    ("iam", "GetRole"): {"Role": {"AssumeRolePolicyDocument": DOC}},
    ("iam", "ListRolePolicies"): {"PolicyNames": _STRS},
    ("iam", "ListAttachedRolePolicies"): {"AttachedPolicies": [{"PolicyArn": str}]},
    ("iam", "GetRolePolicy"): {"PolicyDocument": DOC},
    ("iam", "GetPolicy"): {"Policy": {"DefaultVersionId": str}},
    ("iam", "GetPolicyVersion"): {"PolicyVersion": {"Document": DOC}},
    # EventBridge
    ("events", "ListRules"): {
        "Rules": [{"Name": str, "Arn": str, "EventBusName": str, "EventPattern": str, "State": str}]
    },
    ("events", "ListTargetsByRule"): {"Targets": [{"Arn": str}]},
    # Account
    ("organizations", "DescribeOrganization"): {"Organization": {"Id": str, "MasterAccountId": str}},
    ("ec2", "DescribeRegions"): {"Regions": [{"RegionName": str, "OptInStatus": str}]},
    ("organizations", "ListAccounts"): {"Accounts": [{"Id": str, "Status": str}]},
    ("sts", "GetCallerIdentity"): {"Account": str},
}

# Members every answer of the operation has (AWS sends empty lists as empty lists): an answer
# without them was cut short or garbled, not "there is none". ``a|b``: at least one of them.
_PAB_FLAGS = tuple(
    f"PublicAccessBlockConfiguration.{flag}"
    for flag in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
)
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("cloudtrail", "DescribeTrails"): ("trailList",),
    ("cloudtrail", "GetTrailStatus"): ("IsLogging",),
    ("cloudtrail", "GetEventSelectors"): ("EventSelectors|AdvancedEventSelectors",),
    ("cloudtrail", "ListTags"): ("ResourceTagList",),
    ("s3", "ListBuckets"): ("Owner",),
    ("s3", "GetBucketPolicy"): ("Policy",),
    ("s3", "GetBucketAcl"): ("Owner",),
    ("s3", "GetPublicAccessBlock"): _PAB_FLAGS,
    ("s3control", "GetPublicAccessBlock"): _PAB_FLAGS,
    ("s3", "GetObjectLockConfiguration"): ("ObjectLockConfiguration",),
    ("s3", "GetBucketEncryption"): ("ServerSideEncryptionConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("Rules",),
    ("kms", "DescribeKey"): ("KeyMetadata",),
    ("kms", "GetKeyRotationStatus"): ("KeyRotationEnabled",),
    ("kms", "GetKeyPolicy"): ("Policy",),
    ("logs", "DescribeLogGroups"): ("logGroups",),
    ("logs", "DescribeMetricFilters"): ("metricFilters",),
    ("sns", "GetTopicAttributes"): ("Attributes",),
    ("sns", "ListSubscriptionsByTopic"): ("Subscriptions",),
    ("iam", "GetRole"): ("Role",),
    ("iam", "ListRolePolicies"): ("PolicyNames",),
    ("iam", "ListAttachedRolePolicies"): ("AttachedPolicies",),
    ("iam", "GetRolePolicy"): ("PolicyDocument",),
    ("iam", "GetPolicy"): ("Policy",),
    ("iam", "GetPolicyVersion"): ("PolicyVersion",),
    ("events", "ListRules"): ("Rules",),
    ("events", "ListTargetsByRule"): ("Targets",),
    ("organizations", "DescribeOrganization"): ("Organization",),
    ("organizations", "ListAccounts"): ("Accounts",),
    ("ec2", "DescribeRegions"): ("Regions",),
    ("sts", "GetCallerIdentity"): ("Account",),
}


def _member(response: dict[str, Any], dotted: str) -> Any:
    value: Any = response
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def missing_member(service: str, operation: str, response: Any) -> str | None:
    """The first member every answer of the operation has that this one lacks (None: nothing missing)."""
    if not isinstance(response, dict):
        return None
    for wanted in REQUIRED.get((service, operation), ()):
        names = wanted.split("|")
        if all(_member(response, n) is None for n in names):
            return f"{' or '.join(names)} is missing (a cut-short or garbled answer)"
    return None


def response_problem(service: str, operation: str, response: Any) -> str | None:
    """Why an answer is not one boto3 could have returned; None when it could (or is not described here)."""
    if (service, operation) == ("cloudtrail", "DescribeTrails") and isinstance(response, dict):
        listed = response.get("trailList")
        problem = trail_list_problem(listed) if listed is not None else None
        if problem:
            return problem
    shape = RESPONSES.get((service, operation))
    found = None if shape is None else _problem(response, shape, "")
    return found or missing_member(service, operation, response)


def _problem(value: Any, shape: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where or 'the answer'} is {json_type(value)}, not an object"
        for key, inner in shape.items():
            found = _problem(value.get(key), inner, f"{where}.{key}" if where else key)
            if found:
                return found
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where} is {json_type(value)}, not a list"
        for i, item in enumerate(value):
            # boto3 never puts null in a list (a null key of an object only means "not set").
            at = f"{where}[{i}]"
            found = f"{at} is null, not {_name(shape[0])}" if item is None else _problem(item, shape[0], at)
            if found:
                return found
        return None
    types = shape.types if isinstance(shape, Kind) else (shape,)
    if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
        return f"{where} is {json_type(value)}, not {_name(shape)}"
    return None


def _name(shape: Any) -> str:
    if isinstance(shape, Kind):
        return shape.name
    if isinstance(shape, dict):
        return "an object"
    return "a list" if isinstance(shape, list) else _JSON_TYPES[shape]


__all__ = [
    "DOC",
    "NUMBER",
    "REQUIRED",
    "RESPONSES",
    "SHAPE_ERRORS",
    "TIME",
    "Kind",
    "json_type",
    "missing_member",
    "response_problem",
    "trail_list_problem",
]
