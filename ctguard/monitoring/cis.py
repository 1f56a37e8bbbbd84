"""The 15 CIS monitoring items as data, and semantic judgement of metric filters against them.

The items live in ``ctguard/data/cis_monitoring.json``, the only place their benchmark numbers,
patterns and CT5xx rule ids are written; ``scripts/generate_cis.py`` derives the policy fields.

A filter passes an item iff it matches every ``must_match`` record and no ``must_not_match``
record, whatever its text: reordered, requoted or re-parenthesised rewrites pass; a filter that
drops a required event (narrowed) or catches an unrelated one (over-broad) fails and says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ctguard.data_files import load_json


@dataclass(frozen=True)
class CisItem:
    """One CIS monitoring item: the events its metric filter must catch."""

    key: str
    rule: str  # the CT5xx policy that checks the item
    title: str
    cis: dict[str, str]  # benchmark version -> item number, e.g. {"v3.0.0": "4.4", "v7.0.0": "5.4"}
    security_hub: str | None
    pattern: str
    event_names: tuple[str, ...]
    must_match: tuple[dict[str, Any], ...]
    must_not_match: tuple[dict[str, Any], ...]
    may_match: tuple[dict[str, Any], ...] = ()
    variants: tuple[dict[str, Any], ...] = ()
    rejected: tuple[dict[str, Any], ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class FilterVerdict:
    """Whether a metric filter covers a CIS item, and why."""

    item: str
    passes: bool
    missed: tuple[str, ...] = ()  # required records the filter does not catch
    overbroad: tuple[str, ...] = ()  # unrelated records the filter catches
    error: str | None = None  # parse error message, with ``column``
    column: int | None = None
    not_delivered: tuple[str, ...] = field(default=())  # EventBridge only: required but never delivered

    def explain(self) -> str:
        if self.error:
            return f"{self.item}: invalid pattern at column {self.column}: {self.error}"
        if self.passes:
            return f"{self.item}: pass"
        parts = []
        if self.missed:
            parts.append("misses " + ", ".join(self.missed))
        if self.overbroad:
            parts.append("also catches " + ", ".join(self.overbroad))
        return f"{self.item}: fail ({'; '.join(parts)})"


def describe(record: dict[str, Any]) -> str:
    """Short description of a record, e.g. ``iam:DeletePolicy``."""
    desc = record.get("_desc")
    if isinstance(desc, str):
        return desc
    service = str(record.get("eventSource", "?")).split(".")[0]
    return f"{service}:{record.get('eventName', '?')}"


def strip_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """The record without ``_source``/``_desc``, as CloudTrail would have written it."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    # read once: the items and the label versions come from the same 190 KB file (issue 21)
    data: dict[str, Any] = load_json("cis_monitoring.json")
    return data


@lru_cache(maxsize=1)
def _load() -> tuple[CisItem, ...]:
    items = []
    for it in _raw()["items"]:
        items.append(
            CisItem(
                key=it["key"],
                rule=it["rule"],
                title=it["title"],
                cis=dict(it["cis"]),
                security_hub=it.get("security_hub"),
                pattern=it["pattern"],
                event_names=tuple(it.get("event_names", ())),
                must_match=tuple(it["must_match"]),
                must_not_match=tuple(it["must_not_match"]),
                may_match=tuple(it.get("may_match", ())),
                variants=tuple(it.get("variants", ())),
                rejected=tuple(it.get("rejected", ())),
                notes=it.get("notes", ""),
            )
        )
    return tuple(items)


@lru_cache(maxsize=1)
def label_versions() -> tuple[str, ...]:
    """The benchmark versions whose item numbers name an item in titles and messages."""
    return tuple(_raw()["label_versions"])


def label_numbers(item: CisItem) -> str:
    """``4.3/5.3``: the item's numbers in the label versions, duplicates dropped."""
    numbers = [item.cis[v] for v in label_versions() if v in item.cis]
    return "/".join(dict.fromkeys(numbers))


def load_items() -> dict[str, CisItem]:
    """All 15 items by key, in benchmark order."""
    return {item.key: item for item in _load()}


def _item(item: CisItem | str) -> CisItem:
    return load_items()[item] if isinstance(item, str) else item


def judge(
    item: CisItem | str,
    matches: Callable[[dict[str, Any]], bool],
    required: Callable[[dict[str, Any]], bool] = lambda r: True,
) -> FilterVerdict:
    """Shared must_match / must_not_match judgement for any predicate over records."""
    item = _item(item)
    missed, overbroad, skipped = [], [], []
    for record in item.must_match:
        clean = strip_metadata(record)
        if not required(clean):
            skipped.append(describe(record))
        elif not matches(clean):
            missed.append(describe(record))
    for record in item.must_not_match:
        clean = strip_metadata(record)
        if required(clean) and matches(clean):
            overbroad.append(describe(record))
    return FilterVerdict(
        item.key, not missed and not overbroad, tuple(missed), tuple(overbroad), not_delivered=tuple(skipped)
    )


def judge_filter(item: CisItem | str, pattern_text: str) -> FilterVerdict:
    """Judge a CloudWatch Logs metric filter pattern against a CIS item."""
    # the filter pattern language only where a metric filter is met: a template without one never
    # loads its parser (issue 21)
    from ctguard.monitoring.filter_pattern import FilterPatternError, parse_filter_pattern

    key = _item(item).key
    try:
        pattern = parse_filter_pattern(pattern_text)
    except FilterPatternError as exc:
        return FilterVerdict(key, False, error=exc.message, column=exc.column)
    return judge(item, pattern.matches)


def best_item_for(pattern_text: str) -> tuple[str, FilterVerdict] | None:
    """Which item a filter was most likely written for: the one whose required records it
    catches most (ties broken by fewer over-broad catches); None if it catches none or is invalid."""
    best: tuple[tuple[int, int], str, FilterVerdict] | None = None
    for key, item in load_items().items():
        verdict = judge_filter(item, pattern_text)
        if verdict.error:
            return None
        caught = len(item.must_match) - len(verdict.missed)
        if caught == 0:
            continue
        score = (caught * 1000 // len(item.must_match), -len(verdict.overbroad))
        if best is None or score > best[0]:
            best = (score, key, verdict)
    return None if best is None else (best[1], best[2])
