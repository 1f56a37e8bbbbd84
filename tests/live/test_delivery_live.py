"""Area D (CT401-CT417) over HTTP: a trail wired as AWS documents it passes every delivery check,
and each broken part fails its own check, as read from moto through ``ctguard audit``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from delivery_estate import BLOCK_ALL, TRAIL, Broken, delivery_trail
from estate import ACCOUNT, Estate

from ctguard.audit.run import AuditRequest, run_audit
from ctguard.audit.session import ClientOptions
from ctguard.cli import main
from ctguard.parsers.aws.api import build_inputs

DELIVERY = [f"CT4{n:02d}" for n in range(1, 18)]


def _findings(capsys: Any) -> dict[str, dict[str, Any]]:
    """The trail-scoped findings of an audit of us-east-1, by rule id."""
    rc = main(["audit", "--region", "us-east-1", "--max-attempts", "2", "--no-config", "-f", "json"])
    out = capsys.readouterr()
    assert rc in (0, 1), out.err
    report = json.loads(out.out)
    return {f["rule_id"]: f for f in report["findings"] if f["rule_id"] in DELIVERY and f["resource_name"] == TRAIL}


def test_list_buckets_is_recorded_and_gives_owned_buckets_the_account_block(proxy, moto_server) -> None:
    estate = Estate(moto_server)
    estate.full_trail()
    estate.client("s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=BLOCK_ALL)
    outcome = run_audit(
        AuditRequest(regions=["us-east-1"], client=ClientOptions(max_attempts=2, connect_timeout=2, read_timeout=5))
    )
    listing = outcome.store.get(ACCOUNT, "us-east-1", "s3", "ListBuckets", {})
    assert listing is not None and listing.ok
    assert [b["Name"] for b in listing.response["Buckets"]] == [f"org-audit-trail-logs-{ACCOUNT}"]
    [parsed] = build_inputs(outcome.store, "<live>")
    [model] = parsed.variants
    [bucket] = model.all("bucket")
    assert bucket.owner_account_id.value == ACCOUNT
    block = bucket.account_public_access_block.value
    assert block is not None and block.restrict_public_buckets.value is True, block


def test_a_documented_trail_passes_every_delivery_check(proxy, moto_server, capsys) -> None:
    delivery_trail(Estate(moto_server))
    findings = _findings(capsys)
    assert sorted(findings) == DELIVERY
    assert {rule: f["status"] for rule, f in findings.items()} == dict.fromkeys(DELIVERY, "PASS"), {
        rule: f["message"] for rule, f in findings.items() if f["status"] != "PASS"
    }


@pytest.mark.parametrize(
    "broken, rule, words",
    [
        (Broken(public_policy=True), "CT401", "public"),
        (Broken(no_put_object=True), "CT402", "s3:PutObject"),
        (Broken(wrong_prefix=True), "CT402", "audit/AWSLogs"),
        (Broken(no_source_condition=True), "CT403", "aws:SourceArn"),
        (Broken(no_tls_deny=True), "CT404", "plain-HTTP"),
        (Broken(rotation_off=True), "CT408", "rotation"),
        (Broken(key_pending_deletion=True), "CT411", "PendingDeletion"),
        (Broken(role_without_trust=True), "CT415", "sts:AssumeRole"),
        (Broken(topic_without_cloudtrail=True), "CT416", "sns:Publish"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_broken_part_fails_its_own_check(
    proxy, moto_server, capsys, broken: Broken, rule: str, words: str
) -> None:
    delivery_trail(Estate(moto_server), broken)
    findings = _findings(capsys)
    assert findings[rule]["status"] == "FAIL", findings[rule]["message"]
    assert words.lower() in findings[rule]["message"].lower(), findings[rule]["message"]
    # The other parts were still read and judged: nothing else went UNKNOWN.
    assert not [r for r, f in findings.items() if f["status"] == "UNKNOWN"], findings


def test_the_account_block_keeps_an_owned_bucket_with_a_public_policy_private(proxy, moto_server, capsys) -> None:
    # The bucket has no block of its own; the account's (read because ListBuckets lists the bucket)
    # restricts its public policy.
    estate = Estate(moto_server)
    delivery_trail(estate, Broken(public_policy=True))
    estate.client("s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=BLOCK_ALL)
    finding = _findings(capsys)["CT401"]
    assert finding["status"] == "PASS", finding["message"]
    assert "public access block" in finding["message"], finding["message"]


def test_without_list_buckets_the_account_block_is_not_borrowed(proxy, moto_server, capsys) -> None:
    estate = Estate(moto_server)
    delivery_trail(estate, Broken(public_policy=True))
    estate.client("s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=BLOCK_ALL)
    proxy.add("ListBuckets", "denied")
    rc = main(["audit", "--region", "us-east-1", "--max-attempts", "2", "--no-config", "-f", "json"])
    out = capsys.readouterr()
    assert rc == 3, out.err
    [finding] = [f for f in json.loads(out.out)["findings"] if f["rule_id"] == "CT401"]
    # Whose bucket it is could not be read: never PASS on the account's block, never FAIL either.
    assert finding["status"] == "UNKNOWN", finding["message"]
    assert "s3:ListBuckets" in out.err
