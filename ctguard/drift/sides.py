"""What one side defines: the trails and event data stores of the code, or of the account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from ctguard.inputs import ParsedInput
from ctguard.location import Path, Span
from ctguard.model import EventDataStore, Model, Trail
from ctguard.values import Absent, Known, Unknown, Value

ACCOUNT_KINDS = frozenset({"aws-snapshot", "aws-cli"})
# The stand-in the live mapper builds when ListEventDataStores failed (every field Unknown).
_UNREAD_STORES = "event-data-stores-not-read"


@dataclass(frozen=True, slots=True)
class Resource:
    """A trail or an event data store, with the input and model it came from."""

    kind: str  # "trail" | "event_data_store"
    obj: Trail | EventDataStore
    model: Model
    parsed: ParsedInput
    # CloudFormation: the condition combinations the resource exists under, when not all of them.
    only_when: str | None = None

    @property
    def key(self) -> str:
        return self.obj.key

    @property
    def name(self) -> Value[str]:
        return self.obj.name

    @property
    def arn(self) -> Value[str]:
        return self.obj.arn

    def known_name(self) -> str | None:
        name = self.obj.name
        if (
            isinstance(name, Known)
            and isinstance(name.value, str)
            and name.value
            and "generated" not in (name.via or "")
        ):
            return name.value
        return None

    def label(self) -> str:
        word = "trail" if self.kind == "trail" else "event data store"
        return f"{word} {self.known_name() or self.key}"

    def region(self) -> str | None:
        """The home region: the trail's, or the region in the ARN, or the input's deploy region."""
        if isinstance(self.obj, Trail) and _text(self.obj.home_region):
            return _text(self.obj.home_region)
        parts = (_text(self.obj.arn) or "").split(":")
        if len(parts) > 5 and parts[3]:
            return parts[3]
        return _text(self.model.region)

    def account(self) -> str | None:
        parts = (_text(self.obj.arn) or "").split(":")
        if len(parts) > 5 and parts[4]:
            return parts[4]
        if isinstance(self.obj, Trail) and _text(self.obj.account_id):
            return _text(self.obj.account_id)
        return _text(self.model.account_id)

    def span(self, path: Path = ()) -> Span:
        sm = self.parsed.source_map
        if sm is None:
            return Span(self.parsed.path, 1, 1)
        return sm.span((self.kind, self.key), path)

    def aws_location(self) -> str:
        """aws://<account>/<region>/<name>: where the resource lives in AWS."""
        return f"aws://{self.account() or '(account)'}/{self.region() or '(region)'}/{self.known_name() or self.key}"

    def where(self) -> str:
        """The file and line that define it (the code, or the snapshot's recorded answer)."""
        span = self.span()
        return f"{span.file}:{span.line}"


def _text(value: Any) -> str | None:
    if isinstance(value, Known) and isinstance(value.value, str) and value.value:
        return value.value
    return None


@dataclass(slots=True)
class Side:
    resources: list[Resource]
    unread_stores: list[str]  # why the account's event data stores could not be listed (per input)
    audited_regions: frozenset[str] | None = None  # None: not stated (every region counts as read)


def collect(inputs: Iterable[ParsedInput]) -> Side:
    resources: list[Resource] = []
    unread: list[str] = []
    audited: set[str] = set()
    stated = False
    for parsed in inputs:
        if not parsed.variants or parsed.unusable:
            continue
        if parsed.kind == "aws-cli":
            unread.append("describe-trails output does not list CloudTrail Lake event data stores")
        regions = parsed.variants[0].audited_regions
        if isinstance(regions, Known):
            stated = True
            audited.update(regions.value)
        for kind, objs in _by_key(parsed.variants).items():
            for key, found in objs.items():
                model = found[0][0]
                if kind == "event_data_store" and _UNREAD_STORES in key:
                    name = found[0][1].name
                    unread.append(name.reason if isinstance(name, Unknown) else "not read")
                    continue
                only_when = None
                if len(found) < len(parsed.variants):
                    only_when = " or ".join(_assignment(m.conditions) for m, _ in found)
                resources.append(Resource(kind, _merged([o for _, o in found]), model, parsed, only_when))
    return Side(resources, unread, frozenset(audited) if stated else None)


def _by_key(variants: list[Model]) -> dict[str, dict[str, list[tuple[Model, Any]]]]:
    out: dict[str, dict[str, list[tuple[Model, Any]]]] = {"trail": {}, "event_data_store": {}}
    for model in variants:
        for trail in model.trails:
            out["trail"].setdefault(trail.key, []).append((model, trail))
        for store in model.all("event_data_store"):
            out["event_data_store"].setdefault(store.key, []).append((model, store))
    return out


def _merged(objs: list[Any]) -> Any:
    """One resource over CloudFormation condition variants: a field they disagree on is Unknown."""
    first = objs[0]
    changes = {}
    for f in fields(first):
        values = [getattr(o, f.name) for o in objs]
        if any(v != values[0] for v in values[1:]) and isinstance(values[0], (Known, Unknown, Absent)):
            changes[f.name] = Unknown("it depends on the template's Conditions, decided at deploy time")
    return replace(first, **changes) if changes else first


def _assignment(conditions: tuple[tuple[str, bool], ...]) -> str:
    return " and ".join(f"{name} is {'true' if value else 'false'}" for name, value in conditions) or "always"


def is_foreign(resource: Resource) -> bool:
    """An organization trail of another account, as a member account sees it."""
    own = _text(resource.model.account_id)
    theirs = resource.account()
    return bool(own and theirs and own != theirs)


__all__ = ["ACCOUNT_KINDS", "Resource", "Side", "collect", "is_foreign"]
