"""Trails from DescribeTrails (shadow copies folded by ARN), with status, selectors, insights and tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ctguard.location import SourceMap
from ctguard.model import (
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    InsightSelector,
    Trail,
    TrailStatus,
)
from ctguard.parsers.aws.reader import Answer, Calls, arn_account, strs, timestamp
from ctguard.values import ABSENT, Known, Unknown, Value

DESCRIBE = {"includeShadowTrails": True}


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """A trail as DescribeTrails lists it, and where: the region read and the entry's position."""

    data: Mapping[str, Any]
    region: str
    call_index: int
    item: int

    @property
    def arn(self) -> str:
        return str(self.data.get("TrailARN") or "")

    @property
    def home(self) -> str | None:
        home = self.data.get("HomeRegion")
        return str(home) if home else None


def listed_trails(calls: Calls) -> tuple[list[TrailEntry], dict[str, str]]:
    """Every trail of the account once, preferring the copy read in its home region.

    Also returns the regions whose DescribeTrails failed, with the error.
    """
    by_arn: dict[str, TrailEntry] = {}
    failed: dict[str, str] = {}
    for region in calls.regions("cloudtrail", "DescribeTrails"):
        answer = calls.exact("cloudtrail", "DescribeTrails", DESCRIBE, region)
        if answer.result is None:  # recorded with other params only
            continue
        if not answer.ok:
            failed[region] = answer.unknown().reason
            continue
        index = calls.index_of("cloudtrail", "DescribeTrails", DESCRIBE, region) or 0
        for item, data in enumerate(answer.response.get("trailList") or ()):
            entry = TrailEntry(data, region, index, item)
            if not entry.arn:
                continue
            seen = by_arn.get(entry.arn)
            # A shadow trail (read outside its home region) only stands in until the home copy turns up.
            if seen is None or (seen.home != seen.region and entry.home == entry.region):
                by_arn[entry.arn] = entry
    return sorted(by_arn.values(), key=lambda e: e.arn), failed


def build_trail(entry: TrailEntry, calls: Calls, source_map: SourceMap, links: dict[str, str | None]) -> Trail:
    data, arn, home = entry.data, entry.arn, entry.home
    owner = ("trail", arn)
    if calls.spans is not None:
        calls.spans.record(source_map, owner, (), entry.call_index, ("response", "trailList", entry.item))
    status_answer = calls.get("cloudtrail", "GetTrailStatus", {"Name": arn}, home)
    status = trail_status(status_answer)
    calls.mark(source_map, owner, ("status",), "cloudtrail", "GetTrailStatus", {"Name": arn}, home)
    selectors_answer = calls.get("cloudtrail", "GetEventSelectors", {"TrailName": arn}, home)
    basic, advanced = event_selectors(selectors_answer)
    if selectors_answer.result is None and data.get("HasCustomEventSelectors") is False:
        basic, advanced = ABSENT, ABSENT  # not read, but DescribeTrails says they are the default ones
    calls.mark(source_map, owner, ("event_selectors",), "cloudtrail", "GetEventSelectors", {"TrailName": arn}, home)
    calls.mark(
        source_map, owner, ("advanced_event_selectors",), "cloudtrail", "GetEventSelectors", {"TrailName": arn}, home
    )
    insights = insight_selectors(calls.get("cloudtrail", "GetInsightSelectors", {"TrailName": arn}, home))
    calls.mark(source_map, owner, ("insight_selectors",), "cloudtrail", "GetInsightSelectors", {"TrailName": arn}, home)
    tags = trail_tags(calls.get("cloudtrail", "ListTags", {"ResourceIdList": [arn]}, home), arn)
    account = arn_account(arn)
    return Trail(
        key=arn,
        name=_str(data, "Name"),
        arn=Known(arn),
        account_id=Known(account) if account else ABSENT,
        home_region=Known(home) if home else ABSENT,
        is_multi_region=_bool(data, "IsMultiRegionTrail"),
        is_organization=_bool(data, "IsOrganizationTrail"),
        include_global_service_events=_bool(data, "IncludeGlobalServiceEvents"),
        is_logging=status.is_logging,
        log_file_validation=_bool(data, "LogFileValidationEnabled"),
        kms_key_id=_str(data, "KmsKeyId"),
        s3_bucket_name=_str(data, "S3BucketName"),
        s3_key_prefix=_str(data, "S3KeyPrefix"),
        sns_topic=_str(data, "SnsTopicARN") if data.get("SnsTopicARN") else _str(data, "SnsTopicName"),
        cloudwatch_logs_log_group_arn=_str(data, "CloudWatchLogsLogGroupArn"),
        cloudwatch_logs_role_arn=_str(data, "CloudWatchLogsRoleArn"),
        event_selectors=basic,
        advanced_event_selectors=advanced,
        insight_selectors=insights,
        tags=tags,
        status=status,
        **links,
    )


def _str(data: Mapping[str, Any], key: str) -> Value[str]:
    value = data.get(key)
    return ABSENT if value in (None, "") else Known(str(value))


def _bool(data: Mapping[str, Any], key: str) -> Value[bool]:
    value = data.get(key)
    return Known(bool(value)) if isinstance(value, bool) else ABSENT


_STATUS_FIELDS = {
    "latest_delivery_error": "LatestDeliveryError",
    "latest_notification_error": "LatestNotificationError",
    "latest_cloudwatch_logs_delivery_error": "LatestCloudWatchLogsDeliveryError",
    "latest_digest_delivery_error": "LatestDigestDeliveryError",
}
_STATUS_TIMES = {
    "latest_delivery_time": "LatestDeliveryTime",
    "latest_digest_delivery_time": "LatestDigestDeliveryTime",
    "latest_cloudwatch_logs_delivery_time": "LatestCloudWatchLogsDeliveryTime",
    "start_logging_time": "StartLoggingTime",
    "stop_logging_time": "StopLoggingTime",
}


def trail_status(answer: Answer) -> TrailStatus:
    """GetTrailStatus; every field Unknown when it was not read. An error string "" means no error."""
    if not answer.ok:
        unknown = answer.unknown()
        names = ("is_logging", *_STATUS_FIELDS, *_STATUS_TIMES)
        return TrailStatus(**dict.fromkeys(names, unknown))
    r = answer.response
    values: dict[str, Value[Any]] = {}
    logging = r.get("IsLogging")
    values["is_logging"] = (
        Known(logging) if isinstance(logging, bool) else Unknown("GetTrailStatus did not state IsLogging")
    )
    for name, key in _STATUS_FIELDS.items():
        values[name] = Known(str(r[key])) if r.get(key) else Known(None, via="GetTrailStatus: no error")
    for name, key in _STATUS_TIMES.items():
        values[name] = Known(timestamp(r[key])) if r.get(key) is not None else ABSENT
    return TrailStatus(**values)


def event_selectors(answer: Answer) -> tuple[Value[Any], Value[Any]]:
    if not answer.ok:
        return answer.unknown(), answer.unknown()
    r = answer.response
    advanced = r.get("AdvancedEventSelectors")
    if advanced:
        return ABSENT, Known(tuple(_advanced(s) for s in advanced))
    basic = r.get("EventSelectors")
    if basic is None:
        return ABSENT, ABSENT
    return Known(tuple(_basic(s) for s in basic)), ABSENT


def _basic(s: Mapping[str, Any]) -> EventSelector:
    include = s.get("IncludeManagementEvents")
    return EventSelector(
        read_write_type=Known(str(s["ReadWriteType"])) if s.get("ReadWriteType") else ABSENT,
        include_management_events=Known(include) if isinstance(include, bool) else ABSENT,
        exclude_management_event_sources=Known(strs(s.get("ExcludeManagementEventSources"))),
        data_resources=Known(
            tuple(DataResource(str(d.get("Type", "")), strs(d.get("Values"))) for d in s.get("DataResources") or ())
        ),
    )


def _advanced(s: Mapping[str, Any]) -> AdvancedEventSelector:
    fields = tuple(
        FieldSelector(
            field=str(f.get("Field", "")),
            equals=strs(f.get("Equals")),
            starts_with=strs(f.get("StartsWith")),
            ends_with=strs(f.get("EndsWith")),
            not_equals=strs(f.get("NotEquals")),
            not_starts_with=strs(f.get("NotStartsWith")),
            not_ends_with=strs(f.get("NotEndsWith")),
        )
        for f in s.get("FieldSelectors") or ()
    )
    return AdvancedEventSelector(name=s.get("Name"), field_selectors=fields)


def advanced_selectors(raw: Any) -> tuple[AdvancedEventSelector, ...]:
    return tuple(_advanced(s) for s in raw or ())


def insight_selectors(answer: Answer) -> Value[tuple[InsightSelector, ...]]:
    if answer.not_configured:
        return Known((), via="GetInsightSelectors: InsightNotEnabledException")
    if not answer.ok:
        return answer.unknown()
    return Known(
        tuple(
            InsightSelector(
                str(s.get("InsightType", "")), strs(s["EventCategories"]) if s.get("EventCategories") else None
            )
            for s in answer.response.get("InsightSelectors") or ()
        )
    )


def trail_tags(answer: Answer, arn: str) -> Value[Mapping[str, str | Unknown]]:
    if not answer.ok:
        return answer.unknown()
    for entry in answer.response.get("ResourceTagList") or ():
        if entry.get("ResourceId") in (arn, None):
            return Known({str(t.get("Key")): str(t.get("Value", "")) for t in entry.get("TagsList") or ()})
    return Known({})


__all__ = [
    "DESCRIBE",
    "TrailEntry",
    "advanced_selectors",
    "build_trail",
    "event_selectors",
    "insight_selectors",
    "listed_trails",
    "trail_status",
    "trail_tags",
]
