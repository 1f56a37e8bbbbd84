"""Which regions to audit: the ones asked for, or every region enabled for the account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Opt-in statuses of ec2:DescribeRegions(AllRegions=True) for regions the account can call.
ENABLED_STATUSES = frozenset({"opt-in-not-required", "opted-in"})

_PARTITION_GLOBAL_REGION = (
    ("cn-", "cn-north-1"),
    ("us-gov-", "us-gov-west-1"),
    ("us-iso-", "us-iso-east-1"),
    ("us-isob-", "us-isob-east-1"),
    ("eu-isoe-", "eu-isoe-west-1"),
)


def global_region(region: str) -> str:
    """Where the partition's global services (IAM, Organizations, S3 Control) answer."""
    for prefix, home in _PARTITION_GLOBAL_REGION:
        if region.startswith(prefix):
            return home
    return "us-east-1"


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(slots=True)
class RegionPlan:
    audit: list[str]  # regions to read, in order
    skipped: dict[str, str] = field(default_factory=dict)  # region -> why it was not read


def enabled_regions(describe_regions: Mapping[str, Any]) -> dict[str, str]:
    """Region name -> opt-in status, from a DescribeRegions(AllRegions=True) answer."""
    return {
        r["RegionName"]: r.get("OptInStatus", "opt-in-not-required")
        for r in describe_regions.get("Regions", [])
        if "RegionName" in r
    }


def plan_regions(requested: list[str] | None, statuses: dict[str, str] | None, fallback: list[str]) -> RegionPlan:
    """The regions to audit.

    ``statuses`` is None when DescribeRegions could not be read: the requested regions (or the
    ``fallback`` list) are then tried as they are, and a disabled region shows up as a failed
    read instead of being skipped.
    """
    if statuses is None:
        return RegionPlan(list(requested or fallback))
    if not requested:
        return RegionPlan(sorted(r for r, s in statuses.items() if s in ENABLED_STATUSES))
    plan = RegionPlan([])
    for region in requested:
        status = statuses.get(region)
        if status is None:
            plan.skipped[region] = "not a region of this partition (ec2:DescribeRegions)"
        elif status not in ENABLED_STATUSES:
            plan.skipped[region] = f"opt-in region not enabled for this account ({status})"
        else:
            plan.audit.append(region)
    return plan
