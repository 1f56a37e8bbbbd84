"""Build AWS estates on the moto server through real boto3 clients (bypassing the fault proxy)."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
_SESSION: list[Any] = []


def _session() -> Any:
    if not _SESSION:
        from ctguard.audit.session import base_session

        _SESSION.append(base_session())  # shares the audit's parsed service models
    return _SESSION[0]


_CLIENTS: dict[tuple[Any, ...], Any] = {}


class Estate:
    """Resources of one account; ``credentials`` (from AssumeRole) select another moto account."""

    def __init__(self, endpoint: str, credentials: dict[str, str] | None = None, account: str = ACCOUNT) -> None:
        self.endpoint = endpoint
        self.credentials = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        self.account = account

    def client(self, service: str, region: str = "us-east-1") -> Any:
        # Clients are cached across tests (moto is reset, the clients stay valid): building them
        # costs more than the calls.
        key = (service, region, self.endpoint, tuple(sorted(self.credentials.items())))
        if key not in _CLIENTS:
            _CLIENTS[key] = _session().client(
                service, region_name=region, endpoint_url=self.endpoint, **self.credentials
            )
        return _CLIENTS[key]

    def bucket(self, name: str, region: str = "us-east-1", **settings: Any) -> str:
        s3 = self.client("s3", region)
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AWSCloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": f"arn:aws:s3:::{name}",
                },
                {
                    "Sid": "AWSCloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{name}/AWSLogs/*",
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                },
            ],
        }
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        if settings.get("versioning"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if settings.get("block_public"):
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        return name

    def key(self, region: str = "us-east-1", rotate: bool = True) -> str:
        kms = self.client("kms", region)
        arn = kms.create_key(Description="trail logs")["KeyMetadata"]["Arn"]
        if rotate:
            kms.enable_key_rotation(KeyId=arn)
        return str(arn)

    def log_group(self, name: str, region: str = "us-east-1", retention: int | None = 365) -> str:
        logs = self.client("logs", region)
        logs.create_log_group(logGroupName=name)
        if retention:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
        logs.put_metric_filter(
            logGroupName=name,
            filterName="root-usage",
            filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
            '&& $.eventType != "AwsServiceEvent" }',
            metricTransformations=[{"metricName": "RootUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}],
        )
        arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
        return str(arn if arn.endswith(":*") else arn + ":*")

    def topic(self, name: str, region: str = "us-east-1") -> str:
        sns = self.client("sns", region)
        arn = sns.create_topic(Name=name)["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="security@example.com")
        return str(arn)

    def alarm(self, topic_arn: str, region: str = "us-east-1") -> None:
        self.client("cloudwatch", region).put_metric_alarm(
            AlarmName="root-usage",
            MetricName="RootUsage",
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic_arn],
        )

    def role(self, name: str) -> str:
        iam = self.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(
            RoleName=name,
            PolicyName="deliver",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
                    ],
                }
            ),
        )
        managed = iam.create_policy(
            PolicyName=f"{name}-describe",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
        return str(arn)

    def rule(self, topic_arn: str, region: str = "us-east-1") -> None:
        events = self.client("events", region)
        events.put_rule(
            Name="iam-changes",
            EventPattern=json.dumps({"source": ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"]}),
        )
        events.put_targets(Rule="iam-changes", Targets=[{"Id": "sns", "Arn": topic_arn}])

    def trail(self, name: str, bucket: str, region: str = "us-east-1", start: bool = True, **kwargs: Any) -> str:
        cloudtrail = self.client("cloudtrail", region)
        arn = cloudtrail.create_trail(Name=name, S3BucketName=bucket, **kwargs)["TrailARN"]
        if start:
            cloudtrail.start_logging(Name=name)  # moto 5.2.1 resolves only names here
        return str(arn)

    def full_trail(self, name: str = "org-audit-trail", region: str = "us-east-1", **extra: Any) -> str:
        """A multi-region trail with every related resource ctguard reads (``extra``: more CreateTrail options)."""
        bucket = self.bucket(f"{name}-logs-{self.account}", region, versioning=True, block_public=True)
        key = self.key(region)
        group = self.log_group(f"/cloudtrail/{name}", region)
        topic = self.topic(f"{name}-alerts", region)
        self.alarm(topic, region)
        self.rule(topic, region)
        role = self.role(f"{name}-to-logs")
        arn = self.trail(
            name,
            bucket,
            region,
            IsMultiRegionTrail=True,
            EnableLogFileValidation=True,
            KmsKeyId=key,
            CloudWatchLogsLogGroupArn=group,
            CloudWatchLogsRoleArn=role,
            SnsTopicName=topic.rsplit(":", 1)[-1],
            TagsList=[{"Key": "owner", "Value": "security"}],
            **extra,
        )
        return arn

    def organization_trail_as_members_see_it(self, arn: str) -> dict[str, Any]:
        """What DescribeTrails lists in a member account for this account's organization trail.

        AWS shows an organization trail in every member account (same ARN, in the management
        account, IsOrganizationTrail true; multi-region, so in every region); moto 5 does not. The
        shim: the fault proxy appends this entry to the DescribeTrails answers of requests signed
        with any credentials but the management account's (``proxy.add("DescribeTrails", "append",
        access_key_not=..., body={"trailList": [entry]})``). Members read nothing else of the trail.
        """
        listed = self.client("cloudtrail").describe_trails(trailNameList=[arn], includeShadowTrails=True)
        [entry] = listed["trailList"]
        return dict(entry)
