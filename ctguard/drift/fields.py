"""Settings compared value by value.

Each side's value is read as the policies read it: Absent takes the AWS default (or the provider
default the parser stored), the account's logging state comes from GetTrailStatus.  A value the
code leaves to deploy time is UNKNOWN with its reason, never drift, except where the code links
the setting to a resource it defines (a key, a log group) and the account has none at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ctguard.drift.sides import Resource
from ctguard.findings import Status
from ctguard.model import EventDataStore, Trail, TrailStatus, field_default
from ctguard.values import Absent, Known, Unknown

LOGGING, CONFIG, DELIVERY = "CT903", "CT904", "CT905"


@dataclass(frozen=True, slots=True)
class FieldDiff:
    rule: str
    field: str  # model field, for the finding's location
    label: str
    status: Status
    code: str = ""
    account: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Spec:
    field: str
    label: str
    rule: str
    norm: Callable[[Any, Resource], Any] = lambda v, _: v
    link: str | None = None  # the code's link to a resource it defines that this field names


def _log_group(v: Any, _: Resource) -> Any:
    return v[:-2] if isinstance(v, str) and v.endswith(":*") else v


def _topic(v: Any, _: Resource) -> Any:
    return v.rsplit(":", 1)[-1] if isinstance(v, str) else v


def _insights(v: Any, _: Resource) -> Any:
    if not isinstance(v, tuple):
        return v
    types = [i.insight_type for i in v]
    unknown = next((t for t in types if isinstance(t, Unknown)), None)
    return unknown if unknown is not None else tuple(sorted(types))


_KEY_ARN = re.compile(r"^arn:[a-z-]+:kms:[^:]*:[^:]*:(key|alias)/(.+)$")


def _key(v: Any, res: Resource) -> Any:
    """("key", id) or ("alias", name): what a KmsKeyId names, in one spelling."""
    if not isinstance(v, str) or not v:
        return v
    m = _KEY_ARN.match(v)
    if m:
        return (m[1], m[2] if m[1] == "key" else f"alias/{m[2]}")
    if v.startswith("alias/"):
        return ("alias", v)
    return ("key", v)


TRAIL_FIELDS = (
    _Spec("is_multi_region", "multi-region", CONFIG),
    _Spec("is_organization", "organization trail", CONFIG),
    _Spec("include_global_service_events", "global service events", CONFIG),
    _Spec("log_file_validation", "log file validation", CONFIG),
    _Spec("insight_selectors", "Insights", CONFIG, _insights),
    _Spec("s3_bucket_name", "S3 bucket", DELIVERY, link="bucket"),
    _Spec("s3_key_prefix", "S3 key prefix", DELIVERY),
    _Spec("kms_key_id", "KMS key", DELIVERY, _key, link="kms_key"),
    _Spec("sns_topic", "SNS topic", DELIVERY, _topic, link="topic"),
    _Spec("cloudwatch_logs_log_group_arn", "CloudWatch Logs group", DELIVERY, _log_group, link="log_group"),
    _Spec("cloudwatch_logs_role_arn", "CloudWatch Logs role", DELIVERY, link="role"),
)
STORE_FIELDS = (
    _Spec("is_multi_region", "multi-region", CONFIG),
    _Spec("is_organization", "organization", CONFIG),
    _Spec("retention_days", "retention (days)", CONFIG),
    _Spec("termination_protection", "termination protection", CONFIG),
    _Spec("kms_key_id", "KMS key", DELIVERY, _key, link="kms_key"),
)


def compare_fields(code: Resource, account: Resource) -> list[FieldDiff]:
    out = [_logging(code, account)]
    for spec in TRAIL_FIELDS if code.kind == "trail" else STORE_FIELDS:
        out.append(_compare(spec, code, account))
    return out


def _value(obj: Any, name: str) -> Known[Any] | Unknown:
    raw = getattr(obj, name)
    if isinstance(raw, Absent):
        return Known(field_default(type(obj), name), via="AWS default")
    return raw  # type: ignore[no-any-return]  # a model field: Known or Unknown once Absent is handled


def _compare(spec: _Spec, code: Resource, account: Resource) -> FieldDiff:
    mine, theirs = _value(code.obj, spec.field), _value(account.obj, spec.field)
    if isinstance(theirs, Unknown):
        return FieldDiff(
            spec.rule,
            spec.field,
            spec.label,
            Status.UNKNOWN,
            reason=f"the account's value was not read ({theirs.reason})",
        )
    theirs_v = spec.norm(theirs.value, account)
    if isinstance(mine, Unknown):
        linked = getattr(code.obj, spec.link, None) if spec.link else None
        if linked is not None and not theirs_v:
            return FieldDiff(spec.rule, spec.field, spec.label, Status.FAIL, f"{linked} of the code", "not set")
        return FieldDiff(
            spec.rule,
            spec.field,
            spec.label,
            Status.UNKNOWN,
            account=_show(theirs.value),
            reason=f"the code leaves it to deploy time, which is not drift ({mine.reason})",
        )
    mine_v = spec.norm(mine.value, code)
    if isinstance(mine_v, Unknown) or isinstance(theirs_v, Unknown):
        hidden = mine_v if isinstance(mine_v, Unknown) else theirs_v
        why = hidden.reason
        return FieldDiff(spec.rule, spec.field, spec.label, Status.UNKNOWN, reason=why)
    if spec.field == "kms_key_id" and _mixed_key_spelling(mine_v, theirs_v):
        same = _alias_names_key(mine_v, theirs_v, account)
        if same is None:
            return FieldDiff(
                spec.rule,
                spec.field,
                spec.label,
                Status.UNKNOWN,
                _show(mine.value),
                _show(theirs.value),
                reason="one side names the key by alias and the other by id; the snapshot does not say "
                "which key the alias points at",
            )
        return FieldDiff(
            spec.rule,
            spec.field,
            spec.label,
            Status.PASS if same else Status.FAIL,
            _show(mine.value),
            _show(theirs.value),
        )
    same = (_empty(mine_v) and _empty(theirs_v)) or mine_v == theirs_v
    return FieldDiff(
        spec.rule, spec.field, spec.label, Status.PASS if same else Status.FAIL, _show(mine.value), _show(theirs.value)
    )


def _logging(code: Resource, account: Resource) -> FieldDiff:
    if isinstance(code.obj, EventDataStore):
        label, field = "ingestion", "ingestion_enabled"
        mine, theirs = _value(code.obj, field), _value(account.obj, field)
    else:
        label, field = "logging", "is_logging"
        mine = _value(code.obj, field)
        theirs = _live_logging(account)
    if isinstance(theirs, Unknown):
        return FieldDiff(
            LOGGING, field, label, Status.UNKNOWN, reason=f"the account's {label} state is not known ({theirs.reason})"
        )
    if isinstance(mine, Unknown):
        return FieldDiff(
            LOGGING,
            field,
            label,
            Status.UNKNOWN,
            account=_onoff(theirs.value),
            reason=f"the code leaves it to deploy time, which is not drift ({mine.reason})",
        )
    same = bool(mine.value) == bool(theirs.value)
    return FieldDiff(
        LOGGING, field, label, Status.PASS if same else Status.FAIL, _onoff(mine.value), _onoff(theirs.value)
    )


def _live_logging(account: Resource) -> Known[Any] | Unknown:
    trail = account.obj
    assert isinstance(trail, Trail)
    status = trail.status
    if isinstance(status, TrailStatus) and not isinstance(status.is_logging, Absent):
        return status.is_logging
    if not isinstance(trail.is_logging, Absent):
        return trail.is_logging
    return Unknown("get-trail-status was not read; DescribeTrails does not say whether a trail logs")


def _mixed_key_spelling(a: Any, b: Any) -> bool:
    return isinstance(a, tuple) and isinstance(b, tuple) and a[0] != b[0]


def _alias_names_key(code_v: tuple[str, str], account_v: tuple[str, str], account: Resource) -> bool | None:
    """Whether the code's alias is the account's key, where the snapshot resolved the alias."""
    alias = code_v[1] if code_v[0] == "alias" else account_v[1]
    key_id = account_v[1] if account_v[0] == "key" else code_v[1]
    for key in account.model.all("kms_key"):
        if alias in key.aliases and isinstance(key.key_id, Known):
            return bool(key.key_id.value == key_id)
    return None


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == ()


def _onoff(v: Any) -> str:
    return "on" if v else "off"


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if _empty(v):
        return "not set"
    if isinstance(v, tuple):
        return ", ".join(str(getattr(x, "insight_type", x)) for x in v)
    return str(v)


__all__ = ["CONFIG", "DELIVERY", "LOGGING", "FieldDiff", "compare_fields"]
