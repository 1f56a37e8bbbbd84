"""What ``Ref`` and ``Fn::GetAtt`` to a resource of this template yield.

Physical names the template sets (``BucketName``, ``LogGroupName``...) are resolved like any
value.  Names and ids that CloudFormation or AWS generate at creation are written as the
symbolic token ``${LogicalId}``: the CloudFormation ``Fn::Sub`` spelling of exactly that
resource's physical id.  We store them as Known because

* they identify the resource with certainty: the token of ``LogBucket`` equals only itself, and
  no real bucket, log group, role, topic or trail name nor key id can contain ``${``, so an
  equality between two tokens is an identity and one against a literal is never a false match;
* the usual template does not name its resources, and comparisons between them are what
  policies make (the metric filter's ``LogGroupName: !Ref TrailLogs`` against the trail's log
  group, the bucket policy's ``!Sub arn:...:${LogBucket}/AWSLogs/...`` against the trail's
  bucket); Unknown there would turn every such check into UNKNOWN;
* presence checks ("a CMK is set" for ``KMSKeyId: !Ref TrailKey``) pass.

KMS key ids are always tokens (AWS generates them).  ARNs are built from the name, the
partition and the deploy context's region/account; when the region or account an ARN needs
is not given the ARN is Unknown with the reason, while the trail's link to the resource is
still set by the caller.  Types we do not model give Unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctguard.parsers.cloudformation.trace import NO_VALUE, Trace
from ctguard.values import Symbolic, Unknown, concat

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.intrinsics import Resolver

# type -> (name property or None when AWS always generates the id, what Ref returns)
_NAMES: dict[str, str | None] = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Key": None,
    "AWS::KMS::Alias": "AliasName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::SNS::Topic": "TopicName",
    "AWS::SNS::Subscription": None,
    "AWS::SNS::TopicPolicy": None,
    "AWS::S3::BucketPolicy": None,
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::CloudTrail::EventDataStore": "Name",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Events::Rule": "Name",
    "AWS::Events::EventBus": "Name",  # required: a custom bus is never "default"
}


def token(logical_id: str) -> str:
    return "${" + logical_id + "}"


def physical_name(r: Resolver, logical_id: str, depth: int = 0) -> Any:
    """The resource's name as the template sets it, or its token when AWS generates it."""
    rtype = r.template.resource_type(logical_id)
    prop = _NAMES.get(rtype or "")
    if prop is None:
        return token(logical_id)
    if logical_id in r.active:
        return Unknown(f"the name of {logical_id} refers to itself")
    resource = r.template.resources[logical_id]
    props = resource.get("Properties") if isinstance(resource, dict) else None
    if not isinstance(props, dict) or prop not in props:
        return token(logical_id)
    r.active.add(logical_id)
    try:
        value = r.resolve(props[prop], ("Resources", logical_id, "Properties", prop), Trace(), depth + 1)
    finally:
        r.active.discard(logical_id)
    if value is NO_VALUE:
        return token(logical_id)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (str, Unknown)):
        return value
    return Unknown(f"{prop} of {logical_id} is not a string")


def arn(r: Resolver, service: str, resource: Any, *, region: bool = True, account: bool = True, owner: str = "") -> Any:
    """``arn:partition:service:region:account:resource`` or Unknown naming what is missing."""
    if isinstance(resource, Unknown) and not isinstance(resource, Symbolic):
        return resource
    parts = [r.pseudo("AWS::Region") if region else "", r.pseudo("AWS::AccountId") if account else ""]
    for part, what in zip(parts, ("region", "account id"), strict=False):
        if isinstance(part, Unknown) and not isinstance(part, Symbolic):
            return Unknown(f"the ARN of {owner or 'this resource'} needs the {what}, known only at deploy time")
    return concat(f"arn:{r.context.partition}:{service}:", parts[0], ":", parts[1], ":", resource)


def _role_path(r: Resolver, logical_id: str, depth: int) -> Any:
    props = r.template.resources[logical_id].get("Properties")
    if not isinstance(props, dict) or "Path" not in props:
        return "/"
    value = r.resolve(props["Path"], ("Resources", logical_id, "Properties", "Path"), Trace(), depth + 1)
    return "/" if value is NO_VALUE else value if isinstance(value, (str, Unknown)) else "/"


def resource_arn(r: Resolver, logical_id: str, depth: int = 0) -> Any:
    rtype = r.template.resource_type(logical_id)
    name = physical_name(r, logical_id, depth)
    if isinstance(name, Unknown) and not isinstance(name, Symbolic):
        return name
    if rtype == "AWS::S3::Bucket":
        return arn(r, "s3", name, region=False, account=False, owner=logical_id)
    if rtype == "AWS::KMS::Key":
        return arn(r, "kms", concat("key/", name), owner=logical_id)
    if rtype == "AWS::KMS::Alias":
        return arn(r, "kms", name, owner=logical_id)
    if rtype == "AWS::Logs::LogGroup":
        return arn(r, "logs", concat("log-group:", name, ":*"), owner=logical_id)
    if rtype in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
        path = _role_path(r, logical_id, depth)
        if isinstance(path, Unknown) and not isinstance(path, Symbolic):
            return path
        kind = "role" if rtype == "AWS::IAM::Role" else "policy"
        return arn(r, "iam", concat(kind, path, name), region=False, owner=logical_id)
    if rtype == "AWS::SNS::Topic":
        return arn(r, "sns", name, owner=logical_id)
    if rtype == "AWS::CloudTrail::Trail":
        return arn(r, "cloudtrail", concat("trail/", name), owner=logical_id)
    if rtype == "AWS::CloudTrail::EventDataStore":
        return arn(r, "cloudtrail", f"eventdatastore/{token(logical_id)}", owner=logical_id)
    if rtype == "AWS::CloudWatch::Alarm":
        return arn(r, "cloudwatch", concat("alarm:", name), owner=logical_id)
    if rtype == "AWS::Events::Rule":
        return arn(r, "events", concat("rule/", name), owner=logical_id)
    return Unknown(f"the ARN of {logical_id} ({rtype}) is assigned at deploy time")


# What Ref returns per type: the name, the ARN, or a generated id.
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::IAM::ManagedPolicy", "AWS::CloudTrail::EventDataStore"}


def ref_value(r: Resolver, logical_id: str, depth: int = 0) -> Any:
    rtype = r.template.resource_type(logical_id)
    if rtype in _REF_IS_ARN:
        return resource_arn(r, logical_id, depth)
    if rtype in _NAMES:
        return physical_name(r, logical_id, depth)
    return Unknown(f"Ref {logical_id} ({rtype or 'resource without Type'}) resolves at deploy time")


_ATTRIBUTES: dict[str, dict[str, str]] = {
    # attribute -> "arn" | "name"
    "AWS::S3::Bucket": {"Arn": "arn"},
    "AWS::KMS::Key": {"Arn": "arn", "KeyId": "name"},
    "AWS::Logs::LogGroup": {"Arn": "arn"},
    "AWS::IAM::Role": {"Arn": "arn"},
    "AWS::SNS::Topic": {"TopicArn": "arn", "TopicName": "name"},
    "AWS::CloudTrail::Trail": {"Arn": "arn"},
    "AWS::CloudTrail::EventDataStore": {"EventDataStoreArn": "arn"},
    "AWS::CloudWatch::Alarm": {"Arn": "arn"},
    "AWS::Events::Rule": {"Arn": "arn"},
    "AWS::IAM::ManagedPolicy": {"PolicyArn": "arn"},
}


def get_att_value(r: Resolver, logical_id: str, attribute: str, depth: int = 0) -> Any:
    rtype = r.template.resource_type(logical_id) or ""
    kind = _ATTRIBUTES.get(rtype, {}).get(attribute)
    if kind == "arn":
        return resource_arn(r, logical_id, depth)
    if kind == "name":
        return physical_name(r, logical_id, depth)
    return Unknown(f"{logical_id}.{attribute} is known only after deployment")
