"""A trail's S3 bucket from the ten S3 Get* calls of docs/snapshot.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctguard.calls import BUCKET_OPERATIONS
from ctguard.location import SourceMap
from ctguard.model import Bucket, LifecycleRule, PublicAccessBlock
from ctguard.parsers.aws.reader import Answer, Calls, document
from ctguard.values import ABSENT, Known, Unknown, Value

S3_CALLS = ("GetBucketLocation", *BUCKET_OPERATIONS)

_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def bucket_key(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def build_bucket(name: str, calls: Calls, source_map: SourceMap) -> Bucket | None:
    """None when no S3 call was recorded for the bucket at all."""
    params = {"Bucket": name}
    got = {op: calls.get("s3", op, params) for op in S3_CALLS}
    if all(a.result is None for a in got.values()):
        return None
    key = bucket_key(name)
    for op in S3_CALLS:
        if got[op].result is not None:
            calls.mark(source_map, ("bucket", key), (), "s3", op, params)
            break
    pab = got["GetPublicAccessBlock"]
    versioning = got["GetBucketVersioning"]
    fields: dict[str, Any] = {
        "name": Known(name),
        "arn": Known(key),
        "policy": got["GetBucketPolicy"].value(lambda r: document(r.get("Policy")), none=None),
        "public_access_block": pab.value(lambda r: _pab(r.get("PublicAccessBlockConfiguration") or {}), none=_pab({})),
        "versioning": versioning.value(lambda r: r.get("Status") or "Disabled"),
        "mfa_delete": versioning.value(lambda r: r.get("MFADelete") == "Enabled"),
        "logging_target_bucket": got["GetBucketLogging"].value(
            lambda r: (r.get("LoggingEnabled") or {}).get("TargetBucket")
        ),
        "logging_target_prefix": got["GetBucketLogging"].value(
            lambda r: (r.get("LoggingEnabled") or {}).get("TargetPrefix")
        ),
        "lifecycle_rules": got["GetBucketLifecycleConfiguration"].value(_lifecycle, none=()),
        **_acl(got["GetBucketAcl"]),
        **_object_lock(got["GetObjectLockConfiguration"]),
        **_encryption(got["GetBucketEncryption"]),
    }
    fields.update(_ownership(name, calls, got["GetBucketAcl"]))
    return Bucket(key=key, **fields)


def _ownership(name: str, calls: Calls, acl: Answer) -> dict[str, Value[Any]]:
    """Who owns the bucket, and so whose account-level public access block applies to it.

    ``s3:ListBuckets`` lists exactly the buckets the audited account owns (with its canonical user
    id, which GetBucketAcl names as the bucket's owner). Without that answer the owner is Unknown,
    and so is the account-level block: borrowing the audited account's block for a bucket another
    account owns would call a public bucket private.
    """
    account = calls.account
    listing = calls.get("s3", "ListBuckets", {})
    if not listing.ok:
        reason = f"the account owning the bucket is not known: {listing.unknown().reason}"
        return {
            "owner_account_id": Unknown(reason),
            "account_id": Unknown(reason),
            "account_public_access_block": Unknown(reason),
        }
    names = {str(b.get("Name")) for b in listing.response.get("Buckets") or ()}
    my_id = (listing.response.get("Owner") or {}).get("ID")
    acl_owner = (acl.response.get("Owner") or {}).get("ID") if acl.ok else None
    if name in names or (my_id and acl_owner == my_id):
        via = f"s3:ListBuckets of account {account}"
        block = public_access_block(calls.get("s3control", "GetPublicAccessBlock", {"AccountId": account}))
        return {
            "owner_account_id": Known(account, via=via),
            "account_id": Known(account, via=via),
            "account_public_access_block": Known(block, via=f"s3control:GetPublicAccessBlock of account {account}"),
        }
    reason = (
        f"bucket {name} is owned by another account (s3:ListBuckets of {account} does not list it); "
        "its account-level public access block is read in that account"
    )
    return {
        "owner_account_id": Unknown(reason),
        "account_id": Unknown(reason),
        "account_public_access_block": Unknown(reason),
    }


def _pab(config: Mapping[str, Any]) -> PublicAccessBlock:
    def flag(name: str) -> Value[bool]:
        return Known(bool(config.get(name, False)))

    return PublicAccessBlock(
        block_public_acls=flag("BlockPublicAcls"),
        ignore_public_acls=flag("IgnorePublicAcls"),
        block_public_policy=flag("BlockPublicPolicy"),
        restrict_public_buckets=flag("RestrictPublicBuckets"),
    )


def public_access_block(answer: Answer) -> PublicAccessBlock:
    """The account-level block (s3control); a missing or failed read leaves every flag Unknown."""
    if answer.ok:
        return _pab(answer.response.get("PublicAccessBlockConfiguration") or {})
    if answer.not_configured:
        return _pab({})
    unknown = answer.unknown()
    return PublicAccessBlock(unknown, unknown, unknown, unknown)


def _acl(answer: Answer) -> dict[str, Value[Any]]:
    if not answer.ok:
        return {"acl": answer.unknown(), "acl_grants": answer.unknown()}
    grants = tuple(answer.response.get("Grants") or ())
    return {
        "acl": Known(_canned(grants), via="derived from GetBucketAcl grants"),
        "acl_grants": Known(tuple(_grant(g) for g in grants)),
    }


def _grant(grant: Mapping[str, Any]) -> dict[str, Any]:
    """One API grant in the model's shape (the one the IaC parsers give): permission, type, uri, id, email."""
    grantee = grant.get("Grantee") or {}
    return {
        "permission": grant.get("Permission"),
        "type": grantee.get("Type"),
        "uri": grantee.get("URI"),
        "id": grantee.get("ID"),
        "email_address": grantee.get("EmailAddress"),
    }


def _canned(grants: tuple[Mapping[str, Any], ...]) -> str:
    """The canned ACL these grants amount to (the API returns grants, not the canned name)."""
    by_uri: dict[str, set[str]] = {}
    for grant in grants:
        uri = (grant.get("Grantee") or {}).get("URI")
        if uri:
            by_uri.setdefault(uri, set()).add(str(grant.get("Permission")))
    public = by_uri.get(_ALL_USERS, set())
    if public & {"WRITE", "FULL_CONTROL"}:
        return "public-read-write"
    if public:
        return "public-read"
    if by_uri.get(_AUTHENTICATED):
        return "authenticated-read"
    if by_uri.get(_LOG_DELIVERY):
        return "log-delivery-write"
    return "private"


def _lifecycle(r: Mapping[str, Any]) -> tuple[LifecycleRule, ...]:
    rules = []
    for rule in r.get("Rules") or ():
        filt = rule.get("Filter") or {}
        # A filter that combines a prefix with tags or sizes states the prefix under "And".
        prefix = filt.get("Prefix", (filt.get("And") or {}).get("Prefix", rule.get("Prefix", "")))
        expiration = (rule.get("Expiration") or {}).get("Days")
        noncurrent = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
        tags = filt.get("Tag") or (filt.get("And") or {}).get("Tags")
        rules.append(
            LifecycleRule(
                status=Known(str(rule.get("Status", "Enabled"))),
                prefix=Known(str(prefix or "")),
                requires_tags=Known(bool(tags)),
                expiration_days=Known(int(expiration)) if expiration is not None else ABSENT,
                noncurrent_expiration_days=Known(int(noncurrent)) if noncurrent is not None else ABSENT,
            )
        )
    return tuple(rules)


def _object_lock(answer: Answer) -> dict[str, Value[Any]]:
    if answer.not_configured:
        none = Known(False, via="GetObjectLockConfiguration: ObjectLockConfigurationNotFoundError")
        return {"object_lock": none}
    if not answer.ok:
        return {
            "object_lock": answer.unknown(),
            "object_lock_mode": answer.unknown(),
            "object_lock_days": answer.unknown(),
        }
    config = answer.response.get("ObjectLockConfiguration") or {}
    retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
    days = retention.get("Days")
    if days is None and retention.get("Years") is not None:
        days = int(retention["Years"]) * 365
    return {
        "object_lock": Known(config.get("ObjectLockEnabled") == "Enabled"),
        "object_lock_mode": Known(str(retention["Mode"])) if retention.get("Mode") else ABSENT,
        "object_lock_days": Known(int(days)) if days is not None else ABSENT,
    }


def _encryption(answer: Answer) -> dict[str, Value[Any]]:
    if answer.not_configured:
        # Since January 2023 every bucket has SSE-S3 by default; the error only comes from old endpoints.
        return {"encryption_algorithm": Known("AES256", via="GetBucketEncryption: no configuration (SSE-S3)")}
    if not answer.ok:
        return {"encryption_algorithm": answer.unknown(), "encryption_kms_key_id": answer.unknown()}
    rules = (answer.response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or ()
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    algorithm = default.get("SSEAlgorithm")
    key = default.get("KMSMasterKeyID")
    return {
        "encryption_algorithm": Known(str(algorithm)) if algorithm else ABSENT,
        "encryption_kms_key_id": Known(str(key)) if key else ABSENT,
    }


__all__ = ["S3_CALLS", "bucket_key", "build_bucket", "public_access_block"]
