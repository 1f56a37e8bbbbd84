"""Shape checks for saved AWS answers that ctguard reads (snapshots, describe-trails output).

boto3 never returns a trail whose ``HomeRegion`` is a list, but a hand-edited or corrupted file
can. Such a file must be refused with a message naming the problem, not mapped with a guess
(``str(["x"])``) and never reported as a parser crash.
"""
from __future__ import annotations

from typing import Any

_TRAIL_STRINGS = ("Name", "S3BucketName", "S3KeyPrefix", "HomeRegion", "TrailARN", "SnsTopicName",
                  "SnsTopicARN", "KmsKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn")
_TRAIL_BOOLS = ("IncludeGlobalServiceEvents", "IsMultiRegionTrail", "LogFileValidationEnabled",
                "HasCustomEventSelectors", "HasInsightSelectors", "IsOrganizationTrail")
_JSON_TYPES = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
               dict: "an object", type(None): "null"}

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


_STRS = [str]
_FIELD = {"Field": str, "Equals": _STRS, "StartsWith": _STRS, "EndsWith": _STRS, "NotEquals": _STRS,
          "NotStartsWith": _STRS, "NotEndsWith": _STRS}
# The answers the trail and bucket mappers read, as boto3 returns them (only the keys ctguard reads;
# a key that is missing or null is left to the mapper). A type is a Python type, [shape] a list of
# shape, {key: shape} an object.
_PAB = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": bool, "IgnorePublicAcls": bool,
                                           "BlockPublicPolicy": bool, "RestrictPublicBuckets": bool}}
RESPONSES: dict[tuple[str, str], Any] = {
    ("cloudtrail", "GetTrailStatus"): {"IsLogging": bool, "LatestDeliveryError": str, "LatestNotificationError": str,
                                       "LatestCloudWatchLogsDeliveryError": str, "LatestDigestDeliveryError": str},
    ("cloudtrail", "GetEventSelectors"): {
        "EventSelectors": [{"ReadWriteType": str, "IncludeManagementEvents": bool,
                            "ExcludeManagementEventSources": _STRS,
                            "DataResources": [{"Type": str, "Values": _STRS}]}],
        "AdvancedEventSelectors": [{"Name": str, "FieldSelectors": [_FIELD]}],
    },
    ("cloudtrail", "GetInsightSelectors"): {"InsightSelectors": [{"InsightType": str, "EventCategories": _STRS}]},
    ("cloudtrail", "ListTags"): {"ResourceTagList": [{"ResourceId": str, "TagsList": [{"Key": str, "Value": str}]}]},
    ("s3", "GetBucketLogging"): {"LoggingEnabled": {"TargetBucket": str, "TargetPrefix": str}},
    ("s3", "GetBucketVersioning"): {"Status": str, "MFADelete": str},
    ("s3", "GetPublicAccessBlock"): _PAB,
    ("s3control", "GetPublicAccessBlock"): _PAB,
    ("s3", "GetBucketAcl"): {"Grants": [{"Grantee": {"URI": str}, "Permission": str}]},
    ("s3", "GetBucketLifecycleConfiguration"): {"Rules": [{
        "Status": str, "Prefix": str, "Filter": {"Prefix": str}, "Expiration": {"Days": int},
        "NoncurrentVersionExpiration": {"NoncurrentDays": int}}]},
    ("s3", "GetObjectLockConfiguration"): {"ObjectLockConfiguration": {
        "ObjectLockEnabled": str, "Rule": {"DefaultRetention": {"Mode": str, "Days": int, "Years": int}}}},
    ("s3", "GetBucketEncryption"): {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": str, "KMSMasterKeyID": str}}]}},
}


def response_problem(service: str, operation: str, response: Any) -> str | None:
    """Why an answer is not one boto3 could have returned; None when it could (or is not described here)."""
    shape = RESPONSES.get((service, operation))
    return None if shape is None else _problem(response, shape, "")


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
            found = _problem(item, shape[0], f"{where}[{i}]")
            if found:
                return found
        return None
    if not isinstance(value, shape) or (shape is not bool and isinstance(value, bool)):
        return f"{where} is {json_type(value)}, not {_JSON_TYPES[shape]}"
    return None


__all__ = ["RESPONSES", "SHAPE_ERRORS", "json_type", "response_problem", "trail_list_problem"]
