"""Organization audits: member accounts through an assumed role, per-account results and failures."""

from __future__ import annotations

from typing import Any

from estate import ACCOUNT, Estate

from ctguard.audit.errors import failed_reads
from ctguard.audit.run import AuditRequest, run_audit
from ctguard.audit.session import ClientOptions

ROLE = "OrganizationAccountAccessRole"


def _organization(endpoint: str, members: int) -> tuple[Estate, list[Estate]]:
    management = Estate(endpoint)
    org = management.client("organizations")
    org.create_organization(FeatureSet="ALL")
    estates = []
    for i in range(members):
        status = org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")["CreateAccountStatus"]
        account = status["AccountId"]
        creds = management.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="estate"
        )["Credentials"]
        estates.append(
            Estate(
                endpoint,
                {
                    "aws_access_key_id": creds["AccessKeyId"],
                    "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"],
                },
                account,
            )
        )
    return management, estates


def _audit(**kwargs: Any) -> Any:
    return run_audit(
        AuditRequest(regions=["us-east-1"], org=True, role_name=ROLE, client=ClientOptions(max_attempts=2), **kwargs)
    )


def test_every_member_is_audited_with_its_own_identity(proxy, moto_server) -> None:
    management, members = _organization(moto_server, 3)
    bucket = management.bucket(f"org-logs-{ACCOUNT}")
    org_trail = management.trail("organization-trail", bucket, IsMultiRegionTrail=True, IsOrganizationTrail=True)
    local = members[0].trail("member-trail", members[0].bucket(f"member-logs-{members[0].account}"))
    outcome = _audit()
    store = outcome.store
    accounts = sorted([ACCOUNT] + [m.account for m in members])
    assert store.accounts() == accounts
    assert [r.account for r in outcome.accounts] == accounts
    assert store.get(ACCOUNT, "us-east-1", "organizations", "ListAccounts", {}).ok
    for account in accounts:
        identity = store.get(account, "us-east-1", "sts", "GetCallerIdentity", {}).response
        assert identity["Account"] == account
        assert store.get(account, "us-east-1", "organizations", "DescribeOrganization", {}).ok
    trails = {r.account: r.trails for r in outcome.accounts}
    assert trails[ACCOUNT] == 1 and trails[members[0].account] == 1
    assert store.get(ACCOUNT, "us-east-1", "cloudtrail", "GetTrailStatus", {"Name": org_trail}).ok
    assert store.get(members[0].account, "us-east-1", "cloudtrail", "GetEventSelectors", {"TrailName": local}).ok
    assert store.get(ACCOUNT, "us-east-1", "cloudtrail", "GetEventSelectors", {"TrailName": local}) is None
    assert not outcome.incomplete, list(failed_reads(store))
    assert store.meta["organization"] is True and store.meta["accounts"] == accounts


def test_a_member_that_cannot_be_reached_or_read_does_not_stop_the_others(proxy, moto_server) -> None:
    _, members = _organization(moto_server, 3)
    blocked, partial, fine = members
    partial_bucket = partial.bucket(f"central-logs-{partial.account}")
    partial_trail = partial.trail("member-trail", partial_bucket)
    fine.trail("member-trail", fine.bucket(f"member-logs-{fine.account}"))
    proxy.add("AssumeRole", "denied", body_contains=f"arn:aws:iam::{blocked.account}:role/{ROLE}")
    # As for a trail whose bucket lives in a log-archive account: every bucket read is refused.
    for operation in ("GetBucketLocation", "GetBucketPolicy", "GetBucketAcl", "GetBucketVersioning"):
        proxy.add(operation, "denied", path_contains=partial_bucket)
    outcome = _audit()
    store = outcome.store
    results = {r.account: r for r in outcome.accounts}
    assert results[blocked.account].error is not None and "AccessDenied" in results[blocked.account].error
    denied = store.get(
        blocked.account,
        "us-east-1",
        "sts",
        "AssumeRole",
        {"RoleArn": f"arn:aws:iam::{blocked.account}:role/{ROLE}", "RoleSessionName": "ctguard-audit"},
    )
    assert denied.error.code == "AccessDenied"
    assert [k[2:4] for k, _ in store.calls() if k[0] == blocked.account] == [("sts", "AssumeRole")]
    # The partly readable member: its trail is read, the refused bucket reads are recorded as such.
    assert store.get(partial.account, "us-east-1", "cloudtrail", "GetTrailStatus", {"Name": partial_trail}).ok
    refused = sorted(k[3] for k, e in failed_reads(store) if k[0] == partial.account)
    assert refused == ["GetBucketAcl", "GetBucketLocation", "GetBucketPolicy", "GetBucketVersioning"]
    assert store.get(partial.account, None, "s3", "GetBucketLogging", {"Bucket": partial_bucket}).ok
    assert results[fine.account].failed == 0 and results[fine.account].trails == 1
    assert outcome.incomplete


def test_outside_an_organization_only_the_caller_is_audited(proxy, moto_server, capsys) -> None:
    from ctguard.cli import main

    Estate(moto_server).full_trail()
    # AWS answers ListAccounts outside an organization with this error; moto lists no accounts.
    proxy.add("ListAccounts", "error", code="AWSOrganizationsNotInUseException")
    rc = main(["audit", "--region", "us-east-1", "--org", "--role-name", ROLE, "-f", "json"])
    err = capsys.readouterr().err
    assert rc in (0, 1), err
    assert f"audited {ACCOUNT} only" in err and "AWSOrganizationsNotInUseException" in err


def test_an_organization_trail_is_read_once_and_members_are_judged_by_it(proxy, moto_server, capsys) -> None:
    """Issue 16, bullet 3: members see the organization trail (the shim in estate.py), never read its chain."""
    import json

    from ctguard.cli import main

    management, members = _organization(moto_server, 3)
    org_trail = management.full_trail("organization-trail", IsOrganizationTrail=True)
    proxy.add(
        "DescribeTrails",
        "append",
        access_key_not="testing",
        body={"trailList": [management.organization_trail_as_members_see_it(org_trail)]},
    )
    rc = main(
        ["audit", "--region", "us-east-1,eu-west-1", "--org", "--role-name", ROLE, "--max-attempts", "1", "-f", "json"]
    )
    out = capsys.readouterr()
    assert rc in (0, 1), out.err
    report = json.loads(out.out)
    assert report["complete"] is True and "read failed" not in out.err and "reads failed" not in out.err
    # Members asked for nothing of the trail or its chain (status, bucket, key, log group, role, topic).
    member_keys = {s.access_key for s in proxy.seen if s.access_key not in ("", "testing")}
    assert len(member_keys) >= len(members)
    asked = {(s.service, s.operation) for s in proxy.seen if s.access_key in member_keys}
    chain = {
        ("cloudtrail", "GetTrailStatus"),
        ("cloudtrail", "GetEventSelectors"),
        ("s3", "GetBucketPolicy"),
        ("kms", "DescribeKey"),
        ("logs", "DescribeMetricFilters"),
        ("iam", "GetRole"),
        ("sns", "GetTopicAttributes"),
    }
    assert not asked & chain, asked & chain
    # ...and are judged against the management account's reading of it.
    by_account: dict[str, dict[str, str]] = {}
    for f in report["findings"]:
        if f["resource_kind"] == "account":
            by_account.setdefault(f["resource"], {})[f["rule_id"]] = f["status"]
    for member in members:
        mine = by_account[member.account]
        assert mine["CT601"] == "PASS" and mine["CT605"] == "PASS", mine
        assert mine["CT503"] == by_account[ACCOUNT]["CT503"] == "PASS", (mine["CT503"], by_account[ACCOUNT]["CT503"])
    # The summary lists the organization trail once, under the account that owns it.
    assert out.err.count("organization-trail") == 1
