"""KMS keys, log groups, roles, topics, metric filters, alarms and event rules from their views.

Attachment resources (role policies, topic policies and subscriptions, event targets, KMS
aliases) return what they add plus the argument that names their parent; ``terraform/parse.py``
attaches them once every resource is known.
"""

from __future__ import annotations

from typing import Any

from ctguard.model import MetricTransformation
from ctguard.parsers.terraform.build import Rec, View, as_bool, as_int, as_str, as_strs, first_block
from ctguard.values import ABSENT, Known, Unknown, Value

Fields = dict[str, Any]


def _clean(out: Fields) -> Fields:
    return {k: v for k, v in out.items() if v is not ABSENT}


def kms_key_fields(view: View, rec: Rec, address: str) -> Fields:
    rec.here(view, ())
    enabled = as_bool(rec.get(view, "is_enabled", ("state",)))
    after_apply = Unknown(f"{address} key id is known only after apply")
    return _clean(
        {
            "key_id": after_apply,
            "arn": Unknown(f"{address}.arn is known only after apply"),
            "rotation": as_bool(rec.get(view, "enable_key_rotation", ("rotation",))),
            "policy": rec.get(view, "policy", ("policy",), document=True),
            "multi_region": as_bool(rec.get(view, "multi_region", ("multi_region",))),
            "state": Known("Enabled" if enabled.value else "Disabled", via=enabled.via)
            if isinstance(enabled, Known)
            else enabled,
        }
    )


def log_group_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    retention = as_int(rec.get(view, "retention_in_days", ("retention_days",)))
    if isinstance(retention, Known) and retention.value == 0:
        retention = ABSENT  # the provider's 0 means "never expire", as leaving it out does
    out = _clean(
        {
            "name": as_str(rec.get(view, "name", ("name",))),
            "retention_days": retention,
            "kms_key_id": as_str(rec.get(view, "kms_key_id", ("kms_key_id",))),
        }
    )
    keys = rec.linked("kms_key_id", "aws_kms_key")
    if keys:  # aws_kms_key.x.arn is known only after apply, but it is a key of this module
        out["kms_key"] = keys[0]
    return out


def role_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    policies: list[Any] = []
    inline = view.blocks("inline_policy")
    if isinstance(inline, Unknown):
        policies.append(inline)
    else:
        for i, block in enumerate(inline):
            rec.here(block, ("policies", i))
            doc = rec.get(block, "policy", ("policies", i), document=True)
            if doc is not ABSENT:
                policies.append(doc.value if isinstance(doc, Known) else doc)
    managed = as_strs(rec.get(view, "managed_policy_arns", ("policies",)))
    if isinstance(managed, Known):
        policies.extend(Unknown(f"managed policy {arn} is defined outside this input") for arn in managed.value)
    return _clean(
        {
            "name": as_str(rec.get(view, "name", ("name",))),
            "trust_policy": rec.get(view, "assume_role_policy", ("trust_policy",), document=True),
            "policies": Known(tuple(policies)) if policies else ABSENT,
        }
    )


def policy_document_of(view: View, rec: Rec, path: tuple[Any, ...] = ("policies",)) -> Any:
    """The document an ``aws_iam_role_policy`` / ``aws_iam_policy`` / topic policy holds."""
    doc = rec.get(view, "policy", path, document=True)
    return doc.value if isinstance(doc, Known) else (doc if isinstance(doc, Unknown) else None)


def topic_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    return _clean(
        {
            "name": as_str(rec.get(view, "name", ("name",))),
            "policy": rec.get(view, "policy", ("policy",), document=True),
            "kms_key_id": as_str(rec.get(view, "kms_master_key_id", ("kms_key_id",))),
        }
    )


def subscription_fields(view: View, rec: Rec) -> Fields:
    protocol = as_str(rec.get(view, "protocol", ("subscriptions",)))
    out: Fields = {"protocol": protocol, "endpoint": as_str(rec.get(view, "endpoint", ("subscriptions",)))}
    if isinstance(protocol, Known) and protocol.value in ("email", "email-json"):
        out["confirmed"] = Unknown("email subscriptions are confirmed by the recipient after apply")
    return _clean(out)


def metric_filter_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    transformations: Value[Any] = ABSENT
    blocks = view.blocks("metric_transformation")
    if isinstance(blocks, Unknown):
        transformations = blocks
    elif blocks:
        found = []
        for i, b in enumerate(blocks):
            here = ("transformations", i)
            rec.here(b, here)
            found.append(
                MetricTransformation(
                    **_clean(
                        {
                            "metric_name": as_str(rec.get(b, "name", here + ("metric_name",))),
                            "metric_namespace": as_str(rec.get(b, "namespace", here + ("metric_namespace",))),
                            "metric_value": as_str(rec.get(b, "value", here + ("metric_value",))),
                        }
                    )
                )
            )
        transformations = Known(tuple(found))
    out = _clean(
        {
            "filter_name": as_str(rec.get(view, "name", ("filter_name",))),
            "pattern": as_str(rec.get(view, "pattern", ("pattern",))),
            "log_group_name": as_str(rec.get(view, "log_group_name", ("log_group_name",))),
            "transformations": transformations,
        }
    )
    linked = rec.linked("log_group_name", "aws_cloudwatch_log_group")
    if linked:
        out["log_group"] = linked[0]
    return out


def alarm_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    actions = as_strs(rec.get(view, "alarm_actions", ("alarm_actions",)))
    threshold = rec.get(view, "threshold", ("threshold",))
    if isinstance(threshold, Known) and not isinstance(threshold.value, bool):
        try:
            threshold = Known(float(threshold.value), via=threshold.via)
        except (TypeError, ValueError):
            threshold = Unknown(f"threshold is not a number: {threshold.value!r}")
    return _clean(
        {
            "name": as_str(rec.get(view, "alarm_name", ("name",))),
            "metric_name": as_str(rec.get(view, "metric_name", ("metric_name",))),
            "namespace": as_str(rec.get(view, "namespace", ("namespace",))),
            "statistic": as_str(rec.get(view, "statistic", ("statistic",))),
            "period": as_int(rec.get(view, "period", ("period",))),
            "evaluation_periods": as_int(rec.get(view, "evaluation_periods", ("evaluation_periods",))),
            "threshold": threshold,
            "comparison_operator": as_str(rec.get(view, "comparison_operator", ("comparison_operator",))),
            "actions_enabled": as_bool(rec.get(view, "actions_enabled", ("actions_enabled",))),
            "alarm_actions": actions,
            "datapoints_to_alarm": as_int(rec.get(view, "datapoints_to_alarm", ("datapoints_to_alarm",))),
            "action_topics": _action_topics(actions, rec.linked("alarm_actions", "aws_sns_topic")),
        }
    )


def _action_topics(actions: Value[Any], topics: list[str]) -> tuple[str | None, ...]:
    """Per alarm action, the topic address it names: references are taken in the order written,
    one per action that is not a literal ARN (``[aws_sns_topic.a.arn, "arn:aws:sns:..."]``)."""
    if not isinstance(actions, Known) or not topics:
        return ()
    pending = iter(topics)
    out: list[str | None] = []
    for action in actions.value:
        literal = isinstance(action, str) and action.startswith("arn:") and "${" not in action
        out.append(None if literal and len(topics) < len(actions.value) else next(pending, None))
    return tuple(out)


def event_rule_fields(view: View, rec: Rec) -> Fields:
    rec.here(view, ())
    state = as_str(rec.get(view, "state", ("state",)))
    if state is ABSENT:
        enabled = as_bool(rec.get(view, "is_enabled", ("state",)))  # deprecated form
        state = (
            Known("ENABLED" if enabled.value else "DISABLED", via=enabled.via)
            if isinstance(enabled, Known)
            else enabled
        )
    return _clean(
        {
            "name": as_str(rec.get(view, "name", ("name",))),
            "event_bus": as_str(rec.get(view, "event_bus_name", ("event_bus",))),
            "event_pattern": rec.get(view, "event_pattern", ("event_pattern",), document=True),
            "state": state,
        }
    )


__all__ = [
    "alarm_fields",
    "event_rule_fields",
    "first_block",
    "kms_key_fields",
    "log_group_fields",
    "metric_filter_fields",
    "policy_document_of",
    "role_fields",
    "subscription_fields",
    "topic_fields",
]
