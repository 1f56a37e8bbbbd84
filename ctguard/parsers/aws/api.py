"""The model of each audited account, built from a ``CallStore`` (live audit, snapshot or CLI outputs).

One ``ParsedInput`` per account. Trails are keyed by ARN; related resources by ARN as well, and
linked from the trail only when their calls were recorded. An organization trail seen from a
member account keeps its bucket, key, log group, role and topic in the management account: those
are built with every field Unknown ("owned by account X"), so no policy fails on what this
account cannot see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ctguard.calls import CallStore
from ctguard.inputs import ParsedInput
from ctguard.location import SourceMap
from ctguard.model import Bucket, KmsKey, LogGroup, Model, Role, Topic, Trail, TrailStatus
from ctguard.parsers.aws import readable, related
from ctguard.parsers.aws.account import fill_account
from ctguard.parsers.aws.buckets import bucket_key, build_bucket
from ctguard.parsers.aws.reader import Calls, CallSpans, arn_account
from ctguard.parsers.aws.trails import TrailEntry, build_trail, listed_trails
from ctguard.values import Known, Unknown

SNAPSHOT = "aws-snapshot"


NO_CREATED = "the snapshot does not say when it was taken (meta.created)"


def build_inputs(
    store: CallStore, path: str, *, kind: str = SNAPSHOT, spans: CallSpans | None = None, no_time: str = NO_CREATED
) -> list[ParsedInput]:
    """One ParsedInput per account that has recorded calls.

    ``no_time`` is why status ages cannot be measured when ``store.meta`` has no ``created`` time.
    """
    created = store.meta.get("created")
    read_time = Known(str(created)) if created else Unknown(no_time)
    return [_account_input(store, account, path, kind, spans, read_time) for account in store.accounts()]


def _account_input(
    store: CallStore, account: str, path: str, kind: str, spans: CallSpans | None, read_time: Known[str] | Unknown
) -> ParsedInput:
    calls = Calls(store, account, spans)
    source_map = SourceMap(path)
    if spans is not None:
        first = next((i for i, (key, _) in enumerate(store.calls()) if key[0] == account), None)
        if first is not None:
            spans.record(source_map, ("account", account), (), first)
    model = Model()
    entries, failed = listed_trails(calls)
    audited = tuple(r for r in calls.regions("cloudtrail", "DescribeTrails") if r not in failed)
    fill_account(model, calls, audited, failed)
    if kind == SNAPSHOT:
        interrupted = readable.audit_incomplete(store.meta)
        model.unread = readable.failed_reads(store, account) + interrupted
        model.trail_listing = readable.trail_listing(store, account, failed, audited, interrupted)
    # An organization trail seen from a member is judged against the reading of the account that
    # owns it (read once there, in the same audit or snapshot): its status, selectors, bucket, key,
    # log group with its metric filters, and that account's alarms on them.
    owners: dict[str, Calls] = {}
    for entry in entries:
        owner, trail_calls = _reading_of(entry.arn, account, calls, store, spans, owners)
        trail = build_trail(entry, trail_calls, source_map, _links(entry, owner, trail_calls, model, source_map))
        if isinstance(trail.status, TrailStatus):
            trail = dataclasses.replace(trail, status=dataclasses.replace(trail.status, read_time=read_time))
        model.trails.append(trail)
    for group in model.all("log_group"):
        group_calls = calls if arn_account(group.key) in (None, account) else owners.get(arn_account(group.key) or "")
        if group_calls is None:
            continue  # in the organization trail's account, which this input did not read
        for metric_filter in related.build_metric_filters(group, group_calls, source_map):
            model.add("metric_filter", metric_filter)
    # Alarms and rules are listed in every region holding a trail's log group (rules also in home
    # regions); a region whose listing is missing gets an all-Unknown stand-in, never "none".
    groups = {
        str(g.region.value)
        for g in model.all("log_group")
        if isinstance(g.region, Known) and arn_account(g.key) in (None, account)
    }
    homes = {str(t.home_region.value) for t in model.trails if isinstance(t.home_region, Known) and is_own(t, account)}
    _link_log_group_keys(model)

    def topic_key_in(where: Calls) -> Callable[[str], str | None]:
        def topic_key(arn: str) -> str | None:
            """The alarm action's SNS topic, built from its recorded calls (the collector reads the
            topics of alarms on the trails' metrics); None when it was not read."""
            if arn_service(arn) != "sns":
                return None
            if model.resource("topic", arn) is None:
                topic = related.build_topic(arn, where, source_map)
                if topic is None:
                    return None
                model.add("topic", topic)
            return arn

        return topic_key

    for region in sorted(set(calls.regions("cloudwatch", "DescribeAlarms")) | groups):
        for alarm in related.build_alarms(calls, region, source_map, topic_key_in(calls)):
            model.add("alarm", alarm)
    for owner, owner_calls in sorted(owners.items()):
        # The owner's alarms watch the metrics of its log group, which the organization trail fills
        # with this member's events too. (Its EventBridge rules see only its own events: not taken.)
        regions = {
            str(g.region.value)
            for g in model.all("log_group")
            if isinstance(g.region, Known) and arn_account(g.key) == owner
        }
        for region in sorted(regions):
            for alarm in related.build_alarms(owner_calls, region, source_map, topic_key_in(owner_calls)):
                model.add("alarm", alarm)
    for region in sorted(set(calls.regions("events", "ListRules")) | groups | (homes & set(audited))):
        for rule in related.build_event_rules(calls, region, source_map):
            model.add("event_rule", rule)
    for region in calls.regions("cloudtrail", "ListEventDataStores"):
        for store_ in related.build_event_data_stores(calls, region, source_map):
            model.add("event_data_store", store_)
    return ParsedInput(path, kind, variants=[model], source_map=source_map)


def _reading_of(
    arn: str, account: str, calls: Calls, store: CallStore, spans: CallSpans | None, owners: dict[str, Calls]
) -> tuple[str, Calls]:
    """Whose calls describe the trail: the owning account's when it was read there, else this account's."""
    owner = arn_account(arn)
    if not owner or owner == account:
        return account, calls
    if store.get(owner, None, "cloudtrail", "GetTrailStatus", {"Name": arn}) is None:
        return account, calls  # the owner was not audited: what it owns stays Unknown ("owned by ...")
    if owner not in owners:
        owners[owner] = Calls(store, owner, spans)
    return owner, owners[owner]


def _link_log_group_keys(model: Model) -> None:
    """``LogGroup.kms_key``: the key its kmsKeyId (a key ARN) names, when that key was read."""
    keys = {k.key: k.key for k in model.all("kms_key")}
    for k in model.all("kms_key"):
        if isinstance(k.arn, Known):
            keys.setdefault(str(k.arn.value), k.key)
    for group in model.all("log_group"):
        named = group.kms_key_id
        if isinstance(named, Known) and named.value and str(named.value) in keys:
            model.add("log_group", dataclasses.replace(group, kms_key=keys[str(named.value)]))


def arn_service(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 and parts[0] == "arn" else None


def is_own(trail: Trail, account: str) -> bool:
    owner = arn_account(trail.key)
    return owner is None or owner == account


def _links(entry: TrailEntry, account: str, calls: Calls, model: Model, source_map: SourceMap) -> dict[str, str | None]:
    data = entry.data
    owner = arn_account(entry.arn)
    elsewhere = None
    if owner and owner != account:
        elsewhere = f"owned by account {owner} (organization trail); read it in that account"
    links: dict[str, str | None] = {}

    def link(
        name: str, kind: str, ident: str | None, key_of: Callable[[str], str], build: Callable[[str], Any], cls: type
    ) -> None:
        if not ident:
            links[name] = None
            return
        key = key_of(ident)
        existing = model.resource(kind, key)
        if existing is None:
            if elsewhere is not None:
                existing = related.foreign(cls, key, elsewhere, **_identity(cls, ident, key))
            else:
                existing = build(ident)
            if existing is not None:
                earlier = model.resource(kind, existing.key)
                if isinstance(existing, KmsKey) and isinstance(earlier, KmsKey):
                    # The same key named by ARN and by alias from two trails: it carries every alias.
                    aliases = tuple(dict.fromkeys(earlier.aliases + existing.aliases))
                    existing = dataclasses.replace(existing, aliases=aliases)
                model.add(kind, existing)
        links[name] = existing.key if existing is not None else None

    bucket = data.get("S3BucketName")
    link("bucket", "bucket", bucket, bucket_key, lambda i: build_bucket(i, calls, source_map), Bucket)
    key_id = data.get("KmsKeyId")
    link("kms_key", "kms_key", key_id, str, lambda i: related.build_key(i, calls, source_map), KmsKey)
    group = data.get("CloudWatchLogsLogGroupArn")
    link(
        "log_group",
        "log_group",
        group,
        lambda a: a[:-2] if a.endswith(":*") else a,
        lambda i: related.build_log_group(i, calls, source_map),
        LogGroup,
    )
    role = data.get("CloudWatchLogsRoleArn")
    link("role", "role", role, str, lambda i: related.build_role(i, calls, source_map), Role)
    topic = data.get("SnsTopicARN")
    link("topic", "topic", topic, str, lambda i: related.build_topic(i, calls, source_map), Topic)
    return links


def _identity(cls: type, ident: str, key: str) -> dict[str, Any]:
    """What the trail itself says about a resource in another account: its name and ARN."""
    if cls is Bucket:
        return {"name": Known(ident), "arn": Known(key)}
    if cls is LogGroup:
        return {"name": Known(related.log_group_name(ident)), "arn": Known(key)}
    if cls is KmsKey:
        return {"arn": Known(ident)} if ident.startswith("arn:") else {"key_id": Known(ident)}
    return {"arn": Known(ident), "name": Known(ident.rsplit("/", 1)[-1].rsplit(":", 1)[-1])}


__all__ = ["SNAPSHOT", "Trail", "build_inputs"]
