"""The API operations botocore knows, as CloudTrail event sources and names (``simulate --catalog``).

botocore is optional (extra ``aws``) and imported only here, lazily.  Loading every service
model takes seconds, so the enumerated list is cached as JSON under
``$XDG_CACHE_HOME/ctguard/`` (default ``~/.cache/ctguard/``), keyed by botocore's version.

Mapping decisions (inferences; CloudTrail does not publish the mapping):

* event source: ``<signingName>.amazonaws.com``, falling back to ``endpointPrefix`` (the signing
  name is what CloudTrail uses where the two differ: SES ``email``→``ses``, DynamoDB Streams
  ``streams.dynamodb``→``dynamodb``, S3 Control ``s3-control``→``s3``, Bedrock runtime →
  ``bedrock``); ``_SOURCE_OVERRIDES`` lists the remaining known exceptions.
* event name: the operation name.  Known differences are not modelled (Lambda's versioned names
  such as ``CreateFunction20150331``; S3 ``ListObjectsV2`` is logged as ``ListObjects``).
* read-only: the operation name starts with one of ``READ_PREFIXES`` (Get, List, Describe,
  Head, ...), plus ``READ_ONLY_EXCEPTIONS`` (KMS cryptographic calls and STS credential calls,
  which CloudTrail marks ``readOnly: true`` although their names do not say so: R9).
* category: Data when the operation is in the data-API catalogue (``catalogue.DATA_APIS``,
  OPEN-Q7), else Management.  Data operations get one resource of the service's data type
  without an ARN, so selectors that name particular resources report "depends on resource".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from ctguard.simulate.catalogue import DATA_APIS

READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Head",
    "Lookup",
    "Search",
    "BatchGet",
    "BatchDescribe",
    "Query",
    "Scan",
    "Select",
    "Estimate",
    "Preview",
    "View",
)
READ_ONLY_EXCEPTIONS: dict[str, frozenset[str]] = {
    "kms.amazonaws.com": frozenset(
        {
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateMac",
            "GenerateRandom",
            "ReEncrypt",
            "Sign",
            "Verify",
            "VerifyMac",
        }
    ),
    "sts.amazonaws.com": frozenset(
        {
            "AssumeRole",
            "AssumeRoleWithSAML",
            "AssumeRoleWithWebIdentity",
            "AssumeRoot",
            "DecodeAuthorizationMessage",
            "GetAccessKeyInfo",
            "GetCallerIdentity",
            "GetFederationToken",
            "GetSessionToken",
        }
    ),
}
_SOURCE_OVERRIDES = {"importexport": "importexport.amazonaws.com"}
DATA_TYPES = {
    "s3.amazonaws.com": "AWS::S3::Object",
    "lambda.amazonaws.com": "AWS::Lambda::Function",
    "dynamodb.amazonaws.com": "AWS::DynamoDB::Table",
}


class CatalogUnavailable(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Operation:
    service: str  # botocore service name
    source: str
    name: str
    read_only: bool
    category: str


def is_read_only(source: str, name: str) -> bool:
    return name.startswith(READ_PREFIXES) or name in READ_ONLY_EXCEPTIONS.get(source, ())


def event_source(service: str, metadata: dict[str, Any]) -> str:
    if service in _SOURCE_OVERRIDES:
        return _SOURCE_OVERRIDES[service]
    prefix = metadata.get("signingName") or metadata.get("endpointPrefix") or service
    return f"{prefix}.amazonaws.com"


def operation(service: str, source: str, name: str) -> Operation:
    category = "Data" if name in DATA_APIS.get(source, ()) else "Management"
    return Operation(service, source, name, is_read_only(source, name), category)


def _cache_path(version: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ctguard", f"botocore-operations-{version}.json")


def _enumerate(names: set[str] | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    try:
        import botocore
        import botocore.loaders
    except ImportError:
        raise CatalogUnavailable("--catalog needs botocore: pip install 'ctguard[aws]'") from None
    loader = botocore.loaders.Loader()
    services: dict[str, dict[str, Any]] = {}
    available = sorted(loader.list_available_services("service-2"))
    for name in available if names is None else [n for n in available if n in names]:
        model = loader.load_service_model(name, "service-2")
        meta = model.get("metadata", {})
        services[name] = {"source": event_source(name, meta), "operations": sorted(model.get("operations", {}))}
    return botocore.__version__, services


def load_services(only: set[str] | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """(botocore version, {service: {"source", "operations"}}), from the cache when it has it.

    With ``only`` naming botocore services and no cache yet, just those models are loaded
    (nothing is cached then); names that are event-source prefixes need the full enumeration.
    """
    try:
        import botocore
    except ImportError:
        raise CatalogUnavailable("--catalog needs botocore: pip install 'ctguard[aws]'") from None
    path = _cache_path(botocore.__version__)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data["botocore"], data["services"]
    except (OSError, ValueError, KeyError):
        pass
    if only:
        version, services = _enumerate(only)
        if set(services) == only:
            return version, services
    version, services = _enumerate()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"botocore": version, "services": services}, fh)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the next run the enumeration again
    return version, services


def operations(services: dict[str, dict[str, Any]], only: set[str] | None = None) -> list[Operation]:
    out: list[Operation] = []
    for name, info in services.items():
        if only and name not in only and info["source"].split(".")[0] not in only:
            continue
        out.extend(operation(name, info["source"], op) for op in info["operations"])
    return out


def synthetic_record(op: Operation, account: str, region: str) -> dict[str, Any]:
    """A CloudTrail record as this operation, called in ``account``/``region``, would produce."""
    rec: dict[str, Any] = {
        "eventVersion": "1.11",
        "eventSource": op.source,
        "eventName": op.name,
        "eventType": "AwsApiCall",
        "eventCategory": op.category,
        "managementEvent": op.category == "Management",
        "readOnly": op.read_only,
        "recipientAccountId": account,
        "awsRegion": region,
    }
    if op.source == "sts.amazonaws.com":
        rec["tlsDetails"] = {"clientProvidedHostHeader": f"sts.{region}.amazonaws.com"}  # SDK default: regional
    data_type = DATA_TYPES.get(op.source)
    if op.category == "Data" and data_type:
        rec["resources"] = [{"type": data_type}]
    return rec


__all__ = [
    "DATA_TYPES",
    "READ_ONLY_EXCEPTIONS",
    "READ_PREFIXES",
    "CatalogUnavailable",
    "Operation",
    "event_source",
    "is_read_only",
    "load_services",
    "operations",
    "synthetic_record",
]
