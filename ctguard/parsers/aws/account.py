"""Account-level facts: organization, enabled and audited regions, the account's S3 public access block."""

from __future__ import annotations

from ctguard.model import Model
from ctguard.parsers.aws.buckets import public_access_block
from ctguard.parsers.aws.reader import Calls
from ctguard.values import Known, Unknown

_ENABLED = frozenset({"opt-in-not-required", "opted-in"})


def fill_account(model: Model, calls: Calls, audited: tuple[str, ...], failed: dict[str, str]) -> None:
    account = calls.account
    model.account_id = Known(account)

    org = calls.get("organizations", "DescribeOrganization", {})
    if org.ok:
        info = org.response.get("Organization") or {}
        # An answer without the id is not "no organization" (that is AWSOrganizationsNotInUseException).
        model.organization_id = (
            Known(info["Id"]) if info.get("Id") else Unknown("DescribeOrganization did not give the organization id")
        )
        master = info.get("MasterAccountId")
        model.is_organization_management_account = (
            Known(master == account) if master else Unknown("DescribeOrganization did not name the management account")
        )
    elif org.not_configured:
        model.organization_id = Known(None, via="AWSOrganizationsNotInUseException: not in an organization")
        model.is_organization_management_account = Known(False, via="not in an organization")
    else:
        model.organization_id = org.unknown()
        model.is_organization_management_account = org.unknown()

    regions = calls.get("ec2", "DescribeRegions", {"AllRegions": True})
    if regions.ok:
        model.enabled_regions = Known(
            tuple(
                sorted(
                    str(r["RegionName"])
                    for r in regions.response.get("Regions") or ()
                    if r.get("RegionName") and r.get("OptInStatus", "opt-in-not-required") in _ENABLED
                )
            )
        )
    else:
        model.enabled_regions = regions.unknown()

    if audited:
        model.audited_regions = Known(audited)
    elif failed:
        model.audited_regions = Unknown(
            "DescribeTrails failed in every region: "
            + "; ".join(f"{region}: {reason}" for region, reason in sorted(failed.items()))
        )
    else:
        model.audited_regions = Unknown("not read (cloudtrail:DescribeTrails was not called)")

    model.account_public_access_block = public_access_block(
        calls.get("s3control", "GetPublicAccessBlock", {"AccountId": account})
    )


__all__ = ["fill_account"]
