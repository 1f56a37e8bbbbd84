"""The policy questions a CloudTrail trail depends on, answered by evaluating real requests.

Each function builds the requests CloudTrail actually makes (as documented in the CloudTrail
User Guide pages "Amazon S3 bucket policy for CloudTrail", "Configure AWS KMS key policies for
CloudTrail", "Amazon SNS topic policy for CloudTrail" and "Role policy document for CloudTrail
to use CloudWatch Logs") and evaluates them, so equivalent rewrites pass and near misses fail
with the reason. Every result is a ``Verdict(ok, reason, statement)`` with ``ok`` None when an
Unknown value could change the answer.

Modelling decisions:

* CloudTrail's PutObject carries ``s3:x-amz-acl = bucket-owner-full-control`` (that is why the
  documented policy can require it), ``aws:SourceArn`` = the trail ARN and
  ``aws:SourceAccount`` = the trail's account, over TLS. With ``kms_key_arn`` it also carries
  SSE-KMS headers. ``aws:SourceOrgID`` is Unknown unless an organization id is given.
* The object checked is a concrete log file key
  ``<prefix>/AWSLogs/<account>/CloudTrail/<region>/...``; organization trails write under
  ``AWSLogs/<org-id>/<member-account>/``.
* "Restricted source" (confused deputy) means a delivery made for another account's trail is
  refused; it is tested by evaluating the same requests with a foreign trail ARN and account,
  so a restriction by aws:SourceArn, aws:SourceAccount or aws:SourceOrgID all count.
* The KMS encryption-context requirement is tested the same way: a GenerateDataKey made for a
  foreign trail must be refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from ctguard.iam.document import PolicyDocumentError
from ctguard.iam.evaluate import Decision, Principal, Request, Verdict, evaluate
from ctguard.symbols import joined
from ctguard.values import Symbol, Symbolic, Unknown, concat, show

CLOUDTRAIL = "cloudtrail.amazonaws.com"
_TRAIL = re.compile(r"^arn:aws[\w-]*:cloudtrail:([a-z0-9-]+):(\d{12}):trail/.+$")
# The account of a foreign trail: some account other than the deploying one. Its digits are a
# character no account symbol's shape holds and no policy literal equals, so it matches only
# what every account matches (wildcards); messages print it as 999999999999.
_FOREIGN_DIGIT = "\uf8ff"
_FOREIGN_ACCOUNT = _FOREIGN_DIGIT * 12
_LOG_GROUP = re.compile(r"^(arn:aws[\w-]*:logs:([a-z0-9-]+):(\d{12}):log-group:[^:]+)(:\*)?$")


def _guarded(question: str, check: Callable[[], Verdict], policy: Any) -> Verdict:
    if policy is None:
        return Verdict(False, f"{question}: there is no policy, so nothing is granted")
    try:
        return check()
    except PolicyDocumentError as exc:
        return Verdict(False, f"{question}: the policy is malformed ({exc}); AWS would reject it")


def _join(*parts: object) -> str | Unknown:
    """Concatenate; deploy-time symbols stay named (an ARN built from ``${AWS::AccountId}``)."""
    return concat(*parts)  # type: ignore[no-any-return]  # concat is declared Any; it returns a str or a Symbolic


def _trail(trail_arn: str | Unknown | None) -> tuple[str | Unknown, str | Unknown, str | Unknown]:
    """(trail ARN, region, account); Unknown where the ARN does not say."""
    if trail_arn is None:
        missing = Unknown("the trail ARN is not known")
        return missing, missing, missing
    if isinstance(trail_arn, Symbolic):
        region, account = _symbolic_arn_parts(trail_arn)
        return trail_arn, region, account
    if isinstance(trail_arn, Unknown):
        return trail_arn, trail_arn, trail_arn
    found = _TRAIL.match(trail_arn)
    if not found:
        bad = Unknown(f"{trail_arn!r} is not a trail ARN")
        return trail_arn, bad, bad
    return trail_arn, found.group(1), found.group(2)


def _components(arn: Symbolic) -> list[list[Any]]:
    """A symbolic ARN split at the colons of its literal text (symbols hold no colon)."""
    components: list[list[Any]] = [[]]
    for part in arn.parts:
        if isinstance(part, str):
            pieces = part.split(":")
            components[-1].append(pieces[0])
            for piece in pieces[1:]:
                components.append([piece])
        else:
            components[-1].append(part)
    return components


def _symbolic_log_group(arn: Symbolic) -> tuple[str | Unknown, str | Unknown, str | Unknown] | None:
    """(group ARN without ``:*``, Region, account) of a symbolic log group ARN, None if it is not one."""
    components = _components(arn)
    if len(components) not in (7, 8) or concat(*components[2]) != "logs" or components[5] != ["log-group"]:
        return None
    if len(components) == 8 and components[7] != ["*"]:
        return None
    group: list[Any] = []
    for i, component in enumerate(components[:7]):
        group.extend([":"] * bool(i) + component)
    return concat(*group), concat(*components[3]), concat(*components[4])


def _symbolic_arn_parts(arn: Symbolic) -> tuple[str | Unknown, str | Unknown]:
    """The Region and account parts of a symbolic trail ARN (``arn:aws:cloudtrail:${R}:${A}:trail/x``)."""
    components = _components(arn)
    if len(components) < 6 or concat(*components[2]) != "cloudtrail":
        bad = Unknown(f"{arn.text!r} is not a trail ARN")
        return bad, bad
    return concat(*components[3]), concat(*components[4])


def _is_org(path_id: object) -> bool:
    """An organization id (``o-...``, or the organization symbol) rather than an account id."""
    if isinstance(path_id, Symbolic):
        return any(isinstance(p, Symbol) and p.shape == "organization" for p in path_id.parts)
    return isinstance(path_id, str) and path_id.startswith("o-")


def _trail_name(trail_arn: str | Unknown | None) -> str | Unknown | None:
    """The name part of a trail ARN (a symbolic ARN's parts after ``:trail/``)."""
    if isinstance(trail_arn, str):
        return trail_arn.split(":trail/", 1)[1] if ":trail/" in trail_arn else None
    if isinstance(trail_arn, Symbolic):
        for i, part in enumerate(trail_arn.parts):
            if isinstance(part, str) and ":trail/" in part:
                return concat(part.split(":trail/", 1)[1], *trail_arn.parts[i + 1 :])  # type: ignore[no-any-return]  # concat is declared Any; it returns a str or a Symbolic
    return None


def _waits(decisions: Iterable[Decision]) -> Unknown:
    """What undecided requests wait on together; a Decision without its Unknown waits on
    something unnamed, which no option settles."""
    found = [d.unknown if d.unknown is not None else Unknown(d.reason) for d in decisions]
    return joined(found)


def _all(checks: list[tuple[str, Decision]], question: str) -> Verdict:
    """AND of several requests: the first refusal explains, then the first Unknown."""
    for label, decision in checks:
        if decision.allowed is False:
            return Verdict(False, f"{question}: {label} is refused: {decision.reason}", decision.statement)
    undecided = [(label, decision) for label, decision in checks if decision.allowed is None]
    if undecided:
        label, decision = undecided[0]
        return Verdict(
            None,
            f"{question}: {label} is undecided: {decision.reason}",
            decision.statement,
            _waits(d for _, d in undecided),
        )
    label, decision = checks[-1]
    return Verdict(True, f"{question}: every request is allowed ({decision.reason})", decision.statement)


def _delivery_requests(
    bucket: str | Unknown, prefix: str | Unknown | None, ids: Sequence[str | Unknown], region: str | Unknown,
    trail_account: str | Unknown, source: dict[str, Any], kms_key_arn: str | Unknown | None, digest: bool,
) -> list[tuple[str, Request]]:  # fmt: skip
    bucket_arn = _join("arn:aws:s3:::", bucket)
    base = (
        bucket_arn
        if prefix is None or prefix == ""
        else _join(bucket_arn, "/", prefix.strip("/") if isinstance(prefix, str) else prefix)
    )
    service = Principal.service(CLOUDTRAIL)
    requests = [("s3:GetBucketAcl on the bucket", Request(service, "s3:GetBucketAcl", bucket_arn, source))]
    put_ctx = dict(source, **{"s3:x-amz-acl": "bucket-owner-full-control"})
    if kms_key_arn is not None:
        put_ctx.update(
            {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_arn,
            }
        )
    accounts = [i for i in ids if not _is_org(i)]
    members = accounts or [trail_account]
    kinds = ["CloudTrail"] + (["CloudTrail-Digest"] if digest else [])
    for path_id in ids:
        org = _is_org(path_id)
        for member in members if org else [path_id]:
            folder = _join(base, "/AWSLogs/", path_id, "/", member) if org else _join(base, "/AWSLogs/", path_id)
            ctx = put_ctx if org else dict(put_ctx, **{"aws:SourceAccount": path_id})
            for kind in kinds:
                key = _join(
                    folder,
                    f"/{kind}/",
                    region,
                    "/2024/01/01/",
                    member,
                    f"_{kind}_",
                    region,
                    "_20240101T0000Z_ctguard.json.gz",
                )
                label = f"s3:PutObject of a {kind} file to {_show(key)}"
                requests.append((label, Request(service, "s3:PutObject", key, ctx)))
    return requests


def _show(value: str | Unknown) -> str:
    # repr() in the evaluator's reasons spells the private-use digit as an escape
    return show(value).replace(_FOREIGN_DIGIT, "9").replace("\\uf8ff", "9")


def _source_context(trail_arn: str | Unknown, account: str | Unknown, ids: Sequence[str | Unknown]) -> dict[str, Any]:
    orgs = [i for i in ids if _is_org(i)]
    return {
        "aws:SourceArn": trail_arn,
        "aws:SourceAccount": account,
        "aws:SourceOrgID": orgs[0] if orgs else Unknown("the organization id is not known"),
        "aws:SecureTransport": True,
        "aws:PrincipalIsAWSService": True,
        "aws:PrincipalServiceName": CLOUDTRAIL,
    }


def bucket_policy_allows_delivery(
    policy: Any, bucket: str | Unknown, prefix: str | Unknown | None, account_ids_or_org_id: Sequence[str | Unknown],
    trail_arn: str | Unknown | None = None, region: str | Unknown | None = None, *,
    kms_key_arn: str | Unknown | None = None, digest: bool = False,
) -> Verdict:  # fmt: skip
    """Can CloudTrail read the bucket ACL and write its log (and, with digest, digest) files?"""
    arn, trail_region, account = _trail(trail_arn)
    ids = list(account_ids_or_org_id)
    if (
        isinstance(account, Unknown)
        and ids
        and not isinstance(account, Symbolic)
        and isinstance(ids[0], str)
        and not _is_org(ids[0])
    ):
        account = ids[0]  # a non-organization trail writes under its own account id
    where = region if region is not None else trail_region
    question = "CloudTrail delivery to the bucket"

    def check() -> Verdict:
        if not ids:
            return Verdict(None, f"{question}: no account id or organization id to check the log path against")
        reqs = _delivery_requests(
            bucket, prefix, ids, where, account, _source_context(arn, account, ids), kms_key_arn, digest
        )
        return _all([(label, evaluate([policy], r)) for label, r in reqs], question)

    return _guarded(question, check, policy)


def bucket_policy_restricts_source(
    policy: Any, bucket: str | Unknown, prefix: str | Unknown | None, account_ids_or_org_id: Sequence[str | Unknown],
    trail_arn: str | Unknown | None = None, region: str | Unknown | None = None,
) -> Verdict:  # fmt: skip
    """Is delivery refused when CloudTrail writes on behalf of another account's trail?

    The foreign trail is in some other account (``_FOREIGN_ACCOUNT``), in our region and
    partition, and chooses its own S3 key prefix: it picks our log folder, so its files land at
    ``<our folder>/AWSLogs/<its account>/CloudTrail/...``. Any grant that covers our log folder
    with a trailing wildcard admits it, whatever the bucket name and account id are.
    """
    ids = list(account_ids_or_org_id)
    _, trail_region, _ = _trail(trail_arn)
    where = region if region is not None else trail_region
    foreign = _FOREIGN_ACCOUNT
    partition = "aws"
    if isinstance(trail_arn, str) and trail_arn.startswith("arn:"):
        partition = trail_arn.split(":")[1]
    source = {
        "aws:SourceArn": _join(f"arn:{partition}:cloudtrail:", where, f":{foreign}:trail/ctguard-probe"),
        "aws:SourceAccount": foreign,
        "aws:SourceOrgID": "o-ctguardprobe",
        "aws:SourceOrgPaths": ["o-ctguardprobe/r-ctgp/ou-ctgp-probe/"],
        "aws:SecureTransport": True,
        "aws:PrincipalIsAWSService": True,
        "aws:PrincipalServiceName": CLOUDTRAIL,
    }
    question = "confused-deputy protection of the bucket"

    # The foreign trail also picks its name: the name of our trail, so a condition on
    # aws:SourceArn that pins the name but not the account does not refuse it.
    names = ["ctguard-probe"] + [n for n in [_trail_name(trail_arn)] if n is not None]

    def check() -> Verdict:
        acl, *puts = _delivery_requests(bucket, prefix, ids, where, foreign, source, None, False)
        probes = [
            (
                label,
                Request(
                    req.principal,
                    req.action,
                    req.resource,
                    dict(
                        req.context,
                        **{
                            "aws:SourceAccount": foreign,
                            "aws:SourceArn": _join(f"arn:{partition}:cloudtrail:", where, f":{foreign}:trail/", name),
                        },
                    ),
                ),
            )
            for label, req in puts
            for name in names
        ]
        for _label, req in puts:
            # The foreign trail's own key under a prefix it chose to be our log folder.
            folder = (
                req.resource
                if isinstance(req.resource, Unknown) and not isinstance(req.resource, Symbolic)
                else _join(
                    req.resource,
                    "/AWSLogs/",
                    foreign,
                    "/CloudTrail/",
                    where,
                    "/2024/01/01/",
                    foreign,
                    "_CloudTrail_",
                    where,
                    "_20240101T0000Z_ctguard.json.gz",
                )
            )
            probes.extend(
                (
                    f"s3:PutObject of a foreign trail's file to {_show(folder)}",
                    Request(
                        req.principal,
                        req.action,
                        folder,
                        dict(
                            req.context,
                            **{
                                "aws:SourceAccount": foreign,
                                "aws:SourceArn": _join(
                                    f"arn:{partition}:cloudtrail:", where, f":{foreign}:trail/", name
                                ),
                            },
                        ),
                    ),
                )
                for name in names
            )
        undecided: Verdict | None = None
        waits: list[Decision] = []
        for label, req in probes:
            decision = evaluate([policy], req)
            if decision.allowed is True:
                return Verdict(False, _show(f"{question}: {label} is allowed for a trail in account {foreign} "
                               f"({decision.reason}); constrain it with aws:SourceArn or aws:SourceAccount"), decision.statement)  # fmt: skip
            if decision.allowed is None:
                waits.append(decision)
            if decision.allowed is None and undecided is None:
                undecided = Verdict(
                    None,
                    _show(f"{question}: {label} for a foreign trail is undecided: {decision.reason}"),
                    decision.statement,
                )
        if undecided is not None:
            return replace(undecided, unknown=_waits(waits))
        note = ""
        if evaluate([policy], acl[1]).allowed is True:
            note = " (s3:GetBucketAcl is not constrained, which only discloses the bucket ACL)"
        return Verdict(True, f"{question}: log delivery for a trail of another account is refused{note}")

    return _guarded(question, check, policy)


def key_policy_allows_cloudtrail_encrypt(
    policy: Any, trail_arn: str | Unknown | None, account: str | Unknown, *,
    key_arn: str | Unknown | None = None, require_context_condition: bool = True,
) -> Verdict:  # fmt: skip
    """Can CloudTrail GenerateDataKey (for this trail) and DescribeKey, and only for our trails?"""
    arn, _, _ = _trail(trail_arn)
    key: str | Unknown = key_arn if key_arn is not None else Unknown("the key ARN is not known")
    service = Principal.service(CLOUDTRAIL)
    question = "CloudTrail use of the KMS key"

    def context(trail: str | Unknown, owner: str | Unknown) -> dict[str, Any]:
        return {
            "kms:EncryptionContext:aws:cloudtrail:arn": trail,
            "aws:SourceArn": trail,
            "aws:SourceAccount": owner,
            "aws:SecureTransport": True,
        }

    def check() -> Verdict:
        ctx = context(arn, account)
        verdict = _all(
            [
                ("kms:GenerateDataKey", evaluate([policy], Request(service, "kms:GenerateDataKey", key, ctx))),
                ("kms:DescribeKey", evaluate([policy], Request(service, "kms:DescribeKey", key, ctx))),
            ],
            question,
        )
        if verdict.ok is not True or not require_context_condition:
            return verdict
        foreign = _FOREIGN_ACCOUNT  # some account other than ours, whatever ours is
        probe = context(f"arn:aws:cloudtrail:us-east-1:{foreign}:trail/ctguard-probe", foreign)
        decision = evaluate([policy], Request(service, "kms:GenerateDataKey", key, probe))
        if decision.allowed is True:
            return Verdict(False, _show(f"{question}: a trail in account {foreign} could also encrypt with this key ({decision.reason}); "
                           "add the kms:EncryptionContext:aws:cloudtrail:arn condition"), decision.statement)  # fmt: skip
        if decision.allowed is None:
            return Verdict(
                None,
                _show(f"{question}: scoping to our trails is undecided: {decision.reason}"),
                decision.statement,
                decision.unknown,
            )
        return verdict

    return _guarded(question, check, policy)


def key_policy_allows_decrypt(
    policy: Any, account: str | Unknown, *, principal_arn: str | Unknown | None = None,
    trail_arn: str | Unknown | None = None, key_arn: str | Unknown | None = None,
) -> Verdict:  # fmt: skip
    """Can a reader (default: the account, i.e. its IAM principals) decrypt the trail's log files?
    Without a trail ARN the files are taken to come from some trail of ``account``."""
    who = Principal.aws(principal_arn if principal_arn is not None else account)
    trail = (
        trail_arn if trail_arn is not None else _join("arn:aws:cloudtrail:us-east-1:", account, ":trail/ctguard-probe")
    )
    caller = who.account if who.account is not None else account
    ctx = {"kms:EncryptionContext:aws:cloudtrail:arn": trail, "kms:CallerAccount": caller,
           "aws:PrincipalAccount": caller, "aws:PrincipalArn": who.id, "aws:SecureTransport": True}  # fmt: skip
    key: str | Unknown = key_arn if key_arn is not None else Unknown("the key ARN is not known")
    question = "decryption of CloudTrail log files"
    return _guarded(
        question,
        lambda: _all([("kms:Decrypt", evaluate([policy], Request(who, "kms:Decrypt", key, ctx)))], question),
        policy,
    )


def role_trusts_cloudtrail(
    trust_policy: Any, *, trail_arn: str | Unknown | None = None, role_arn: str | Unknown | None = None
) -> Verdict:
    arn, _, account = _trail(trail_arn)
    ctx = {"aws:SourceArn": arn, "aws:SourceAccount": account, "aws:SecureTransport": True}
    role: str | Unknown = role_arn if role_arn is not None else Unknown("the role ARN is not known")
    request = Request(Principal.service(CLOUDTRAIL), "sts:AssumeRole", role, ctx)
    question = "CloudTrail assuming the CloudWatch Logs role"
    return _guarded(
        question, lambda: _all([("sts:AssumeRole", evaluate([trust_policy], request))], question), trust_policy
    )


def role_can_write_log_group(
    permission_documents: Sequence[Any], log_group_arn: str | Unknown, *, org_id: str | None = None
) -> Verdict:
    """Do the role's identity policies allow CreateLogStream and PutLogEvents on CloudTrail's
    stream (``<account>_CloudTrail_<region>``, or ``<org-id>_<account>_CloudTrail_<region>``)?"""
    question = "CloudTrail writing to the log group"
    group: str | Unknown
    region: str | Unknown
    account: str | Unknown
    parsed = _symbolic_log_group(log_group_arn) if isinstance(log_group_arn, Symbolic) else None
    if parsed is not None:  # the stream is named from the account and Region symbols, not the whole ARN
        group, region, account = parsed
    elif isinstance(log_group_arn, Unknown):
        group, region, account = log_group_arn, log_group_arn, log_group_arn
    else:
        found = _LOG_GROUP.match(log_group_arn)
        if not found:
            return Verdict(None, f"{question}: {log_group_arn!r} is not a log group ARN")
        group, region, account = found.group(1), found.group(2), found.group(3)
    stream = _join(f"{org_id}_" if org_id else "", account, "_CloudTrail_", region)
    resource = _join(group, ":log-stream:", stream)
    role = Principal.aws(Unknown("the role ARN is not known"))
    checks = [
        (action, Request(role, action, resource, {"aws:SecureTransport": True}))
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    ]

    def check() -> Verdict:
        return _all([(a, evaluate(permission_documents, r, resource_based=False)) for a, r in checks], question)

    return _guarded(question, check, permission_documents if permission_documents else None)


def topic_policy_allows_cloudtrail_publish(
    policy: Any, topic_arn: str | Unknown, trail_arn: str | Unknown | None = None
) -> Verdict:
    arn, _, account = _trail(trail_arn)
    ctx = {"aws:SourceArn": arn, "aws:SourceAccount": account, "aws:SecureTransport": True}
    request = Request(Principal.service(CLOUDTRAIL), "sns:Publish", topic_arn, ctx)
    question = "CloudTrail notifications to the topic"
    return _guarded(question, lambda: _all([("sns:Publish", evaluate([policy], request))], question), policy)
