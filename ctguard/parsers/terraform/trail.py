"""``aws_cloudtrail`` and ``aws_cloudtrail_event_data_store`` views into model fields.

Selector defaults (``read_write_type`` All, ``include_management_events`` true) equal the AWS
API's, so an unset selector argument stays Absent and the engine applies the default; only
``enable_logging`` differs (the API leaves a new trail stopped, the provider starts it) and is
stored as Known(True, via="provider default").
"""

from __future__ import annotations

from typing import Any

from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightSelector
from ctguard.parsers.terraform.build import Rec, View, as_bool, as_int, as_str, as_strs, default, items, plain
from ctguard.values import ABSENT, Known, Unknown, Value

# model field -> provider argument, for the scalar trail fields
TRAIL_ARGS = {
    "name": "name",
    "s3_bucket_name": "s3_bucket_name",
    "s3_key_prefix": "s3_key_prefix",
    "include_global_service_events": "include_global_service_events",
    "is_multi_region": "is_multi_region_trail",
    "is_organization": "is_organization_trail",
    "is_logging": "enable_logging",
    "log_file_validation": "enable_log_file_validation",
    "kms_key_id": "kms_key_id",
    "sns_topic": "sns_topic_name",
    "cloudwatch_logs_log_group_arn": "cloud_watch_logs_group_arn",
    "cloudwatch_logs_role_arn": "cloud_watch_logs_role_arn",
}
_BOOLS = {"include_global_service_events", "is_multi_region", "is_organization", "is_logging", "log_file_validation"}


def trail_fields(view: View, rec: Rec, existence: Unknown | None = None) -> dict[str, Any]:
    rec.here(view, ())
    out: dict[str, Any] = {}
    for field_name, arg in TRAIL_ARGS.items():
        value = rec.get(view, arg, (field_name,))
        out[field_name] = as_bool(value) if field_name in _BOOLS else as_str(value)
    out["arn"] = as_str(rec.get(view, "arn", ("arn",)))  # plans only: HCL has no such argument
    out["home_region"] = as_str(rec.get(view, "home_region", ("home_region",)))
    out["is_logging"] = default(out["is_logging"], True)
    if existence is not None and not (isinstance(out["is_logging"], Known) and out["is_logging"].value is False):
        # The configuration is judged as written, but "is it logging" cannot be: it may not exist.
        out["is_logging"] = Unknown(f"the trail may not be created: {existence.reason}")
    out["tags"] = _tags(rec.get(view, "tags", ("tags",)))
    out["event_selectors"] = event_selectors(view, rec, ("event_selectors",))
    out["advanced_event_selectors"] = advanced_selectors(view, rec, ("advanced_event_selectors",))
    out["insight_selectors"] = _insights(view, rec)
    return {k: v for k, v in out.items() if v is not ABSENT}


def _dynamic_here(view: View, name: str, rec: Rec, path: tuple[Any, ...]) -> None:
    """Unknown generated blocks: point at the ``dynamic`` block that makes them (HCL only)."""
    where = getattr(view, "dynamic_span", lambda _: None)(name)
    if where is not None:
        rec.spans.append((tuple(path), *where))


def _required(v: Value[Any], what: str) -> str | Unknown:
    found = plain(v)
    return Unknown(f"{what} is missing") if found is None else found


def _tags(v: Value[Any]) -> Value[Any]:
    if isinstance(v, Known):
        if not isinstance(v.value, dict):
            return Unknown("tags is not a map")
        return Known({str(k): x if isinstance(x, (str, Unknown)) else str(x) for k, x in v.value.items()}, via=v.via)
    return v


def event_selectors(view: View, rec: Rec, path: tuple[Any, ...]) -> Value[Any]:
    blocks = view.blocks("event_selector")
    if isinstance(blocks, Unknown):
        _dynamic_here(view, "event_selector", rec, path)
        return blocks
    if not blocks:
        return ABSENT
    rec.here(blocks[0], path)
    result = []
    for i, b in enumerate(blocks):
        rec.here(b, path + (i,))
        kwargs: dict[str, Any] = {
            "read_write_type": as_str(rec.get(b, "read_write_type", path + (i, "read_write_type"))),
            "include_management_events": as_bool(
                rec.get(b, "include_management_events", path + (i, "include_management_events"))
            ),
            "exclude_management_event_sources": as_strs(
                rec.get(b, "exclude_management_event_sources", path + (i, "exclude_management_event_sources"))
            ),
        }
        resources = b.blocks("data_resource")
        if isinstance(resources, Unknown):
            kwargs["data_resources"] = resources
        elif resources:
            rec.here(resources[0], path + (i, "data_resources"))
            data = []
            for j, d in enumerate(resources):
                here = path + (i, "data_resources", j)
                rec.here(d, here)
                data.append(
                    DataResource(
                        _required(rec.get(d, "type", here + ("type",)), "data_resource type"),
                        items(rec.get(d, "values", here + ("values",))),
                    )
                )
            kwargs["data_resources"] = Known(tuple(data))
        result.append(EventSelector(**{k: v for k, v in kwargs.items() if v is not ABSENT}))
    return Known(tuple(result))


def advanced_selectors(view: View, rec: Rec, path: tuple[Any, ...]) -> Value[Any]:
    blocks = view.blocks("advanced_event_selector")
    if isinstance(blocks, Unknown):
        _dynamic_here(view, "advanced_event_selector", rec, path)
        return blocks
    if not blocks:
        return ABSENT
    rec.here(blocks[0], path)
    result = []
    for i, b in enumerate(blocks):
        rec.here(b, path + (i,))
        fields = b.blocks("field_selector")
        if isinstance(fields, Unknown):
            return Unknown(f"advanced_event_selector {i}: {fields.reason}")
        selectors = []
        for j, f in enumerate(fields):
            here = path + (i, "field_selectors", j)
            rec.here(f, here)
            ops = {op: items(rec.get(f, op, here + (op,))) for op in FieldSelector.OPERATORS}
            selectors.append(FieldSelector(_required(rec.get(f, "field", here + ("field",)), "field"), **ops))
        result.append(AdvancedEventSelector(plain(rec.get(b, "name", path + (i, "name"))), tuple(selectors)))
    return Known(tuple(result))


def _insights(view: View, rec: Rec) -> Value[Any]:
    blocks = view.blocks("insight_selector")
    if isinstance(blocks, Unknown):
        _dynamic_here(view, "insight_selector", rec, ("insight_selectors",))
        return blocks
    if not blocks:
        return ABSENT
    rec.here(blocks[0], ("insight_selectors",))
    result = []
    for i, b in enumerate(blocks):
        here = ("insight_selectors", i)
        rec.here(b, here)
        result.append(InsightSelector(_required(rec.get(b, "insight_type", here + ("insight_type",)), "insight_type")))
    return Known(tuple(result))


def event_data_store_fields(view: View, rec: Rec) -> dict[str, Any]:
    rec.here(view, ())
    out: dict[str, Any] = {
        "name": as_str(rec.get(view, "name", ("name",))),
        "kms_key_id": as_str(rec.get(view, "kms_key_id", ("kms_key_id",))),
        # 2555 is the provider's default; the API's is 2557.
        "retention_days": default(as_int(rec.get(view, "retention_period", ("retention_days",))), 2555),
        "termination_protection": as_bool(rec.get(view, "termination_protection_enabled", ("termination_protection",))),
        "is_multi_region": as_bool(rec.get(view, "multi_region_enabled", ("is_multi_region",))),
        "is_organization": as_bool(rec.get(view, "organization_enabled", ("is_organization",))),
        "advanced_event_selectors": advanced_selectors(view, rec, ("advanced_event_selectors",)),
        # ``suspend = true`` stops ingestion (provider v5.62+); the model says it the API's way round.
        "ingestion_enabled": _negated(as_bool(rec.get(view, "suspend", ("ingestion_enabled",)))),
    }
    keys = rec.linked("kms_key_id", "aws_kms_key")
    if keys:  # aws_kms_key.x.arn is known only after apply, but it is a key of this module
        out["kms_key"] = keys[0]
    return {k: v for k, v in out.items() if v is not ABSENT}


def _negated(v: Value[Any]) -> Value[Any]:
    if isinstance(v, Known) and isinstance(v.value, bool):
        return Known(not v.value, via=v.via)
    return v
