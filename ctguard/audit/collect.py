"""Collect one account: identity, regions, account settings, then rounds of planned calls."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ctguard.audit.plan import Call, Planner
from ctguard.audit.reader import Reader
from ctguard.audit.regions import enabled_regions, global_region, plan_regions
from ctguard.audit.threads import run_all
from ctguard.calls import ApiError

log = logging.getLogger(__name__)

MAX_ROUNDS = 12  # the dependency chain is 5 deep; more rounds would mean a planning bug


@dataclass(slots=True)
class AccountResult:
    account: str
    regions: list[str] = field(default_factory=list)
    skipped_regions: dict[str, str] = field(default_factory=dict)
    trails: int = 0
    calls: int = 0
    failed: int = 0  # reads that failed for a reason other than "not configured"
    error: str | None = None  # the account could not be audited at all (role not assumable)


def collect_account(
    reader: Reader, first_region: str, requested: list[str] | None, fallback_regions: list[str], workers: int
) -> AccountResult:
    """Read everything docs/snapshot.md lists for one account into ``reader.store``.

    Failed reads are recorded and the audit goes on; only the planning stops when nothing
    new can be read.
    """
    account = reader.account
    home = global_region(first_region)
    mismatch = _wrong_account(reader, first_region)
    if mismatch is not None:
        return AccountResult(account, calls=1, failed=1, error=mismatch)
    cancel = reader.clients.shared.cancel

    def read(c: Call) -> None:
        reader.result(c.region, c.service, c.operation, c.params)

    run_all(
        read,
        [
            Call(first_region, "ec2", "DescribeRegions", {"AllRegions": True}),
            Call(home, "organizations", "DescribeOrganization", {}),
            Call(home, "s3control", "GetPublicAccessBlock", {"AccountId": account}),
            # Which buckets the account owns: only those get its account-level public access block.
            Call(home, "s3", "ListBuckets", {}),
        ],
        workers,
        cancel,
        f"ctguard-{account}",
    )
    regions_answer = reader.call(first_region, "ec2", "DescribeRegions", {"AllRegions": True})  # recorded: no call
    statuses = enabled_regions(regions_answer) if regions_answer is not None else None
    plan = plan_regions(requested, statuses, fallback_regions)
    planner = Planner(reader.store, account, plan.audit, home)
    for _ in range(MAX_ROUNDS):
        calls = planner.next_calls()
        if not calls:
            break
        run_all(read, calls, workers, cancel, f"ctguard-{account}")
    else:
        log.warning("account %s: call planning did not settle after %d rounds", account, MAX_ROUNDS)
    trails = len(planner.trails())
    from ctguard.calls import is_not_configured

    mine = [r for k, r in reader.store.calls() if k[0] == account]
    failed = sum(1 for r in mine if r.error is not None and not is_not_configured(r.error))
    return AccountResult(account, plan.audit, plan.skipped, trails, len(mine), failed)


def _wrong_account(reader: Reader, region: str) -> str | None:
    """Check that the calls really reach ``reader.account`` before reading anything there.

    A failed identity call is only recorded (the reads that follow will fail the same way and
    say why); an answer from another account stops the account, since every read would
    describe the wrong account.
    """
    identity = reader.call(region, "sts", "GetCallerIdentity", {})
    if identity is None or str(identity.get("Account")) == reader.account:
        return None
    message = f"the credentials in use belong to account {identity.get('Account')}, not {reader.account}"
    reader.record_error(region, "sts", "GetCallerIdentity", {}, ApiError("WrongAccount", message))
    return message
