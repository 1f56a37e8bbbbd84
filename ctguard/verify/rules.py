"""The CT95x rules of ``ctguard verify``: one per kind of result, documented in docs/verify.md.

They are not policy files: nothing in a template or an account snapshot can trigger them, so
``ctguard check`` never loads them. ``ctguard verify`` hands these entries to the formatters,
which then describe the rules exactly as they describe policies.
"""

from __future__ import annotations

from ctguard.engine.policy import Policy
from ctguard.findings import Finding, Severity, Status

UNREADABLE = "CT001"  # as for `check`: something could not be read, exit code 3
LOG_MODIFIED = "CT951"
LOG_MISSING = "CT952"
NOT_IN_DIGEST = "CT953"
DIGEST_DELETED = "CT954"
DIGEST_SIGNATURE = "CT955"
CHAIN_BROKEN = "CT956"
GAP = "CT957"
KEY_NOT_FOUND = "CT958"

SOURCE_KIND = "cloudtrail-archive"
DOC = "docs/verify.md"

_FIX = "Restore the file from a copy you trust (S3 versioning, replication, Object Lock), then find out who changed it"

# id -> (name, title, severity, what, why, fix)
_RULES: dict[str, tuple[str, str, Severity, str, str, str]] = {
    LOG_MODIFIED: (
        "log-file-modified",
        "A log file's SHA-256 differs from the hash its digest lists",
        Severity.HIGH,
        (
            "Hashes the uncompressed content of each log file a digest lists and compares it with the "
            "digest's hashValue; a file that is not one complete gzip stream also fails."
        ),
        "A changed log file is a changed record of what happened: events removed, added or edited.",
        _FIX,
    ),
    LOG_MISSING: (
        "log-file-missing",
        "A log file a digest lists is not in the archive",
        Severity.HIGH,
        "Every log file a digest lists must be present at the key the digest names.",
        "A deleted log file hides everything recorded in it.",
        _FIX,
    ),
    NOT_IN_DIGEST: (
        "file-not-in-any-digest",
        "A file is present but no digest lists it",
        Severity.MEDIUM,
        (
            "Log files no digest lists, within the time a digest chain covers, and digest files no chain "
            "reaches. Log files outside every chain's time (validation off, before it was enabled) are "
            "reported once per location as UNKNOWN."
        ),
        (
            "CloudTrail digests every log file it delivers while validation is on: an unlisted file was "
            "not delivered by CloudTrail, or its digest was removed."
        ),
        "Find out where the file came from; evidence should hold only what CloudTrail delivered",
    ),
    DIGEST_DELETED: (
        "digest-file-deleted",
        "A digest file its successor names is not in the archive",
        Severity.HIGH,
        "Each digest names the previous one (previousDigestS3Object); that file must exist.",
        "Deleting a digest removes the proof of every log file it listed.",
        _FIX,
    ),
    DIGEST_SIGNATURE: (
        "digest-signature",
        "A digest file's signature is valid",
        Severity.HIGH,
        (
            "Verifies each digest's SHA256withRSA signature over the documented string to sign (end "
            "time, its S3 path, SHA-256 of its uncompressed bytes, previous signature) with "
            "CloudTrail's public key for its fingerprint, and that it lies where it says it was "
            "delivered. UNKNOWN when its signature or the public keys are not available."
        ),
        (
            "Only a signed digest proves its log files' hashes; an invalid signature means the digest "
            "was changed, moved or forged."
        ),
        _FIX,
    ),
    CHAIN_BROKEN: (
        "digest-chain-broken",
        "A digest does not match what the next digest records of it",
        Severity.HIGH,
        (
            "Each digest records the SHA-256 and the signature of the previous one; the previous digest "
            "must have exactly that content and signature."
        ),
        "A replaced digest (re-signed or not) breaks the chain that proves no digest was swapped.",
        _FIX,
    ),
    GAP: (
        "digest-chain-gap",
        "No digest covers a period between two digest chains",
        Severity.INFO,
        (
            "A digest without a previous digest starts a new chain; when an older digest exists, the time between "
            "them is covered by no digest (as `aws cloudtrail validate-logs` reports)."
        ),
        (
            "Gaps happen when logging or log file validation was turned off: no log file delivered then is "
            "proven. Check who stopped it (StopLogging, UpdateTrail) at that time."
        ),
        "Keep logging and log file validation on; alert on StopLogging and UpdateTrail",
    ),
    KEY_NOT_FOUND: (
        "public-key-not-found",
        "No public key has the digest's fingerprint",
        Severity.HIGH,
        (
            "The digest names the public key (digestPublicKeyFingerprint) that verifies it; it must be "
            "one of the keys given (--public-keys) or read live for the digest's region."
        ),
        (
            "A digest signed with a key CloudTrail never published was not signed by CloudTrail; or "
            "the saved key list is for another region or time."
        ),
        "Save `aws cloudtrail list-public-keys --start-time ... --region REGION` for each region",
    ),
}


def policies() -> list[Policy]:
    out = []
    for rule_id, (name, title, severity, what, why, fix) in _RULES.items():
        # The fix is about the delivered files, whatever language the trail is written in.
        docs = {"what": what, "why": why, "fix": {"cloudformation": fix, "terraform": fix, "cli": fix}}
        out.append(
            Policy(
                id=rule_id,
                name=name,
                title=title,
                severity=severity,
                scope="archive",
                message={},
                docs=docs,
                file=DOC,
                tags=("integrity", "verify"),
            )
        )
    return out


def severity(rule_id: str) -> Severity:
    return _RULES[rule_id][2] if rule_id in _RULES else Severity.HIGH


def finding(
    rule_id: str, status: Status, message: str, file: str, *, resource: str | None = None, kind: str = "digest"
) -> Finding:
    return Finding(
        rule_id=rule_id,
        status=status,
        severity=severity(rule_id),
        message=message,
        file=file,
        resource=resource,
        resource_name=resource,
        resource_kind=kind,
        source_kind=SOURCE_KIND,
    )
