"""Write the snapshot fixtures of the CloudTrail Lake policies (CT70x and the selector lints on stores):
``fixtures/rules/<ID>/<outcome>/snapshot-<case>.json`` with its ``.expect`` sidecar, and the account
snapshot of the drift fixtures (``fixtures/drift/account.json``).

The account, trail and snapshot helpers are ``make_snapshot_fixtures.py``'s; this file adds
ListEventDataStores / GetEventDataStore answers in boto3's shapes (docs/snapshot.md).

    python scripts/make_lake_fixtures.py          # rewrite every case
    python scripts/make_lake_fixtures.py --check  # exit 1 when a file differs from what it would write
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_snapshot_fixtures", _HERE / "make_snapshot_fixtures.py")
assert _spec is not None and _spec.loader is not None
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

ACCOUNT, MANAGEMENT, REGION = base.ACCOUNT, base.MANAGEMENT, base.REGION
MEMBER = "222233334444"
ORG = "o-a1b2c3d4e5"
KEY = base.key_arn()
MANAGEMENT_SELECTOR = {
    "Name": "Default management events",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}
S3_SELECTOR = {
    "Name": "S3 writes to the payments bucket",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "readOnly", "Equals": ["false"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::acme-payments/"]},
    ],
}


def store_arn(account: str = ACCOUNT, store_id: str = "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE") -> str:
    return f"arn:aws:cloudtrail:{REGION}:{account}:eventdatastore/{store_id}"


def store_calls(
    account: str = ACCOUNT,
    *,
    name: str = "audit-lake",
    status: str = "ENABLED",
    selectors: list[dict[str, Any]] | None = None,
    key: str | None = None,
    get_denied: bool = False,
    **flags: Any,
) -> list[dict[str, Any]]:
    """ListEventDataStores and GetEventDataStore for one store (``flags``: API members to override)."""
    arn = store_arn(account)
    summary: dict[str, Any] = {
        "EventDataStoreArn": arn,
        "Name": name,
        "TerminationProtectionEnabled": True,
        "Status": status,
        "AdvancedEventSelectors": selectors if selectors is not None else [MANAGEMENT_SELECTOR],
        "MultiRegionEnabled": True,
        "OrganizationEnabled": False,
        "RetentionPeriod": 2557,
        "CreatedTimestamp": "2025-03-01T08:00:00Z",
        "UpdatedTimestamp": "2025-03-01T08:00:00Z",
        **flags,
    }
    detail = {**summary, "BillingMode": "EXTENDABLE_RETENTION_PRICING"}
    if key:
        detail["KmsKeyId"] = key
    get = (
        base.call(
            "cloudtrail",
            "GetEventDataStore",
            {"EventDataStore": arn},
            error="AccessDeniedException",
            status=400,
            message="User is not authorized to perform: cloudtrail:GetEventDataStore",
            account=account,
        )
        if get_denied
        else base.call("cloudtrail", "GetEventDataStore", {"EventDataStore": arn}, detail, account=account)
    )
    return [base.call("cloudtrail", "ListEventDataStores", {}, {"EventDataStores": [summary]}, account=account), get]


def lake_case(
    *stores: list[dict[str, Any]], account: str = ACCOUNT, org: str | None = None, trail: bool = False
) -> dict[str, Any]:
    calls = [*base.account_calls(account, pab=base.ALL_ON, org=org)]
    if org is not None and account == MANAGEMENT:
        calls = [c for c in calls if c["operation"] != "DescribeOrganization"]
        calls.insert(
            2,
            base.call(
                "organizations",
                "DescribeOrganization",
                {},
                {
                    "Organization": {
                        "Id": org,
                        "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/{org}",
                        "MasterAccountId": MANAGEMENT,
                        "MasterAccountArn": f"arn:aws:organizations::{MANAGEMENT}:account/{org}/{MANAGEMENT}",
                        "FeatureSet": "ALL",
                    }
                },
                account=account,
            ),
        )
    if trail:
        calls += base.trail_calls(account)
    for store in stores:
        calls += store
    return base.snapshot(calls, (account,))


def listing_denied(account: str = ACCOUNT) -> list[dict[str, Any]]:
    return [
        base.call(
            "cloudtrail",
            "ListEventDataStores",
            {},
            error="AccessDeniedException",
            status=400,
            message="User is not authorized to perform: cloudtrail:ListEventDataStores",
            account=account,
        )
    ]


ARN = store_arn()
CASES: dict[str, tuple[Callable[[], dict[str, Any]], list[str]]] = {
    "CT701/pass/snapshot-customer-key": (
        lambda: lake_case(store_calls(key=KEY)),
        [f'CT701 PASS resource={ARN} msg="{KEY}"'],
    ),
    "CT701/fail/snapshot-cloudtrail-owned-key": (lambda: lake_case(store_calls()), [f"CT701 FAIL resource={ARN}"]),
    "CT701/unknown/snapshot-get-denied": (
        lambda: lake_case(store_calls(key=KEY, get_denied=True)),
        [f'CT701 UNKNOWN resource={ARN} msg="AccessDeniedException"'],
    ),
    "CT702/pass/snapshot-seven-years": (lambda: lake_case(store_calls()), ['CT702 PASS msg="2557 days"']),
    "CT702/fail/snapshot-90-days": (
        lambda: lake_case(store_calls(RetentionPeriod=90)),
        ['CT702 FAIL msg="90 days, less than"'],
    ),
    "CT702/unknown/snapshot-listing-denied": (
        lambda: lake_case(listing_denied()),
        ['CT702 UNKNOWN msg="AccessDeniedException"'],
    ),
    "CT703/pass/snapshot-protected": (lambda: lake_case(store_calls()), ["CT703 PASS"]),
    "CT703/fail/snapshot-unprotected": (
        lambda: lake_case(store_calls(TerminationProtectionEnabled=False)),
        [f"CT703 FAIL resource={ARN}"],
    ),
    "CT703/unknown/snapshot-listing-denied": (
        lambda: lake_case(listing_denied()),
        ['CT703 UNKNOWN msg="AccessDeniedException"'],
    ),
    "CT704/pass/snapshot-multi-region": (lambda: lake_case(store_calls()), ["CT704 PASS"]),
    "CT704/fail/snapshot-single-region": (
        lambda: lake_case(store_calls(MultiRegionEnabled=False)),
        [f"CT704 FAIL resource={ARN}"],
    ),
    "CT704/unknown/snapshot-listing-denied": (
        lambda: lake_case(listing_denied()),
        ['CT704 UNKNOWN msg="AccessDeniedException"'],
    ),
    "CT705/pass/snapshot-no-organization": (
        lambda: lake_case(store_calls()),
        ['CT705 PASS msg="is not in an AWS Organization"'],
    ),
    "CT705/pass/snapshot-management-organization-store": (
        lambda: lake_case(store_calls(MANAGEMENT, OrganizationEnabled=True), account=MANAGEMENT, org=ORG),
        ['CT705 PASS msg="every account of the organization"'],
    ),
    "CT705/fail/snapshot-management-account-store": (
        lambda: lake_case(store_calls(MANAGEMENT), account=MANAGEMENT, org=ORG),
        [f'CT705 FAIL resource={store_arn(MANAGEMENT)} msg="manages organization {ORG}"'],
    ),
    "CT705/unknown/snapshot-member-account": (
        lambda: lake_case(store_calls(MEMBER), account=MEMBER, org=ORG),
        ['CT705 UNKNOWN msg="delegated administrator"'],
    ),
    "CT706/pass/snapshot-enabled": (lambda: lake_case(store_calls()), ["CT706 PASS"]),
    "CT706/fail/snapshot-stopped-ingestion": (
        lambda: lake_case(store_calls(status="STOPPED_INGESTION")),
        ['CT706 FAIL msg="value from Status STOPPED_INGESTION"'],
    ),
    "CT706/unknown/snapshot-just-created": (
        lambda: lake_case(store_calls(status="CREATED")),
        ['CT706 UNKNOWN msg="Status is CREATED"'],
    ),
    "CT707/pass/snapshot-data-store-beside-trail": (
        lambda: lake_case(store_calls(selectors=[S3_SELECTOR]), trail=True),
        ['CT707 PASS msg="by trail main-trail"'],
    ),
    "CT707/fail/snapshot-data-store-alone": (
        lambda: lake_case(store_calls(selectors=[S3_SELECTOR])),
        ['CT707 FAIL msg="records no management read events"'],
    ),
    "CT707/unknown/snapshot-listing-denied": (
        lambda: lake_case(listing_denied()),
        ['CT707 UNKNOWN msg="AccessDeniedException"'],
    ),
}


# --- drift: the account that fixtures/drift/code*/ are compared with ------------------------------

DRIFT = base.REPO / "fixtures" / "drift"
OTHER_KEY = base.key_arn(key_id="0987dcba-09ab-87cd-65ef-0987654321ba")


def drift_account() -> dict[str, Any]:
    """main-trail stopped, validation on, another key and no data selector; console-trail made by hand;
    audit-lake stopped, kept 90 days and recording S3 writes too."""
    main = base.trail_calls(logging=False, key=OTHER_KEY)
    main[0]["response"]["trailList"][0]["LogFileValidationEnabled"] = True
    console = base.trail_calls(name="console-trail", multi_region=False)
    listing = main[0]["response"]["trailList"] + console[0]["response"]["trailList"]
    main[0]["response"] = {"trailList": listing}
    calls = [
        *base.account_calls(pab=base.ALL_ON),
        *main,
        *console[1:],
        *store_calls(
            status="STOPPED_INGESTION", RetentionPeriod=90, selectors=[MANAGEMENT_SELECTOR, S3_WRITES_EVERYWHERE]
        ),
    ]
    return base.snapshot(calls)


S3_WRITES_EVERYWHERE = {
    "Name": "S3 writes (added in the console)",
    "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "readOnly", "Equals": ["false"]},
    ],
}
DRIFT_FILES: dict[str, Callable[[], dict[str, Any]]] = {"account.json": drift_account}


def render_drift(name: str) -> str:
    import json

    return json.dumps(DRIFT_FILES[name](), indent=2) + "\n"


def render(name: str) -> tuple[str, str]:
    build, expects = CASES[name]
    import json

    body = json.dumps(build(), indent=2) + "\n"
    note = "generated by scripts/make_lake_fixtures.py; edit the script, not this file"
    return body, f"# {note}\n" + "".join(f"expect: {line}\n" for line in expects)


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for name in sorted(CASES):
        body, expect = render(name)
        path = base.RULES / f"{name}.json"
        for target, text in ((path, body), (path.with_suffix(".expect"), expect)):
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                continue
            stale.append(target)
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for name in sorted(DRIFT_FILES):
        target, text = DRIFT / name, render_drift(name)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target)
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    for target in stale:
        print(("differs: " if check else "wrote: ") + str(target.relative_to(base.REPO)))
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
