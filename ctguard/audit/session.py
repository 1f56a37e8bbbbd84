"""boto3 sessions and clients for an audit: credential chain, retries, timeouts, endpoints.

boto3 is the optional extra ``aws``; nothing here imports it at module level so that the rest
of ctguard works without it. Endpoints come from botocore's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``, ``endpoint_url`` in the config file), so
they are honoured without ctguard doing anything.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

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
        return Config(retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
                      connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                      max_pool_connections=self.max_pool_connections, user_agent_extra=USER_AGENT)


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


def derived_session(base: Any, credentials: Any) -> Any:
    """A session for another account that shares ``base``'s loaded service models.

    Loading the models again per account costs ~50 ms per service; sharing the loader (read-only
    after the first load) keeps 50-account audits cheap.
    """
    import boto3
    import botocore.session

    # The profile still supplies endpoint and region settings; the credentials are replaced.
    profile = base.profile_name if base.profile_name != "default" else None
    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", _loader())
    core._credentials = credentials
    return boto3.Session(botocore_session=core)


class Clients:
    """Thread-safe cache of one account's clients, keyed by (service, region).

    boto3 sessions are not thread-safe but the clients they make are, so creation happens under
    a lock and the clients are then shared by the account's worker threads.
    """

    def __init__(self, session: Any, options: ClientOptions) -> None:
        self._session = session
        self._config = options.config()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._session.client(service, region_name=region, config=self._config)
                    self._clients[key] = client
        return client


def refreshable_credentials(fetch: Callable[[], dict[str, Any]]) -> Any:
    """Credentials that renew themselves through ``fetch`` (an AssumeRole call) before expiry."""
    from botocore.credentials import RefreshableCredentials

    def metadata() -> dict[str, Any]:
        creds = fetch()
        expiry = creds["Expiration"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry)}

    return RefreshableCredentials.create_from_metadata(metadata(), refresh_using=metadata,
                                                       method="sts-assume-role")
