"""Run an audit: one account or a whole organization, into one CallStore."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ctguard.audit.collect import AccountResult, collect_account
from ctguard.audit.errors import failed_reads
from ctguard.audit.org import assume_role, member_accounts
from ctguard.audit.progress import NoProgress, Progress
from ctguard.audit.reader import Reader
from ctguard.audit.regions import global_region, partition
from ctguard.audit.secrets import remember, remember_session
from ctguard.audit.session import ClientOptions, Clients, SharedClients, base_session, require_boto3
from ctguard.audit.threads import Cancelled, run_all
from ctguard.calls import CallStore
from ctguard.version import __version__

log = logging.getLogger(__name__)


class AuditSetupError(RuntimeError):
    """Nothing can be audited (no credentials, the caller's identity cannot be read)."""


class AuditInterrupted(KeyboardInterrupt):
    """Ctrl-C: ``outcome`` holds what was read so far, marked incomplete."""

    def __init__(self, outcome: AuditOutcome) -> None:
        super().__init__("interrupted")
        self.outcome = outcome


INTERRUPTED = "the audit was interrupted (Ctrl-C) before every read was made"


@dataclass(slots=True)
class AuditRequest:
    profile: str | None = None
    regions: list[str] | None = None  # None: every region enabled for the account
    org: bool = False
    role_name: str | None = None
    external_id: str | None = None
    client: ClientOptions = field(default_factory=ClientOptions)
    max_workers: int = 48  # requests in flight across all accounts and regions (a hard cap)
    account_workers: int = 6  # concurrent calls within one account


@dataclass(slots=True)
class AuditOutcome:
    store: CallStore
    accounts: list[AccountResult]
    caller: str

    @property
    def incomplete(self) -> bool:
        return any(True for _ in failed_reads(self.store))


def run_audit(request: AuditRequest, progress: Progress | None = None) -> AuditOutcome:
    require_boto3()
    progress = progress or NoProgress()
    base = base_session(request.profile)
    remember_session(base)
    if request.external_id:
        remember(request.external_id)
    first_region = (request.regions[0] if request.regions else None) or base.region_name or "us-east-1"
    fallback = request.regions or _fallback_regions(base)
    store = CallStore()
    # Every client may carry all requests in flight: its connection pool is sized to match.
    options = dataclasses.replace(request.client, max_pool_connections=max(1, request.max_workers))
    shared = SharedClients(base, options, request.max_workers)
    caller_clients = Clients(shared)
    caller = _identify(caller_clients, first_region)
    caller_reader = Reader(caller, caller_clients, store, progress.call_done)
    accounts = [caller]
    if request.org:
        try:
            members = member_accounts(caller_reader, first_region)
        except KeyboardInterrupt:
            # Ctrl-C while the members are listed: what was read (the listing so far) is kept too.
            shared.cancel.set()
            partial = [AccountResult(caller, error="interrupted")]
            store.meta = _meta(caller, partial, first_region, request)
            mark_completeness(store, INTERRUPTED)
            raise AuditInterrupted(AuditOutcome(store, partial, caller)) from None
        if members is not None:
            accounts = sorted(set(members) | {caller})

    def audit_one(account: str) -> AccountResult:
        try:
            return read_account(account)
        except Cancelled:
            return AccountResult(account, error="interrupted")

    def read_account(account: str) -> AccountResult:
        if account == caller:
            reader = caller_reader
        else:
            with shared.slot():
                credentials, error, params = assume_role(
                    caller_clients, account, request.role_name or "", first_region, request.external_id
                )
            reader = Reader(account, Clients(shared, credentials), store, progress.call_done)
            if error is not None:
                reader.record_error(first_region, "sts", "AssumeRole", params, error)
                progress.account_done(account)
                return AccountResult(
                    account, error=f"cannot assume {params['RoleArn']}: {error.describe()}", calls=1, failed=1
                )
        result = collect_account(reader, first_region, request.regions, fallback, request.account_workers)
        progress.account_done(account)
        return result

    # Threads only wait for a slot: --max-workers bounds the requests in flight (SharedClients.slot).
    parallel_accounts = max(1, request.max_workers // max(1, request.account_workers))
    progress.start(len(accounts))
    try:
        results = run_all(audit_one, accounts, parallel_accounts, shared.cancel, "ctguard-account")
    except KeyboardInterrupt:
        shared.cancel.set()  # queued reads are dropped; reads in flight are abandoned with their threads
        partial = [AccountResult(a, error="interrupted") for a in accounts]
        store.meta = _meta(caller, partial, first_region, request)
        mark_completeness(store, INTERRUPTED)
        raise AuditInterrupted(AuditOutcome(store, partial, caller)) from None
    finally:
        progress.stop()
    store.meta = _meta(caller, results, first_region, request)
    mark_completeness(store)
    return AuditOutcome(store, results, caller)


def _identify(clients: Clients, region: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return str(clients.get("sts", region).get_caller_identity()["Account"])
    except NoCredentialsError:
        raise AuditSetupError(
            "no AWS credentials found (use --profile, the AWS_* environment variables or an instance role)"
        ) from None
    except (BotoCoreError, ClientError) as exc:
        from ctguard.audit.errors import to_api_error

        raise AuditSetupError(
            f"cannot read the caller's identity (sts:GetCallerIdentity in {region}): {to_api_error(exc).describe()}"
        ) from None


def _fallback_regions(base: Any) -> list[str]:
    """Regions to try when ec2:DescribeRegions cannot be read: the partition's CloudTrail regions."""
    return sorted(base.get_available_regions("cloudtrail")) or [base.region_name or "us-east-1"]


def _meta(caller: str, results: list[AccountResult], first_region: str, request: AuditRequest) -> dict[str, Any]:
    regions = sorted({r for result in results for r in result.regions})
    skipped = {result.account: result.skipped_regions for result in results if result.skipped_regions}
    meta: dict[str, Any] = {
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": f"ctguard {__version__}",
        "partition": partition(first_region),
        "accounts": sorted(r.account for r in results),
        "regions": regions,
        "caller": caller,
        "global_region": global_region(first_region),
    }
    if request.org:
        meta["organization"] = True
    if skipped:
        meta["skipped_regions"] = skipped
    return meta


def mark_completeness(store: CallStore, interrupted: str | None = None) -> None:
    """``meta.complete`` and, when false, ``meta.incomplete``: every failed read, and the interruption.

    ``meta.interrupted`` is what the mapper reads (the failed reads are in the calls themselves).
    """
    reasons = [
        f"{account}: {service}:{operation} in {region} failed: {error.describe()}"
        for (account, region, service, operation, _), error in failed_reads(store)
    ]
    if interrupted:
        store.meta["interrupted"] = interrupted
        reasons.insert(0, interrupted)
    store.meta["complete"] = not reasons
    if reasons:
        store.meta["incomplete"] = sorted(set(reasons), key=reasons.index)
    else:
        store.meta.pop("incomplete", None)


def canonical(store: CallStore) -> tuple[CallStore, str]:
    """The store in a stable order, as snapshot text, and the store read back from that text.

    The live report is built from the read-back store, so that ``ctguard check`` on the saved
    file sees exactly what the audit saw, in the same order.
    """
    data = store.to_json()
    data["calls"].sort(
        key=lambda c: (c["account"], c["region"], c["service"], c["operation"], json.dumps(c["params"], sort_keys=True))
    )
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    return CallStore.from_json(json.loads(text)), text
