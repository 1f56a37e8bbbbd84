"""Where a live-audit finding is: ``aws://<account>/<region>/<service>/<resource>``.

A live audit has no file to point at.  Its inputs (one per account) are named ``aws://<account>``
before the policies run, so every finding starts there; ``locate`` then adds the region and the
resource from the finding's resource (an ARN, or a key the account's model holds).  Account-wide
findings stay ``aws://<account>``.  Names that AWS keeps in a global namespace (S3 buckets and
IAM roles carry no region in their ARN) get ``global`` unless the model knows their region.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from ctguard.findings import Finding
from ctguard.inputs import ParsedInput
from ctguard.location import SourceMap
from ctguard.values import Known

SCHEME = "aws://"


def account_uri(account: str) -> str:
    return f"{SCHEME}{account}"


def name_inputs(inputs: Iterable[ParsedInput]) -> list[ParsedInput]:
    """Each live input named after its account, so that findings start at ``aws://<account>``."""
    out = []
    for parsed in inputs:
        account = _account(parsed)
        if account is not None:
            parsed.path = account_uri(account)
            parsed.source_map = SourceMap(parsed.path)
        out.append(parsed)
    return out


def locate(findings: list[Finding], inputs: Iterable[ParsedInput]) -> list[Finding]:
    """``aws://<account>`` findings with their region and resource added (line and column 1)."""
    regions: dict[tuple[str, str], str] = {}
    for parsed in inputs:
        account = _account(parsed)
        if account is None:
            continue
        for model in parsed.variants:
            for trail in model.trails:
                _remember(regions, account, trail.key, trail.home_region)
            for kind in model.resources:
                for obj in model.all(kind):
                    _remember(regions, account, obj.key, getattr(obj, "region", None))
    return [_located(f, regions) for f in findings]


def uri(account: str, resource: str, region: str | None) -> str:
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        service, arn_region, arn_account, rest = parts[2], parts[3], parts[4], parts[5]
        return f"{SCHEME}{arn_account or account}/{arn_region or region or 'global'}/{service}/{rest}"
    return f"{SCHEME}{account}/{region or 'global'}/{resource}"


def parts_of(location: str) -> tuple[str, str | None]:
    """(account, region or None) of an ``aws://`` location."""
    account, _, rest = location[len(SCHEME) :].partition("/")
    region = rest.split("/", 1)[0] if rest else None
    return account, region


def _located(f: Finding, regions: dict[tuple[str, str], str]) -> Finding:
    if not f.file.startswith(SCHEME) or "/" in f.file[len(SCHEME) :]:
        return f
    account = f.file[len(SCHEME) :]
    if not f.resource or f.resource == account or f.resource_kind == "account":
        return f
    return dataclasses.replace(f, file=uri(account, f.resource, regions.get((account, f.resource))), line=1, column=1)


def _remember(regions: dict[tuple[str, str], str], account: str, key: str, region: Any) -> None:
    if isinstance(region, Known) and isinstance(region.value, str) and region.value:
        regions[(account, key)] = region.value


def _account(parsed: ParsedInput) -> str | None:
    for model in parsed.variants:
        account = model.account_id
        if isinstance(account, Known) and account.value:
            return str(account.value)
    return None


__all__ = ["account_uri", "locate", "name_inputs", "parts_of", "uri"]
