"""Representative CloudTrail events, filled in for one input, and the simulator context to run them.

Coverage policies (CT2xx) ask the simulator whether the trails of an input record a handful of
synthetic records (``ctguard/data/representative_events.json``) instead of reading selector
shapes.  This module builds those records for the input's account and Region, builds the
``SimContext`` (organization trails count for member accounts), and turns a simulator verdict
into the model path a finding points at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from ctguard.data_files import load_json
from ctguard.model import EventDataStore, Model, Trail
from ctguard.simulate import CompiledTrail, Event, SimContext, Verdict, compile_trail
from ctguard.simulate.catalogue import global_region, partition_of
from ctguard.values import Known

# Used when the input does not say (a template without deploy context): a trail always lives in
# the account and Region it is deployed to, so any stand-in gives the same verdicts.
PLACEHOLDER_ACCOUNT = "123456789012"
PLACEHOLDER_REGION = "us-east-1"
ANY_BUCKET = "ctguard-representative-bucket"
_OTHER_REGION = {
    "aws": ("us-east-1", "eu-west-1"),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-west-1", "us-gov-east-1"),
}
_PARTITION_NAME = {"aws": "aws", "aws-cn": "aws-cn", "aws-us-gov": "aws-us-gov"}


@dataclass(frozen=True, slots=True)
class Representative:
    """One event a coverage policy asks the simulator about, with its description."""

    id: str
    describe: str
    event: Event
    baseline: str | None = None


@lru_cache(maxsize=1)
def _templates() -> tuple[dict[str, Any], ...]:
    return tuple(load_json("representative_events.json")["events"])


def _fill(obj: Any, values: dict[str, str]) -> Any:
    if isinstance(obj, str):
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), obj)
    if isinstance(obj, list):
        return [_fill(x, values) for x in obj]
    if isinstance(obj, dict):
        return {k: _fill(v, values) for k, v in obj.items()}
    return obj


@dataclass(frozen=True, slots=True)
class Place:
    """Where the representative events happen: the input's account and Region."""

    account: str
    region: str
    account_assumed: bool = False
    region_assumed: bool = False

    @property
    def partition(self) -> str:
        return _PARTITION_NAME.get(partition_of(self.region), "aws")

    @property
    def other_region(self) -> str:
        first, second = _OTHER_REGION.get(partition_of(self.region), _OTHER_REGION["aws"])
        return second if self.region == first else first

    def values(self, **extra: str) -> dict[str, str]:
        return {
            "account": self.account,
            "region": self.region,
            "other_region": self.other_region,
            "global_region": global_region(self.region),
            "partition": self.partition,
            "bucket": f"{ANY_BUCKET}-{self.account}",
            **extra,
        }


def place_of(model: Model, trails: Iterable[Trail | EventDataStore] = ()) -> Place:
    from ctguard.checks.lake_sim import as_trail

    judged: list[Trail] = [as_trail(t) for t in trails] or model.trails
    account = _known_str(model.account_id) or _first(_known_str(t.account_id) for t in judged)
    region = _known_str(model.region) or _first(_known_str(t.home_region) for t in judged)
    return Place(account or PLACEHOLDER_ACCOUNT, region or PLACEHOLDER_REGION, account is None, region is None)


def representatives(place: Place, group: str, **extra: str) -> list[Representative]:
    return [_build(place, t["id"], tuple(sorted(extra.items()))) for t in _templates() if group in t["groups"]]


def representative(place: Place, event_id: str, **extra: str) -> Representative:
    return _build(place, event_id, tuple(sorted(extra.items())))


@lru_cache(maxsize=1024)
def _build(place: Place, event_id: str, extra: tuple[tuple[str, str], ...]) -> Representative:
    """Filled once per place: every policy of every input in one account and Region shares them."""
    values = place.values(**dict(extra))
    for t in _templates():
        if t["id"] == event_id:
            return Representative(
                t["id"], _fill(t["describe"], values), Event.from_record(_fill(t["record"], values)), t.get("baseline")
            )
    raise KeyError(event_id)


def sim_context(model: Model, place: Place) -> SimContext:
    """Organization trails count for member accounts.

    An organization trail whose account differs from the input's reaches an input only as the
    organization's shadow copy (describe-trails in a member account), so the input's account is
    a member of that trail's organization.  In a management account's template the trail's
    account is the input's own and the question does not arise.
    """
    members: set[str] = set()
    for t in model.trails:
        if isinstance(t.is_organization, Known) and t.is_organization.value:
            members.add(place.account)
            owner = _known_str(t.account_id)
            if owner:
                members.add(owner)
    if isinstance(model.organization_id, Known):
        members.add(place.account)
    return SimContext(
        account_id=place.account, region=place.region, organization_accounts=frozenset(members) if members else None
    )


def compile_all(model: Model, place: Place) -> list[CompiledTrail]:
    ctx = sim_context(model, place)
    return [compile_trail(t, ctx) for t in model.trails]


def selectors_only(trail: Trail | EventDataStore, place: Place) -> CompiledTrail:
    """The trail with every scope stage forced open, so a verdict is about its selectors alone.

    Lint policies judge what the selectors would do once the trail logs, whatever its logging
    status, Region or account (a stopped trail with a feedback loop loops when started).
    """
    from ctguard.checks.lake_sim import as_trail, policy_for

    opened = replace(
        as_trail(trail),
        is_logging=Known(True),
        status=None,
        is_multi_region=Known(True),
        include_global_service_events=Known(True),
        is_organization=Known(False),
        account_id=Known(place.account),
        home_region=Known(place.region),
    )
    return compile_trail(opened, SimContext(account_id=place.account, region=place.region, policy=policy_for(trail)))


def trail_name(trail: Trail) -> str:
    name = trail.name
    if isinstance(name, Known) and name.value and "generated" not in (name.via or ""):
        return str(name.value)
    return trail.key


_STAGE_PATHS = {
    "logging": ("is_logging",),
    "account": ("is_organization",),
    "region": ("is_multi_region",),
    "global-service-events": ("include_global_service_events",),
    "insights": ("insight_selectors",),
}


# Patterns behind @cache are compiled on first use: a one-template check often never needs
# them, and compiling them all at import cost start-up time (issue 21).
@cache
def _origin() -> re.Pattern[str]:
    return re.compile(r"EventSelectors\[(\d+)\](?:\.DataResources\[(\d+)\])?")


_BASIC_PROPS = (
    ("ReadWriteType", "read_write_type"),
    ("IncludeManagementEvents", "include_management_events"),
    ("ExcludeManagementEventSources", "exclude_management_event_sources"),
    ("DataResources", "data_resources"),
)
_FIELD_PATH = {
    "readOnly": "read_write_type",
    "eventSource": "exclude_management_event_sources",
    "resources.ARN": "values",
}


def verdict_path(trail: Trail, verdict: Verdict) -> tuple[str | int, ...]:
    """The model path of whatever decided the verdict: a trail field, a selector or one of its fields."""
    d = verdict.decided_by
    if d.stage == "region" and verdict.captured is False and "partition" not in verdict.reason:
        return ("is_multi_region",)
    if d.stage == "global-service-events":
        if "IncludeGlobalServiceEvents" in verdict.reason:
            return ("include_global_service_events",)
        return ("is_multi_region",)
    if d.stage != "selectors":
        return _STAGE_PATHS.get(d.stage, ())
    if d.field == "eventCategory" and verdict.captured is False:
        # "no selector takes <category> events": the selector list as a whole is the problem.
        return ("advanced_event_selectors",) if verdict.mode == "advanced" else ("event_selectors",)
    if verdict.mode == "advanced":
        if d.selector_index is None:
            return ("advanced_event_selectors",)
        path: tuple[str | int, ...] = ("advanced_event_selectors", d.selector_index)
        sels = trail.advanced_event_selectors
        if d.field and isinstance(sels, Known) and d.selector_index < len(sels.value):
            for j, fs in enumerate(sels.value[d.selector_index].field_selectors):
                if fs.field == d.field:
                    op = _op_attr(d.operator, fs)
                    return path + ("field_selectors", j) + ((op,) if op else ())
        return path
    if verdict.mode == "basic":
        m = _origin().search(d.selector_origin or "")
        if not m:
            return ("event_selectors",)
        path = ("event_selectors", int(m[1]))
        if d.field == "readOnly":
            return path + ("read_write_type",)
        if m[2] is not None:
            path += ("data_resources", int(m[2]))
            return path + (("values",) if d.field == "resources.ARN" else ())
        if d.field in _FIELD_PATH:
            return path + (_FIELD_PATH[d.field],)
        # An unknown basic value has no advanced spelling; the reason names the property.
        why = verdict.unknown_because or ""
        for prop, attr in _BASIC_PROPS:
            if f"].{prop}" in why:
                return path + (attr,)
        return path
    return ("event_selectors",) if verdict.mode == "default" else ()


_BASIC_WORDS = (
    ('the record\'s readOnly fails Equals ["false"]', "ReadWriteType WriteOnly takes no read events"),
    ('the record\'s readOnly fails Equals ["true"]', "ReadWriteType ReadOnly takes no write events"),
    ("eventSource NotEquals", "ExcludeManagementEventSources holds"),
    ("the record's resources.ARN fails StartsWith", "the object ARN starts with none of the Values"),
    ("the record's resources.ARN fails Equals", "the ARN is none of the Values"),
)


def why(verdict: Verdict) -> str:
    """The verdict's reason without its "captured:" prefix, in basic selectors' own words for basic trails."""
    text = verdict.unknown_because if verdict.captured is None and verdict.unknown_because else verdict.reason
    for prefix in ("not captured: ", "captured: ", "unknown: "):
        text = text.removeprefix(prefix)
    if verdict.mode == "basic":
        for advanced_words, basic_words in _BASIC_WORDS:
            text = text.replace(advanced_words, basic_words)
        text = re.sub(r"selector #\d+ 'EventSelectors\[(\d+)\]( management)?'", r"EventSelectors[\1]", text)
        text = re.sub(r"selector #\d+ '(EventSelectors\[\d+\]\.DataResources\[\d+\])'", r"\1", text)
    return text


def _op_attr(operator: str | None, fs: Any) -> str | None:
    names = {
        "Equals": "equals",
        "StartsWith": "starts_with",
        "EndsWith": "ends_with",
        "NotEquals": "not_equals",
        "NotStartsWith": "not_starts_with",
        "NotEndsWith": "not_ends_with",
    }
    for part in (operator or "").split("|"):
        attr = names.get(part)
        if attr and getattr(fs, attr):
            return attr
    return None


def _known_str(v: object) -> str | None:
    return v.value if isinstance(v, Known) and isinstance(v.value, str) and v.value else None


def _first(items: Iterable[str | None]) -> str | None:
    return next((i for i in items if i), None)


__all__ = [
    "ANY_BUCKET",
    "Place",
    "Representative",
    "compile_all",
    "place_of",
    "representative",
    "representatives",
    "selectors_only",
    "sim_context",
    "trail_name",
    "verdict_path",
    "why",
]
