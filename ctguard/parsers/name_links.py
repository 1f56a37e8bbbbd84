"""Links a metric filter or an alarm makes by writing a resource's name or ARN literally.

References (``!Ref Group``, ``aws_cloudwatch_log_group.g.name``) are linked where the
resource is read; a literal ``LogGroupName: trail-group`` or an alarm action spelling a topic's
ARN names the same resource when that resource of the input has exactly that name or ARN
(or the same deploy-time expression), as the trail's own links already do. Shared by the
CloudFormation and Terraform parsers, which both run it on a finished model.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ctguard.model import Model
from ctguard.values import Known, Symbolic


def link_by_name(model: Model) -> None:
    for flt in model.all("metric_filter"):
        if flt.log_group is None:
            key = _named(model, "log_group", "name", flt.log_group_name)
            if key is not None:
                model.add("metric_filter", dataclasses.replace(flt, log_group=key))
    for alarm in model.all("alarm"):
        actions = alarm.alarm_actions
        if not isinstance(actions, Known) or not isinstance(actions.value, tuple):
            continue
        linked = alarm.action_topics + (None,) * (len(actions.value) - len(alarm.action_topics))
        topics = tuple(
            key if key is not None else _named(model, "topic", "arn", action)
            for key, action in zip(linked, actions.value, strict=False)
        )
        if any(topics) and topics != alarm.action_topics:
            model.add("alarm", dataclasses.replace(alarm, action_topics=topics))


def _named(model: Model, kind: str, attr: str, value: Any) -> str | None:
    """The key of the one ``kind`` resource whose ``attr`` is ``value``."""
    wanted = value.value if isinstance(value, Known) else value
    if not isinstance(wanted, (str, Symbolic)):
        return None
    found = [key for key, obj in model.resources.get(kind, {}).items() if _same(wanted, getattr(obj, attr, None))]
    return found[0] if len(found) == 1 else None


def _same(wanted: str | Symbolic, known: Any) -> bool:
    if isinstance(wanted, Symbolic):
        return isinstance(known, Symbolic) and known.parts == wanted.parts
    return isinstance(known, Known) and known.value == wanted


__all__ = ["link_by_name"]
