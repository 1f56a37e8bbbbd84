"""How much of an audited account was read: the trail listing, and every read that failed.

A live audit (or its snapshot) can only say "no trail does X" or "at most N trails per region"
when every audited region listed its trails. An account whose role could not be assumed, or whose
``DescribeTrails`` was refused somewhere, has an incomplete listing: ``Model.trail_listing`` is
then Unknown with the failed call and its error, and the engine makes no account-wide result of
that account PASS (or "not applicable"). ``Model.unread`` lists every failed read, so the report
can say the audit is incomplete (exit code 3) whether it is live or checked from a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctguard.calls import CallStore, is_not_configured
from ctguard.values import Known, Unknown, Value

# Reads without which nothing else in the account was read: the account itself was not reached.
_GATEWAYS = (("sts", "AssumeRole"), ("sts", "GetCallerIdentity"))


def failed_reads(store: CallStore, account: str) -> tuple[str, ...]:
    """Every failed read of ``account`` as ``service:Operation in region: error`` (no params: they can be long)."""
    out: list[str] = []
    for (acc, region, service, operation, _), result in store.calls():
        if acc == account and result.error is not None and not is_not_configured(result.error):
            out.append(f"{service}:{operation} in {region} failed: {result.error.describe()}")
    return tuple(sorted(set(out)))


def audit_incomplete(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """Why the audit that wrote ``meta`` stopped early (``meta.interrupted``), as it recorded it.

    Failed reads are not taken from ``meta.incomplete``: the calls themselves say which failed."""
    why = meta.get("interrupted")
    return (why,) if isinstance(why, str) and why else ()


def trail_listing(
    store: CallStore,
    account: str,
    failed_regions: Mapping[str, str],
    listed_regions: tuple[str, ...],
    interrupted: tuple[str, ...],
) -> Value[bool]:
    """Known(True) when every audited region of the account listed its trails; else Unknown with why."""
    for service, operation in _GATEWAYS:
        for (acc, region, svc, op, _), result in store.calls():
            if acc == account and (svc, op) == (service, operation) and result.error is not None:
                return Unknown(
                    f"account {account} was not read: {service}:{operation} in {region} failed: "
                    f"{result.error.describe()}"
                )
    if failed_regions:
        return Unknown(
            "the account's trails were not listed in every region: "
            + "; ".join(f"{region}: {reason}" for region, reason in sorted(failed_regions.items()))
        )
    if not listed_regions:
        return Unknown(f"account {account} was not read (cloudtrail:DescribeTrails was not called)")
    if interrupted:
        return Unknown(f"the audit was interrupted before account {account} was fully read ({interrupted[0]})")
    return Known(True)


__all__ = ["audit_incomplete", "failed_reads", "trail_listing"]
