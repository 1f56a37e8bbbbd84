"""The trail's KMS key: rotation, the key policy for CloudTrail and for readers, key state, and
whether the trail's key reference resolves to that key (CT408-CT412).

Key state is mostly a live fact: an IaC input can only say ``Enabled: false`` (CloudFormation
``Enabled``, Terraform ``is_enabled``), which is a FAIL; left out, the key is created enabled
and the check PASSes saying pending deletion is visible only to a live audit.
"""

from __future__ import annotations

import re

from ctguard.checks.delivery_common import (
    account_of,
    document,
    from_verdict,
    linked,
    text,
    trail_arn,
    trail_of,
    unknown,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import cloudtrail_access
from ctguard.model import KmsKey
from ctguard.values import Absent, Known, Unknown

_AWS_MANAGED = re.compile(r"(^|:)alias/aws/")
_KEY_ARN = re.compile(r"^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key/(.+)$")
_ALIAS_ARN = re.compile(r"^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):(alias/.+)$")


def _owner(key: KmsKey) -> tuple[str, str]:
    return ("kms_key", key.key)


def _customer_key(ctx: CheckContext) -> KmsKey | Outcome:
    trail = trail_of(ctx)
    named = text(trail.kms_key_id)
    if isinstance(named, str) and _AWS_MANAGED.search(named):
        return Outcome(
            Status.NOT_APPLICABLE, ("kms_key_id",), f"Trail key {named} is AWS managed (see CT104): not applicable"
        )
    key: KmsKey | Outcome = linked(ctx, "kms_key")  # LINKS: the trail's kms_key is a KmsKey
    if isinstance(key, Outcome):
        return key
    if isinstance(key.key_manager, Known) and key.key_manager.value == "AWS":
        return Outcome(
            Status.NOT_APPLICABLE,
            ("key_manager",),
            owner=_owner(key),
            message="The trail's key is AWS managed (see CT104): not applicable",
        )
    return key


def ct408_rotation(ctx: CheckContext) -> Outcome:
    key = _customer_key(ctx)
    if isinstance(key, Outcome):
        return key
    value = key.rotation
    if isinstance(value, Unknown):
        return unknown(("rotation",), f"key rotation is not known: {value.reason}", _owner(key))
    on = isinstance(value, Known) and value.value is True
    return Outcome(
        Status.PASS if on else Status.FAIL,
        ("rotation",),
        owner=_owner(key),
        values={"detail": "automatic rotation is on" if on else "automatic rotation is off"},
    )


def _key_arn(key: KmsKey) -> str | Unknown | None:
    arn = text(key.arn)
    return arn if arn is not None else None


def _policy(key: KmsKey) -> object:
    policy = document(key.policy)
    if policy is None:
        # CreateKey without a policy gives the default key policy: the account root only.
        return None
    return policy


def ct409_encrypt(ctx: CheckContext) -> Outcome:
    key = _customer_key(ctx)
    if isinstance(key, Outcome):
        return key
    policy = _policy(key)
    if policy is None:
        return Outcome(
            Status.FAIL,
            ("policy",),
            owner=_owner(key),
            values={"detail": "the key has the default key policy, which grants nothing to cloudtrail.amazonaws.com"},
        )
    verdict = cloudtrail_access.key_policy_allows_cloudtrail_encrypt(
        policy, trail_arn(ctx), account_of(ctx), key_arn=_key_arn(key)
    )
    return from_verdict(verdict, _owner(key), ("policy",))


def ct410_decrypt(ctx: CheckContext) -> Outcome:
    """The account's principals (or ``settings.values['log_reader_arns']``) can decrypt."""
    key = _customer_key(ctx)
    if isinstance(key, Outcome):
        return key
    policy = _policy(key)
    if policy is None:
        # The default key policy gives the account root kms:*, which IAM policies then delegate.
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                  "Principal": {"AWS": account_of(ctx) if isinstance(account_of(ctx), Unknown) else f"arn:aws:iam::{account_of(ctx)}:root"}}]}  # fmt: skip
    readers = ctx.settings.values.get("log_reader_arns") or [None]
    for reader in readers:
        verdict = cloudtrail_access.key_policy_allows_decrypt(
            policy, account_of(ctx), principal_arn=reader, trail_arn=trail_arn(ctx), key_arn=_key_arn(key)
        )
        if verdict.ok is not True:
            return from_verdict(verdict, _owner(key), ("policy",))
    return from_verdict(verdict, _owner(key), ("policy",))


def ct411_state(ctx: CheckContext) -> Outcome:
    key = _customer_key(ctx)
    if isinstance(key, Outcome):
        return key
    value = key.state
    if isinstance(value, Unknown):
        return unknown(("state",), f"the key state is not known: {value.reason}", _owner(key))
    if isinstance(value, Absent):
        return Outcome(
            Status.PASS,
            ("state",),
            owner=_owner(key),
            values={"detail": "the key is created enabled (pending deletion is visible only to a live audit)"},
        )
    ok = value.value == "Enabled"
    detail = f"the key is {value.value}" + ("" if ok else ": CloudTrail cannot encrypt, so log delivery fails")
    return Outcome(Status.PASS if ok else Status.FAIL, ("state",), owner=_owner(key), values={"detail": detail})


def ct412_resolution(ctx: CheckContext) -> Outcome:
    """The trail's KMSKeyId (alias name, alias ARN, key ARN or key id) names the key it is linked to."""
    trail = trail_of(ctx)
    named = trail.kms_key_id
    if isinstance(named, Absent):
        return Outcome(Status.NOT_APPLICABLE, ("kms_key_id",), "The trail uses no KMS key: not applicable")
    if isinstance(named, Unknown):
        if trail.kms_key is not None and ctx.model.resource("kms_key", trail.kms_key) is not None:
            # Unresolved only because the key's ARN is a deploy-time value: the input refers to
            # the key resource itself (Ref / GetAtt / aws_kms_key.x.arn), so it resolves to it.
            return Outcome(
                Status.PASS,
                ("kms_key_id",),
                values={"detail": f"it refers to key {trail.kms_key} of this input directly"},
            )
        return unknown(("kms_key_id",), f"the trail's key reference is not known: {named.reason}")
    ref = str(named.value)
    if _AWS_MANAGED.search(ref):
        return Outcome(
            Status.NOT_APPLICABLE, ("kms_key_id",), f"Trail key {ref} is AWS managed (see CT104): not applicable"
        )
    key = linked(ctx, "kms_key")
    if isinstance(key, Outcome):
        return key
    problems: list[str] = []
    pending: list[str] = []
    arn = text(key.arn)
    key_id = text(key.key_id)
    key_arn = _KEY_ARN.match(arn) if isinstance(arn, str) else None

    def compare(what: str, ours: str | Unknown | None, theirs: str) -> None:
        if isinstance(ours, Unknown):
            pending.append(f"the key's {what} is not known ({ours.reason})")
        elif ours is not None and "${" not in ours and ours != theirs:
            problems.append(f"{ref} names {what} {theirs}, but the key's {what} is {ours}")

    found_key, found_alias = _KEY_ARN.match(ref), _ALIAS_ARN.match(ref)
    if found_key and isinstance(arn, str) and "${" not in arn:
        if arn != ref:
            problems.append(f"{ref} is not the key's ARN {arn}")
    elif found_key:
        compare("key id", key_id, found_key.group(3))
        if key_arn:
            compare("Region", key_arn.group(1), found_key.group(1))
            compare("account", key_arn.group(2), found_key.group(2))
    elif found_alias or ref.startswith("alias/"):
        alias = found_alias.group(3) if found_alias else ref
        if key.aliases and alias not in key.aliases:
            problems.append(f"{ref} is not an alias of the key (its aliases: {', '.join(key.aliases)})")
        elif not key.aliases:
            pending.append(f"the key carries no alias {alias} in this input")
        if found_alias and key_arn:
            compare("Region", key_arn.group(1), found_alias.group(1))
            compare("account", key_arn.group(2), found_alias.group(2))
    elif "${" not in ref and not ref.startswith("arn:"):
        compare("key id", key_id, ref)
    if problems:
        return Outcome(Status.FAIL, ("kms_key_id",), values={"detail": "; ".join(problems)})
    if pending:
        return unknown(("kms_key_id",), "; ".join(pending))
    return Outcome(Status.PASS, ("kms_key_id",), values={"detail": f"{ref} resolves to key {key.key}"})


__all__ = ["ct408_rotation", "ct409_encrypt", "ct410_decrypt", "ct411_state", "ct412_resolution"]
