"""KMS keys, log groups (with metric filters), alarms, topics, roles, EventBridge rules and event data stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from ctguard.location import SourceMap
from ctguard.model import (
    Alarm,
    EventDataStore,
    EventRule,
    KmsKey,
    LogGroup,
    MetricFilter,
    MetricTransformation,
    Role,
    Subscription,
    Topic,
)
from ctguard.parsers.aws.reader import Calls, arn_region, document, strs
from ctguard.parsers.aws.trails import advanced_selectors
from ctguard.values import ABSENT, Known, Unknown, Value


def foreign(cls: type, key: str, reason: str, **known: Any) -> Any:
    """A resource in another account: every value field Unknown with ``reason`` except the identity given.

    Links to other resources (``kms_key``) and plain tuples (``aliases``) keep their defaults: they are
    keys into this model, not values read from AWS."""
    values = {
        f.name: Unknown(reason)
        for f in fields(cls)
        if f.name != "key" and f.name not in known and "default" in f.metadata
    }
    return cls(key=key, **values, **known)


def _opt(value: Any, cast: Any = str) -> Value[Any]:
    return ABSENT if value is None or value == "" else Known(cast(value))


# --- KMS -------------------------------------------------------------------------------


def build_key(key_id: str, calls: Calls, source_map: SourceMap) -> KmsKey | None:
    describe = calls.get("kms", "DescribeKey", {"KeyId": key_id})
    if describe.result is None:
        return None
    if not describe.ok:
        unknown = describe.unknown()
        calls.mark(source_map, ("kms_key", key_id), (), "kms", "DescribeKey", {"KeyId": key_id})
        # Only a bare key id is the key's id; an ARN or alias names the key without telling its id.
        bare = not key_id.startswith(("arn:", "alias/"))
        return KmsKey(
            key=key_id,
            key_id=Known(key_id) if bare else unknown,
            arn=unknown,
            rotation=unknown,
            policy=unknown,
            state=unknown,
            key_manager=unknown,
            multi_region=unknown,
        )
    meta = describe.response.get("KeyMetadata") or {}
    arn = str(meta.get("Arn") or key_id)
    calls.mark(source_map, ("kms_key", arn), (), "kms", "DescribeKey", {"KeyId": key_id})
    rotation = calls.get("kms", "GetKeyRotationStatus", {"KeyId": arn})
    policy = calls.get("kms", "GetKeyPolicy", {"KeyId": arn, "PolicyName": "default"})
    manager = meta.get("KeyManager")
    return KmsKey(
        key=arn,
        aliases=_alias_of(key_id),
        key_id=_opt(meta.get("KeyId")),
        arn=Known(arn),
        # AWS managed keys rotate yearly and GetKeyRotationStatus on them is allowed; keep what it says.
        rotation=rotation.value(lambda r: bool(r.get("KeyRotationEnabled"))),
        policy=policy.value(lambda r: document(r.get("Policy"))),
        state=_opt(meta.get("KeyState")),
        key_manager=_opt(manager),
        multi_region=Known(bool(meta["MultiRegion"])) if "MultiRegion" in meta else ABSENT,
    )


def _alias_of(key_id: str) -> tuple[str, ...]:
    """DescribeKey resolved ``key_id``; when it is an alias (name or ARN), the key carries that alias."""
    if key_id.startswith("alias/"):
        return (key_id,)
    if key_id.startswith("arn:") and ":alias/" in key_id:
        return ("alias/" + key_id.split(":alias/", 1)[1],)
    return ()


# --- CloudWatch Logs, metric filters, alarms ----------------------------------------------


def log_group_name(arn: str) -> str:
    # arn:aws:logs:region:account:log-group:NAME:*
    rest = arn.split(":log-group:", 1)[1] if ":log-group:" in arn else arn
    return rest[:-2] if rest.endswith(":*") else rest


def build_log_group(arn: str, calls: Calls, source_map: SourceMap) -> LogGroup | None:
    name = log_group_name(arn)
    region = arn_region(arn)
    answer = calls.get("logs", "DescribeLogGroups", {"logGroupNamePrefix": name}, region)
    if answer.result is None:
        return None
    key = arn[:-2] if arn.endswith(":*") else arn
    calls.mark(source_map, ("log_group", key), (), "logs", "DescribeLogGroups", {"logGroupNamePrefix": name}, region)
    base: dict[str, Any] = {"name": Known(name), "arn": Known(key), "region": _opt(region)}
    if not answer.ok:
        return LogGroup(key=key, **base, retention_days=answer.unknown(), kms_key_id=answer.unknown())
    match = next((g for g in answer.response.get("logGroups") or () if g.get("logGroupName") == name), None)
    if match is None:
        gone: Known[str | None] = Known(None, via="DescribeLogGroups: the log group does not exist")
        return LogGroup(key=key, **base, retention_days=Unknown(f"log group {name} does not exist"), kms_key_id=gone)
    return LogGroup(
        key=key, **base, retention_days=_opt(match.get("retentionInDays"), int), kms_key_id=_opt(match.get("kmsKeyId"))
    )


def build_metric_filters(group: LogGroup, calls: Calls, source_map: SourceMap) -> list[MetricFilter]:
    name = group.name.value if isinstance(group.name, Known) else None
    region = group.region.value if isinstance(group.region, Known) else None
    answer = calls.get("logs", "DescribeMetricFilters", {"logGroupName": name}, region)
    if not answer.ok:
        # Unread filters must not look like "no filters": one placeholder whose pattern is Unknown.
        unknown = answer.unknown()
        return [
            MetricFilter(
                key=f"{group.key}:metric-filter:(not read)",
                log_group_name=Known(str(name)),
                filter_name=unknown,
                pattern=unknown,
                transformations=unknown,
                log_group=group.key,
                region=_opt(region),
            )
        ]
    out = []
    for f in answer.response.get("metricFilters") or ():
        key = f"{group.key}:metric-filter:{f.get('filterName')}"
        calls.mark(
            source_map, ("metric_filter", key), (), "logs", "DescribeMetricFilters", {"logGroupName": name}, region
        )
        out.append(
            MetricFilter(
                key=key,
                log_group_name=Known(str(f.get("logGroupName") or name)),
                filter_name=_opt(f.get("filterName")),
                pattern=Known(str(f.get("filterPattern") or "")),
                transformations=Known(
                    tuple(
                        MetricTransformation(
                            _opt(t.get("metricName")), _opt(t.get("metricNamespace")), _opt(t.get("metricValue"))
                        )
                        for t in f.get("metricTransformations") or ()
                    )
                ),
                log_group=group.key,
                region=_opt(region),
            )
        )
    return out


def build_alarms(
    calls: Calls, region: str, source_map: SourceMap, topic_key: Callable[[str], str | None] = lambda arn: None
) -> list[Alarm]:
    """The region's metric alarms; ``topic_key`` gives the model key of the SNS topic an action names."""
    answer = calls.exact("cloudwatch", "DescribeAlarms", {}, region)
    if not answer.ok:
        return [_unread(Alarm, f"arn:aws:cloudwatch:{region}:alarms-not-read", answer.unknown())]
    out = []
    for a in answer.response.get("MetricAlarms") or ():
        key = str(a.get("AlarmArn") or f"{region}:alarm:{a.get('AlarmName')}")
        calls.mark(source_map, ("alarm", key), (), "cloudwatch", "DescribeAlarms", {}, region)
        out.append(
            Alarm(
                key=key,
                name=_opt(a.get("AlarmName")),
                metric_name=_opt(a.get("MetricName")),
                namespace=_opt(a.get("Namespace")),
                statistic=_opt(a.get("Statistic")),
                period=_opt(a.get("Period"), int),
                evaluation_periods=_opt(a.get("EvaluationPeriods"), int),
                threshold=_opt(a.get("Threshold"), float),
                comparison_operator=_opt(a.get("ComparisonOperator")),
                actions_enabled=Known(bool(a["ActionsEnabled"])) if "ActionsEnabled" in a else ABSENT,
                alarm_actions=Known(strs(a.get("AlarmActions"))),
                datapoints_to_alarm=_opt(a.get("DatapointsToAlarm"), int),
                action_topics=tuple(topic_key(action) for action in strs(a.get("AlarmActions"))),
                region=Known(region),
            )
        )
    return out


# --- SNS ---------------------------------------------------------------------------------


def build_topic(arn: str, calls: Calls, source_map: SourceMap) -> Topic | None:
    attrs = calls.get("sns", "GetTopicAttributes", {"TopicArn": arn}, arn_region(arn))
    subs = calls.get("sns", "ListSubscriptionsByTopic", {"TopicArn": arn}, arn_region(arn))
    if attrs.result is None and subs.result is None:
        return None
    calls.mark(source_map, ("topic", arn), (), "sns", "GetTopicAttributes", {"TopicArn": arn}, arn_region(arn))
    subscriptions = subs.value(
        lambda r: tuple(
            Subscription(
                protocol=_opt(s.get("Protocol")),
                endpoint=_opt(s.get("Endpoint")),
                confirmed=Known(str(s.get("SubscriptionArn", "")).startswith("arn:")),
            )
            for s in r.get("Subscriptions") or ()
        )
    )
    return Topic(
        key=arn,
        name=Known(arn.rsplit(":", 1)[-1]),
        arn=Known(arn),
        policy=attrs.value(lambda r: document((r.get("Attributes") or {}).get("Policy"))),
        kms_key_id=attrs.value(lambda r: (r.get("Attributes") or {}).get("KmsMasterKeyId")),
        subscriptions=subscriptions,
    )


# --- IAM -----------------------------------------------------------------------------------


def build_role(arn: str, calls: Calls, source_map: SourceMap) -> Role | None:
    name = arn.rsplit("/", 1)[-1]
    params = {"RoleName": name}
    get = calls.get("iam", "GetRole", params)
    if get.result is None:
        return None
    calls.mark(source_map, ("role", arn), (), "iam", "GetRole", params)
    trust = get.value(lambda r: document((r.get("Role") or {}).get("AssumeRolePolicyDocument")))
    return Role(key=arn, name=Known(name), arn=Known(arn), trust_policy=trust, policies=_role_policies(name, calls))


def _role_policies(name: str, calls: Calls) -> Value[tuple[Any, ...]]:
    params = {"RoleName": name}
    inline = calls.get("iam", "ListRolePolicies", params)
    attached = calls.get("iam", "ListAttachedRolePolicies", params)
    for listing in (inline, attached):
        if not listing.ok:
            return listing.unknown()
    docs: list[Any] = []
    for policy_name in inline.response.get("PolicyNames") or ():
        got = calls.get("iam", "GetRolePolicy", {"RoleName": name, "PolicyName": policy_name})
        if not got.ok:
            return got.unknown()
        docs.append(document(got.response.get("PolicyDocument")))
        if isinstance(docs[-1], Unknown):
            return Unknown(f"{got.label} answered {docs[-1].reason}")
    for att in attached.response.get("AttachedPolicies") or ():
        policy_arn = att.get("PolicyArn")
        meta = calls.get("iam", "GetPolicy", {"PolicyArn": policy_arn})
        if not meta.ok:
            return meta.unknown()
        version = (meta.response.get("Policy") or {}).get("DefaultVersionId")
        got = calls.get("iam", "GetPolicyVersion", {"PolicyArn": policy_arn, "VersionId": version})
        if not got.ok:
            return got.unknown()
        docs.append(document((got.response.get("PolicyVersion") or {}).get("Document")))
        if isinstance(docs[-1], Unknown):
            return Unknown(f"{got.label} answered {docs[-1].reason}")
    return Known(tuple(docs))


# --- EventBridge -----------------------------------------------------------------------------


def build_event_rules(calls: Calls, region: str, source_map: SourceMap) -> list[EventRule]:
    answer = calls.exact("events", "ListRules", {"EventBusName": "default"}, region)
    if not answer.ok:
        return [_unread(EventRule, f"arn:aws:events:{region}:rules-not-read", answer.unknown())]
    out = []
    for i, rule in enumerate(answer.response.get("Rules") or ()):
        name = rule.get("Name") or None
        key = str(rule.get("Arn") or f"{region}:rule/{name or i}")
        calls.mark(source_map, ("event_rule", key), (), "events", "ListRules", {"EventBusName": "default"}, region)
        targets = calls.get("events", "ListTargetsByRule", {"Rule": name, "EventBusName": "default"}, region)
        pattern = rule.get("EventPattern")
        out.append(
            EventRule(
                key=key,
                name=_opt(name),
                event_bus=Known(str(rule.get("EventBusName") or "default")),
                event_pattern=_pattern(pattern) if pattern else ABSENT,
                state=_opt(rule.get("State")),
                targets=targets.value(lambda r: strs(t.get("Arn") for t in r.get("Targets") or ())),
            )
        )
    return out


def _unread(cls: type, key: str, unknown: Unknown) -> Any:
    """A stand-in for the alarms or rules of a region whose listing was not read: every field Unknown."""
    values: dict[str, Value[Any]] = {
        f.name: unknown for f in fields(cls) if f.name != "key" and "default" in f.metadata
    }
    if "region" in values:
        values["region"] = Known(key.split(":")[3])
    return cls(key=key, **values)


def _pattern(raw: Any) -> Value[Any]:
    """EventBridge stores a pattern as a JSON object; anything else is a damaged answer, not "matches nothing"."""
    if isinstance(raw, dict):
        return Known(raw)
    try:
        decoded = json.loads(raw)
    except (TypeError, ValueError):
        decoded = None
    if isinstance(decoded, dict):
        return Known(decoded)
    return Unknown("events:ListRules gave an EventPattern that is not a JSON object")


# --- CloudTrail Lake -------------------------------------------------------------------------


def build_event_data_stores(calls: Calls, region: str, source_map: SourceMap) -> list[EventDataStore]:
    listing = calls.exact("cloudtrail", "ListEventDataStores", {}, region)
    if listing.result is None:
        return []
    if not listing.ok:
        # A failed listing is not "no event data store": one stand-in whose every field is Unknown.
        return [_unread(EventDataStore, f"arn:aws:cloudtrail:{region}:event-data-stores-not-read", listing.unknown())]
    out = []
    for i, summary in enumerate(listing.response.get("EventDataStores") or ()):
        listed = summary.get("EventDataStoreArn")
        arn = str(listed or f"arn:aws:cloudtrail:{region}:eventdatastore/(listed {i})")
        if arn_region(arn) not in (None, region):
            continue  # listed again from another region; built from its own region
        detail = calls.get("cloudtrail", "GetEventDataStore", {"EventDataStore": arn}, region)
        data: Mapping[str, Any] = detail.response if detail.ok else summary
        calls.mark(source_map, ("event_data_store", arn), (), "cloudtrail", "ListEventDataStores", {}, region)
        kms = detail.value(lambda r: r.get("KmsKeyId"))
        out.append(
            EventDataStore(
                key=arn,
                name=_opt(data.get("Name")),
                kms_key_id=kms,
                arn=Known(arn) if listed else Unknown("cloudtrail:ListEventDataStores did not give its ARN"),
                retention_days=_opt(data.get("RetentionPeriod"), int),
                termination_protection=_flag(data, "TerminationProtectionEnabled"),
                is_multi_region=_flag(data, "MultiRegionEnabled"),
                is_organization=_flag(data, "OrganizationEnabled"),
                advanced_event_selectors=Known(advanced_selectors(data.get("AdvancedEventSelectors")))
                if data.get("AdvancedEventSelectors") is not None
                else ABSENT,
                ingestion_enabled=_ingestion(data.get("Status")),
            )
        )
    return out


# Store Status -> is it ingesting: the transitional states count as where they are heading.
_INGESTING = {
    "ENABLED": True,
    "STARTING_INGESTION": True,
    "STOPPING_INGESTION": False,
    "STOPPED_INGESTION": False,
    "PENDING_DELETION": False,
}


def _ingestion(status: Any) -> Value[bool]:
    if status is None:
        return ABSENT
    if status in _INGESTING:
        return Known(_INGESTING[status], via=f"Status {status}")
    return Unknown(f"event data store Status is {status}")


def _flag(data: Mapping[str, Any], key: str) -> Value[bool]:
    return Known(bool(data[key])) if isinstance(data.get(key), bool) else ABSENT


__all__ = [
    "build_alarms",
    "build_event_data_stores",
    "build_event_rules",
    "build_key",
    "build_log_group",
    "build_metric_filters",
    "build_role",
    "build_topic",
    "foreign",
    "log_group_name",
]
