"""Small static facts the simulator needs: data-plane API names, global services, Regions.

Kept as data in one module so they can be refreshed from the user guides without touching the
matching logic (selector-semantics.md §7, note 1).
"""

from __future__ import annotations

# OPEN-Q7: records older than event version 1.06 carry neither eventCategory nor
# managementEvent.  These are the data-plane APIs of the three services basic selectors could
# log before 2021: S3 object-level calls (S3UG "Amazon S3 CloudTrail events", data events
# list; ListObjectsV2 is logged as ListObjects), Lambda Invoke (UG-data), DynamoDB item and
# PartiQL calls (UG-data, DynamoDB row).  Anything not listed stays Management.
DATA_APIS: dict[str, frozenset[str]] = {
    "s3.amazonaws.com": frozenset(
        {
            "AbortMultipartUpload",
            "CompleteMultipartUpload",
            "CopyObject",
            "CreateMultipartUpload",
            "DeleteObject",
            "DeleteObjects",
            "DeleteObjectTagging",
            "GetObject",
            "GetObjectAcl",
            "GetObjectAttributes",
            "GetObjectLegalHold",
            "GetObjectRetention",
            "GetObjectTagging",
            "GetObjectTorrent",
            "HeadBucket",
            "HeadObject",
            "ListObjects",
            "ListObjectsV2",
            "ListObjectVersions",
            "ListParts",
            "PostObject",
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
            "RestoreObject",
            "SelectObjectContent",
            "UploadPart",
            "UploadPartCopy",
        }
    ),
    "lambda.amazonaws.com": frozenset({"Invoke", "InvokeWithResponseStream"}),
    "dynamodb.amazonaws.com": frozenset(
        {
            "BatchExecuteStatement",
            "BatchGetItem",
            "BatchWriteItem",
            "DeleteItem",
            "ExecuteStatement",
            "ExecuteTransaction",
            "GetItem",
            "PutItem",
            "Query",
            "Scan",
            "TransactGetItems",
            "TransactWriteItems",
            "UpdateItem",
            # DynamoDB Streams calls are logged under dynamodb.amazonaws.com too.
            "DescribeStream",
            "GetRecords",
            "GetShardIterator",
            "ListStreams",
        }
    ),
}

# R5 / OPEN-Q3: sources whose events are global service events.  STS is global only through
# its global endpoint, decided per record in events.py.
GLOBAL_SOURCES: frozenset[str] = frozenset(
    {
        "iam.amazonaws.com",
        "cloudfront.amazonaws.com",
        "signin.amazonaws.com",
    }
)
STS_SOURCE = "sts.amazonaws.com"
STS_GLOBAL_HOSTS: frozenset[str] = frozenset({"sts.amazonaws.com"})

# The Region a partition's global services log in (R5 names us-east-1 for aws; the other two
# are the partitions' documented IAM Regions: inference).
GLOBAL_REGION_BY_PARTITION: dict[str, str] = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}

# Opt-in Regions (R3: an org trail homed in one reaches only members that enabled it).
OPT_IN_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)

_PARTITION_PREFIXES = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
)


def partition_of(region: str) -> str:
    """The partition a Region belongs to; unknown names count as the commercial partition."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


def global_region(region: str) -> str:
    return GLOBAL_REGION_BY_PARTITION.get(partition_of(region), "us-east-1")


# Basic DataResources values that mean "every resource of the type" (R17, R19), per partition.
def all_resources_values(resource_type: str) -> frozenset[str]:
    service = BASIC_TYPES.get(resource_type)
    if service is None:
        return frozenset()
    out: set[str] = set()
    for partition in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"):
        out.add(f"arn:{partition}:{service}")
        if service == "s3":
            out.add(f"arn:{partition}:s3:::")
    return frozenset(out)


# The three DataResource types basic selectors accept (R16) and their ARN service names.
BASIC_TYPES: dict[str, str] = {
    "AWS::S3::Object": "s3",
    "AWS::Lambda::Function": "lambda",
    "AWS::DynamoDB::Table": "dynamodb",
}
# S3 values are prefixes of the object ARN; the other two are exact ARNs (R17).
PREFIX_MATCHED_TYPES: frozenset[str] = frozenset({"AWS::S3::Object"})
