"""CT801-CT806 on hand-made trail statuses: ages from the read time, the threshold setting, IaC inputs."""

from __future__ import annotations

from typing import Any

import pytest

from ctguard.checks import ct801_806_health as health
from ctguard.engine.evaluate import CheckContext, Outcome, Settings
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.model import Model, Trail, TrailStatus
from ctguard.values import ABSENT, Known, Unknown

POLICIES = {p.id: p for p in load_policies()}
READ = "2026-11-22T10:00:00Z"


def _run(func: Any, policy: str, status: TrailStatus | None, settings: Settings | None = None) -> Outcome:
    trail = Trail(key="arn:aws:cloudtrail:us-east-1:111122223333:trail/main", name=Known("main"), status=status)
    return func(CheckContext(POLICIES[policy], Model(trails=[trail]), settings or Settings(), trail))


def _status(**fields: Any) -> TrailStatus:
    base: dict[str, Any] = {"is_logging": Known(True), "read_time": Known(READ)}
    base.update({k: v if isinstance(v, (Known, Unknown)) or v is ABSENT else Known(v) for k, v in fields.items()})
    return TrailStatus(**base)


@pytest.mark.parametrize(
    "func, policy",
    [
        (health.ct801_logging_stopped, "CT801"),
        (health.ct802_delivery_error, "CT802"),
        (health.ct806_stale_delivery, "CT806"),
    ],
)
def test_iac_trails_have_no_status_not_applicable(func: Any, policy: str) -> None:
    out = _run(func, policy, None)
    assert out.status is Status.NOT_APPLICABLE
    assert "not applicable" in str(out.message) and "GetTrailStatus" in str(out.message)


@pytest.mark.parametrize(
    "delivered, hours, expected",
    [
        ("2026-11-22T09:00:00Z", None, Status.PASS),
        ("2026-11-21T09:00:00Z", None, Status.FAIL),  # 25 hours
        ("2026-11-21T09:00:00Z", 48, Status.PASS),
        ("2026-11-22T09:00:00Z", 0.5, Status.FAIL),
    ],
)
def test_stale_delivery_measures_from_the_read_time(delivered: str, hours: float | None, expected: Status) -> None:
    settings = Settings(values={"stale_delivery_hours": hours}) if hours is not None else None
    out = _run(health.ct806_stale_delivery, "CT806", _status(latest_delivery_time=delivered), settings)
    assert out.status is expected
    assert out.path == ("status", "latest_delivery_time")


def test_stale_delivery_of_a_trail_that_just_started() -> None:
    fresh = _status(latest_delivery_time=ABSENT, start_logging_time="2026-11-22T09:30:00Z")
    out = _run(health.ct806_stale_delivery, "CT806", fresh)
    assert out.status is Status.PASS and "has not delivered yet" in out.message  # type: ignore[operator]
    assert _run(health.ct806_stale_delivery, "CT806", _status(latest_delivery_time=ABSENT)).status is Status.FAIL


def test_stale_delivery_unknowns() -> None:
    unread = _status(
        read_time=Unknown("the snapshot does not say when it was taken (meta.created)"),
        latest_delivery_time="2026-11-01T00:00:00Z",
    )
    assert _run(health.ct806_stale_delivery, "CT806", unread).status is Status.UNKNOWN
    garbled = _status(latest_delivery_time="yesterday")
    out = _run(health.ct806_stale_delivery, "CT806", garbled)
    assert out.status is Status.UNKNOWN and "yesterday" in out.values["reason"]


def test_logging_stopped_names_the_time() -> None:
    out = _run(
        health.ct801_logging_stopped, "CT801", _status(is_logging=False, stop_logging_time="2026-11-20T23:14:07Z")
    )
    assert out.status is Status.FAIL and out.values["when"] == " at 2026-11-20T23:14:07Z"
    assert _run(health.ct801_logging_stopped, "CT801", _status(is_logging=Unknown("not read"))).status is Status.UNKNOWN


@pytest.mark.parametrize(
    "func, policy, field, error, hint",
    [
        (health.ct802_delivery_error, "CT802", "latest_delivery_error", "NoSuchBucket", "the bucket was deleted"),
        (
            health.ct803_digest_delivery_error,
            "CT803",
            "latest_digest_delivery_error",
            "KMS.DisabledException",
            "the KMS key is disabled",
        ),
        (health.ct804_notification_error, "CT804", "latest_notification_error", "NotFound", "the topic was deleted"),
        (health.ct805_cloudwatch_logs_error, "CT805", "latest_cloudwatch_logs_delivery_error", "InternalFailure", ""),
    ],
)
def test_errors_with_hints(func: Any, policy: str, field: str, error: str, hint: str) -> None:
    out = _run(func, policy, _status(**{field: error}))
    assert out.status is Status.FAIL and out.values["error"] == error
    assert out.values["hint"] == (f" ({hint})" if hint else "")
    assert _run(func, policy, _status(**{field: Known(None)})).status is Status.PASS
