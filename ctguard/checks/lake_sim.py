"""CloudTrail Lake event data stores seen through the trail simulator.

A store selects events with the same advanced selectors as a trail (R12, R24), so the simulator
judges it through a stand-in trail that carries the store's selectors and scope.  Stores accept
fields and categories trails do not (management ``eventName``, ``eventCategory`` Insight...), so
their selectors are read literally (``strict_trail_fields`` off) instead of as a trail AWS would
have refused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ctguard.model import EventDataStore, Trail
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.values import ABSENT, Known, Unknown, Value

LAKE_POLICY: SimPolicy = replace(DEFAULT_POLICY, strict_trail_fields=False)


def stand_in(store: EventDataStore) -> Trail:
    """The trail that records what ``store`` ingests: same selectors, scope and on/off state.

    Absent selectors stay Absent: a store created without selectors takes all management
    events, as a trail does (CreateEventDataStore)."""
    return Trail(
        key=store.key,
        name=store.name,
        arn=store.arn,
        account_id=arn_part(store.arn, 4),
        home_region=arn_part(store.arn, 3),
        is_multi_region=_or_default(store.is_multi_region, True),
        is_organization=_or_default(store.is_organization, False),
        is_logging=_or_default(store.ingestion_enabled, True),
        include_global_service_events=Known(True),
        advanced_event_selectors=store.advanced_event_selectors,
    )


def as_trail(subject: Any) -> Trail:
    """Selector lints run on trails and stores alike; a store is judged through its stand-in."""
    return stand_in(subject) if isinstance(subject, EventDataStore) else subject


def policy_for(subject: Any) -> SimPolicy:
    return LAKE_POLICY if isinstance(subject, EventDataStore) else DEFAULT_POLICY


def arn_part(arn: Value[str], index: int) -> Value[str]:
    """Region (3) or account (4) of a store ARN; Absent where the ARN does not say."""
    if isinstance(arn, Known) and isinstance(arn.value, str):
        parts = arn.value.split(":")
        if len(parts) > 5 and parts[index]:
            return Known(parts[index], via="event data store ARN")
    return ABSENT


def _or_default(value: Value[bool], default: bool) -> Value[bool]:
    if isinstance(value, (Known, Unknown)):
        return value
    return Known(default, via="AWS default")


__all__ = ["LAKE_POLICY", "arn_part", "as_trail", "policy_for", "stand_in"]
