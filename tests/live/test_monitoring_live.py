"""Area E over HTTP: the CIS 4.3 root-usage chain (trail -> log group -> metric filter -> alarm ->
topic -> subscription) read from moto; CT503 passes whole and fails naming the missing link."""

from __future__ import annotations

import json
from typing import Any

import pytest
from estate import Estate

from ctguard.cli import main


def _ct503(capsys: Any) -> dict[str, Any]:
    rc = main(["audit", "--region", "us-east-1", "--max-attempts", "2", "--no-config", "-f", "json"])
    out = capsys.readouterr()
    assert rc in (0, 1), out.err
    [finding] = [f for f in json.loads(out.out)["findings"] if f["rule_id"] == "CT503"]
    return finding


def _unsubscribe(estate: Estate) -> None:
    sns = estate.client("sns")
    for subscription in sns.list_subscriptions()["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])


def _delete_alarm(estate: Estate) -> None:
    estate.client("cloudwatch").delete_alarms(AlarmNames=["root-usage"])


def test_the_whole_root_usage_chain_passes(proxy, moto_server, capsys) -> None:
    # full_trail: multi-region, logging, CloudWatch Logs delivery; the log group carries the CIS 4.3
    # filter, an alarm (Sum >= 1 over 300 s) on its metric notifies a topic with one subscription.
    Estate(moto_server).full_trail()
    finding = _ct503(capsys)
    assert finding["status"] == "PASS", finding["message"]
    for link in (
        "/cloudtrail/org-audit-trail",
        "metric filter root-usage",
        "alarm root-usage",
        "org-audit-trail-alerts",
        "1 subscription",
    ):
        assert link in finding["message"], finding["message"]


@pytest.mark.parametrize(
    "breaking, link",
    [
        (_unsubscribe, "topic org-audit-trail-alerts has no subscription"),
        (_delete_alarm, "metric CISBenchmark/RootUsage has no alarm"),
    ],
    ids=["no-subscription", "no-alarm"],
)
def test_a_broken_link_fails_naming_that_link(proxy, moto_server, capsys, breaking: Any, link: str) -> None:
    estate = Estate(moto_server)
    estate.full_trail()
    breaking(estate)
    finding = _ct503(capsys)
    assert finding["status"] == "FAIL", finding["message"]
    assert finding["message"].endswith(link), finding["message"]


def test_markdown_audit_report_has_the_summary_table(proxy, moto_server, capsys) -> None:
    Estate(moto_server).full_trail()
    rc = main(["audit", "--region", "us-east-1", "--max-attempts", "2", "--no-config", "-f", "markdown"])
    out = capsys.readouterr().out
    assert rc in (0, 1)
    table = out[out.index("## Accounts, regions and trails") :].split("\n\n")[1].splitlines()
    assert table[2].startswith("| `123456789012` | — | `(account)` |")
    assert table[3].startswith("| `123456789012` | `us-east-1` | `org-audit-trail` |")
