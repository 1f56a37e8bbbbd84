"""Who can reach the trail's bucket: public exposure, CloudTrail's own delivery, confused-deputy
protection and TLS-only access (CT401-CT404). The questions are answered by evaluating the bucket
policy (``ctguard.iam``), not by looking for statement shapes.

Public exposure is judged as S3 does ("Blocking public access to your Amazon S3 storage"):

* a bucket policy is public per S3's definition (``iam.public.is_public``); it is neutralised by
  ``RestrictPublicBuckets`` (access limited to AWS services and the owner's users) or by
  ``BlockPublicPolicy`` (S3 refuses to store a public policy), at bucket or account level;
* an ACL is public when it grants to AllUsers or AuthenticatedUsers (canned ``public-read``,
  ``public-read-write``, ``authenticated-read``); ``IgnorePublicAcls`` makes S3 ignore it and
  ``BlockPublicAcls`` refuses to store it;
* a bucket public access block left out of an IaC input is the S3 default for new buckets since
  April 2023: all four settings on. In a live input (its trails carry a ``status``) an Absent
  block means the bucket has none (``NoSuchPublicAccessBlockConfiguration``): all off.
* a public grant that only that default neutralises is still a FAIL: the verdict must not rest
  on a default (BlockPublicPolicy/BlockPublicAcls make the deployment fail; IgnorePublicAcls
  masks a grant that returns when the block is lifted). A block the input sets explicitly
  is the author's statement and neutralises the grant.
* The account-level block is a live-only fact; when an IaC input makes the bucket public at bucket
  level, the finding is a FAIL that says an account-level block would still stop it.
"""

from __future__ import annotations

from typing import Any

from ctguard.checks.delivery_common import (
    document,
    from_verdict,
    linked,
    log_path_ids,
    region_of,
    text,
    trail_arn,
    trail_of,
    unknown,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import cloudtrail_access, public
from ctguard.iam.document import PolicyDocumentError
from ctguard.iam.evaluate import Verdict
from ctguard.iam.tri import Tri, t_or
from ctguard.model import Bucket, PublicAccessBlock
from ctguard.values import Absent, Known, Unknown

# The API's canned ACL names and CloudFormation's AccessControl spelling of them.
_PUBLIC_ACLS = {"publicread", "publicreadwrite", "authenticatedread"}
_PUBLIC_GROUPS = ("acs.amazonaws.com/groups/global/AllUsers", "acs.amazonaws.com/groups/global/AuthenticatedUsers")
_NEW_BUCKET_DEFAULT = "the S3 default for new buckets (all four settings on since April 2023)"


def _owner(bucket: Bucket) -> tuple[str, str]:
    return ("bucket", bucket.key)


def _setting(block: Any, name: str) -> Tri:
    """One public-access-block setting: an Absent block, or an Absent setting, is off."""
    if isinstance(block, Unknown):
        return block
    if not isinstance(block, Known) or not isinstance(block.value, PublicAccessBlock):
        return False
    value = getattr(block.value, name)
    if isinstance(value, Unknown):
        return value
    return bool(value.value) if isinstance(value, Known) else False


def _blocked(ctx: CheckContext, bucket: Bucket, names: tuple[str, ...]) -> tuple[Tri, str]:
    """Whether any of ``names`` is on at bucket or account level, and where."""
    bucket_block = bucket.public_access_block
    live = ctx.trail is not None and ctx.trail.status is not None  # only live inputs read trail status
    if isinstance(bucket_block, Absent) and not live:
        bucket_block = Known(PublicAccessBlock(*(Known(True) for _ in range(4))), via=_NEW_BUCKET_DEFAULT)
    account_block: Any = bucket.account_public_access_block
    if isinstance(account_block, Absent) and ctx.model.account_public_access_block is not None:
        account_block = Known(ctx.model.account_public_access_block)
    found: list[Tri] = []
    for level, block in (("bucket", bucket_block), ("account", account_block)):
        for name in names:
            on = _setting(block, name)
            if on is True:
                via = f" ({block.via})" if isinstance(block, Known) and block.via else ""
                return True, f"{name} is on at {level} level{via}"
            found.append(on)
    return t_or(found), ""


def _acl_public(bucket: Bucket) -> tuple[Tri, str]:
    acl = bucket.acl
    if isinstance(acl, Unknown):
        return acl, ""
    if isinstance(acl, Known) and isinstance(acl.value, str) and acl.value.replace("-", "").lower() in _PUBLIC_ACLS:
        return True, f"the canned ACL {acl.value}"
    grants = bucket.acl_grants
    if isinstance(grants, Unknown):
        return grants, ""
    if isinstance(grants, Known):
        for grant in grants.value:
            uri = grant.get("uri")
            if isinstance(uri, Unknown):
                return uri, ""
            if isinstance(uri, str) and uri.endswith(_PUBLIC_GROUPS):
                return True, f"an ACL grant of {grant.get('permission')} to {uri.rsplit('/', 1)[-1]}"
    return False, ""


def ct401_public_bucket(ctx: CheckContext) -> Outcome:
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    owner = _owner(bucket)
    account_note = (
        ""
        if ctx.model.account_public_access_block is not None
        or not isinstance(bucket.account_public_access_block, Absent)
        else "; an account-level public access block, which this input cannot show, would still stop it"
    )
    pending: list[Outcome] = []
    try:
        owner_account = text(bucket.account_id)
        verdict = public.is_public(document(bucket.policy), owner_account if isinstance(owner_account, str) else None)
    except PolicyDocumentError as exc:
        verdict = Verdict(False, f"the bucket policy is malformed ({exc}); S3 would reject it")
    if verdict.ok is not False:
        blocked, where = _blocked(ctx, bucket, ("restrict_public_buckets", "block_public_policy"))
        if blocked is False and verdict.ok is True:
            return Outcome(
                Status.FAIL,
                ("policy",),
                owner=owner,
                values={"detail": f"its bucket policy is public: {verdict.reason}{account_note}"},
            )
        if blocked is True and verdict.ok is True and _NEW_BUCKET_DEFAULT in where:
            # Only S3's default stands in the way: the verdict must not rest on it.
            return Outcome(
                Status.FAIL,
                ("policy",),
                owner=owner,
                values={
                    "detail": (
                        f"its bucket policy is public: {verdict.reason}; S3's default public access block for new buckets "
                        "(BlockPublicPolicy) makes PutBucketPolicy fail, so the deployment breaks, and the grant takes effect "
                        "wherever the block is off; remove the public grant"
                    )
                },
            )
        if blocked is not True:
            reason = verdict.reason if verdict.ok is None else f"the bucket policy is public and {blocked.reason}"  # type: ignore[union-attr]  # blocked is Unknown here: False with a public verdict returned above
            pending.append(unknown(("policy",), reason, owner))
    acl_public, what = _acl_public(bucket)
    if acl_public is not False:
        blocked, where = _blocked(ctx, bucket, ("ignore_public_acls", "block_public_acls"))
        if blocked is False and acl_public is True:
            return Outcome(
                Status.FAIL, ("acl",), owner=owner, values={"detail": f"{what} makes it public{account_note}"}
            )
        if blocked is True and acl_public is True and _NEW_BUCKET_DEFAULT in where:
            return Outcome(
                Status.FAIL,
                ("acl",),
                owner=owner,
                values={
                    "detail": (
                        f"{what} makes it public; S3's default public access block for new buckets refuses the ACL "
                        "(BlockPublicAcls), so the deployment breaks, and IgnorePublicAcls only masks a grant that returns "
                        "when the block is lifted; remove the public grant"
                    )
                },
            )
        if blocked is not True:
            reason = acl_public.reason if isinstance(acl_public, Unknown) else blocked.reason  # type: ignore[union-attr]  # a public ACL with blocked False returned above, so blocked is Unknown
            pending.append(unknown(("acl",), f"the bucket ACL: {reason}", owner))
    if pending:
        return pending[0]
    return Outcome(
        Status.PASS,
        ("public_access_block",),
        owner=owner,
        values={"detail": "neither its policy nor its ACL grants public access once the public access block applies"},
    )


def _bucket_name(bucket: Bucket, ctx: CheckContext) -> str | Unknown:
    for value in (trail_of(ctx).s3_bucket_name, bucket.name):
        name = text(value)
        if isinstance(name, str) and "${" not in name:
            return name
    name = text(bucket.name)
    if isinstance(name, str):  # a CloudFormation-generated name: same placeholder on both sides
        return name
    return name if isinstance(name, Unknown) else Unknown("the bucket name is not known")


def _prefix(ctx: CheckContext) -> str | Unknown | None:
    prefix = trail_of(ctx).s3_key_prefix
    if isinstance(prefix, Unknown):
        return prefix
    return prefix.value if isinstance(prefix, Known) and prefix.value else None


def _kms_arn(ctx: CheckContext) -> str | Unknown | None:
    value = trail_of(ctx).kms_key_id
    if isinstance(value, Absent):
        return None
    key = ctx.model.resource("kms_key", trail_of(ctx).kms_key)
    arn = text(key.arn) if key is not None else None
    return arn if arn is not None else text(value)


def ct402_delivery(ctx: CheckContext) -> Outcome:
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    trail = trail_of(ctx)
    digest = isinstance(trail.log_file_validation, Known) and trail.log_file_validation.value is True
    verdict = cloudtrail_access.bucket_policy_allows_delivery(
        document(bucket.policy),
        _bucket_name(bucket, ctx),
        _prefix(ctx),
        log_path_ids(ctx),
        trail_arn(ctx),
        region_of(ctx),
        kms_key_arn=_kms_arn(ctx),
        digest=digest,
    )
    return from_verdict(verdict, _owner(bucket), ("policy",))


def ct403_confused_deputy(ctx: CheckContext) -> Outcome:
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    policy = document(bucket.policy)
    if policy is None:
        return Outcome(
            Status.PASS,
            ("policy",),
            owner=_owner(bucket),
            values={"detail": "there is no bucket policy, so no trail can deliver to it (see CT402)"},
        )
    ids = log_path_ids(ctx)
    verdict = cloudtrail_access.bucket_policy_restricts_source(
        policy,
        _bucket_name(bucket, ctx),
        _prefix(ctx),
        [i for i in ids if isinstance(i, str)] or ids,
        trail_arn(ctx),
        region_of(ctx),
    )
    return from_verdict(verdict, _owner(bucket), ("policy",))


def ct404_tls_only(ctx: CheckContext) -> Outcome:
    bucket = linked(ctx, "bucket")
    if isinstance(bucket, Outcome):
        return bucket
    arn = text(bucket.arn)
    if arn is None:
        name = _bucket_name(bucket, ctx)
        arn = name if isinstance(name, Unknown) else f"arn:aws:s3:::{name}"
    try:
        verdict = public.denies_insecure_transport(document(bucket.policy), arn)
    except PolicyDocumentError as exc:
        verdict = Verdict(False, f"the bucket policy is malformed ({exc}); S3 would reject it")
    return from_verdict(verdict, _owner(bucket), ("policy",))


__all__ = ["ct401_public_bucket", "ct402_delivery", "ct403_confused_deputy", "ct404_tls_only"]
