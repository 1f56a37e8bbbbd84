"""Which calls an account audit makes next, given what has been read so far.

The plan is a pure function of the CallStore: the collector runs ``next_calls`` in rounds
(every call of a round in parallel) until it returns nothing new. Each round can only add calls
that depend on answers already recorded, so the rounds follow the dependency chain
(trails -> bucket location -> bucket settings, key -> key ARN -> rotation, ...). The calls and
their parameters are the contract in docs/snapshot.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ctguard.calls import BUCKET_OPERATIONS, CallStore, canonical_params


@dataclass(frozen=True, slots=True)
class Call:
    region: str
    service: str
    operation: str
    params: Mapping[str, Any]

    def key(self) -> tuple[str, str, str, str]:
        return (self.region, self.service, self.operation, canonical_params(self.params))


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] or None if len(parts) > 5 and parts[0] == "arn" else None


def log_group_name(arn: str) -> str | None:
    # arn:aws:logs:eu-west-1:111122223333:log-group:NAME:*
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "log-group":
        return parts[6]
    return None


def role_name(arn: str) -> str | None:
    # arn:aws:iam::111122223333:role/path/NAME
    resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else ""
    return resource.rsplit("/", 1)[-1] if resource.startswith("role/") else None


def bucket_region(location: Mapping[str, Any] | None, fallback: str) -> str:
    if location is None:
        return fallback
    constraint = location.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


class Planner:
    def __init__(self, store: CallStore, account: str, regions: list[str], global_region: str) -> None:
        self.store = store
        self.account = account
        self.regions = regions
        self.global_region = global_region

    def _ok(
        self, region: str | None, service: str, operation: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        result = self.store.get(self.account, region, service, operation, params)
        return dict(result.response) if result is not None and result.response is not None else None

    def trails(self) -> list[dict[str, Any]]:
        """Every trail seen in the audited regions, shadow copies included, once per ARN."""
        seen: dict[str, dict[str, Any]] = {}
        for region in self.regions:
            answer = self._ok(region, "cloudtrail", "DescribeTrails", {"includeShadowTrails": True})
            for trail in (answer or {}).get("trailList", []):
                arn = trail.get("TrailARN")
                if arn and arn not in seen:
                    seen[arn] = trail
        return list(seen.values())

    def next_calls(self) -> list[Call]:
        done = {(k[1], k[2], k[3], k[4]) for k, _ in self.store.calls() if k[0] == self.account}
        unique: dict[tuple[str, str, str, str], Call] = {}
        for call in self._wanted():
            key = call.key()
            if key not in done and key not in unique:
                unique[key] = call
        return list(unique.values())

    # --- what the audit wants, given the answers so far -------------------------------------
    def _wanted(self) -> Iterator[Call]:
        for region in self.regions:
            yield Call(region, "cloudtrail", "DescribeTrails", {"includeShadowTrails": True})
            yield Call(region, "cloudtrail", "ListEventDataStores", {})
            stores = self._ok(region, "cloudtrail", "ListEventDataStores", {}) or {}
            for eds in stores.get("EventDataStores", []):
                arn = eds.get("EventDataStoreArn")
                if arn:
                    yield Call(arn_region(arn) or region, "cloudtrail", "GetEventDataStore", {"EventDataStore": arn})
        log_regions: set[str] = set()
        home_regions: set[str] = set()
        for trail in self.trails():
            arn = trail["TrailARN"]
            if arn_account(arn) not in (None, self.account):
                # An organization trail seen from a member: it and its chain are read once, in the
                # account that owns it; a member is not asked for what it cannot read.
                continue
            home = trail.get("HomeRegion") or arn_region(arn) or self.regions[0]
            yield Call(home, "cloudtrail", "GetTrailStatus", {"Name": arn})
            yield Call(home, "cloudtrail", "GetEventSelectors", {"TrailName": arn})
            yield Call(home, "cloudtrail", "GetInsightSelectors", {"TrailName": arn})
            yield Call(home, "cloudtrail", "ListTags", {"ResourceIdList": [arn]})
            if home not in self.regions:
                continue  # related resources only for trails whose home region is audited
            home_regions.add(home)
            yield from self._bucket(trail.get("S3BucketName"), home)
            yield from self._key(trail.get("KmsKeyId"), home)
            yield from self._role(trail.get("CloudWatchLogsRoleArn"))
            yield from self._topic(trail.get("SnsTopicARN"))
            group_arn = trail.get("CloudWatchLogsLogGroupArn")
            name = log_group_name(group_arn) if group_arn else None
            if name and group_arn:
                region = arn_region(group_arn) or home
                log_regions.add(region)
                yield Call(region, "logs", "DescribeLogGroups", {"logGroupNamePrefix": name})
                yield Call(region, "logs", "DescribeMetricFilters", {"logGroupName": name})
        for region in sorted(log_regions):
            yield Call(region, "cloudwatch", "DescribeAlarms", {})
            yield from self._alarm_topics(region)
        for region in sorted(log_regions | home_regions):
            yield Call(region, "events", "ListRules", {"EventBusName": "default"})
            yield from self._rule_targets(region)

    def _bucket(self, name: str | None, home: str) -> Iterator[Call]:
        if not name:
            return
        yield Call(home, "s3", "GetBucketLocation", {"Bucket": name})
        located = self.store.get(self.account, home, "s3", "GetBucketLocation", {"Bucket": name})
        if located is None:
            return
        region = bucket_region(located.response, home)
        for operation in BUCKET_OPERATIONS:
            yield Call(region, "s3", operation, {"Bucket": name})

    def _key(self, key_id: str | None, home: str) -> Iterator[Call]:
        if not key_id:
            return
        region = arn_region(key_id) or home
        yield Call(region, "kms", "DescribeKey", {"KeyId": key_id})
        described = self._ok(region, "kms", "DescribeKey", {"KeyId": key_id})
        key_arn = ((described or {}).get("KeyMetadata") or {}).get("Arn")
        if key_arn:
            key_region = arn_region(key_arn) or region
            yield Call(key_region, "kms", "GetKeyRotationStatus", {"KeyId": key_arn})
            yield Call(key_region, "kms", "GetKeyPolicy", {"KeyId": key_arn, "PolicyName": "default"})

    def _role(self, arn: str | None) -> Iterator[Call]:
        name = role_name(arn) if arn else None
        if not name:
            return
        g = self.global_region
        for operation in ("GetRole", "ListRolePolicies", "ListAttachedRolePolicies"):
            yield Call(g, "iam", operation, {"RoleName": name})
        inline = self._ok(g, "iam", "ListRolePolicies", {"RoleName": name}) or {}
        for policy in inline.get("PolicyNames", []):
            yield Call(g, "iam", "GetRolePolicy", {"RoleName": name, "PolicyName": policy})
        attached = self._ok(g, "iam", "ListAttachedRolePolicies", {"RoleName": name}) or {}
        for policy in attached.get("AttachedPolicies", []):
            policy_arn = policy.get("PolicyArn")
            if not policy_arn:
                continue
            yield Call(g, "iam", "GetPolicy", {"PolicyArn": policy_arn})
            version = ((self._ok(g, "iam", "GetPolicy", {"PolicyArn": policy_arn}) or {}).get("Policy") or {}).get(
                "DefaultVersionId"
            )
            if version:
                yield Call(g, "iam", "GetPolicyVersion", {"PolicyArn": policy_arn, "VersionId": version})

    def _topic(self, arn: str | None) -> Iterator[Call]:
        region = arn_region(arn) if arn else None
        if not arn or not region or not arn.startswith("arn:") or ":sns:" not in arn:
            return
        yield Call(region, "sns", "GetTopicAttributes", {"TopicArn": arn})
        yield Call(region, "sns", "ListSubscriptionsByTopic", {"TopicArn": arn})

    def _alarm_topics(self, region: str) -> Iterator[Call]:
        """Topics that alarms on the trails' metric filters notify (the monitoring chain)."""
        metrics = self._filter_metrics()
        alarms = self._ok(region, "cloudwatch", "DescribeAlarms", {}) or {}
        for alarm in alarms.get("MetricAlarms", []):
            if (alarm.get("Namespace"), alarm.get("MetricName")) in metrics:
                for action in alarm.get("AlarmActions", []):
                    yield from self._topic(action)

    def _filter_metrics(self) -> set[tuple[str, str]]:
        metrics: set[tuple[str, str]] = set()
        for (account, _, service, operation, _), result in self.store.calls():
            if (
                account == self.account
                and service == "logs"
                and operation == "DescribeMetricFilters"
                and result.response is not None
            ):
                for metric_filter in result.response.get("metricFilters", []):
                    for transform in metric_filter.get("metricTransformations", []):
                        metrics.add((transform.get("metricNamespace"), transform.get("metricName")))
        return metrics

    def _rule_targets(self, region: str) -> Iterator[Call]:
        """Targets of EventBridge rules that match CloudTrail-delivered API calls, and their topics."""
        rules = self._ok(region, "events", "ListRules", {"EventBusName": "default"}) or {}
        for rule in rules.get("Rules", []):
            pattern = rule.get("EventPattern") or ""
            if "cloudtrail" not in pattern.lower() or not rule.get("Name"):
                continue
            params = {"Rule": rule["Name"], "EventBusName": "default"}
            yield Call(region, "events", "ListTargetsByRule", params)
            for target in (self._ok(region, "events", "ListTargetsByRule", params) or {}).get("Targets", []):
                yield from self._topic(target.get("Arn"))
