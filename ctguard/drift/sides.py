"""What one side defines: the trails and event data stores of the code, or of the account."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ctguard.inputs import ParsedInput
from ctguard.location import Path, Span
from ctguard.model import EventDataStore, Model, Trail
from ctguard.values import Known, Unknown, Value

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
        if isinstance(name, Known) and isinstance(name.value, str) and name.value \
                and "generated" not in (name.via or ""):
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
    conditions: bool  # the code has CloudFormation condition variants: only the first is compared


def collect(inputs: Iterable[ParsedInput]) -> Side:
    resources: list[Resource] = []
    unread: list[str] = []
    conditions = False
    for parsed in inputs:
        if not parsed.variants or parsed.unusable:
            continue
        model = parsed.variants[0]
        conditions = conditions or len(parsed.variants) > 1
        for trail in model.trails:
            resources.append(Resource("trail", trail, model, parsed))
        for store in model.all("event_data_store"):
            if _UNREAD_STORES in store.key:
                name = store.name
                unread.append(name.reason if isinstance(name, Unknown) else "not read")
                continue
            resources.append(Resource("event_data_store", store, model, parsed))
    return Side(resources, unread, conditions)


def is_foreign(resource: Resource) -> bool:
    """An organization trail of another account, as a member account sees it."""
    own = _text(resource.model.account_id)
    theirs = resource.account()
    return bool(own and theirs and own != theirs)


__all__ = ["ACCOUNT_KINDS", "Resource", "Side", "collect", "is_foreign"]
