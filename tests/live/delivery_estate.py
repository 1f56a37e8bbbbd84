"""A trail whose every delivery resource is set up as AWS documents it, and the ways to break each part.

Built through boto3 against moto (``Estate`` clients); ``Broken`` names what to get wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from estate import Estate

TRAIL = "delivery-trail"
PREFIX = "audit"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@dataclass(frozen=True)
class Broken:
    public_policy: bool = False
    no_put_object: bool = False
    wrong_prefix: bool = False
    no_source_condition: bool = False
    no_tls_deny: bool = False
    rotation_off: bool = False
    key_pending_deletion: bool = False
    role_without_trust: bool = False
    topic_without_cloudtrail: bool = False


def bucket_policy(bucket: str, account: str, trail_arn: str, broken: Broken) -> dict[str, Any]:
    prefix = "elsewhere" if broken.wrong_prefix else PREFIX
    write: dict[str, Any] = {
        "Sid": "AWSCloudTrailWrite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/{prefix}/AWSLogs/{account}/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}},
    }
    if broken.no_source_condition:
        del write["Condition"]["StringEquals"]["aws:SourceArn"]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        }
    ]
    if not broken.no_put_object:
        statements.append(write)
    if not broken.no_tls_deny:
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if broken.public_policy:
        statements.append(
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def key_policy(account: str, trail_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
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
                    "StringEquals": {"aws:SourceArn": trail_arn},
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
            {
                "Sid": "Allow log readers to decrypt",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"
                    },
                },
            },
        ],
    }


def topic_policy(topic_arn: str, account: str, trail_arn: str, broken: Broken) -> dict[str, Any]:
    principal = (
        {"AWS": f"arn:aws:iam::{account}:root"}
        if broken.topic_without_cloudtrail
        else {"Service": "cloudtrail.amazonaws.com"}
    )
    statement: dict[str, Any] = {
        "Sid": "AWSCloudTrailSNSPolicy",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "SNS:Publish",
        "Resource": topic_arn,
    }
    if not broken.topic_without_cloudtrail:
        statement["Condition"] = {"StringEquals": {"AWS:SourceArn": trail_arn}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def delivery_trail(estate: Estate, broken: Broken = Broken(), region: str = "us-east-1") -> str:
    """The trail ARN; the bucket, key, log group, role and topic are named after ``TRAIL``."""
    account = estate.account
    trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{TRAIL}"
    s3 = estate.client("s3", region)
    bucket, access_logs = f"{TRAIL}-logs-{account}", f"{TRAIL}-access-logs-{account}"
    s3.create_bucket(Bucket=access_logs)
    s3.put_bucket_policy(
        Bucket=access_logs,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "S3ServerAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{access_logs}/*",
                    }
                ],
            }
        ),
    )
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}},
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-old-logs",
                    "Status": "Enabled",
                    "Filter": {"Prefix": f"{PREFIX}/"},
                    "Expiration": {"Days": 400},
                }
            ]
        },
    )
    s3.put_bucket_logging(
        Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": access_logs, "TargetPrefix": f"{bucket}/"}},
    )
    if not broken.public_policy:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK_ALL)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy(bucket, account, trail_arn, broken)))

    kms = estate.client("kms", region)
    metadata = kms.create_key(Description="trail logs", Policy=json.dumps(key_policy(account, trail_arn)))[
        "KeyMetadata"
    ]
    key = metadata["Arn"]
    if not broken.rotation_off:
        kms.enable_key_rotation(KeyId=key)

    logs = estate.client("logs", region)
    group = f"/cloudtrail/{TRAIL}"
    logs.create_log_group(logGroupName=group, kmsKeyId=key)
    logs.put_retention_policy(logGroupName=group, retentionInDays=400)
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"

    iam = estate.client("iam")
    service = "ec2.amazonaws.com" if broken.role_without_trust else "cloudtrail.amazonaws.com"
    role = iam.create_role(
        RoleName=f"{TRAIL}-to-logs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=f"{TRAIL}-to-logs",
        PolicyName="deliver",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:*",
                    }
                ],
            }
        ),
    )

    sns = estate.client("sns", region)
    topic = sns.create_topic(Name=f"{TRAIL}-notices")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=json.dumps(topic_policy(topic, account, trail_arn, broken)),
    )

    arn = estate.trail(
        TRAIL,
        bucket,
        region,
        S3KeyPrefix=PREFIX,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role,
        SnsTopicName=topic.rsplit(":", 1)[-1],
    )
    if broken.key_pending_deletion:
        kms.schedule_key_deletion(
            KeyId=metadata["KeyId"],  # moto 5 finds the key by id only
            PendingWindowInDays=7,
        )
    return arn
