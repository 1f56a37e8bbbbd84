"""CloudTrail's documented policies pass; realistic broken variants fail with the right reason.

Sources:
  S3DOC   "Amazon S3 bucket policy for CloudTrail"
          https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
          (awsdocs/aws-cloudtrail-user-guide: doc_source/create-s3-bucket-policy-for-cloudtrail.md; the 2015 form
          without aws:SourceArn is at commit 22cf433e3a9d67936db23e4d6908a8374d7fd368)
  KMSDOC  "Configure AWS KMS key policies for CloudTrail" / "Granting encrypt permissions" / "Granting decrypt
          permissions" / "Default KMS key policy created in CloudTrail console"
          https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
          (awsdocs/aws-cloudtrail-user-guide@22cf433e:doc_source/create-kms-key-policy-for-cloudtrail-encrypt.md,
          ...-decrypt.md; doc_source/default-kms-key-policy.md); KMS Developer Guide example with ArnEquals aws:SourceArn
  SNSDOC  "Amazon SNS topic policy for CloudTrail"
          https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html
  CWLDOC  "Role policy document for CloudTrail to use CloudWatch Logs for monitoring" and "Sending events to
          CloudWatch Logs" (trust policy)
          https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
  S3BPA   "Blocking public access to your Amazon S3 storage", 'The meaning of "public"'
          (awsdocs/amazon-s3-userguide@0009290dee01ae2dd84aa996c8b6756e96a21457:doc_source/access-control-block-public-access.md)
  CT-LZ   AWS Control Tower "Amazon S3 bucket policy in the audit account" (AllowSSLRequestsOnly statement)
          https://docs.aws.amazon.com/controltower/latest/userguide/logging-s3-audit-bucket.html
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs

from ctguard.iam.cloudtrail_access import (
    bucket_policy_allows_delivery,
    bucket_policy_restricts_source,
    key_policy_allows_cloudtrail_encrypt,
    key_policy_allows_decrypt,
    role_can_write_log_group,
    role_trusts_cloudtrail,
    topic_policy_allows_cloudtrail_publish,
)
from ctguard.iam.document import PolicyDocumentError, normalize
from ctguard.iam.evaluate import Principal, Request, evaluate
from ctguard.iam.public import denies_insecure_transport, is_public
from ctguard.values import Unknown

ACCT = "111111111111"
ORG = "o-exampleorgid"
REGION = "us-east-1"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/main"
BUCKET = "myBucketName"
SVC = {"Service": "cloudtrail.amazonaws.com"}


def s3_doc_policy(prefix: str = "prefix/", acct: str = ACCT) -> dict[str, Any]:
    """S3DOC, current form with aws:SourceArn."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow", "Principal": SVC, "Action": "s3:GetBucketAcl",
             "Resource": f"arn:aws:s3:::{BUCKET}", "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}}},
            {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": SVC, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{BUCKET}/{prefix}AWSLogs/{acct}/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}}},
        ],
    }  # fmt: skip


def s3_doc_policy_2015() -> dict[str, Any]:
    """S3DOC at 22cf433e: no aws:SourceArn."""
    policy = s3_doc_policy()
    del policy["Statement"][0]["Condition"]
    del policy["Statement"][1]["Condition"]["StringEquals"]["aws:SourceArn"]
    return policy


def s3_org_policy() -> dict[str, Any]:
    """S3DOC, 'Create or update an Amazon S3 bucket ... for an organization trail'."""
    policy = s3_doc_policy(prefix="")
    org = copy.deepcopy(policy["Statement"][1])
    org["Sid"] = "AWSCloudTrailOrganizationWrite20150319"
    org["Resource"] = f"arn:aws:s3:::{BUCKET}/AWSLogs/{ORG}/*"
    policy["Statement"].append(org)
    return policy


TLS_DENY = {"Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": False}}}  # fmt: skip


def deliver(policy: Any, prefix: Any = "prefix", ids: Any = (ACCT,), trail: Any = TRAIL, **kw: Any) -> Any:
    return bucket_policy_allows_delivery(policy, BUCKET, prefix, list(ids), trail, REGION, **kw)


# --- bucket policy: delivery -------------------------------------------------------------


def test_documented_bucket_policy_allows_delivery() -> None:
    result = deliver(s3_doc_policy())
    assert result.ok is True and result.statement and result.statement.sid == "AWSCloudTrailWrite20150319"


def test_documented_2015_policy_without_source_arn_still_delivers() -> None:
    assert deliver(s3_doc_policy_2015()).ok is True


def test_wrong_prefix_is_explained() -> None:
    result = deliver(s3_doc_policy(prefix="other/"))
    assert result.ok is False
    assert "Resource does not match" in result.reason and "other/AWSLogs" in result.reason


def test_no_prefix_in_policy_but_prefix_on_trail() -> None:
    assert deliver(s3_doc_policy(prefix="")).ok is False
    assert deliver(s3_doc_policy(prefix=""), prefix=None).ok is True


def test_wrong_account_in_path() -> None:
    assert deliver(s3_doc_policy(acct="222222222222")).ok is False


def test_missing_get_bucket_acl() -> None:
    policy = s3_doc_policy()
    del policy["Statement"][0]
    result = deliver(policy)
    assert result.ok is False and "GetBucketAcl" in result.reason


def test_policy_without_acl_condition_still_allows() -> None:
    # CloudTrail sends bucket-owner-full-control, so dropping the condition loosens, never breaks.
    policy = s3_doc_policy()
    del policy["Statement"][1]["Condition"]["StringEquals"]["s3:x-amz-acl"]
    assert deliver(policy).ok is True


def test_policy_requiring_another_acl_refuses() -> None:
    policy = s3_doc_policy()
    policy["Statement"][1]["Condition"]["StringEquals"]["s3:x-amz-acl"] = "private"
    result = deliver(policy)
    assert result.ok is False and "s3:x-amz-acl" in result.reason


def test_tls_only_deny_does_not_shadow_delivery() -> None:
    policy = s3_doc_policy()
    policy["Statement"].insert(0, TLS_DENY)  # CT-LZ
    assert deliver(policy).ok is True
    assert denies_insecure_transport(policy, f"arn:aws:s3:::{BUCKET}").ok is True


def test_inverted_tls_deny_shadows_delivery() -> None:
    policy = s3_doc_policy()
    policy["Statement"].append(dict(TLS_DENY, Condition={"Bool": {"aws:SecureTransport": "true"}}))
    result = deliver(policy)
    assert result.ok is False and "explicitly denies" in result.reason and "AllowSSLRequestsOnly" in result.reason


def test_vpc_endpoint_only_deny_shadows_delivery() -> None:
    # A common "only through our VPC endpoint" guard: CloudTrail does not come through it, the key is
    # absent, StringNotEquals on an absent key is true, so the Deny applies (CONDOPS).
    policy = s3_doc_policy()
    policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
                                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}})  # fmt: skip
    assert deliver(policy).ok is False


def test_sse_aes256_only_deny_refuses_kms_delivery() -> None:
    policy = s3_doc_policy()
    policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
                                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}})  # fmt: skip
    assert deliver(policy, kms_key_arn="arn:aws:kms:us-east-1:111111111111:key/k").ok is False


def test_public_write_statement_is_public_and_unrestricted() -> None:
    policy = s3_doc_policy()
    policy["Statement"].append(
        {
            "Sid": "Oops",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    )
    assert deliver(policy).ok is True
    public = is_public(policy)
    assert public.ok is True and public.statement and public.statement.sid == "Oops"
    assert bucket_policy_restricts_source(policy, BUCKET, "prefix", [ACCT], TRAIL, REGION).ok is False


def test_org_trail_path() -> None:
    ok = bucket_policy_allows_delivery(s3_org_policy(), BUCKET, None, [ACCT, ORG], TRAIL, REGION)
    assert ok.ok is True
    broken = bucket_policy_allows_delivery(s3_doc_policy(prefix=""), BUCKET, None, [ACCT, ORG], TRAIL, REGION)
    assert broken.ok is False and ORG in broken.reason


def test_digest_files_need_their_folder() -> None:
    policy = s3_doc_policy()
    policy["Statement"][1]["Resource"] = f"arn:aws:s3:::{BUCKET}/prefix/AWSLogs/{ACCT}/CloudTrail/*"
    assert deliver(policy).ok is True
    assert deliver(policy, digest=True).ok is False


def test_unknown_trail_arn_matters_only_where_conditioned() -> None:
    assert deliver(s3_doc_policy(), trail=None).ok is None
    assert deliver(s3_doc_policy_2015(), trail=None).ok is True


def test_unknown_bucket_in_policy_is_unknown() -> None:
    policy = s3_doc_policy()
    policy["Statement"][1]["Resource"] = Unknown("!Sub arn:aws:s3:::${LogBucket}/... with LogBucket a parameter")
    result = deliver(policy)
    assert result.ok is None and "LogBucket" in result.reason


def test_malformed_or_missing_policy() -> None:
    policy = s3_doc_policy()
    policy["Statement"][1]["Effect"] = "allow"
    assert deliver(policy).ok is False and "malformed" in deliver(policy).reason
    assert deliver(None).ok is False


def test_source_restriction() -> None:
    assert bucket_policy_restricts_source(s3_doc_policy(), BUCKET, "prefix", [ACCT], TRAIL, REGION).ok is True
    unrestricted = bucket_policy_restricts_source(s3_doc_policy_2015(), BUCKET, "prefix", [ACCT], TRAIL, REGION)
    assert unrestricted.ok is False and "aws:SourceArn" in unrestricted.reason
    by_account = s3_doc_policy_2015()
    by_account["Statement"][1]["Condition"]["StringEquals"]["aws:SourceAccount"] = ACCT
    assert bucket_policy_restricts_source(by_account, BUCKET, "prefix", [ACCT], TRAIL, REGION).ok is True


# --- KMS key policy ----------------------------------------------------------------------

ENCRYPT = {"Sid": "Allow CloudTrail to encrypt logs", "Effect": "Allow", "Principal": SVC, "Action": "kms:GenerateDataKey*", "Resource": "*",
           "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": [f"arn:aws:cloudtrail:*:{ACCT}:trail/*"]}}}  # fmt: skip
DESCRIBE = {
    "Sid": "Allow CloudTrail access",
    "Effect": "Allow",
    "Principal": SVC,
    "Action": "kms:DescribeKey",
    "Resource": "*",
}
ROOT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
DECRYPT = {"Sid": "Enable CloudTrail log decrypt permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/Bob"},
           "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}}}  # fmt: skip


def key(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_documented_key_policy_allows_encrypt() -> None:
    assert key_policy_allows_cloudtrail_encrypt(key(ROOT, ENCRYPT, DESCRIBE), TRAIL, ACCT).ok is True


def test_kms_guide_example_with_source_arn() -> None:
    stmt = {"Sid": "AllowCloudTrailToEncryptLogs", "Effect": "Allow", "Principal": SVC, "Action": "kms:GenerateDataKey", "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": [TRAIL]}, "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": [f"arn:aws:cloudtrail:*:{ACCT}:trail/*"]}}}  # fmt: skip
    assert key_policy_allows_cloudtrail_encrypt(key(stmt, DESCRIBE), TRAIL, ACCT).ok is True


def test_console_default_key_policy_needs_key_arn() -> None:
    key_arn = f"arn:aws:kms:{REGION}:{ACCT}:key/1234abcd"
    policy = key(dict(ENCRYPT, Resource=key_arn), dict(DESCRIBE, Resource=key_arn))
    assert key_policy_allows_cloudtrail_encrypt(policy, TRAIL, ACCT, key_arn=key_arn).ok is True
    assert key_policy_allows_cloudtrail_encrypt(policy, TRAIL, ACCT).ok is None


def test_key_policy_without_describe_key() -> None:
    result = key_policy_allows_cloudtrail_encrypt(key(ENCRYPT), TRAIL, ACCT)
    assert result.ok is False and "DescribeKey" in result.reason


def test_key_policy_for_another_account() -> None:
    other = copy.deepcopy(ENCRYPT)
    other["Condition"]["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"] = [
        "arn:aws:cloudtrail:*:222222222222:trail/*"
    ]
    assert key_policy_allows_cloudtrail_encrypt(key(other, DESCRIBE), TRAIL, ACCT).ok is False


def test_unscoped_encrypt_grant() -> None:
    loose = {k: v for k, v in ENCRYPT.items() if k != "Condition"}
    result = key_policy_allows_cloudtrail_encrypt(key(loose, DESCRIBE), TRAIL, ACCT)
    assert result.ok is False and "kms:EncryptionContext:aws:cloudtrail:arn" in result.reason
    assert (
        key_policy_allows_cloudtrail_encrypt(key(loose, DESCRIBE), TRAIL, ACCT, require_context_condition=False).ok
        is True
    )


def test_decrypt() -> None:
    assert key_policy_allows_decrypt(key(DECRYPT), ACCT, principal_arn=f"arn:aws:iam::{ACCT}:user/Bob").ok is True
    assert key_policy_allows_decrypt(key(DECRYPT), ACCT, principal_arn=f"arn:aws:iam::{ACCT}:user/Eve").ok is False
    # default-kms-key-policy.md: "Allow principals in the account to decrypt log files"
    account_wide = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:ReEncryptFrom"], "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": ACCT},
                                  "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCT}:trail/*"}}}  # fmt: skip
    assert key_policy_allows_decrypt(key(account_wide), ACCT).ok is True
    assert key_policy_allows_decrypt(key(account_wide), "222222222222").ok is False


# --- CloudWatch Logs role and SNS topic ---------------------------------------------------

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": SVC, "Action": "sts:AssumeRole"}]}
GROUP = f"arn:aws:logs:us-east-2:{ACCT}:log-group:CloudTrail/logs"


def role_policy(streams: list[str]) -> dict[str, Any]:
    res = [f"{GROUP}:log-stream:{s}" for s in streams]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailCreateLogStream2014110", "Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": res},
        {"Sid": "AWSCloudTrailPutLogEvents20141101", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": res}]}  # fmt: skip


def test_role_trust() -> None:
    assert role_trusts_cloudtrail(TRUST).ok is True
    ec2 = copy.deepcopy(TRUST)
    ec2["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}
    assert role_trusts_cloudtrail(ec2).ok is False


def test_role_permissions() -> None:
    assert role_can_write_log_group([role_policy([f"{ACCT}_CloudTrail_us-east-2*"])], GROUP + ":*").ok is True
    org = role_policy([f"{ACCT}_CloudTrail_us-east-2*", f"{ORG}_*"])
    assert role_can_write_log_group([org], GROUP, org_id=ORG).ok is True
    assert role_can_write_log_group([role_policy([f"{ACCT}_CloudTrail_us-east-2*"])], GROUP, org_id=ORG).ok is False
    wrong = role_can_write_log_group([role_policy(["*"])], f"arn:aws:logs:us-east-2:{ACCT}:log-group:other")
    assert wrong.ok is False
    assert role_can_write_log_group([role_policy(["*"])], Unknown("!GetAtt LogGroup.Arn")).ok is None
    assert role_can_write_log_group([], GROUP).ok is False


def test_topic_policy() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCT}:trail-topic"
    documented = {"Version": "2012-10-17", "Statement": [{"Sid": "AWSCloudTrailSNSPolicy20150319", "Effect": "Allow", "Principal": SVC,
                  "Action": "SNS:Publish", "Resource": topic, "Condition": {"StringEquals": {"AWS:SourceArn": TRAIL}}}]}  # fmt: skip
    assert topic_policy_allows_cloudtrail_publish(documented, topic, TRAIL).ok is True
    assert topic_policy_allows_cloudtrail_publish(documented, topic, None).ok is None
    assert topic_policy_allows_cloudtrail_publish(documented, topic + "-other", TRAIL).ok is False


# --- S3 public and TLS helpers ----------------------------------------------------------


def test_s3_public_examples() -> None:
    # S3BPA: the three public examples, then the fixed-value fix.
    base = {"Resource": "*", "Action": "s3:PutObject", "Effect": "Allow"}
    assert is_public({"Statement": [dict(base, Principal={"Federated": "graph.facebook.com"})]}).ok is True
    assert is_public({"Statement": [dict(base, Principal="*")]}).ok is True
    assert (
        is_public({"Statement": [dict(base, Principal="*", Condition={"StringLike": {"aws:SourceVpc": "vpc-*"}})]}).ok
        is True
    )
    assert (
        is_public(
            {"Statement": [dict(base, Principal="*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-91237329"}})]}
        ).ok
        is False
    )
    assert is_public(s3_doc_policy()).ok is False


def test_s3_public_edge_cases() -> None:
    base = {"Resource": "*", "Action": "s3:GetObject", "Effect": "Allow", "Principal": "*"}
    assert is_public({"Statement": [dict(base, Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}})]}).ok is True
    assert (
        is_public({"Statement": [dict(base, Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})]}).ok is False
    )
    assert (
        is_public({"Statement": [dict(base, Condition={"StringEqualsIfExists": {"aws:SourceAccount": ACCT}})]}).ok
        is True
    )
    assert is_public({"Statement": [dict(base, Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})]}).ok is False
    assert is_public({"Statement": [dict(base, Effect="Deny")]}).ok is False
    assert (
        is_public({"Statement": [dict(base, Condition={"StringEquals": {"aws:SourceAccount": Unknown("param")}})]}).ok
        is None
    )
    assert is_public({"Statement": [dict(base, Principal={"AWS": "arn:aws:iam::*:root"})]}).ok is True


def test_tls_deny_must_cover_objects_and_bucket() -> None:
    bucket_only = dict(TLS_DENY, Resource=f"arn:aws:s3:::{BUCKET}")
    result = denies_insecure_transport({"Statement": [bucket_only]}, BUCKET)
    assert result.ok is False and "ctguard-probe/object" in result.reason
    objects_only = dict(TLS_DENY, Resource=f"arn:aws:s3:::{BUCKET}/*")
    assert denies_insecure_transport({"Statement": [objects_only]}, BUCKET).ok is False
    assert denies_insecure_transport({"Statement": [TLS_DENY]}, Unknown("bucket param")).ok is None
    assert denies_insecure_transport({"Statement": [dict(TLS_DENY, Resource="*")]}, Unknown("bucket param")).ok is True


# --- robustness --------------------------------------------------------------------------

_WORDS = ["*", "Allow", "Deny", "s3:*", "s3:PutObject", "arn:aws:s3:::b/*", "${aws:username}", "cloudtrail.amazonaws.com",
          "123456789012", "StringEquals", "ForAnyValue:StringLike", "NullIfExists", "Null", "Bool", "true", "false",
          "10.0.0.0/8", "2020-01-01T00:00:00Z", "1e400", "AWS", "Service", "aws:SourceArn", "IpAddress", "DateLessThan"]  # fmt: skip
_KEYS = [
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
]
_scalar = hs.one_of(hs.none(), hs.booleans(), hs.integers(), hs.floats(allow_nan=True), hs.text(max_size=8),
                    hs.sampled_from(_WORDS), hs.builds(Unknown, hs.text(max_size=4)))  # fmt: skip
_json = hs.recursive(
    _scalar,
    lambda inner: (
        hs.lists(inner, max_size=4)
        | hs.dictionaries(
            hs.one_of(hs.sampled_from(_KEYS + _WORDS), hs.text(max_size=4), hs.builds(Unknown, hs.just("k"))),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)
_statement = hs.dictionaries(hs.sampled_from(_KEYS[2:]), _json, max_size=7)
_unknown = hs.builds(Unknown, hs.sampled_from(["param", "var.x"]))
_text = hs.one_of(hs.sampled_from(_WORDS), hs.text(max_size=6), _unknown)
_values = hs.one_of(
    _text, hs.booleans(), hs.integers(), hs.lists(hs.one_of(_text, hs.booleans()), min_size=1, max_size=3)
)
_ops = hs.sampled_from(["StringEquals", "StringNotEqualsIfExists", "ForAllValues:StringLike", "ForAnyValue:ArnNotLike", "Null",
                        "Bool", "IpAddress", "NotIpAddress", "NumericLessThan", "DateGreaterThan", "ArnLike", "BinaryEquals", "Foo"])  # fmt: skip
_condition = hs.one_of(_unknown, hs.dictionaries(hs.one_of(_ops, _unknown), hs.one_of(_unknown, hs.dictionaries(
    hs.sampled_from(["aws:SourceArn", "aws:username", "aws:SecureTransport", "aws:TagKeys", "aws:SourceIp"]) | _unknown,
    _values, min_size=1, max_size=3)), min_size=1, max_size=3))  # fmt: skip
_principal = hs.one_of(hs.just("*"), _unknown, hs.dictionaries(hs.sampled_from(["AWS", "Service", "Federated"]) | _unknown,
                                                                 hs.one_of(_text, hs.lists(_text, min_size=1, max_size=2)), min_size=1, max_size=2))  # fmt: skip
_plausible = hs.builds(
    lambda base, name, actions, who: {**base, name: actions, **who},
    hs.fixed_dictionaries({"Effect": hs.sampled_from(["Allow", "Deny"]) | _unknown},
                          optional={"Sid": _text, "Resource": hs.one_of(_text, hs.lists(_text, min_size=1, max_size=3)),
                                    "NotResource": _text, "Condition": _condition}),
    hs.sampled_from(["Action", "NotAction"]),
    hs.one_of(_text, hs.lists(_text, min_size=1, max_size=3)),
    hs.one_of(hs.just({}), hs.builds(lambda k, v: {k: v}, hs.sampled_from(["Principal", "NotPrincipal"]), _principal)),
)  # fmt: skip
_document = hs.one_of(
    _json,
    hs.fixed_dictionaries({"Statement": hs.one_of(_statement, hs.lists(_statement, max_size=3), _json)},
                          optional={"Version": hs.sampled_from(["2012-10-17", "2008-10-17", "x"]) | _json}),
    hs.fixed_dictionaries({"Version": hs.sampled_from(["2012-10-17", "2008-10-17"]) | _unknown,
                           "Statement": hs.one_of(_plausible, _unknown, hs.lists(hs.one_of(_plausible, _unknown), min_size=1, max_size=3))}),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_document, hs.booleans())
def test_random_documents_raise_only_policy_document_error(document: Any, resource_based: bool) -> None:
    request = Request(Principal.aws("arn:aws:iam::123456789012:user/u"), "s3:PutObject", "arn:aws:s3:::b/k",
                      {"aws:SourceArn": TRAIL, "aws:username": "u", "aws:SecureTransport": False})  # fmt: skip
    for call in (
        lambda: normalize(document),
        lambda: evaluate([document], request, resource_based=resource_based),
        lambda: is_public(document, ACCT),
        lambda: denies_insecure_transport(document, BUCKET),
    ):
        with contextlib.suppress(PolicyDocumentError):
            call()
    # The CloudTrail questions turn malformed documents into a refusal instead of raising.
    deliver(document)
    key_policy_allows_cloudtrail_encrypt(document, TRAIL, ACCT)


def test_no_bucket_policy() -> None:
    assert is_public(None).ok is False
    assert denies_insecure_transport(None, BUCKET).ok is False
