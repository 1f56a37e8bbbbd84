"""``AWS::CloudTrail::Trail`` (and the selectors of event data stores) to model objects.

Selectors are read member by member so every model path (``event_selectors[0].
read_write_type``, ``advanced_event_selectors[1].field_selectors[0].equals``) gets the span
of its own key.  A member that is not a mapping makes the whole selector list Unknown: a
partial list would let a policy or the simulator conclude less is recorded than really is.
"""

from __future__ import annotations

from typing import Any

from ctguard.model import (
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    InsightSelector,
)
from ctguard.parsers.cloudformation.props import (
    Node,
    Reader,
    describe,
    to_bool,
    to_str,
    to_str_list,
)
from ctguard.values import ABSENT, Known, Unknown, Value

# model field -> CloudFormation property, for the scalar fields of a trail
TRAIL_SCALARS: dict[str, tuple[str, Any]] = {
    "is_logging": ("IsLogging", to_bool),
    "is_multi_region": ("IsMultiRegionTrail", to_bool),
    "is_organization": ("IsOrganizationTrail", to_bool),
    "include_global_service_events": ("IncludeGlobalServiceEvents", to_bool),
    "log_file_validation": ("EnableLogFileValidation", to_bool),
    "kms_key_id": ("KMSKeyId", to_str),
    "s3_bucket_name": ("S3BucketName", to_str),
    "s3_key_prefix": ("S3KeyPrefix", to_str),
    "sns_topic": ("SnsTopicName", to_str),
    "cloudwatch_logs_log_group_arn": ("CloudWatchLogsLogGroupArn", to_str),
    "cloudwatch_logs_role_arn": ("CloudWatchLogsRoleArn", to_str),
}

_OPERATORS = (
    ("equals", "Equals"),
    ("starts_with", "StartsWith"),
    ("ends_with", "EndsWith"),
    ("not_equals", "NotEquals"),
    ("not_starts_with", "NotStartsWith"),
    ("not_ends_with", "NotEndsWith"),
)


def trail_fields(reader: Reader) -> dict[str, Any]:
    """Every Trail field the template sets, except name/arn/context and links."""
    out: dict[str, Any] = {}
    for field_name, (prop, convert) in TRAIL_SCALARS.items():
        out[field_name] = reader.value(prop, (field_name,), convert)
    out["event_selectors"] = _list(reader, "EventSelectors", "event_selectors", _event_selector)
    out["advanced_event_selectors"] = advanced_selectors(reader)
    out["insight_selectors"] = _list(reader, "InsightSelectors", "insight_selectors", _insight_selector)
    out["tags"] = tags(reader)
    return out


def advanced_selectors(reader: Reader) -> Value[tuple[AdvancedEventSelector, ...]]:
    return _list(reader, "AdvancedEventSelectors", "advanced_event_selectors", _advanced_selector)


def _list(reader: Reader, prop: str, field_name: str, build: Any) -> Value[tuple[Any, ...]]:
    node = reader.node(prop)
    if node is None:
        return ABSENT
    reader.record((field_name,), node)
    members = node.items(prop)
    if isinstance(members, Unknown):
        return members
    out = []
    for i, member in enumerate(members):
        label = f"{prop}[{i}]"
        if not member.is_literal_map():
            value = member.resolve()
            if isinstance(value, Unknown):
                return Unknown(f"{label}: {value.reason}")
            if not isinstance(value, dict):
                return Unknown(f"{label} is {describe(value)}, expected a mapping")
            member = Node(member.build, value, member.path, spans=False)
        reader.record((field_name, i), member)
        built = build(reader, member, (field_name, i), label)
        if isinstance(built, Unknown):
            return built
        out.append(built)
    return Known(tuple(out))


def _event_selector(reader: Reader, node: Node, path: tuple[Any, ...], label: str) -> EventSelector | Unknown:
    fields: dict[str, Any] = {
        "read_write_type": reader.value(
            "ReadWriteType", path + ("read_write_type",), to_str, node, f"{label}.ReadWriteType"
        ),
        "include_management_events": reader.value(
            "IncludeManagementEvents",
            path + ("include_management_events",),
            to_bool,
            node,
            f"{label}.IncludeManagementEvents",
        ),
        "exclude_management_event_sources": reader.value(
            "ExcludeManagementEventSources",
            path + ("exclude_management_event_sources",),
            to_str_list,
            node,
            f"{label}.ExcludeManagementEventSources",
        ),
    }
    data = node.get("DataResources")
    if data is not None:
        reader.record(path + ("data_resources",), data)
        fields["data_resources"] = _data_resources(reader, data, path + ("data_resources",), f"{label}.DataResources")
    return EventSelector(**fields)


def _data_resources(reader: Reader, node: Node, path: tuple[Any, ...], label: str) -> Value[tuple[DataResource, ...]]:
    members = node.items(label)
    if isinstance(members, Unknown):
        return members
    out = []
    for i, member in enumerate(members):
        item = member.resolve()
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, dict):
            return Unknown(f"{label}[{i}] is {describe(item)}, expected a mapping")
        reader.record(path + (i,), member)
        reader.record(path + (i, "type"), member.get("Type"))
        reader.record(path + (i, "values"), member.get("Values"))
        rtype = (
            to_str(item.get("Type"), f"{label}[{i}].Type") if "Type" in item else Unknown(f"{label}[{i}] has no Type")
        )
        values = to_str_list(item.get("Values", []), f"{label}[{i}].Values")
        if isinstance(values, Unknown):
            return values
        out.append(DataResource(rtype, values))
    return Known(tuple(out))


def _advanced_selector(
    reader: Reader, node: Node, path: tuple[Any, ...], label: str
) -> AdvancedEventSelector | Unknown:
    name = reader.value("Name", path + ("name",), to_str, node, f"{label}.Name")
    fields_node = node.get("FieldSelectors")
    if fields_node is None:
        return Unknown(f"{label} has no FieldSelectors")
    reader.record(path + ("field_selectors",), fields_node)
    members = fields_node.items(f"{label}.FieldSelectors")
    if isinstance(members, Unknown):
        return members
    selectors = []
    for i, member in enumerate(members):
        item_label = f"{label}.FieldSelectors[{i}]"
        if not member.is_literal_map():
            value = member.resolve()
            if not isinstance(value, dict):
                return (
                    value
                    if isinstance(value, Unknown)
                    else Unknown(f"{item_label} is {describe(value)}, expected a mapping")
                )
            member = Node(member.build, value, member.path, spans=False)
        item_path = path + ("field_selectors", i)
        reader.record(item_path, member)
        built = _field_selector(reader, member, item_path, item_label)
        if isinstance(built, Unknown):
            return built
        selectors.append(built)
    return AdvancedEventSelector(_plain(name), tuple(selectors))


def _field_selector(reader: Reader, node: Node, path: tuple[Any, ...], label: str) -> FieldSelector | Unknown:
    field_value = reader.value("Field", path + ("field",), to_str, node, f"{label}.Field")
    if field_value is ABSENT:
        return Unknown(f"{label} has no Field")
    operators: dict[str, tuple[str | Unknown, ...]] = {}
    for attr, prop in _OPERATORS:
        value = reader.value(prop, path + (attr,), to_str_list, node, f"{label}.{prop}")
        if isinstance(value, Unknown):
            # One unknown operator list: keep the selector, with the operator an Unknown member.
            operators[attr] = (value,)
        elif isinstance(value, Known):
            operators[attr] = value.value
    return FieldSelector(_plain(field_value), **operators)


def _insight_selector(reader: Reader, node: Node, path: tuple[Any, ...], label: str) -> InsightSelector:
    insight = reader.value("InsightType", path + ("insight_type",), to_str, node, f"{label}.InsightType")
    # The vendored schema (cfn-lint 1.51) has EventCategories on InsightSelector; older ones did not.
    categories = reader.value(
        "EventCategories", path + ("event_categories",), to_str_list, node, f"{label}.EventCategories"
    )
    cats: Any = None
    if isinstance(categories, Known):
        cats = categories.value
    elif isinstance(categories, Unknown):
        cats = (categories,)
    return InsightSelector(_plain(insight) if insight is not ABSENT else Unknown(f"{label} has no InsightType"), cats)


def tags(reader: Reader) -> Value[dict[str, Any]]:
    node = reader.node("Tags")
    if node is None:
        return ABSENT
    reader.record(("tags",), node)
    members = node.items("Tags")
    if isinstance(members, Unknown):
        return members
    out: dict[str, Any] = {}
    for i, member in enumerate(members):
        item = member.resolve()
        if not isinstance(item, dict) or not isinstance(item.get("Key"), str):
            return Unknown(f"Tags[{i}] is not a Key/Value mapping")
        out[item["Key"]] = to_str(item.get("Value", ""), f"Tags[{i}].Value")
        reader.record(("tags", item["Key"]), member)
    return Known(out)


def _plain(value: Value[Any]) -> Any:
    """Selector internals hold ``str | Unknown`` rather than Value."""
    if isinstance(value, Known):
        return value.value
    if isinstance(value, Unknown):
        return value
    return None
