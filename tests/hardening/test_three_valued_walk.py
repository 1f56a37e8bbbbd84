"""Every policy over models whose fields are all Unknown, all Absent or of the wrong type.

Issue 17 bullet 1: no policy evaluates the truth value of an Unknown (``Unknown.__bool__``
raises) or trips over a value of a shape a parser could produce from a mutated input.  Each
policy must answer UNKNOWN or a clean verdict (PASS, FAIL), never ERROR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest

from ctguard.engine.evaluate import Settings, evaluate_input
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.inputs import ParsedInput
from ctguard.model import (
    RESOURCE_KINDS,
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    InsightSelector,
    LifecycleRule,
    MetricTransformation,
    Model,
    PublicAccessBlock,
    Subscription,
    Trail,
    TrailStatus,
)
from ctguard.values import ABSENT, Known, Unknown

POLICIES = [p for p in load_policies() if p.scope != "input"]
UNKNOWN = Unknown("placeholder from the walk")
# Shapes a mutated input can leave in a Known: each is the wrong type for most fields.
WRONG = [
    None,
    0,
    -1,
    10**400,
    1.5e308,
    True,
    "",
    "x" * 3,
    (),
    {},
    ("a", UNKNOWN),
    {"a": UNKNOWN},
    [UNKNOWN],
    UNKNOWN,
    (UNKNOWN,),
    {"k": {"k": [UNKNOWN]}},
]


def _build(cls: type, key: str | None, fill: Callable[[str, Any], Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "key":
            kwargs["key"] = key
        elif f.default is ABSENT:
            kwargs[f.name] = fill(f.name, f.metadata.get("default"))
    return cls(**kwargs)


def _selectors(leaf: Any) -> dict[str, Any]:
    """Nested structures (selectors, rules, subscriptions) whose leaves are ``leaf``."""
    return {
        "event_selectors": (
            EventSelector(
                read_write_type=leaf,
                include_management_events=leaf,
                exclude_management_event_sources=leaf,
                data_resources=Known((DataResource(UNKNOWN, (UNKNOWN, "x")),)),
            ),
        ),
        "advanced_event_selectors": (
            AdvancedEventSelector(
                UNKNOWN,
                (
                    FieldSelector(UNKNOWN, equals=(UNKNOWN,)),
                    FieldSelector("eventCategory", equals=(UNKNOWN, "Data")),
                    FieldSelector("resources.type", starts_with=(UNKNOWN,), not_equals=(UNKNOWN,)),
                    FieldSelector(
                        "eventName", not_starts_with=(UNKNOWN,), ends_with=(UNKNOWN,), not_ends_with=(UNKNOWN,)
                    ),
                ),
            ),
        ),
        "insight_selectors": (InsightSelector(UNKNOWN, (UNKNOWN,)), InsightSelector(UNKNOWN)),
        "lifecycle_rules": (
            LifecycleRule(status=leaf, prefix=leaf, expiration_days=leaf, noncurrent_expiration_days=leaf),
        ),
        "subscriptions": (Subscription(leaf, leaf, leaf),),
        "transformations": (MetricTransformation(leaf, leaf, leaf),),
        "public_access_block": PublicAccessBlock(leaf, leaf, leaf, leaf),
        "account_public_access_block": PublicAccessBlock(leaf, leaf, leaf, leaf),
        "alarm_actions": (UNKNOWN, "arn:aws:sns:eu-west-1:111122223333:t"),
        "targets": (UNKNOWN,),
        "tags": {"a": UNKNOWN},
        "exclude_management_event_sources": (UNKNOWN,),
        # Documents (Any-typed) with an Unknown inside: an EventBridge pattern built from a
        # Terraform function that failed was once truth-tested by CT501-CT515.
        "event_pattern": {"source": ["aws.cloudtrail"], "detail": {"eventName": [UNKNOWN]}},
        "policy": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": UNKNOWN,
                    "Action": "s3:PutObject",
                    "Resource": UNKNOWN,
                    "Condition": {"StringEquals": {"aws:SourceArn": UNKNOWN}},
                }
            ]
        },
        "trust_policy": {"Statement": [{"Effect": UNKNOWN, "Principal": {"Service": UNKNOWN}, "Action": UNKNOWN}]},
        "policies": (
            {"Statement": UNKNOWN},
            {"Statement": [{"Effect": "Allow", "Action": [UNKNOWN], "Resource": "*"}]},
        ),
    }


def _model(fill: Callable[[str, Any], Any], status_fill: Callable[[str, Any], Any] | None = None) -> Model:
    model = Model(
        account_id=fill("account_id", None),
        region=fill("region", None),
        organization_id=fill("organization_id", None),
        is_organization_management_account=fill("is_organization_management_account", None),
        enabled_regions=fill("enabled_regions", None),
        audited_regions=fill("audited_regions", None),
    )
    for kind, cls in RESOURCE_KINDS.items():
        obj = _build(cls, kind, fill)
        # Links point at the one resource of the linked kind (its key is the kind's name).
        links = {f.name: f.name for f in fields(cls) if f.name in ("log_group", "kms_key")}
        if kind == "alarm":
            links["action_topics"] = ("topic", None)
        if links:
            obj = cls(**{**{f.name: getattr(obj, f.name) for f in fields(cls)}, **links})
        model.add(kind, obj)
    trail = _build(Trail, "trail", fill)
    status = _build(TrailStatus, None, status_fill or fill)
    values = {f.name: getattr(trail, f.name) for f in fields(Trail)}
    values.update(status=status, bucket="bucket", kms_key="kms_key", log_group="log_group", role="role", topic="topic")
    model.trails.append(Trail(**values))
    model.trails.append(
        Trail(key="unlinked", bucket="missing", kms_key="missing", log_group="missing", role="missing", topic="missing")
    )
    return model


def _fill_unknown(name: str, default: Any) -> Any:
    nested = _selectors(UNKNOWN)
    return Known(nested[name]) if name in nested and name not in ("tags",) else UNKNOWN


def _fill_absent(name: str, default: Any) -> Any:
    return ABSENT


def _fill_known_nested_unknown(name: str, default: Any) -> Any:
    nested = _selectors(UNKNOWN)
    return Known(nested[name]) if name in nested else Known(default) if default is not None else UNKNOWN


def _wrong(i: int) -> Callable[[str, Any], Any]:
    def fill(name: str, default: Any) -> Any:
        return Known(WRONG[(i + sum(map(ord, name))) % len(WRONG)])

    return fill


MODELS: dict[str, Callable[[], Model]] = {
    "all-unknown": lambda: _model(_fill_unknown),
    "all-absent": lambda: _model(_fill_absent),
    "known-with-unknown-inside": lambda: _model(_fill_known_nested_unknown),
    **{f"wrong-types-{i}": (lambda i=i: _model(_wrong(i))) for i in range(len(WRONG))},
}


def _input(model: Model) -> ParsedInput:
    return ParsedInput(path="walk.json", kind="snapshot", variants=[model])


@pytest.mark.parametrize("shape", sorted(MODELS))
def test_every_policy_answers_without_error(shape: str) -> None:
    model = MODELS[shape]()
    findings = evaluate_input(_input(model), POLICIES, Settings())
    errors = [f"{f.rule_id}: {f.message}" for f in findings if f.status is Status.ERROR]
    assert not errors, "\n".join(errors)
    assert findings, "the walk must reach the policies"
    assert {f.rule_id for f in findings} >= {p.id for p in POLICIES if p.scope == "account"}


def test_unknown_fields_never_pass_trail_policies() -> None:
    """A trail whose every field is Unknown cannot PASS a declarative check on one of its fields."""
    model = MODELS["all-unknown"]()
    findings = evaluate_input(_input(model), POLICIES, Settings())
    on_trail = [f for f in findings if f.resource == "trail" and f.rule_id in ("CT101", "CT102", "CT103")]
    assert on_trail and all(f.status is Status.UNKNOWN for f in on_trail), on_trail
