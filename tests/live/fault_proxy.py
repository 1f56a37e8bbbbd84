"""A local HTTP proxy in front of the moto server that injects AWS faults and latency.

Point boto3 at the proxy (``AWS_ENDPOINT_URL``); it forwards every request to moto unless a
rule matches, in which case it answers with throttling, AccessDenied, a 500, a stub answer, drops
the connection (``reset``), forwards after a delay, or forwards and lies about the answer with
HTTP 200: cut in half (``truncate``), one member of the wrong type (``retype``), one member left out
(``drop``), or items added to a list (``append``: the organization trail shim, see estate.py). Operations are recognised the way AWS routes them: the
``X-Amz-Target`` header (JSON protocols), the ``Action=`` parameter (query protocols), the
``/operation/<Op>`` path (CBOR), or the sub-resource query of an S3 GET (``?policy``).
Service and region come from the SigV4 credential scope.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

S3_GET_SUBRESOURCES = {
    "location": "GetBucketLocation",
    "policy": "GetBucketPolicy",
    "policyStatus": "GetBucketPolicyStatus",
    "acl": "GetBucketAcl",
    "publicAccessBlock": "GetPublicAccessBlock",
    "versioning": "GetBucketVersioning",
    "object-lock": "GetObjectLockConfiguration",
    "logging": "GetBucketLogging",
    "lifecycle": "GetBucketLifecycleConfiguration",
    "encryption": "GetBucketEncryption",
}
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

FAULTS = (
    "throttle",
    "denied",
    "500",
    "delay",
    "stub",
    "timeout",
    "error",
    "reset",
    "truncate",
    "retype",
    "drop",
    "append",
)
# Faults that forward the request and then lie about the answer (HTTP 200, a damaged body).
LIES = ("truncate", "retype", "drop", "append")


@dataclass
class Rule:
    operation: str  # API operation name, e.g. "DescribeTrails", "GetBucketPolicy"
    fault: str  # one of FAULTS
    service: str | None = None  # SigV4 signing name ("cloudtrail", "s3", "s3"...); None: any
    region: str | None = None
    path_contains: str | None = None  # e.g. a bucket name
    body_contains: str | None = None  # e.g. a role ARN in an AssumeRole request
    times: int | None = None  # affect only the first N matching requests
    delay: float = 0.0  # for "delay" and "timeout"
    body: Any = None  # for "stub": the JSON answer; for "append": {list member: [items to add]}
    member: str = ""  # for "retype" and "drop": the member of the answer (JSON key or XML element) to damage;
    # "drop" of a JSON answer takes several, comma-separated
    access_key_not: str | None = None  # only requests signed with another access key (a member's credentials)
    code: str = ""  # for "error": the AWS error code (answered with HTTP 400)
    hits: int = field(default=0, init=False)


@dataclass(frozen=True)
class Seen:
    service: str
    region: str
    operation: str
    path: str
    body: bytes = b""
    access_key: str = ""


class FaultProxy:
    def __init__(self, upstream: str, latency: float = 0.0) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.latency = latency
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.upstream_seconds: dict[str, float] = {}  # operation -> time moto took, summed
        self.keep: set[str] = set()  # operations whose answers are kept in ``answers`` (secret-leak tests)
        self.answers: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                try:
                    proxy._serve(self)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, operation: str, fault: str, **kwargs: Any) -> Rule:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        rule = Rule(operation, fault, **kwargs)
        with self.lock:
            self.rules.append(rule)
        return rule

    def reset(self) -> None:
        with self.lock:
            self.rules.clear()
            self.seen.clear()
            self.keep.clear()
            self.answers.clear()
            self.upstream_seconds.clear()

    def count(self, operation: str, service: str | None = None) -> int:
        with self.lock:
            return sum(1 for s in self.seen if s.operation == operation and (service is None or s.service == service))

    # --- request handling ------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(handler)
        seen = self._identify(handler, body)
        with self.lock:
            self.seen.append(seen)
            rule = next((r for r in self.rules if _matches(r, seen)), None)
            if rule is not None:
                rule.hits += 1
        if self.latency:
            time.sleep(self.latency)
        if rule is not None and rule.fault in ("delay", "timeout"):
            time.sleep(rule.delay)
        if rule is not None and rule.fault == "reset":
            # The connection is reset (RST, no answer), as by a load balancer or a NAT timing out.
            handler.close_connection = True
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            return
        if rule is not None and rule.fault in LIES:
            status, headers, data = self._upstream(handler, body)
            self._send(handler, status, headers, _lie(rule, data) if 200 <= status < 300 else data)
            return
        if rule is None and seen.operation in self.keep:
            status, headers, data = self._upstream(handler, body)
            with self.lock:
                self.answers.append((seen.operation, data))
            self._send(handler, status, headers, data)
            return
        if rule is None or rule.fault in ("delay", "timeout"):
            started = time.perf_counter()
            self._forward(handler, body)
            with self.lock:
                key = f"{seen.service}:{seen.operation}"
                self.upstream_seconds[key] = self.upstream_seconds.get(key, 0.0) + time.perf_counter() - started
        else:
            self._fault(handler, rule, seen, body)

    def _identify(self, handler: BaseHTTPRequestHandler, body: bytes) -> Seen:
        scope = _SCOPE.search(handler.headers.get("Authorization", ""))
        service, region = (scope.group(3), scope.group(2)) if scope else ("", "")
        access_key = scope.group(1) if scope else ""
        split = urllib.parse.urlsplit(handler.path)
        target = handler.headers.get("X-Amz-Target")
        operation = ""
        if target:
            operation = target.rsplit(".", 1)[-1]
        elif "/operation/" in split.path:
            operation = split.path.rsplit("/operation/", 1)[-1]
        else:
            params = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            if "Action" not in params and body and b"Action=" in body[:200]:
                params = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if "Action" in params:
                operation = params["Action"][0]
            elif handler.command == "GET" and "/configuration/publicAccessBlock" in split.path:
                operation = "GetPublicAccessBlock"
            elif handler.command == "GET" and service == "s3" and split.path in ("", "/"):
                operation = "ListBuckets"  # GET of the service root (path-style, no bucket)
            elif handler.command == "GET":
                operation = next((op for key, op in S3_GET_SUBRESOURCES.items() if key in params), "")
        return Seen(service, region, operation, split.path, body, access_key)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        self._send(handler, *self._upstream(handler, body))

    def _upstream(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("transfer-encoding", "connection")}
        headers["Content-Length"] = str(len(body))
        try:
            conn.request(handler.command, handler.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            out = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")
            ]
        finally:
            conn.close()
        return status, out, data

    def _fault(self, handler: BaseHTTPRequestHandler, rule: Rule, seen: Seen, body: bytes) -> None:
        json_protocol = bool(handler.headers.get("X-Amz-Target"))
        if rule.fault == "stub":
            data = json.dumps(rule.body or {}).encode()
            self._send(handler, 200, [("Content-Type", "application/x-amz-json-1.1")], data)
            return
        status, code, message = {
            "throttle": (400, "ThrottlingException" if json_protocol else "Throttling", "Rate exceeded"),
            "denied": (
                403,
                "AccessDeniedException" if json_protocol else "AccessDenied",
                f"User is not authorized to perform: {seen.service}:{seen.operation}",
            ),
            "500": (500, "InternalFailure" if json_protocol else "InternalError", "We encountered an internal error"),
            "error": (400, rule.code, f"{rule.code} (fault proxy)"),
        }[rule.fault]
        if seen.service == "s3" and rule.fault == "throttle":
            status, code = 503, "SlowDown"
        if json_protocol:
            data = json.dumps({"__type": code, "message": message}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
        elif seen.service in ("s3",):
            data = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
            ).encode()
            headers = [("Content-Type", "application/xml")]
        else:
            data = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
            ).encode()
            headers = [("Content-Type", "text/xml")]
        self._send(handler, status, headers, data)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)


def _lie(rule: Rule, data: bytes) -> bytes:
    """The answer damaged as a broken middlebox or a cut connection would leave it, still HTTP 200."""
    if rule.fault == "truncate":
        return data[: max(1, len(data) // 2)]
    text = data.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):  # JSON protocols
        answer = json.loads(text)
        if rule.fault == "drop":
            for member in rule.member.split(","):
                answer.pop(member, None)
        elif rule.fault == "retype":
            value = answer.get(rule.member)
            answer[rule.member] = "garbled" if not isinstance(value, str) else ["garbled"]
        else:
            for key, items in (rule.body or {}).items():
                answer[key] = list(answer.get(key) or []) + list(items)
        return json.dumps(answer).encode()
    element = re.compile(rf"<{rule.member}>.*?</{rule.member}>|<{rule.member}\s*/>", re.S)
    if rule.fault == "drop":
        return element.sub("", text).encode()
    # An XML member of the wrong type: a word where a boolean, number or list belongs.
    return element.sub(f"<{rule.member}>garbled</{rule.member}>", text).encode()


def _matches(rule: Rule, seen: Seen) -> bool:
    if rule.operation != seen.operation:
        return False
    if rule.access_key_not is not None and seen.access_key in ("", rule.access_key_not):
        return False
    if rule.service is not None and rule.service != seen.service:
        return False
    if rule.region is not None and rule.region != seen.region:
        return False
    if rule.path_contains is not None and rule.path_contains not in seen.path:
        return False
    if rule.body_contains is not None and rule.body_contains not in urllib.parse.unquote_plus(
        seen.body.decode("utf-8", "replace")
    ):
        return False
    return rule.times is None or rule.hits < rule.times


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    chunks = []
    while True:
        size = int(handler.rfile.readline().strip() or b"0", 16)
        if size == 0:
            handler.rfile.readline()
            return b"".join(chunks)
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()
