"""Nothing that was not read is PASS or "not applicable" (issue 16, bullet 1).

Each test refuses one read through the fault proxy and checks every result that depends on it:
UNKNOWN with the failed call and its error, the account's summary row "not read", exit code 3.
"""

from __future__ import annotations

import json
from typing import Any

from estate import ACCOUNT, Estate
from test_org import ROLE, _organization

from ctguard.cli import main

REGIONS = ["--region", "us-east-1,eu-west-1", "--max-attempts", "1"]


def _audit(capsys: Any, *extra: str) -> tuple[int, dict[str, Any], str]:
    rc = main(["audit", *REGIONS, "--format", "json", *extra])
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def _of(report: dict[str, Any], account: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if account in (f["resource"] or "")]


def test_a_member_whose_role_cannot_be_assumed_has_no_pass(proxy, moto_server, capsys) -> None:
    management, members = _organization(moto_server, 2)
    management.full_trail()
    blocked = members[0].account
    proxy.add("AssumeRole", "denied", body_contains=f"arn:aws:iam::{blocked}:role/{ROLE}")
    rc, report, err = _audit(capsys, "--org", "--role-name", ROLE)
    assert rc == 3, err
    mine = _of(report, blocked)
    assert mine, report["findings"]
    assert {f["status"] for f in mine} == {"UNKNOWN"}, [(f["rule_id"], f["status"]) for f in mine]
    assert all("sts:AssumeRole" in f["message"] and "AccessDenied" in f["message"] for f in mine), [
        f["message"] for f in mine if "sts:AssumeRole" not in f["message"]
    ]
    assert report["complete"] is False and any(blocked in r and "AssumeRole" in r for r in report["incomplete"])
    assert f"{blocked}  " in err and "(account, not read)" in err
    # The other member was read: its results are its own.
    assert any(f["status"] == "PASS" for f in _of(report, members[1].account))


def test_a_refused_trail_listing_leaves_every_account_result_unknown(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    proxy.add("DescribeTrails", "denied")
    rc, report, err = _audit(capsys)
    assert rc == 3, err
    account = [f for f in report["findings"] if f["resource_kind"] == "account"]
    assert account and not [f for f in account if f["status"] == "PASS"], account
    assert all("DescribeTrails" in f["message"] for f in account if f["status"] == "UNKNOWN")
    assert not [f for f in report["findings"] if "not applicable" in f["message"]]
    assert "(account, not read)" in err


def test_one_region_failing_to_list_trails_keeps_ct602_and_ct603_from_passing(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    proxy.add("DescribeTrails", "500", region="eu-west-1")
    rc, report, err = _audit(capsys)
    assert rc == 3, err
    by_rule = {f["rule_id"]: f for f in report["findings"] if f["resource_kind"] == "account"}
    for rule in ("CT602", "CT603"):
        assert by_rule[rule]["status"] == "UNKNOWN", by_rule[rule]
        assert "eu-west-1" in by_rule[rule]["message"] and "DescribeTrails" in by_rule[rule]["message"]
    # The trail that was read is still judged on what was read.
    assert any(f["rule_id"] == "CT101" and f["status"] == "PASS" for f in report["findings"])


def test_everything_read_is_complete(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    rc, report, err = _audit(capsys)
    assert rc in (0, 1), err
    assert report["complete"] is True and "incomplete" not in report
    assert f"{ACCOUNT}  " in err and "(account, not read)" not in err
