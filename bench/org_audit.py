#!/usr/bin/env python3
"""Organization audit speed: 50 accounts x 4 regions on a local moto server, 50 ms added per call.

Every API call goes through the fault proxy of the live tests, which adds the latency. The
baseline is sequential time: the sum of the per-call latencies (calls x 50 ms), i.e. what the
same audit would cost one call after another. The management account owns an organization trail
with its whole chain, which members see (the DescribeTrails shim of tests/live/estate.py) but do
not read: the audit must end complete (exit 0 or 1). Requests per account are printed. Target (issue 4): wall time at least 8x faster,
and no throttling error surfaced.
Usage: python bench/org_audit.py [--accounts N] [--latency SECONDS] [--max-workers N]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "live")]

REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]
ROLE = "OrganizationAccountAccessRole"


def _moto(conn) -> None:
    """Child process: the moto server."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    conn.send(f"http://{host}:{port}")
    _serve_commands(conn, None, 0.0)
    server.stop()


def _proxy(conn, upstream: str, latency: float) -> None:
    """Child process: the fault proxy (adds the latency), apart from moto so neither waits on the other's GIL."""
    from fault_proxy import FaultProxy

    proxy = FaultProxy(upstream).start()
    proxy.add("ListEventDataStores", "stub", body={"EventDataStores": []})  # moto lacks CloudTrail Lake
    conn.send(proxy.url)
    _serve_commands(conn, proxy, latency)
    proxy.stop()


def _serve_commands(conn, proxy, latency: float) -> None:
    while True:
        command = conn.recv()
        if command == "latency" and proxy is not None:
            proxy.latency = latency
            conn.send(None)
        elif command == "upstream" and proxy is not None:
            conn.send(dict(proxy.upstream_seconds))
        elif command == "seen":
            conn.send(([(s.service, s.operation) for s in proxy.seen] if proxy else [], time.process_time()))
        elif command == "keys" and proxy is not None:
            conn.send([s.access_key for s in proxy.seen])
        elif isinstance(command, tuple) and command[0] == "append" and proxy is not None:
            # The organization trail shim (tests/live/estate.py): members see it in DescribeTrails.
            proxy.add("DescribeTrails", "append", access_key_not="testing", body={"trailList": [command[1]]})
            conn.send(None)
        else:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--max-workers", type=int, default=48)
    parser.add_argument(
        "--measure-sequential",
        action="store_true",
        help="also run the audit one call at a time (about a minute) and compare",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows for bench/run")
    args = parser.parse_args()
    import multiprocessing

    from estate import Estate

    from ctguard.audit.errors import failed_reads
    from ctguard.audit.run import AuditRequest, run_audit

    spawn = multiprocessing.get_context("spawn")
    moto_conn, child = multiprocessing.Pipe()
    processes = [spawn.Process(target=_moto, args=(child,), daemon=True)]
    processes[0].start()
    moto = moto_conn.recv()
    parent, child = multiprocessing.Pipe()
    processes.append(spawn.Process(target=_proxy, args=(child, moto, args.latency), daemon=True))
    processes[1].start()
    proxy_url = parent.recv()
    real = socket.getaddrinfo
    # S3 Control puts the account id in front of the endpoint host; send that to the proxy too.
    socket.getaddrinfo = lambda h, *a, **k: real(
        "127.0.0.1" if isinstance(h, str) and h.endswith(".127.0.0.1") else h, *a, **k
    )
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=proxy_url,
    )
    try:
        setup = time.perf_counter()
        members, shown = _organization(Estate(moto), args.accounts - 1)
        parent.send(("append", shown))
        parent.recv()
        print(f"setup: {args.accounts} accounts, {len(members)} with a trail, {time.perf_counter() - setup:.1f} s")
        server_cpu = _cpu(parent) + _cpu(moto_conn)
        parent.send("latency")
        parent.recv()
        start = time.perf_counter()
        cpu = time.process_time()
        outcome = run_audit(AuditRequest(regions=REGIONS, org=True, role_name=ROLE, max_workers=args.max_workers))
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        parent.send("seen")
        seen, _ = parent.recv()
        parent.send("keys")
        keys = parent.recv()
        server_cpu = _cpu(parent) + _cpu(moto_conn) - server_cpu
        measured = None
        if args.measure_sequential:
            start = time.perf_counter()
            run_audit(AuditRequest(regions=REGIONS, org=True, role_name=ROLE, max_workers=1, account_workers=1))
            measured = time.perf_counter() - start
    finally:
        for conn, process in zip((moto_conn, parent), processes, strict=False):
            conn.send("stop")
            process.join(10)
    calls = len(seen)
    sequential = calls * args.latency
    failed = list(failed_reads(outcome.store))
    throttled = [k for k, e in failed if "throttl" in e.code.lower() or e.code in ("SlowDown", "RequestLimitExceeded")]
    print(
        f"accounts audited: {len(outcome.accounts)}  regions: {len(REGIONS)}  calls: {calls} "
        f"(recorded {len(outcome.store)})"
    )
    print(f"sequential (calls x {args.latency * 1000:.0f} ms): {sequential:.2f} s")
    print(
        f"wall time: {wall:.2f} s (CPU: auditor {cpu:.2f} s, moto and proxy {server_cpu:.2f} s)   speed-up: {sequential / wall:.1f}x (target >= 8x)"
    )
    if measured is not None:
        print(f"measured one call at a time: {measured:.2f} s   speed-up: {measured / wall:.1f}x")
    print(f"failed reads: {len(failed)}  throttling errors surfaced: {len(throttled)}")
    per_key = Counter(keys)
    management = per_key.pop("testing", 0)
    members = sorted(per_key.values())
    if members:
        print(
            f"requests per account: management {management}, members min {members[0]} / median "
            f"{members[len(members) // 2]} / max {members[-1]} ({len(members)} member credentials)"
        )
    print(f"audit complete: {not failed}")
    _rows(args, wall, sequential, measured, throttled)
    return 0 if sequential / wall >= 8 and not throttled and not failed else 1


def _rows(
    args: argparse.Namespace, wall: float, sequential: float, measured: float | None, throttled: list[object]
) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import Row, write_rows

    name = f"organization audit ({args.accounts} accounts x {len(REGIONS)} regions, {args.latency * 1000:.0f} ms/call)"
    rows = [
        Row(
            name,
            "audit wall time",
            wall,
            "s",
            "sum of per-call latencies (sequential)",
            sequential,
            "sequential / wall >= 8, no throttling surfaced",
            sequential / wall >= 8 and not throttled,
        )
    ]
    if measured is not None:
        rows.append(Row(name, "audit wall time", wall, "s", "measured one call at a time", measured, "", None))
    write_rows(args.json, rows)


def _cpu(conn) -> float:
    conn.send("seen")
    return float(conn.recv()[1])


def _organization(management, members: int) -> tuple[list[str], dict]:
    """An organization trail with its whole chain in the management account, and a trail in every
    third member; also the organization trail's entry as members see it (the shim in estate.py)."""
    from estate import Estate

    org = management.client("organizations")
    org.create_organization(FeatureSet="ALL")
    arn = management.full_trail("organization-trail", IsOrganizationTrail=True)
    shown = management.organization_trail_as_members_see_it(arn)
    with_trail = [management.account]
    sts = management.client("sts")
    _warm(management)
    for i in range(members):
        account = org.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")["CreateAccountStatus"]["AccountId"]
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
        member = Estate(
            management.endpoint,
            {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            },
            account,
        )
        _warm(member)
        if i % 3 == 0:
            region = REGIONS[i % len(REGIONS)]
            member.trail(f"member-trail-{i}", member.bucket(f"member-logs-{account}", region), region)
            with_trail.append(account)
    return with_trail, shown


def _warm(estate) -> None:
    """Create moto's per-account backends now (EC2's builds default VPCs: ~0.3 s of CPU per account).

    Real AWS has no such first-call cost; left in, it would be measured as part of the audit.
    """
    estate.client("ec2").describe_regions(AllRegions=True)
    estate.client("organizations").describe_organization()
    s3control = estate.client("s3control")
    # The backend exists after this call, which is all it is for.
    with contextlib.suppress(s3control.exceptions.NoSuchPublicAccessBlockConfiguration):
        s3control.get_public_access_block(AccountId=estate.account)


if __name__ == "__main__":
    sys.exit(main())
