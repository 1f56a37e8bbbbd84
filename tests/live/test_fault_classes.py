"""For each fault class, no result that depends on the failed call is PASS (issue 16, bullets 1 and 2).

The trail records write management events only, so CT201 (read and write management events),
CT503 (CIS root usage chain, which needs both) and CT601 (baseline trail) all FAIL when its
GetEventSelectors answer is read. When that answer is refused, throttled, cut short or garbled,
those three must come out UNKNOWN (never PASS) and the audit must exit 3.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from estate import ACCOUNT, Estate

from ctguard.cli import main

DEPENDENT = ("CT201", "CT503", "CT601")
FAST = [
    "--region",
    "us-east-1",
    "--max-attempts",
    "2",
    "--connect-timeout",
    "1",
    "--read-timeout",
    "1",
    "--format",
    "json",
]


def _write_only_trail(moto_server: str) -> str:
    estate = Estate(moto_server)
    arn = estate.full_trail()
    estate.client("cloudtrail").put_event_selectors(
        TrailName=arn, EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]
    )
    return arn


def _run(capsys: Any) -> tuple[int, dict[str, dict[str, Any]], str]:
    rc = main(["audit", *FAST])
    out = capsys.readouterr()
    report = json.loads(out.out)
    return rc, {f["rule_id"]: f for f in report["findings"]}, out.err


def test_the_write_only_trail_fails_when_everything_is_read(proxy, moto_server, capsys) -> None:
    _write_only_trail(moto_server)
    rc, found, err = _run(capsys)
    assert rc == 1, err
    assert {r: found[r]["status"] for r in DEPENDENT} == dict.fromkeys(DEPENDENT, "FAIL")


@pytest.mark.parametrize(
    "fault, options",
    [
        ("denied", {}),
        ("throttle", {}),  # past the retries (--max-attempts 2)
        ("500", {}),
        ("timeout", {"delay": 1.5}),  # longer than --read-timeout 1
        ("reset", {}),
        ("truncate", {}),
        ("retype", {"member": "EventSelectors"}),
        # AWS answers with one of the two lists (moto with both): without either, the answer was cut short.
        ("drop", {"member": "EventSelectors,AdvancedEventSelectors"}),
    ],
)
def test_a_failed_event_selector_read_passes_nothing_that_needs_it(
    proxy, moto_server, capsys, fault: str, options: dict[str, Any]
) -> None:
    _write_only_trail(moto_server)
    proxy.add("GetEventSelectors", fault, **options)
    rc, found, err = _run(capsys)
    assert rc == 3, err
    assert "cloudtrail:GetEventSelectors" in err
    for rule in DEPENDENT:
        assert found[rule]["status"] == "UNKNOWN", (rule, found[rule])
    assert "GetEventSelectors" in found["CT201"]["message"]


@pytest.mark.parametrize("fault", ["truncate", "retype", "drop"])
def test_a_damaged_xml_answer_is_a_failed_read(proxy, moto_server, capsys, fault: str) -> None:
    Estate(moto_server).full_trail()
    bucket = f"org-audit-trail-logs-{ACCOUNT}"
    proxy.add("GetPublicAccessBlock", fault, service="s3", path_contains=bucket, member="BlockPublicPolicy")
    rc = main(["audit", *FAST])
    out = capsys.readouterr()
    assert rc == 3, out.err
    report = json.loads(out.out)
    assert report["complete"] is False
    # botocore retries an S3 200 answer it cannot parse as a 500 (S3 can put errors in 200 answers).
    why = "500 (HTTP 500)" if fault == "truncate" else "MalformedResponse"
    assert [r for r in report["incomplete"] if "s3:GetPublicAccessBlock" in r and why in r], report["incomplete"]


@pytest.mark.parametrize(
    "fault, options", [("truncate", {}), ("retype", {"member": "Accounts"}), ("drop", {"member": "Accounts"})]
)
def test_a_garbled_account_list_is_a_failed_read_not_a_smaller_organization(
    proxy, moto_server, capsys, fault: str, options: dict[str, Any]
) -> None:
    management = Estate(moto_server)
    management.client("organizations").create_organization(FeatureSet="ALL")
    management.client("organizations").create_account(Email="m@example.com", AccountName="member")
    management.full_trail()
    proxy.add("ListAccounts", fault, **options)
    rc = main(["audit", *FAST, "--org", "--role-name", "OrganizationAccountAccessRole"])
    out = capsys.readouterr()
    assert rc == 3, out.err
    assert "could not be listed" in out.err and "MalformedResponse" in out.err
    assert json.loads(out.out)["complete"] is False
