"""The normalized CloudTrail model every parser produces and every policy reads.

Field values are three-valued (``ctguard.values``).  Each field's AWS default (what applies
when the input leaves it Absent) lives in the field metadata under ``"default"``, so the
policy engine, not each policy, applies it.  Parsers for inputs whose defaults differ from the
AWS API's (a Terraform provider default, say) store the provider's value as Known instead.

Related resources (bucket, key, log group, role, topic, ...) are kept in ``Model`` keyed by a
stable key and linked from a trail by that key, so several trails can share one bucket and a
policy can follow ``bucket.versioning`` from a trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ctguard.pickling import fast_pickle
from ctguard.values import ABSENT, Absent, Known, Unknown, Value


def _f(default: Any = None, doc: str = "") -> Any:
    """A model field that starts Absent; ``default`` is the AWS default applied when Absent."""
    return field(default=ABSENT, metadata={"default": default, "doc": doc})


@dataclass(frozen=True, slots=True)
class DataResource:
    """A data resource of a basic event selector: a resource type and its ARN prefixes."""

    type: str | Unknown
    values: tuple[str | Unknown, ...] = ()


@dataclass(frozen=True, slots=True)
class EventSelector:
    """A basic event selector (``EventSelectors``)."""

    read_write_type: Value[str] = _f("All")
    include_management_events: Value[bool] = _f(True)
    exclude_management_event_sources: Value[tuple[str | Unknown, ...]] = _f(())
    data_resources: Value[tuple[DataResource, ...]] = _f(())


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """One field condition of an advanced event selector (``FieldSelectors``)."""

    field: str | Unknown
    equals: tuple[str | Unknown, ...] = ()
    starts_with: tuple[str | Unknown, ...] = ()
    ends_with: tuple[str | Unknown, ...] = ()
    not_equals: tuple[str | Unknown, ...] = ()
    not_starts_with: tuple[str | Unknown, ...] = ()
    not_ends_with: tuple[str | Unknown, ...] = ()

    OPERATORS = ("equals", "starts_with", "ends_with", "not_equals", "not_starts_with", "not_ends_with")

    def operators(self) -> dict[str, tuple[str | Unknown, ...]]:
        return {op: getattr(self, op) for op in self.OPERATORS if getattr(self, op)}


@dataclass(frozen=True, slots=True)
class AdvancedEventSelector:
    """An advanced event selector (``AdvancedEventSelectors``): its field conditions, all of which must match."""

    name: str | Unknown | None = None
    field_selectors: tuple[FieldSelector, ...] = ()


@dataclass(frozen=True, slots=True)
class InsightSelector:
    """An Insights type a trail or event data store records (``InsightSelectors``)."""

    insight_type: str | Unknown
    event_categories: tuple[str | Unknown, ...] | None = None  # None: AWS default (Management)


@dataclass(frozen=True, slots=True)
class TrailStatus:
    """What get-trail-status says; only live inputs have it."""

    is_logging: Value[bool] = _f()
    latest_delivery_error: Value[str] = _f()
    latest_notification_error: Value[str] = _f()
    latest_cloudwatch_logs_delivery_error: Value[str] = _f()
    latest_digest_delivery_error: Value[str] = _f()
    latest_delivery_time: Value[str] = _f()
    latest_digest_delivery_time: Value[str] = _f()
    latest_cloudwatch_logs_delivery_time: Value[str] = _f()
    start_logging_time: Value[str] = _f()
    stop_logging_time: Value[str] = _f()
    read_time: Value[str] = _f(
        None, "when the status was read (the snapshot's meta.created); ages are measured from it"
    )


@dataclass(frozen=True, slots=True)
class Trail:
    """A CloudTrail trail: its settings and the keys of its related resources in the ``Model``."""

    key: str  # stable identity: CFN logical id, Terraform address, or trail ARN
    name: Value[str] = _f()
    arn: Value[str] = _f()
    account_id: Value[str] = _f()
    home_region: Value[str] = _f()
    is_multi_region: Value[bool] = _f(False, "IsMultiRegionTrail")
    is_organization: Value[bool] = _f(False, "IsOrganizationTrail")
    include_global_service_events: Value[bool] = _f(True, "IncludeGlobalServiceEvents")
    is_logging: Value[bool] = _f(False, "a trail created through the API does not log until started")
    log_file_validation: Value[bool] = _f(False, "EnableLogFileValidation")
    kms_key_id: Value[str] = _f(None, "KMSKeyId; Absent means SSE-S3")
    s3_bucket_name: Value[str] = _f()
    s3_key_prefix: Value[str] = _f("")
    sns_topic: Value[str] = _f()
    cloudwatch_logs_log_group_arn: Value[str] = _f()
    cloudwatch_logs_role_arn: Value[str] = _f()
    # Absent for both selector kinds means the AWS default: all management events.
    event_selectors: Value[tuple[EventSelector, ...]] = _f()
    advanced_event_selectors: Value[tuple[AdvancedEventSelector, ...]] = _f()
    insight_selectors: Value[tuple[InsightSelector, ...]] = _f(())
    tags: Value[Mapping[str, str | Unknown]] = _f({})
    status: TrailStatus | None = None
    # Keys of related resources in the same Model; None when the input does not define them.
    bucket: str | None = None
    kms_key: str | None = None
    log_group: str | None = None
    role: str | None = None
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class PublicAccessBlock:
    """A bucket's S3 Block Public Access settings."""

    block_public_acls: Value[bool] = _f(False)
    ignore_public_acls: Value[bool] = _f(False)
    block_public_policy: Value[bool] = _f(False)
    restrict_public_buckets: Value[bool] = _f(False)


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    """One S3 lifecycle rule of a log bucket (what expires or transitions, and when)."""

    status: Value[str] = _f("Enabled")
    prefix: Value[str] = _f("")
    expiration_days: Value[int] = _f()
    noncurrent_expiration_days: Value[int] = _f()
    # The rule's filter names object tags (TagFilters, Filter.Tag, Filter.And.Tags): it applies to
    # tagged objects only, and CloudTrail writes its log files without tags.
    requires_tags: Value[bool] = _f(False)


@dataclass(frozen=True, slots=True)
class Bucket:
    """An S3 bucket a trail delivers to."""

    key: str
    name: Value[str] = _f()
    arn: Value[str] = _f()
    account_id: Value[str] = _f()
    policy: Value[Any] = _f(None, "bucket policy document (JSON-like, Unknown placeholders inside)")
    acl: Value[str] = _f("private", "canned ACL")
    acl_grants: Value[tuple[Mapping[str, Any], ...]] = _f(())
    public_access_block: Value[PublicAccessBlock] = _f()
    account_public_access_block: Value[PublicAccessBlock] = _f()
    versioning: Value[str] = _f("Disabled", "Enabled | Suspended | Disabled")
    mfa_delete: Value[bool] = _f(False)
    object_lock: Value[bool] = _f(False)
    object_lock_mode: Value[str] = _f()
    object_lock_days: Value[int] = _f()
    logging_target_bucket: Value[str] = _f()
    logging_target_prefix: Value[str] = _f()
    lifecycle_rules: Value[tuple[LifecycleRule, ...]] = _f(())
    encryption_algorithm: Value[str] = _f("AES256")
    encryption_kms_key_id: Value[str] = _f()
    owner_account_id: Value[str] = _f()


@dataclass(frozen=True, slots=True)
class KmsKey:
    """A KMS key that encrypts trail logs, an event data store or a log group."""

    key: str
    key_id: Value[str] = _f()
    arn: Value[str] = _f()
    aliases: tuple[str, ...] = ()
    rotation: Value[bool] = _f(False)
    policy: Value[Any] = _f()
    state: Value[str] = _f("Enabled")
    key_manager: Value[str] = _f("CUSTOMER")
    multi_region: Value[bool] = _f(False)


@dataclass(frozen=True, slots=True)
class LogGroup:
    """A CloudWatch Logs log group a trail delivers to."""

    key: str
    name: Value[str] = _f()
    arn: Value[str] = _f()
    region: Value[str] = _f()
    retention_days: Value[int] = _f(None, "Absent: logs never expire")
    kms_key_id: Value[str | None] = _f()  # Known(None): a live audit found no such log group
    # Key of the KMS key resource in the same Model that kms_key_id refers to (its ARN may be
    # known only after deploy); None when it names no key this input defines.
    kms_key: str | None = None


@dataclass(frozen=True, slots=True)
class Role:
    """The IAM role CloudTrail assumes to deliver to CloudWatch Logs."""

    key: str
    name: Value[str] = _f()
    arn: Value[str] = _f()
    trust_policy: Value[Any] = _f()
    policies: Value[tuple[Any, ...]] = _f(())  # inline and attached documents


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription of an SNS topic."""

    protocol: Value[str] = _f()
    endpoint: Value[str] = _f()
    confirmed: Value[bool] = _f()


@dataclass(frozen=True, slots=True)
class Topic:
    """An SNS topic a trail notifies, or an alarm's action."""

    key: str
    name: Value[str] = _f()
    arn: Value[str] = _f()
    policy: Value[Any] = _f()
    kms_key_id: Value[str] = _f()
    subscriptions: Value[tuple[Subscription, ...]] = _f(())


@dataclass(frozen=True, slots=True)
class MetricTransformation:
    """The metric a metric filter publishes."""

    metric_name: Value[str] = _f()
    metric_namespace: Value[str] = _f()
    metric_value: Value[str] = _f()


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """A CloudWatch Logs metric filter on a log group."""

    key: str
    log_group_name: Value[str] = _f()
    filter_name: Value[str] = _f()
    pattern: Value[str] = _f("")
    transformations: Value[tuple[MetricTransformation, ...]] = _f(())
    # Key of the LogGroup in the same Model that log_group_name names; None when not defined there.
    log_group: str | None = None
    region: Value[str] = _f(None, "the region the filter lives in; live audits set it")


@dataclass(frozen=True, slots=True)
class Alarm:
    """A CloudWatch alarm on a metric."""

    key: str
    name: Value[str] = _f()
    metric_name: Value[str] = _f()
    namespace: Value[str] = _f()
    statistic: Value[str] = _f()
    period: Value[int] = _f()
    evaluation_periods: Value[int] = _f()
    threshold: Value[float] = _f()
    comparison_operator: Value[str] = _f()
    actions_enabled: Value[bool] = _f(True)
    alarm_actions: Value[tuple[str | Unknown, ...]] = _f(())
    datapoints_to_alarm: Value[int] = _f(None, "Absent: equal to evaluation_periods")
    # Per alarm action, the key of the SNS topic in the same Model it names, else None.
    action_topics: tuple[str | None, ...] = ()
    region: Value[str] = _f(None, "the region the alarm lives in; live audits set it")


@dataclass(frozen=True, slots=True)
class EventRule:
    """An EventBridge rule (its event pattern and targets)."""

    key: str
    name: Value[str] = _f()
    event_bus: Value[str] = _f("default")
    event_pattern: Value[Any] = _f()
    state: Value[str] = _f("ENABLED")
    targets: Value[tuple[str | Unknown, ...]] = _f(())


@dataclass(frozen=True, slots=True)
class EventDataStore:
    """A CloudTrail Lake event data store."""

    key: str
    name: Value[str] = _f()
    arn: Value[str] = _f()
    kms_key_id: Value[str] = _f()
    retention_days: Value[int] = _f(2557)
    termination_protection: Value[bool] = _f(True)
    is_multi_region: Value[bool] = _f(True)
    is_organization: Value[bool] = _f(False)
    advanced_event_selectors: Value[tuple[AdvancedEventSelector, ...]] = _f()
    # IngestionEnabled / not ``suspend`` / Status ENABLED: a store whose ingestion is stopped keeps
    # what it has and records nothing new.
    ingestion_enabled: Value[bool] = _f(True, "IngestionEnabled")
    # Key of the KMS key resource in the same Model that kms_key_id refers to, else None.
    kms_key: str | None = None


RESOURCE_KINDS: dict[str, type] = {
    "bucket": Bucket,
    "kms_key": KmsKey,
    "log_group": LogGroup,
    "role": Role,
    "topic": Topic,
    "metric_filter": MetricFilter,
    "alarm": Alarm,
    "event_rule": EventRule,
    "event_data_store": EventDataStore,
}


@dataclass(slots=True)
class Model:
    """Everything one input (or one Fn::If variant of it) defines."""

    trails: list[Trail] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=lambda: {kind: {} for kind in RESOURCE_KINDS})
    account_id: Value[str] = ABSENT
    region: Value[str] = ABSENT
    # Account-level facts; live audits and snapshots set them, IaC inputs leave them Absent.
    organization_id: Value[str | None] = ABSENT  # Known(None): not in an organization
    is_organization_management_account: Value[bool] = ABSENT
    enabled_regions: Value[tuple[str, ...]] = ABSENT
    audited_regions: Value[tuple[str, ...]] = ABSENT
    # Known(True) when a DescribeTrails answer (shadow trails included) was read, even in an unknown
    # region: every multi-region and organization trail of the account is then in ``trails``.
    trails_listed: Value[bool] = ABSENT
    account_public_access_block: PublicAccessBlock | None = None
    # Live inputs: Known(True) when every audited region listed the account's trails, Unknown(why)
    # when a listing (or the account itself) was not read: no account-wide result may then PASS.
    trail_listing: Value[bool] = ABSENT
    # Live inputs: every read of this account that failed ("service:Operation in region failed: error").
    unread: tuple[str, ...] = ()
    # For CloudFormation Conditions: the truth assignment this variant was built under.
    conditions: tuple[tuple[str, bool], ...] = ()

    def resource(self, kind: str, key: str | None) -> Any | None:
        if key is None:
            return None
        return self.resources.get(kind, {}).get(key)

    def add(self, kind: str, obj: Any) -> None:
        self.resources[kind][obj.key] = obj

    def all(self, kind: str) -> list[Any]:
        return list(self.resources.get(kind, {}).values())


def field_default(cls: type, name: str) -> Any:
    for f in fields(cls):
        if f.name == name:
            return f.metadata.get("default")
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


fast_pickle(
    DataResource,
    EventSelector,
    FieldSelector,
    AdvancedEventSelector,
    InsightSelector,
    TrailStatus,
    Trail,
    PublicAccessBlock,
    LifecycleRule,
    Bucket,
    KmsKey,
    LogGroup,
    Role,
    Subscription,
    Topic,
    MetricTransformation,
    MetricFilter,
    Alarm,
    EventRule,
    EventDataStore,
    Model,
)


__all__ = [
    "ABSENT",
    "RESOURCE_KINDS",
    "Absent",
    "AdvancedEventSelector",
    "Alarm",
    "Bucket",
    "DataResource",
    "EventDataStore",
    "EventRule",
    "EventSelector",
    "FieldSelector",
    "InsightSelector",
    "KmsKey",
    "Known",
    "LifecycleRule",
    "LogGroup",
    "MetricFilter",
    "MetricTransformation",
    "Model",
    "PublicAccessBlock",
    "Role",
    "Subscription",
    "Topic",
    "Trail",
    "TrailStatus",
    "Unknown",
    "Value",
    "field_default",
    "field_names",
]
