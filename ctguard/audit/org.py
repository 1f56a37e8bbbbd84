"""Organizations: list the member accounts and reach each through an assumed role."""

from __future__ import annotations

from typing import Any

from ctguard.audit.errors import to_api_error
from ctguard.audit.reader import Reader
from ctguard.audit.regions import global_region, partition
from ctguard.audit.secrets import remember
from ctguard.audit.session import Clients, refreshable_credentials
from ctguard.calls import ApiError

SESSION_NAME = "ctguard-audit"


def member_accounts(reader: Reader, first_region: str) -> list[str] | None:
    """Active accounts of the organization, read from the management or delegated admin account.

    None when ListAccounts could not be read (the error is in the store).
    """
    answer = reader.call(global_region(first_region), "organizations", "ListAccounts", {})
    if answer is None:
        return None
    return sorted(a["Id"] for a in answer.get("Accounts", []) if a.get("Status", "ACTIVE") == "ACTIVE")


def role_arn(account: str, role_name: str, region: str) -> str:
    if role_name.startswith("arn:"):
        return role_name.replace("{account}", account)
    return f"arn:{partition(region)}:iam::{account}:role/{role_name}"


def assume_role(
    caller: Clients, account: str, role_name: str, region: str, external_id: str | None
) -> tuple[Any | None, ApiError | None, dict[str, Any]]:
    """Credentials in ``account`` (they renew themselves), or the AssumeRole error.

    Returns the recorded params too: the failure is stored as ``sts AssumeRole`` under the
    member account so the report says why nothing there could be read.
    """
    params: dict[str, Any] = {"RoleArn": role_arn(account, role_name, region), "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
        remember(external_id)

    def fetch() -> dict[str, Any]:
        # Renewal can happen while a member's request is being signed: sign this one as the caller.
        with caller.signing():
            credentials = dict(caller.get("sts", region).assume_role(**params)["Credentials"])
        remember(credentials.get("AccessKeyId"), credentials.get("SecretAccessKey"), credentials.get("SessionToken"))
        return credentials

    try:
        credentials = refreshable_credentials(fetch)
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if not isinstance(exc, (BotoCoreError, ClientError)):
            raise
        return None, to_api_error(exc), _recorded(params)
    return credentials, None, _recorded(params)


def _recorded(params: dict[str, Any]) -> dict[str, Any]:
    # The external id is a shared secret of sorts: keep it out of snapshot files.
    return {k: v for k, v in params.items() if k != "ExternalId"}
