"""S3 buckets: the legacy inline arguments of ``aws_s3_bucket`` and the split resources.

Provider v4 moved policy, ACL, versioning, logging, encryption, Object Lock and lifecycle into
separate resources, often in another file; peers miss those.  Each split resource yields the
bucket fields it sets, and ``terraform/parse.py`` merges them into the bucket its ``bucket`` argument
references (by address, else by literal name).  Later sources override inline ones, as the
provider's own advice is to use one or the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ctguard.model import LifecycleRule, PublicAccessBlock
from ctguard.parsers.terraform.build import Rec, View, as_bool, as_int, as_str, first_block
from ctguard.parsers.terraform.instances import generated_bucket_name
from ctguard.values import ABSENT, Absent, Known, Unknown, Value

Fields = dict[str, Any]


def bucket_fields(view: View, rec: Rec, address: str | None = None) -> Fields:
    rec.here(view, ())
    out: Fields = {
        "name": as_str(rec.get(view, "bucket", ("name",))),
        "policy": rec.get(view, "policy", ("policy",), document=True),
        "acl": as_str(rec.get(view, "acl", ("acl",))),
    }
    if isinstance(out["name"], type(ABSENT)):
        out["name"] = Unknown("bucket name is generated at apply (bucket_prefix or no name)")
        if address is not None:  # the same symbol references to aws_s3_bucket.x.bucket give
            prefix, _ = view.value("bucket_prefix")
            out["name"] = generated_bucket_name(
                address,
                prefix.value
                if isinstance(prefix, Known)
                else prefix
                if isinstance(prefix, Unknown)
                else Unknown("not set"),
            )
    lock = as_bool(rec.get(view, "object_lock_enabled", ("object_lock",)))
    if lock is not ABSENT:
        out["object_lock"] = lock
    versioning = first_block(view, "versioning", rec, ("versioning",))
    if isinstance(versioning, Unknown):
        out["versioning"] = versioning
    elif versioning is not None:
        enabled = as_bool(rec.get(versioning, "enabled", ("versioning",)))
        if isinstance(enabled, Known):
            out["versioning"] = Known("Enabled" if enabled.value else "Disabled", via=enabled.via)
        elif enabled is not ABSENT:
            out["versioning"] = enabled
        out["mfa_delete"] = as_bool(rec.get(versioning, "mfa_delete", ("mfa_delete",)))
    out.update(_logging(view, rec))
    out.update(_encryption(view, "server_side_encryption_configuration", rec))
    out.update(_object_lock(view, rec))
    rules = _lifecycle(view, "lifecycle_rule", rec, legacy=True)
    if rules is not ABSENT:
        out["lifecycle_rules"] = rules
    return {k: v for k, v in out.items() if v is not ABSENT}


def _logging(view: View, rec: Rec) -> Fields:
    target = view if view.has("target_bucket") else first_block(view, "logging", rec, ("logging_target_bucket",))
    if isinstance(target, Unknown):
        return {"logging_target_bucket": target}
    if target is None:
        return {}
    return {
        "logging_target_bucket": as_str(rec.get(target, "target_bucket", ("logging_target_bucket",))),
        "logging_target_prefix": as_str(rec.get(target, "target_prefix", ("logging_target_prefix",))),
    }


def _encryption(view: View, container: str | None, rec: Rec) -> Fields:
    holder = view if container is None else first_block(view, container, rec, ("encryption_algorithm",))
    if holder is None:
        return {}
    if isinstance(holder, Unknown):
        return {"encryption_algorithm": holder}
    rule = first_block(holder, "rule", rec, ("encryption_algorithm",))
    by_default = (
        None
        if rule is None or isinstance(rule, Unknown)
        else first_block(rule, "apply_server_side_encryption_by_default", rec, ("encryption_algorithm",))
    )
    if isinstance(rule, Unknown) or isinstance(by_default, Unknown):
        return {"encryption_algorithm": Unknown("encryption rule is generated dynamically")}
    if by_default is None:
        return {}
    return {
        "encryption_algorithm": as_str(rec.get(by_default, "sse_algorithm", ("encryption_algorithm",))),
        "encryption_kms_key_id": as_str(rec.get(by_default, "kms_master_key_id", ("encryption_kms_key_id",))),
    }


def _object_lock(view: View, rec: Rec, split: bool = False) -> Fields:
    holder = view if split else first_block(view, "object_lock_configuration", rec, ("object_lock",))
    if holder is None:
        return {}
    if isinstance(holder, Unknown):
        return {"object_lock": holder}
    enabled = as_str(rec.get(holder, "object_lock_enabled", ("object_lock",)))
    out: Fields = {}
    if isinstance(enabled, Known):
        out["object_lock"] = Known(enabled.value == "Enabled", via=enabled.via)
    elif enabled is not ABSENT:
        out["object_lock"] = enabled
    elif split:
        out["object_lock"] = Known(True, via="aws_s3_bucket_object_lock_configuration")
    rule = first_block(holder, "rule", rec, ("object_lock_mode",))
    retention = (
        None
        if rule is None or isinstance(rule, Unknown)
        else first_block(rule, "default_retention", rec, ("object_lock_mode",))
    )
    if retention is not None and not isinstance(retention, Unknown):
        out["object_lock_mode"] = as_str(rec.get(retention, "mode", ("object_lock_mode",)))
        days = as_int(rec.get(retention, "days", ("object_lock_days",)))
        years = as_int(rec.get(retention, "years", ("object_lock_days",)))
        out["object_lock_days"] = Known(years.value * 365, via=years.via) if isinstance(years, Known) else days
    return out


def _lifecycle(view: View, block: str, rec: Rec, legacy: bool) -> Value[Any]:
    rules = view.blocks(block)
    if isinstance(rules, Unknown):
        return rules
    if not rules:
        return ABSENT
    result = []
    for i, r in enumerate(rules):
        here = ("lifecycle_rules", i)
        rec.here(r, here)
        tagged: Value[Any] = ABSENT
        if legacy:
            enabled = as_bool(rec.get(r, "enabled", here + ("status",)))
            status: Value[Any] = (
                Known("Enabled" if enabled.value else "Disabled", via=enabled.via)
                if isinstance(enabled, Known)
                else enabled
            )
            prefix = as_str(rec.get(r, "prefix", here + ("prefix",)))
            tagged = _names_tags(rec.get(r, "tags", here + ("requires_tags",)))
        else:
            status = as_str(rec.get(r, "status", here + ("status",)))
            filt = first_block(r, "filter", rec, here + ("prefix",))
            source = filt if filt is not None and not isinstance(filt, Unknown) else r
            prefix = as_str(rec.get(source, "prefix", here + ("prefix",)))
            if filt is not None and not isinstance(filt, Unknown):
                prefix, tagged = _filter(filt, prefix, rec, here)
        expiration = first_block(r, "expiration", rec, here + ("expiration_days",))
        noncurrent = first_block(r, "noncurrent_version_expiration", rec, here + ("noncurrent_expiration_days",))
        kwargs = {"status": status, "prefix": prefix, "requires_tags": tagged}
        if expiration is not None and not isinstance(expiration, Unknown):
            kwargs["expiration_days"] = as_int(rec.get(expiration, "days", here + ("expiration_days",)))
        if noncurrent is not None and not isinstance(noncurrent, Unknown):
            arg = "days" if legacy else "noncurrent_days"
            kwargs["noncurrent_expiration_days"] = as_int(
                rec.get(noncurrent, arg, here + ("noncurrent_expiration_days",))
            )
        result.append(LifecycleRule(**{k: v for k, v in kwargs.items() if v is not ABSENT}))
    return Known(tuple(result))


def _filter(filt: View, prefix: Value[Any], rec: Rec, here: tuple[Any, ...]) -> tuple[Value[Any], Value[Any]]:
    """Prefix and "names tags" of a v4 ``filter``: ``tag {}``, or ``and { prefix, tags }``."""
    tag = first_block(filt, "tag", rec, here + ("requires_tags",))
    if isinstance(tag, Unknown):
        return prefix, tag
    if tag is not None:
        return prefix, Known(True)
    both = first_block(filt, "and", rec, here + ("requires_tags",))
    if both is None:
        return prefix, ABSENT
    if isinstance(both, Unknown):
        return (both if isinstance(prefix, Absent) else prefix), both
    if isinstance(prefix, Absent):
        prefix = as_str(rec.get(both, "prefix", here + ("prefix",)))
    return prefix, _names_tags(rec.get(both, "tags", here + ("requires_tags",)))


def _names_tags(value: Value[Any]) -> Value[Any]:
    if isinstance(value, Known):
        if isinstance(value.value, dict):
            return Known(bool(value.value), via=value.via)
        return Unknown(f"tags is {type(value.value).__name__}, expected a map")
    return value


def public_access_block(view: View, rec: Rec, path: tuple[str, ...]) -> Value[Any]:
    rec.here(view, path)
    kwargs = {
        name: as_bool(rec.get(view, name, path + (name,)))
        for name in ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
    }
    return Known(PublicAccessBlock(**{k: v for k, v in kwargs.items() if v is not ABSENT}))


def _split_versioning(view: View, rec: Rec) -> Fields:
    conf = first_block(view, "versioning_configuration", rec, ("versioning",))
    if conf is None:
        return {}
    if isinstance(conf, Unknown):
        return {"versioning": conf}
    out: Fields = {"versioning": as_str(rec.get(conf, "status", ("versioning",)))}
    mfa = as_str(rec.get(conf, "mfa_delete", ("mfa_delete",)))
    out["mfa_delete"] = Known(mfa.value == "Enabled", via=mfa.via) if isinstance(mfa, Known) else mfa
    return out


def _split_acl(view: View, rec: Rec) -> Fields:
    out: Fields = {"acl": as_str(rec.get(view, "acl", ("acl",)))}
    policy = first_block(view, "access_control_policy", rec, ("acl_grants",))
    if isinstance(policy, Unknown):
        out["acl_grants"] = policy
    elif policy is not None:
        grants = policy.blocks("grant")
        if isinstance(grants, Unknown):
            out["acl_grants"] = grants
        else:
            found = []
            for g in grants:
                grantee = first_block(g, "grantee", rec, ("acl_grants",))
                entry: dict[str, Any] = {"permission": _plain(g.value("permission")[0])}
                if grantee is not None and not isinstance(grantee, Unknown):
                    for key in ("type", "uri", "id", "email_address"):
                        entry[key] = _plain(grantee.value(key)[0])
                found.append(entry)
            out["acl_grants"] = Known(tuple(found))
    return out


def _plain(v: Value[Any]) -> Any:
    return v.value if isinstance(v, Known) else (v if isinstance(v, Unknown) else None)


SPLIT: dict[str, Callable[[View, Rec], Fields]] = {
    "aws_s3_bucket_policy": lambda v, r: {"policy": r.get(v, "policy", ("policy",), document=True)},
    "aws_s3_bucket_acl": _split_acl,
    "aws_s3_bucket_public_access_block": lambda v, r: {
        "public_access_block": public_access_block(v, r, ("public_access_block",))
    },
    "aws_s3_bucket_versioning": _split_versioning,
    "aws_s3_bucket_logging": _logging,
    "aws_s3_bucket_server_side_encryption_configuration": lambda v, r: _encryption(v, None, r),
    "aws_s3_bucket_object_lock_configuration": lambda v, r: _object_lock(v, r, split=True),
    "aws_s3_bucket_lifecycle_configuration": lambda v, r: {"lifecycle_rules": _lifecycle(v, "rule", r, legacy=False)},
}


def split_fields(rtype: str, view: View, rec: Rec) -> Fields:
    fields = SPLIT[rtype](view, rec)
    return {k: v for k, v in fields.items() if v is not ABSENT}
