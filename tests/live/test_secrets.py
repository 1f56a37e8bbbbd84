"""Secrets never leave the process (issue 16, bullet 4): --debug, errors, reports and snapshots are scanned."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from pathlib import Path

from estate import Estate
from test_org import ROLE, _organization

from ctguard.audit.secrets import redacted_endpoint, scrub
from ctguard.cli import main

EXTERNAL_ID = "ext-id-4f1c9e2b7a"


def _issued_credentials(proxy) -> set[str]:  # type: ignore[no-untyped-def]
    """Every key, secret and token moto handed out through AssumeRole during the audit."""
    found: set[str] = set()
    for _, body in proxy.answers:
        for tag in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
            found.update(re.findall(rf"<{tag}>([^<]+)</{tag}>", body.decode()))
    return found


def test_debug_output_errors_reports_and_snapshots_hold_no_secret(
    proxy, moto_server, tmp_path: Path, capsys, caplog, monkeypatch
) -> None:
    management, members = _organization(moto_server, 2)
    management.full_trail()
    members[0].trail("member-trail", members[0].bucket(f"member-logs-{members[0].account}"))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "caller-session-token-9d8c7b6a5f4e")
    proxy.keep.add("AssumeRole")
    proxy.add("GetBucketPolicy", "denied")  # errors are printed too
    caplog.set_level(logging.DEBUG)
    save = tmp_path / "snap.json"
    sarif = tmp_path / "audit.sarif"
    rc = main(
        [
            "--debug",
            "audit",
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
            "--org",
            "--role-name",
            ROLE,
            "--external-id",
            EXTERNAL_ID,
            "--save",
            str(save),
            "-f",
            "json",
            "-f",
            f"sarif:{sarif}",
        ]
    )
    out = capsys.readouterr()
    assert rc == 3, out.err
    secrets = _issued_credentials(proxy) | {EXTERNAL_ID, "caller-session-token-9d8c7b6a5f4e"}
    assert len(secrets) >= 2 + 3 * len(members), "the members' credentials were issued and are scanned for"
    logged = caplog.text
    # The scan is meaningful: botocore's request and response logging did run.
    assert "AssumeRole" in logged and "Response body" in logged
    for name, text in (
        ("debug log", logged),
        ("stderr", out.err),
        ("report", out.out),
        ("snapshot", save.read_text()),
        ("sarif", sarif.read_text()),
    ):
        leaked = sorted(s for s in secrets if s in text)
        if leaked:
            at = text.find(leaked[0])
            raise AssertionError(f"{name} leaks {leaked[0][:12]}: {text[max(0, at - 300) : at + 20]!r}")
        assert not re.search(r"\bASIA[A-Z0-9]{12,}", text), name
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600


def test_snapshots_keep_of_a_subscription_only_what_rules_use(proxy, moto_server, tmp_path: Path, capsys) -> None:
    estate = Estate(moto_server)
    estate.full_trail()
    topic = next(t for t in estate.client("sns").list_topics()["Topics"] if "alerts" in t["TopicArn"])["TopicArn"]
    estate.client("sns").subscribe(
        TopicArn=topic, Protocol="https", Endpoint="https://hooks.example.com/services/T000/B000/secret-token-value"
    )
    save = tmp_path / "snap.json"
    rc = main(["audit", "--region", "us-east-1", "--save", str(save), "-f", "json"])
    assert rc in (0, 1), capsys.readouterr().err
    text = save.read_text()
    assert "security@example.com" not in text and "secret-token-value" not in text
    calls = json.loads(text)["calls"]
    subs = next(c for c in calls if c["operation"] == "ListSubscriptionsByTopic")["response"]["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"]) for s in subs} == {
        ("email", "<redacted>@example.com"),
        ("https", "https://hooks.example.com/<redacted>"),
    }
    assert all("SubscriptionArn" in s for s in subs)  # confirmed (an ARN) or PendingConfirmation


def test_scrub_and_redaction_rules() -> None:
    assert "ASIA" not in scrub("Credential=ASIAY34FZKBOKMUTVV7A/20260101/us-east-1/sts/aws4_request")
    assert scrub("'X-Amz-Security-Token': b'FQoGZXIvYXdzEJr//////////wEaD'") == "'X-Amz-Security-Token': b'<redacted>'"
    assert (
        scrub("Action=AssumeRole&ExternalId=abcdef123456&Version=2011-06-15")
        == "Action=AssumeRole&ExternalId=<redacted>&Version=2011-06-15"
    )
    assert redacted_endpoint("sqs", "arn:aws:sqs:us-east-1:111122223333:q") == "arn:aws:sqs:us-east-1:111122223333:q"
    assert redacted_endpoint("sms", "+15555550100") == "<redacted>"
