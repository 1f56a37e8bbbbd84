"""boto3 sessions and clients for an audit: credential chain, retries, timeouts, endpoints.

boto3 is the optional extra ``aws``; nothing here imports it at module level so that the rest
of ctguard works without it. Endpoints come from botocore's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``, ``endpoint_url`` in the config file), so
they are honoured without ctguard doing anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_ATTEMPTS = 5
USER_AGENT = "ctguard-audit"


class MissingBoto3(RuntimeError):
    pass


def require_boto3() -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise MissingBoto3("ctguard audit needs boto3: pip install 'ctguard[aws]'") from None


@dataclass(frozen=True, slots=True)
class ClientOptions:
    retry_mode: str = "standard"  # standard | adaptive (botocore's modes)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_pool_connections: int = 20

    def config(self) -> Any:
        from botocore.config import Config

        # total_max_attempts counts the first try, like AWS_MAX_ATTEMPTS (Config's max_attempts does not).
        return Config(
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=self.max_pool_connections,
            user_agent_extra=USER_AGENT,
        )


_loader_lock = threading.Lock()
_shared_loader: Any = None


def _loader() -> Any:
    """One botocore data loader per process: service models are parsed once, not per session."""
    global _shared_loader
    with _loader_lock:
        if _shared_loader is None:
            import botocore.session

            _shared_loader = botocore.session.Session().get_component("data_loader")
        return _shared_loader


def base_session(profile: str | None = None) -> Any:
    """The standard credential chain: --profile, else environment, config files, instance role."""
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", _loader())
    return boto3.Session(botocore_session=core)


_signing = threading.local()


def _sign_as(request: Any, **_: Any) -> None:
    """botocore ``before-sign`` hook: sign with the credentials bound to this thread, if any."""
    credentials = getattr(_signing, "credentials", None)
    if credentials is not None:
        request.context.setdefault("signing", {})["request_credentials"] = credentials


class SharedClients:
    """One client per (service, region) for the whole audit, shared by every account.

    Creating a botocore client costs ~10 ms of CPU; an organization audit would otherwise make
    hundreds of them. Each account's calls are signed with that account's credentials through
    botocore's per-request signing credentials (``request.context["signing"]``); the collector
    checks with sts:GetCallerIdentity that the switch took effect before reading anything else.
    Clients are thread-safe; creation happens under a lock because sessions are not.
    """

    def __init__(self, session: Any, options: ClientOptions, max_in_flight: int | None = None) -> None:
        self._session = session
        self._config = options.config()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        # --max-workers: a hard cap on requests in flight, whatever the number of threads.
        self._slots = threading.BoundedSemaphore(max(1, max_in_flight or options.max_pool_connections))
        self.cancel = threading.Event()  # set on Ctrl-C: no new request starts

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One request in flight (retries and pages of one call run in the same slot)."""
        from ctguard.audit.threads import Cancelled

        while not self._slots.acquire(timeout=0.05):
            if self.cancel.is_set():
                raise Cancelled()
        try:
            if self.cancel.is_set():
                raise Cancelled()
            yield
        finally:
            self._slots.release()

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._session.client(service, region_name=region, config=self._config)
                    client.meta.events.register("before-sign", _sign_as)
                    from ctguard.audit.answers import check_answer

                    client.meta.events.register("before-parse", check_answer)
                    self._clients[key] = client
        return client


class Clients:
    """One account's view of the shared clients: its calls are signed with its credentials."""

    def __init__(self, shared: SharedClients, credentials: Any = None) -> None:
        self.shared = shared
        self.credentials = credentials  # None: the session's own (the caller's account)

    def get(self, service: str, region: str) -> Any:
        return self.shared.get(service, region)

    @contextmanager
    def signing(self) -> Iterator[None]:
        previous = getattr(_signing, "credentials", None)
        _signing.credentials = self.credentials
        try:
            yield
        finally:
            _signing.credentials = previous


def refreshable_credentials(fetch: Callable[[], dict[str, Any]]) -> Any:
    """Credentials that renew themselves through ``fetch`` (an AssumeRole call) before expiry."""
    from botocore.credentials import RefreshableCredentials

    def metadata() -> dict[str, Any]:
        creds = fetch()
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    return RefreshableCredentials.create_from_metadata(metadata(), refresh_using=metadata, method="sts-assume-role")
