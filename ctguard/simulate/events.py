"""One CloudTrail record, reduced to what trail scope and selectors can look at.

``Event.from_record`` accepts anything json.loads can produce and never raises: a missing or
ill-typed key becomes None, so replaying a messy archive cannot stop on one odd line.  The
derived facts (category, global-service-event) also record *how* they were derived, because a
verdict that rests on a guess (OPEN-Q3, OPEN-Q7) must be able to say so.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ctguard.simulate.catalogue import (
    DATA_APIS,
    GLOBAL_SOURCES,
    STS_GLOBAL_HOSTS,
    STS_SOURCE,
    global_region,
)
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy

CATEGORIES = ("Management", "Data", "NetworkActivity", "Insight")
_CATEGORY_BY_TYPE = {"AwsCloudTrailInsight": "Insight", "AwsVpceEvent": "NetworkActivity"}


if TYPE_CHECKING:

    class Resource(NamedTuple):
        type: str | None
        arn: str | None  # the ARN, or the ARNPrefix when ``is_prefix``
        is_prefix: bool = False

else:
    # The same tuple class without typing.NamedTuple, which compiles each postponed annotation
    # when the class is made (~0.5 ms of every check's start, issue 21).
    Resource = namedtuple("Resource", ("type", "arn", "is_prefix"), defaults=(False,))


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _b(v: Any) -> bool | None:
    # Some fixtures write "true"/"True" strings; CloudTrail itself writes JSON booleans.
    if v is True or v is False:
        return v
    if isinstance(v, str):
        low = v.lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


# The replay calls _resources once per data record: tuple.__new__ builds a Resource in C, where
# the NamedTuple constructor is a Python-level function.
_new_resource: Any = tuple.__new__


def _resources(raw: Any) -> tuple[Resource, ...]:
    if not isinstance(raw, list) or not raw:
        return ()
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue  # a stringified dict in one Panther fixture: no usable fields
        get = item.get
        kind = get("type")
        if not isinstance(kind, str):
            kind = None
        arn = get("ARN")
        if arn is None:
            arn = get("arn")  # older docs samples use lower case
        if isinstance(arn, str):
            out.append(_new_resource(Resource, (kind, arn, False)))
            continue
        prefix = get("ARNPrefix")
        out.append(_new_resource(Resource, (kind, _s(prefix), isinstance(prefix, str))))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Event:
    event_source: str | None = None
    event_name: str | None = None
    event_category: str = "Management"
    category_basis: str = "default"  # eventCategory | eventType | managementEvent | catalogue | default
    read_only: bool | None = None
    recipient_account_id: str | None = None
    account_basis: str = "recipientAccountId"  # or userIdentity.accountId | missing
    aws_region: str | None = None
    event_type: str | None = None
    resources: tuple[Resource, ...] = ()
    error_code: str | None = None
    vpc_endpoint_id: str | None = None
    session_credential_from_console: bool | None = None
    user_identity_arn: str | None = None
    is_global_service_event: bool | None = False  # None: cannot tell (OPEN-Q3, STS)
    gse_basis: str = "regional source"
    insight_type: str | None = None
    insight_category: str | None = None  # insightDetails.sourceEventCategory, default Management
    event_time: str | None = None
    event_id: str | None = None

    @classmethod
    def from_record(cls, record: Any, policy: SimPolicy = DEFAULT_POLICY) -> Event:
        if not isinstance(record, dict):
            return cls(category_basis="default (record is not an object)", account_basis="missing")
        get = record.get
        source, name = get("eventSource"), get("eventName")
        event_type, region = get("eventType"), get("awsRegion")
        # Inline type checks instead of _s(): this runs once per replayed record.
        if type(source) is not str:
            source = None
        if type(name) is not str:
            name = None
        if type(event_type) is not str:
            event_type = None
        if type(region) is not str:
            region = None
        category = get("eventCategory")
        if type(category) is str and category:
            category_basis = "eventCategory"
        else:
            category, category_basis = _category(record, source, name, event_type, policy)

        identity = get("userIdentity")
        if type(identity) is not dict:
            identity = {}
        account, account_basis = get("recipientAccountId"), "recipientAccountId"
        if type(account) is not str:
            account = _s(identity.get("accountId")) if policy.recipient_falls_back_to_caller else None
            account_basis = "userIdentity.accountId" if account is not None else "missing"

        insight_type = insight_category = None
        gse: bool | None
        if category == "Insight":
            details = _d(get("insightDetails"))
            insight_type = _s(details.get("insightType"))
            insight_category = _s(details.get("sourceEventCategory")) or "Management"
            gse, gse_basis = False, "Insights events are generated per Region"
        elif source in _MAYBE_GLOBAL or policy.extra_global_sources:
            gse, gse_basis = _global(source, region, record, policy)
        else:
            gse, gse_basis = False, "regional source"

        read_only = get("readOnly")
        if read_only is not True and read_only is not False:
            read_only = _b(read_only)
        raw_resources = get("resources")
        console = get("sessionCredentialFromConsole")

        # A frozen dataclass __init__ pays object.__setattr__ per field (~2 us for 20 fields,
        # a tenth of parsing the JSON).  Fill a layout-identical mutable twin with plain slot
        # stores instead, then make it an Event: same slots, so CPython allows the switch.
        ev: Any = _new(_EventBuilder)  # a class made at runtime: no attributes mypy knows
        ev.event_source = source
        ev.event_name = name
        ev.event_category = category
        ev.category_basis = category_basis
        ev.read_only = read_only
        ev.recipient_account_id = account
        ev.account_basis = account_basis
        ev.aws_region = region
        ev.event_type = event_type
        ev.resources = _resources(raw_resources) if raw_resources else ()
        error_code, vpce, arn = get("errorCode"), get("vpcEndpointId"), identity.get("arn")
        ev.error_code = error_code if type(error_code) is str else None
        ev.vpc_endpoint_id = vpce if type(vpce) is str else None
        ev.session_credential_from_console = None if console is None else _b(console)
        ev.user_identity_arn = arn if type(arn) is str else None
        ev.is_global_service_event = gse
        ev.gse_basis = gse_basis
        ev.insight_type = insight_type
        ev.insight_category = insight_category
        event_time, event_id = get("eventTime"), get("eventID")
        ev.event_time = event_time if type(event_time) is str else None
        ev.event_id = event_id if type(event_id) is str else None
        ev.__class__ = cls
        return cast(Event, ev)  # its __class__ was switched to cls just above

    def classify(self) -> dict[str, Any]:
        """What the simulator decided about this record, for reports and debugging."""
        return {
            "category": self.event_category,
            "category_basis": self.category_basis,
            "read_only": self.read_only,
            "global_service_event": self.is_global_service_event,
            "gse_basis": self.gse_basis,
            "account": self.recipient_account_id,
            "account_basis": self.account_basis,
            "region": self.aws_region,
            "source": self.event_source,
            "name": self.event_name,
            "resource_types": sorted({r.type for r in self.resources if r.type}),
        }


_EventBuilder = type("_EventBuilder", (), {"__slots__": Event.__slots__})
_new = object.__new__
_MAYBE_GLOBAL = GLOBAL_SOURCES | {STS_SOURCE}


def _category(
    record: dict[str, Any],
    source: str | None,
    name: str | None,
    event_type: str | None,
    policy: SimPolicy,
) -> tuple[str, str]:
    """R7 after eventCategory (checked inline by from_record): eventType, then managementEvent,
    then the catalogue (OPEN-Q7)."""
    by_type = _CATEGORY_BY_TYPE.get(event_type) if event_type else None
    if by_type is not None:
        return by_type, "eventType"
    management = _b(record.get("managementEvent"))
    if management is not None:
        return ("Management" if management else "Data"), "managementEvent"
    if policy.use_data_api_catalogue and source is not None and name is not None:
        names = DATA_APIS.get(source)
        if names is not None and name in names:
            return "Data", "catalogue"
    return "Management", "default"


def _global(
    source: str | None, region: str | None, record: dict[str, Any], policy: SimPolicy
) -> tuple[bool | None, str]:
    """R5 / OPEN-Q3: IAM, CloudFront, sign-in always; STS only through its global endpoint."""
    if source is None:
        return False, "no eventSource"
    if source in GLOBAL_SOURCES or source in policy.extra_global_sources:
        return True, f"{source} is a global service"
    if source != STS_SOURCE:
        return False, "regional source"
    host = _s(_d(record.get("tlsDetails")).get("clientProvidedHostHeader"))
    if host is not None:
        if host in STS_GLOBAL_HOSTS:
            return True, f"STS global endpoint (host {host})"
        return False, f"STS regional endpoint (host {host})"
    if region is None or region != global_region(region):
        # Since Nov 2021 global-endpoint calls are recorded in the global Region only.
        return False, "STS call recorded outside the global Region: regional endpoint"
    forced = policy.sts_without_host_header_is_global
    if forced is not None:
        return forced, "STS without host header in the global Region: policy decides"
    return None, "STS call in the global Region without tlsDetails host: endpoint unknown"
