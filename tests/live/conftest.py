"""A moto server (once per session) behind the fault proxy, reset between tests.

Every live test talks HTTP to 127.0.0.1 only: boto3 finds the proxy through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto.server")
pytest.importorskip("flask_cors")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_proxy import FaultProxy

_real_getaddrinfo = socket.getaddrinfo


def _local_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # S3 Control prefixes the account id to the endpoint host (123456789012.127.0.0.1); there is no
    # DNS for that, so send it to the proxy too. moto reads the account from the Host header.
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    # EC2's default AMIs take seconds to load after every reset; the audit only asks for regions.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # Warm moto's EC2 (a multi-second import on first use) once, not inside the first test's timing.
    urllib.request.urlopen(
        urllib.request.Request(
            f"http://{host}:{port}/?Action=DescribeRegions&Version=2016-11-15",
            headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request"},
        ),
        timeout=60,
    ).read()
    socket.getaddrinfo = _local_getaddrinfo
    try:
        yield f"http://{host}:{port}"
    finally:
        socket.getaddrinfo = _real_getaddrinfo
        server.stop()


@pytest.fixture(scope="session")
def _proxy(moto_server: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_server).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(_proxy: FaultProxy, moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FaultProxy:
    """The proxy with no rules, in front of a freshly reset moto, and an AWS environment that uses it."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10).read()
    _proxy.reset()
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "MOTO_ACCOUNT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", _proxy.url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # moto does not implement CloudTrail Lake: answer "no event data stores" as an account without any would.
    _proxy.add("ListEventDataStores", "stub", body={"EventDataStores": []})
    return _proxy
