"""Ctrl-C, output paths, the in-flight cap and incomplete snapshots (issue 16, bullets 5 and 6)."""

from __future__ import annotations

import _thread
import json
import logging
import os
import stat
import threading
import time
from pathlib import Path

from estate import ACCOUNT, Estate

from ctguard.cli import main

REGIONS = ["--region", "us-east-1,eu-west-1", "--max-attempts", "1"]


class InFlight:
    """Counts requests the proxy holds at the same time: from receipt until it starts answering.

    (Counting until its handler returns would overlap the client's next request with the end of
    the previous handler: a request the client already has its answer to is not in flight.)"""

    def __init__(self, proxy) -> None:  # type: ignore[no-untyped-def]
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()
        self.held = threading.local()
        serve, send = proxy._serve, proxy._send

        def release() -> None:
            if getattr(self.held, "on", False):
                self.held.on = False
                with self.lock:
                    self.now -= 1

        def counted_serve(handler) -> None:  # type: ignore[no-untyped-def]
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            self.held.on = True
            try:
                serve(handler)
            finally:
                release()

        def counted_send(*args) -> None:  # type: ignore[no-untyped-def]
            release()
            send(*args)

        def restore() -> None:
            del proxy._serve, proxy._send

        self.restore = restore
        proxy._serve, proxy._send = counted_serve, counted_send


def test_max_workers_is_a_hard_cap_on_requests_in_flight(proxy, moto_server, capsys, caplog) -> None:
    Estate(moto_server).full_trail()
    caplog.set_level(logging.WARNING, logger="urllib3")
    counter = InFlight(proxy)
    try:
        rc = main(["audit", "--region", "us-east-1", "--max-workers", "1", "-f", "json"])
        one = counter.most
        counter.most = 0
        proxy.latency = 0.05  # holds each request long enough for the others to pile up
        rc3 = main(["audit", "--region", "us-east-1", "--max-workers", "3", "-f", "json"])
        three = counter.most
    finally:
        counter.restore()
        proxy.latency = 0.0
    err = capsys.readouterr().err
    assert rc in (0, 1) and rc3 in (0, 1), err
    assert one == 1, one
    assert 1 < three <= 3, three
    # urllib3 warns when more requests run than a client's pool holds: the pool matches the cap.
    assert "Connection pool is full" not in err and "Connection pool is full" not in caplog.text


def test_ctrl_c_stops_within_two_seconds_and_saves_an_incomplete_snapshot(
    proxy, moto_server, tmp_path: Path, capsys
) -> None:
    Estate(moto_server).full_trail()
    proxy.latency = 0.3  # every read is slow: the audit would take many seconds
    save = tmp_path / "partial.json"
    pressed: list[float] = []

    def ctrl_c() -> None:
        time.sleep(1.5)
        pressed.append(time.monotonic())
        _thread.interrupt_main()

    threading.Thread(target=ctrl_c, daemon=True).start()
    try:
        rc = main(["audit", *REGIONS, "--max-workers", "2", "--save", str(save)])
        stopped = time.monotonic()
    finally:
        proxy.latency = 0.0
    err = capsys.readouterr().err
    assert rc == 130, err
    assert pressed and stopped - pressed[0] < 2.0, stopped - pressed[0]
    assert "interrupted" in err and str(save) in err
    snapshot = json.loads(save.read_text())
    assert snapshot["meta"]["complete"] is False and "interrupted" in snapshot["meta"]["interrupted"]
    assert snapshot["calls"], "what was read before Ctrl-C is kept"
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    # Offline, the interrupted snapshot is an incomplete audit: exit 3, account results UNKNOWN.
    time.sleep(0.5)  # let reads abandoned in flight end before the proxy is reset
    rc = main(["check", str(save), "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 3 and report["complete"] is False
    assert not [f for f in report["findings"] if f["resource_kind"] == "account" and f["status"] == "PASS"]


def test_unwritable_save_and_output_paths_stop_before_any_aws_call(proxy, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no-such-dir"
    for option in (
        ["--save", str(missing / "s.json")],
        ["--output", str(missing / "r.txt")],
        ["-f", f"json:{missing / 'r.json'}"],
    ):
        assert main(["audit", *REGIONS, *option]) == 2
        assert "does not exist" in capsys.readouterr().err
    assert proxy.seen == []


def test_an_incomplete_snapshot_checks_offline_as_it_audited(proxy, moto_server, tmp_path: Path, capsys) -> None:
    Estate(moto_server).full_trail()
    proxy.add("GetTrailStatus", "denied")
    save = tmp_path / "snap.json"
    save.write_text("{}")
    save.chmod(0o644)  # an existing file is narrowed to 0600 too
    rc = main(["audit", *REGIONS, "--save", str(save), "-f", "json"])
    audited = capsys.readouterr()
    assert rc == 3, audited.err
    meta = json.loads(save.read_text())["meta"]
    assert meta["complete"] is False
    assert any(ACCOUNT in r and "cloudtrail:GetTrailStatus" in r and "AccessDenied" in r for r in meta["incomplete"])
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    rc = main(["check", str(save), "-f", "json"])
    checked = capsys.readouterr()
    assert rc == 3
    assert checked.out == audited.out
    report = json.loads(checked.out)
    assert report["complete"] is False and any("GetTrailStatus" in r for r in report["incomplete"])
    assert next(f for f in report["findings"] if f["rule_id"] == "CT801")["status"] == "UNKNOWN"


def test_ctrl_c_while_members_are_listed_still_saves_an_incomplete_snapshot(
    proxy, moto_server, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Ctrl-C before the organization's members are known: the reads made so far are kept too."""
    from ctguard.audit import run as audit_run

    Estate(moto_server).full_trail()
    listed = audit_run.member_accounts

    def interrupted_listing(reader, region):  # type: ignore[no-untyped-def]
        listed(reader, region)  # the listing's reads are made, then the user presses Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(audit_run, "member_accounts", interrupted_listing)
    save = tmp_path / "early.json"
    rc = main(["audit", *REGIONS, "--org", "--role-name", "OrganizationAccountAccessRole", "--save", str(save)])
    err = capsys.readouterr().err
    assert rc == 130, err
    assert str(save) in err
    snapshot = json.loads(save.read_text())
    assert snapshot["meta"]["complete"] is False and "interrupted" in snapshot["meta"]["interrupted"]
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
