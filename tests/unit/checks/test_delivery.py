"""The delivery checks (CT401-CT417) over models built directly, in the shape a live audit gives:
account-level public access block, key state, organization trails, cross-account resources and
the retention setting. (The fixtures under fixtures/rules/CT4xx cover CloudFormation and
Terraform end to end.)"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ctguard.checks import (
    ct401_404_bucket_access as access,
)
from ctguard.checks import (
    ct405_407_bucket_protection as protection,
)
from ctguard.checks import (
    ct408_412_kms as kms,
)
from ctguard.checks import (
    ct413_417_logs_topic as logs,
)
from ctguard.engine.evaluate import CheckContext, Outcome, Settings
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.model import (
    Bucket,
    KmsKey,
    LifecycleRule,
    LogGroup,
    Model,
    PublicAccessBlock,
    Role,
    Topic,
    Trail,
    TrailStatus,
)
from ctguard.values import ABSENT, Known, Unknown

ACCOUNT, REGION = "111122223333", "us-east-1"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/cloudtrail/main"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/cloudtrail-logs"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:trail-notifications"
POLICIES = {p.id: p for p in load_policies(use_cache=False)}


def k(value: Any) -> Known[Any]:
    return Known(value)


def cloudtrail(statement: dict[str, Any]) -> dict[str, Any]:
    return {
        "Sid": statement.pop("Sid", "CloudTrail"),
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        **statement,
    }


def bucket_policy(path_id: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            cloudtrail(
                {
                    "Action": "s3:GetBucketAcl",
                    "Resource": "arn:aws:s3:::trail-logs",
                    "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}},
                }
            ),
            cloudtrail(
                {
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::trail-logs/AWSLogs/{path_id}/*",
                    "Condition": {
                        "StringEquals": {"aws:SourceArn": TRAIL_ARN, "s3:x-amz-acl": "bucket-owner-full-control"}
                    },
                }
            ),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::trail-logs", "arn:aws:s3:::trail-logs/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def key_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            cloudtrail(
                {
                    "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                    "Resource": "*",
                    "Condition": {
                        "StringLike": {
                            "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"
                        }
                    },
                }
            ),
        ],
    }


def all_off() -> PublicAccessBlock:
    return PublicAccessBlock(k(False), k(False), k(False), k(False))


def live_model(**trail_changes: Any) -> Model:
    """What a live audit of a well-configured account looks like."""
    model = Model(account_id=k(ACCOUNT), region=k(REGION))
    model.add(
        "bucket",
        Bucket(
            key="trail-logs",
            name=k("trail-logs"),
            arn=k("arn:aws:s3:::trail-logs"),
            account_id=k(ACCOUNT),
            policy=k(bucket_policy()),
            acl=k("private"),
            public_access_block=k(all_off()),
            versioning=k("Enabled"),
            mfa_delete=k(True),
            logging_target_bucket=k("access-logs"),
            lifecycle_rules=k((LifecycleRule(status=k("Enabled"), expiration_days=k(400)),)),
        ),
    )
    model.add(
        "kms_key",
        KmsKey(
            key=KEY_ARN,
            key_id=k(KEY_ID),
            arn=k(KEY_ARN),
            aliases=("alias/trail",),
            rotation=k(True),
            policy=k(key_policy()),
            state=k("Enabled"),
        ),
    )
    model.add(
        "log_group",
        LogGroup(
            key=GROUP_ARN,
            name=k("/aws/cloudtrail/main"),
            arn=k(GROUP_ARN + ":*"),
            region=k(REGION),
            retention_days=k(365),
            kms_key_id=k(KEY_ARN),
        ),
    )
    model.add(
        "role",
        Role(
            key=ROLE_ARN,
            name=k("cloudtrail-logs"),
            arn=k(ROLE_ARN),
            trust_policy=k({"Version": "2012-10-17", "Statement": [cloudtrail({"Action": "sts:AssumeRole"})]}),
            policies=k(
                (
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": GROUP_ARN + ":*",
                            }
                        ],
                    },
                )
            ),
        ),
    )
    model.add(
        "topic",
        Topic(
            key=TOPIC_ARN,
            name=k("trail-notifications"),
            arn=k(TOPIC_ARN),
            policy=k(
                {"Version": "2012-10-17", "Statement": [cloudtrail({"Action": "sns:Publish", "Resource": TOPIC_ARN})]}
            ),
        ),
    )
    trail = Trail(
        key=TRAIL_ARN,
        name=k("main"),
        arn=k(TRAIL_ARN),
        account_id=k(ACCOUNT),
        home_region=k(REGION),
        s3_bucket_name=k("trail-logs"),
        kms_key_id=k(KEY_ARN),
        cloudwatch_logs_log_group_arn=k(GROUP_ARN + ":*"),
        cloudwatch_logs_role_arn=k(ROLE_ARN),
        sns_topic=k(TOPIC_ARN),
        log_file_validation=k(True),
        bucket="trail-logs",
        kms_key=KEY_ARN,
        log_group=GROUP_ARN,
        role=ROLE_ARN,
        topic=TOPIC_ARN,
        status=TrailStatus(is_logging=k(True)),
    )
    model.trails.append(replace(trail, **trail_changes))
    return model


def run(check: Any, model: Model, rule: str, settings: Settings | None = None) -> Outcome:
    return check(CheckContext(POLICIES[rule], model, settings or Settings(), model.trails[0]))


def change(model: Model, kind: str, **changes: Any) -> Model:
    obj = model.all(kind)[0]
    model.add(kind, replace(obj, **changes))
    return model


CHECKS = [
    ("CT401", access.ct401_public_bucket),
    ("CT402", access.ct402_delivery),
    ("CT403", access.ct403_confused_deputy),
    ("CT404", access.ct404_tls_only),
    ("CT405", protection.ct405_access_logging),
    ("CT406", protection.ct406_immutability),
    ("CT407", protection.ct407_lifecycle),
    ("CT408", kms.ct408_rotation),
    ("CT409", kms.ct409_encrypt),
    ("CT410", kms.ct410_decrypt),
    ("CT411", kms.ct411_state),
    ("CT412", kms.ct412_resolution),
    ("CT413", logs.ct413_retention),
    ("CT414", logs.ct414_encryption),
    ("CT415", logs.ct415_delivery_role),
    ("CT416", logs.ct416_topic_publish),
    ("CT417", logs.ct417_home_region),
]


@pytest.mark.parametrize("rule, check", CHECKS)
def test_well_configured_live_account_passes(rule: str, check: Any) -> None:
    outcome = run(check, live_model(), rule)
    assert outcome.status is Status.PASS, outcome


def test_public_policy_is_stopped_by_the_account_level_block() -> None:
    public = bucket_policy()
    public["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::trail-logs/*",
        }
    )
    model = change(live_model(), "bucket", policy=k(public))
    failed = run(access.ct401_public_bucket, model, "CT401")
    assert failed.status is Status.FAIL and "public" in failed.values["detail"]
    model.account_public_access_block = replace(all_off(), restrict_public_buckets=k(True))
    assert run(access.ct401_public_bucket, model, "CT401").status is Status.PASS


def test_public_acl_ignored_at_account_level_and_unknown_block() -> None:
    model = change(live_model(), "bucket", acl=k("public-read"))
    assert run(access.ct401_public_bucket, model, "CT401").status is Status.FAIL
    model.account_public_access_block = replace(all_off(), ignore_public_acls=k(True))
    assert run(access.ct401_public_bucket, model, "CT401").status is Status.PASS
    model.account_public_access_block = replace(
        all_off(), ignore_public_acls=Unknown("GetPublicAccessBlock was denied")
    )
    outcome = run(access.ct401_public_bucket, model, "CT401")
    assert outcome.status is Status.UNKNOWN and "denied" in outcome.values["reason"]


def test_acl_grant_to_authenticated_users_is_public() -> None:
    grants = (
        {"permission": "READ", "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
    )
    outcome = run(access.ct401_public_bucket, change(live_model(), "bucket", acl_grants=k(grants)), "CT401")
    assert outcome.status is Status.FAIL and "AuthenticatedUsers" in outcome.values["detail"]


def test_organization_trail_writes_under_the_organization_id() -> None:
    model = live_model(is_organization=k(True))
    unknown = run(access.ct402_delivery, model, "CT402")
    assert unknown.status is Status.UNKNOWN and "organization id" in unknown.values["reason"]
    model.organization_id = k("o-exampleorgid")
    # The account-only policy does not cover AWSLogs/o-exampleorgid/111122223333/.
    assert run(access.ct402_delivery, model, "CT402").status is Status.FAIL
    change(model, "bucket", policy=k(bucket_policy("o-exampleorgid")))
    assert run(access.ct402_delivery, model, "CT402").status is Status.PASS


def test_cross_account_bucket_is_unknown_not_failed() -> None:
    model = live_model(bucket=None, s3_bucket_name=k("central-log-archive"))
    for rule, check in CHECKS[:7]:
        outcome = run(check, model, rule)
        assert outcome.status is Status.UNKNOWN, (rule, outcome)
        assert "defined outside this input" in outcome.values["reason"]


def test_cross_account_key_names_the_other_account() -> None:
    foreign = "arn:aws:kms:us-east-1:999988887777:key/abcd"
    outcome = run(kms.ct408_rotation, live_model(kms_key=None, kms_key_id=k(foreign)), "CT408")
    assert outcome.status is Status.UNKNOWN and "account 999988887777" in outcome.values["reason"]


@pytest.mark.parametrize(
    "state, status", [("Enabled", Status.PASS), ("Disabled", Status.FAIL), ("PendingDeletion", Status.FAIL)]
)
def test_key_state(state: str, status: Status) -> None:
    assert run(kms.ct411_state, change(live_model(), "kms_key", state=k(state)), "CT411").status is status


def test_key_state_left_out_is_the_created_state() -> None:
    outcome = run(kms.ct411_state, change(live_model(), "kms_key", state=ABSENT), "CT411")
    assert outcome.status is Status.PASS and "live audit" in outcome.values["detail"]


def test_key_reference_must_name_the_linked_key() -> None:
    other = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/ffffffff-0000-0000-0000-000000000000"
    outcome = run(kms.ct412_resolution, live_model(kms_key_id=k(other)), "CT412")
    assert outcome.status is Status.FAIL and "is not the key's ARN" in outcome.values["detail"]
    assert run(kms.ct412_resolution, live_model(kms_key_id=k("alias/trail")), "CT412").status is Status.PASS
    wrong_alias = run(kms.ct412_resolution, live_model(kms_key_id=k("alias/other")), "CT412")
    assert wrong_alias.status is Status.FAIL and "alias/trail" in wrong_alias.values["detail"]


def test_aws_managed_key_is_left_to_ct104() -> None:
    outcome = run(kms.ct408_rotation, live_model(kms_key=None, kms_key_id=k("alias/aws/cloudtrail")), "CT408")
    assert outcome.status is Status.NOT_APPLICABLE and "CT104" in (outcome.message or "")


def test_named_readers_must_be_able_to_decrypt() -> None:
    reader = f"arn:aws:iam::{ACCOUNT}:role/incident-response"
    settings = Settings(values={"log_reader_arns": [reader]})
    assert run(kms.ct410_decrypt, live_model(), "CT410", settings).status is Status.PASS  # root delegates to IAM
    only_trail = key_policy()
    only_trail["Statement"] = only_trail["Statement"][1:]
    model = change(live_model(), "kms_key", policy=k(only_trail))
    assert run(kms.ct410_decrypt, model, "CT410", settings).status is Status.FAIL


def test_retention_target_is_a_setting() -> None:
    model = live_model()
    assert run(logs.ct413_retention, model, "CT413", Settings(retention_days=400)).status is Status.FAIL
    assert run(protection.ct407_lifecycle, model, "CT407", Settings(retention_days=400)).status is Status.PASS
    assert run(protection.ct407_lifecycle, model, "CT407", Settings(retention_days=2557)).status is Status.FAIL


def test_lifecycle_rule_on_another_prefix_or_disabled_is_ignored() -> None:
    rules = (
        LifecycleRule(status=k("Enabled"), prefix=k("tmp/"), expiration_days=k(7)),
        LifecycleRule(status=k("Disabled"), expiration_days=k(7)),
    )
    assert (
        run(protection.ct407_lifecycle, change(live_model(), "bucket", lifecycle_rules=k(rules)), "CT407").status
        is Status.PASS
    )
    prefixed = live_model(s3_key_prefix=k("audit"))
    change(prefixed, "bucket", lifecycle_rules=k((LifecycleRule(prefix=k("audit/AWSLogs/1"), expiration_days=k(7)),)))
    assert run(protection.ct407_lifecycle, prefixed, "CT407").status is Status.FAIL


def test_versioning_without_mfa_delete_and_object_lock_without_retention() -> None:
    no_mfa = change(live_model(), "bucket", mfa_delete=k(False))
    assert run(protection.ct406_immutability, no_mfa, "CT406").status is Status.FAIL
    locked = change(no_mfa, "bucket", object_lock=k(True), object_lock_mode=k("COMPLIANCE"), object_lock_days=k(365))
    assert run(protection.ct406_immutability, locked, "CT406").status is Status.PASS
    unlocked = change(locked, "bucket", object_lock_mode=ABSENT, object_lock_days=ABSENT)
    outcome = run(protection.ct406_immutability, unlocked, "CT406")
    assert outcome.status is Status.FAIL and "default retention" in outcome.values["detail"]


def test_access_logs_into_the_bucket_itself() -> None:
    outcome = run(
        protection.ct405_access_logging, change(live_model(), "bucket", logging_target_bucket=k("trail-logs")), "CT405"
    )
    assert outcome.status is Status.FAIL


def test_log_group_in_another_region() -> None:
    other = GROUP_ARN.replace(REGION, "eu-west-1") + ":*"
    outcome = run(logs.ct417_home_region, live_model(cloudwatch_logs_log_group_arn=k(other), log_group=None), "CT417")
    assert outcome.status is Status.FAIL and "eu-west-1" in outcome.values["detail"]


def test_organization_trail_role_must_cover_the_organization_stream() -> None:
    model = live_model(is_organization=k(True))
    model.organization_id = k("o-exampleorgid")
    scoped = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{GROUP_ARN}:log-stream:{ACCOUNT}_CloudTrail_{REGION}*",
            }
        ],
    }
    change(model, "role", policies=k((scoped,)))
    outcome = run(logs.ct415_delivery_role, model, "CT415")
    assert outcome.status is Status.FAIL, outcome
    scoped["Statement"][0]["Resource"] = f"{GROUP_ARN}:log-stream:o-exampleorgid_*"
    assert run(logs.ct415_delivery_role, model, "CT415").status is Status.PASS


def test_role_trusting_another_service() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    outcome = run(logs.ct415_delivery_role, change(live_model(), "role", trust_policy=k(trust)), "CT415")
    assert outcome.status is Status.FAIL and "AssumeRole" in outcome.values["detail"]


def test_topic_without_policy_fails_and_unreadable_policy_is_unknown() -> None:
    assert run(logs.ct416_topic_publish, change(live_model(), "topic", policy=ABSENT), "CT416").status is Status.FAIL
    unreadable = change(live_model(), "topic", policy=Unknown("sns:GetTopicAttributes was denied"))
    outcome = run(logs.ct416_topic_publish, unreadable, "CT416")
    assert outcome.status is Status.UNKNOWN and "denied" in outcome.values["reason"]


@pytest.mark.parametrize("rule, check", CHECKS)
def test_trail_without_destinations(rule: str, check: Any) -> None:
    """A bare trail: its bucket is outside the input, it uses no key, log group or topic."""
    model = Model()
    model.trails.append(Trail(key="t", name=k("t"), s3_bucket_name=k("somewhere")))
    outcome = run(check, model, rule)
    expected = Status.UNKNOWN if rule <= "CT407" else Status.NOT_APPLICABLE
    assert outcome.status is expected, outcome


def test_missing_bucket_block_means_none_live_and_the_new_bucket_default_in_iac() -> None:
    model = change(live_model(), "bucket", acl=k("public-read"), public_access_block=ABSENT)
    assert run(access.ct401_public_bucket, model, "CT401").status is Status.FAIL  # live: no block configured
    model.trails[0] = replace(model.trails[0], status=None)  # IaC: S3 creates new buckets with all four on
    outcome = run(access.ct401_public_bucket, model, "CT401")
    # ... which would stop the grant, but a verdict must not rest on a default (issue 14): FAIL,
    # saying the default block breaks the deployment or masks a grant that comes back.
    assert outcome.status is Status.FAIL, outcome
    assert "IgnorePublicAcls only masks" in outcome.values["detail"]
