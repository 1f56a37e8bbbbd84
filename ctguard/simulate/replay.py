"""Replay many records through several trails and count what each would capture.

The hot path avoids building an ``Event`` for records whose verdicts are fully determined by a
handful of top-level keys: such records are grouped under a *shape key* (eventSource,
eventName, eventCategory, eventType, managementEvent, readOnly and their types,
recipientAccountId, awsRegion, the STS host header, plus the raw value of any field a trail's
selectors name), and the verdicts are computed once per shape.  With strict_trail_fields (the
default) Management and NetworkActivity records ignore resources and userIdentity, which no
valid selector of theirs can read (R24).  Data records add what their resources can tell
the selectors: the resource types with, per ARN, the shortest prefix that decides every
resources.ARN condition (``arnprefix``; S3 object ARNs are unique, their bucket part is not),
or else each condition's outcome.  Every other record (Insights; records without
recipientAccountId; unhashable values) takes the full path
``Event.from_record`` → ``CompiledTrail.evaluate``.  ``test_replay`` checks that both paths give
the same verdict on every record of the shared dataset.
"""

from __future__ import annotations

import marshal
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, attrgetter
from typing import Any

from ctguard.gcpause import collector_paused
from ctguard.simulate.arnprefix import ArnPrefixes
from ctguard.simulate.catalogue import DATA_APIS, STS_SOURCE
from ctguard.simulate.evaluate import CompiledTrail, Verdict
from ctguard.simulate.events import Event, _resources
from ctguard.simulate.matcher import HIT_OPS
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.records import (
    RECORD_KEYS,
    Identity,
    Record,
    ResourceItem,
    TlsDetails,
    as_dict,
    resource_dicts,
)

_QUICK_KEYS = (
    "eventSource",
    "eventName",
    "eventCategory",
    "eventType",
    "readOnly",
    "managementEvent",
    "recipientAccountId",
    "awsRegion",
)
_N_QUICK = len(_QUICK_KEYS)
_KEY_NAMES = _QUICK_KEYS + ("eventTime",)
_PLAIN = frozenset({bool, str, type(None)})
# Quick-key answers: a shape index, CLOSER (the record needs ``_add_detailed``) or BY_DATA_KEY
# (a Data record whose verdict follows from the quick key plus what ``_data_key`` adds).
CLOSER, BY_DATA_KEY = -1, -2
_NOT_FOUND = frozenset({None, CLOSER, BY_DATA_KEY})
_DATA_NAMES = frozenset((s, n) for s, names in DATA_APIS.items() for n in names)
# Selector fields whose record value is not in the base shape key.
_EXTRA_FIELDS = {
    "errorCode": "errorCode",
    "vpcEndpointId": "vpcEndpointId",
    "sessionCredentialFromConsole": "sessionCredentialFromConsole",
}


@dataclass(frozen=True, slots=True)
class Shape:
    """What reports group by, and the verdict of every trail for records of this shape."""

    category: str
    source: str | None
    name: str | None
    read_only: bool | None
    account: str | None
    region: str | None
    verdicts: tuple[Verdict, ...]


def _key_objects(records: list[Any]) -> tuple[str, ...]:
    """The key names as the batch's own string objects, where the first record has them.

    ``json.loads`` shares one string object per distinct key across a document, so a lookup
    with that very object is decided by identity instead of a string comparison.
    """
    first = records[0] if records else None
    if type(first) is not dict:
        return _KEY_NAMES
    own = {k: k for k in first}
    return tuple([own.get(k, k) for k in _KEY_NAMES])


def detached(value: Any) -> Any:
    """A copy of a record (its keys that ``Event.from_record`` reads) or of a key tuple.

    Whatever outlives a batch (shape-key tuples, shapes, the trails' verdict caches) must not
    hold objects of the parsed log file: one surviving string keeps its 16 KiB allocator pool
    in use, and a few thousand such pools scattered over the first files' memory make every
    later file parse and free into fragmented pools (replay/floor on 100,000 records: 1.42
    before, 1.15 after).
    Copies are made only when a key is new, so their count is bounded by the archive's variety.
    """
    kind = type(value)
    if kind is tuple:
        return tuple([detached(v) for v in value])
    if value is None or kind is bool or kind is type:
        return value
    if kind is dict:
        get = value.get
        value = {k: get(k) for k in RECORD_KEYS if k in value}
    elif kind is Record and kind is not None:
        value = as_dict(value)
    return marshal.loads(marshal.dumps(value))


def _columns(records: list[Any], n: int) -> list[list[Any]]:
    """The first ``n`` of ``_KEY_NAMES`` as columns over the batch, each in one C-level pass.

    Raises TypeError for a batch that is neither all dicts nor all ``Record`` structs.
    """
    if Record is not None and records and type(records[0]) is Record:
        if set(map(type, records)) != {Record}:
            raise TypeError("mixed batch")
        return [list(map(attrgetter(k), records)) for k in _KEY_NAMES[:n]]
    names = _key_objects(records)
    return [list(map(dict.get, records, repeat(k))) for k in names[:n]]


_QUICK_GETTER = attrgetter(*_QUICK_KEYS)


def _quick_keys(records: list[Any]) -> tuple[list[tuple[Any, ...]], bool]:
    """The 8-key tuple of every record, and whether every readOnly and managementEvent is a
    bool, None or a string.

    Raises TypeError for a batch that is neither all dicts nor all ``Record`` structs.
    """
    if Record is not None and records and type(records[0]) is Record:
        if set(map(type, records)) != {Record}:
            raise TypeError("mixed batch")
        # One C call per record builds its tuple straight from the struct, whose decoder
        # admits only those types for the two fields (records.py).
        return list(map(_QUICK_GETTER, records)), True
    columns = _columns(records, _N_QUICK)
    plain = set(map(type, columns[4])) <= _PLAIN and set(map(type, columns[5])) <= _PLAIN
    return list(zip(*columns, strict=False)), plain


def _times(records: list[Any]) -> list[Any]:
    """The eventTime column (TypeError as ``_columns``)."""
    if Record is not None and records and type(records[0]) is Record:
        if set(map(type, records)) != {Record}:
            raise TypeError("mixed batch")
        return list(map(_EVENT_TIME, records))
    return list(map(dict.get, records, repeat(_key_objects(records)[-1])))


_EVENT_TIME = attrgetter("eventTime")
_RESOURCES = attrgetter("resources")


def _field(rec: Any, name: str) -> Any:
    return getattr(rec, name) if Record is not None and type(rec) is Record else None


class Replay:
    """Feed batches of raw records; read ``shapes()`` (shape, count) and the time span."""

    def __init__(self, trails: list[CompiledTrail], policy: SimPolicy) -> None:
        self.trails = trails
        self.policy = policy
        self.records = 0
        self.first_time: str | None = None
        self.last_time: str | None = None
        self._fast: dict[tuple[Any, ...], int] = {}
        self._quick: dict[tuple[Any, ...], int] = {}
        self._by_data_key: dict[tuple[Any, ...], int] = {}
        self._slow: dict[tuple[Any, ...], int] = {}
        self._shapes: list[Shape] = []
        # Counts live in a C array: a list of ints would allocate a new int object on every
        # increment above 256, scattered among the parsed file's objects and outliving them.
        self._counts = array("q")
        fields: set[str] = set()
        for t in trails:
            for sel in t.normalized.selectors:
                for fs in sel.field_selectors:
                    if isinstance(fs.field, str):
                        fields.add(fs.field)
        self._uses_resources = bool(fields & {"resources.type", "resources.ARN"})
        self._uses_identity = "userIdentity.arn" in fields
        self._extra = tuple(_EXTRA_FIELDS[f] for f in sorted(fields & set(_EXTRA_FIELDS)))
        self._no_fast = bool(policy.extra_global_sources) or not policy.recipient_falls_back_to_caller
        # Conditions that read ARNs; their per-record outcome stands in for the ARNs in the key.
        self._arn_conds = tuple(
            cond
            for t in trails
            for sel in t.selectors.compiled
            for cond in sel.conditions
            if cond.field == "resources.ARN" and cond.always < 0
        )
        self._prefixes = ArnPrefixes(self._arn_conds)
        # Data keys hold the resources key alone: then whole batches can be keyed at once.
        self._only_resources = (
            self._uses_resources and bool(self._arn_conds) and not self._uses_identity and not self._extra
        )

    # -- hot path ---------------------------------------------------------------------------
    def add(self, records: list[Any]) -> None:
        # The loop allocates short-lived tuples while a whole parsed log file is alive; the
        # cyclic GC would otherwise traverse that file's objects again and again (it costs
        # about a third of the replay).  Nothing here creates reference cycles.
        with collector_paused():
            self._add(records)
        self.records += len(records)
        self._span(records)

    def _add(self, records: list[Any]) -> None:
        """First pass, in C: an 8-key tuple per record, looked up in one go.

        Columns of ``dict.get`` results are zipped into one tuple per record and looked up with
        ``map`` (both loops run in C); the shape indexes found are tallied by ``Counter`` over
        small ints, so no tuple is compared twice.  Python then works only on records whose
        tuple is new or needs a closer look.  The tuple ignores the types of readOnly and
        managementEvent, so it is used only for a batch in which every one of them is a bool,
        None or a string (checked for the whole batch): then ``1 == True`` cannot make two
        records share an entry.  Tuples whose shape is not fully determined by the 8 keys map
        to CLOSER and their records go through ``_add_detailed``; those of Data records whose
        shape follows from the resources (and the other fields their selectors read) map to
        BY_DATA_KEY and their records go through ``_add_by_data_key``.
        """
        try:
            keys, plain = _quick_keys(records)
        except TypeError:  # a record that is not a JSON object
            self._add_detailed(records)
            return
        if not plain:
            self._add_detailed(records)
            return
        quick = self._quick
        try:
            found = list(map(quick.get, keys))
        except TypeError:  # an unhashable value somewhere in the batch
            self._add_detailed(records)
            return
        counts = self._counts
        rest = 0
        for index, n in Counter(found).items():
            if index is None or index < 0:
                rest += n
            else:
                counts[index] += n
        if not rest:
            return
        # The records behind new tuples and tuples that need a closer look.
        mask = list(map(_NOT_FOUND.__contains__, found))
        closer = []
        data: list[Any] = []
        data_quick: list[tuple[Any, ...]] = []
        miss = self._quick_miss
        for rec, index, key in zip(
            compress(records, mask),
            compress(found, mask),
            compress(keys, mask),
            strict=False,
        ):
            if index is None:  # first sighting (or seen earlier in this loop)
                index = quick.get(key)
                if index is None:
                    index = miss(detached(key), rec)
            if index >= 0:
                counts[index] += 1
            elif index == BY_DATA_KEY:
                data.append(rec)
                data_quick.append(key)
            else:
                closer.append(rec)
        if data:
            self._add_by_data_key(data, data_quick)
        if closer:
            self._add_detailed(closer)

    def _quick_miss(self, key: tuple[Any, ...], rec: dict[str, Any]) -> int:
        src, name, cat, etype, _ro, me, acct, _region = key
        policy = self.policy
        complete = (
            policy.strict_trail_fields
            and not policy.extra_global_sources
            and policy.recipient_falls_back_to_caller
            and type(acct) is str
            and src != STS_SOURCE
            and etype != "AwsCloudTrailInsight"
            and (
                cat == "Management"
                or (cat == "NetworkActivity" and not self._extra)
                or (
                    not cat
                    and etype != "AwsVpceEvent"
                    and (
                        me is True
                        or (me is None and not (policy.use_data_api_catalogue and (src, name) in _DATA_NAMES))
                    )
                )
            )
        )
        index = CLOSER
        if complete:
            ev = Event.from_record(detached(rec), policy)
            if ev.event_category != "Insight":
                index = self._shape_index(ev)
        elif (
            cat == "Data"
            and not self._no_fast
            and type(acct) is str
            and src != STS_SOURCE
            and etype != "AwsCloudTrailInsight"
        ):
            index = BY_DATA_KEY  # the key _add_detailed would build: these 8 values, then _data_key's
        self._quick[key] = index
        return index

    def _add_by_data_key(self, records: list[Any], quick_keys: list[tuple[Any, ...]]) -> None:
        """Data records with their quick keys: the quick key plus ``_data_key`` is the key
        ``_add_detailed`` builds for them (the same values; types of readOnly and
        managementEvent need not be added, see ``_add``), looked up in a table of its own.
        When only resources are added, the records ``ArnPrefixes.keys_of_structs`` cuts are
        keyed and counted in C-level passes (``_add_cut``), the rest here one by one."""
        table, counts = self._by_data_key, self._counts
        if self._only_resources and type(records[0]) is Record and Record is not None:
            cuts = self._prefixes.keys_of_structs(list(map(_RESOURCES, records)))
            if cuts is not None:
                records, quick_keys = self._add_cut(records, quick_keys, cuts)
        data_key, slow = self._data_key, self._add_slow
        for rec, quick in zip(records, quick_keys, strict=True):
            try:
                key = quick + data_key(rec)
                index = table[key]
            except KeyError:
                self._new_fast(detached(key), rec, table)
                continue
            except TypeError:  # an unhashable value somewhere: evaluate this one directly
                slow(rec)
                continue
            counts[index] += 1

    def _add_cut(
        self, records: list[Any], quick_keys: list[tuple[Any, ...]], cuts: list[tuple[str, ...] | None]
    ) -> tuple[list[Any], list[tuple[Any, ...]]]:
        """Count the records that have a cut, in C-level passes; return the others."""
        rest: tuple[list[Any], list[tuple[Any, ...]]] = ([], [])
        if None in cuts:
            has = [c is not None for c in cuts]
            lacks = [not h for h in has]
            rest = list(compress(records, lacks)), list(compress(quick_keys, lacks))
            records, quick_keys = list(compress(records, has)), list(compress(quick_keys, has))
            cuts = list(compress(cuts, has))
        table, counts = self._by_data_key, self._counts
        # quick + (_resource_key(raw),), with _resource_key(raw) == (cut,)
        keys = list(map(add, quick_keys, zip(zip(cuts))))
        found = list(map(table.get, keys))
        for index, n in Counter(found).items():
            if index is not None:
                counts[index] += n
        if None in found:
            for rec, key, index in zip(records, keys, found, strict=True):
                if index is None:
                    index = table.get(key)  # met earlier in this loop
                    if index is None:
                        self._new_fast(detached(key), rec, table)
                    else:
                        counts[index] += 1
        return rest

    def _data_key(self, rec: Any) -> tuple[Any, ...]:
        """What a Data record adds to its key: the resources key, userIdentity.arn, extra fields."""
        get: Callable[[str], Any] = rec.get if type(rec) is dict else rec.__getattribute__
        key: tuple[Any, ...] = ()
        if self._uses_resources:
            raw = get("resources")
            key += (self._resource_key(raw) if raw else None,)
        if self._uses_identity:
            ident = get("userIdentity")
            nested = type(ident)
            if nested is dict:
                key += (ident.get("arn"),)
            else:
                key += (ident.arn if nested is Identity and nested is not None else None,)
        if self._extra:
            key += tuple(get(f) for f in self._extra)
        return key

    def _add_detailed(self, records: list[Any]) -> None:
        fast, counts = self._fast, self._counts
        # With strict_trail_fields, a record whose eventCategory is literally "Management" gets
        # its verdict from the base key alone; otherwise never skip the other fields.
        strict = self.policy.strict_trail_fields
        mgmt = "Management" if strict else object()
        net = "NetworkActivity" if strict else object()
        # Records without eventCategory: Management unless managementEvent or the data-API
        # catalogue (OPEN-Q7) says otherwise, as events._category derives it.
        data_names = _DATA_NAMES if self.policy.use_data_api_catalogue else frozenset()
        uses_res, uses_id, extra = self._uses_resources, self._uses_identity, self._extra
        slow, resource_key = self._add_slow, self._resource_key
        for rec in records:
            kind = type(rec)
            if kind is dict:
                get = rec.get
            elif kind is Record and kind is not None:  # every field is set (None when absent)
                get = rec.__getattribute__
            else:
                slow(rec)
                continue
            src, acct, etype, cat = (
                get("eventSource"),
                get("recipientAccountId"),
                get("eventType"),
                get("eventCategory"),
            )
            if type(acct) is not str or etype == "AwsCloudTrailInsight":
                slow(rec)
                continue
            try:
                ro, me, name = get("readOnly"), get("managementEvent"), get("eventName")
                key: tuple[Any, ...] = (src, name, cat, etype, ro, type(ro), me, type(me), acct, get("awsRegion"))
                if src == STS_SOURCE:  # global or regional endpoint (OPEN-Q3): the host decides
                    tls = get("tlsDetails")
                    nested = type(tls)
                    if nested is dict:
                        key += (tls.get("clientProvidedHostHeader"),)
                    else:
                        key += (tls.clientProvidedHostHeader if nested is TlsDetails and nested is not None else None,)
                if cat == mgmt or (
                    not cat
                    and etype != "AwsVpceEvent"
                    and strict
                    and (me is True or (me is None and (src, name) not in data_names))
                ):
                    pass  # strict trails: Management selectors read only eventCategory, eventSource, readOnly (R24)
                elif cat == net:
                    if extra:  # network activity selectors never read resources or userIdentity (R24)
                        key += tuple(get(f) for f in extra)
                else:
                    if uses_res:  # ARNs are nearly unique: key on what each ARN condition makes of them
                        raw = get("resources")
                        key += (resource_key(raw) if raw else None,)
                    if uses_id:
                        ident = get("userIdentity")
                        nested = type(ident)
                        if nested is dict:
                            key += (ident.get("arn"),)
                        else:
                            key += (ident.arn if nested is Identity and nested is not None else None,)
                    if extra:
                        key += tuple(get(f) for f in extra)
                index = fast[key]
            except KeyError:
                self._new_fast(detached(key), rec, fast)
                continue
            except TypeError:  # an unhashable value somewhere: evaluate this one directly
                slow(rec)
                continue
            counts[index] += 1

    def _resource_key(self, raw: Any) -> tuple[Any, ...]:
        """What the selectors can learn from a record's resources, as a hashable key.

        resources.type conditions see the types (in order, for the explanation's hit value);
        every resources.ARN condition is run here on the record's ARNs and only its outcome
        (and, for a DESELECT hit, the selector value that hit) enters the key.  Records with
        equal keys get equal codes from every condition, hence equal verdicts.  When a short
        prefix of every ARN decides all those conditions (``arnprefix``), the types and prefixes
        are the key and no condition runs.
        """
        if self._arn_conds:
            cut = self._prefixes.key(raw)
            if cut is not None:
                return (cut,)  # one element: never equal to the (types, outcomes) pair below
        if ResourceItem is not None:
            raw = resource_dicts(raw)  # a Record's items are structs
        res = _resources(raw)
        types = tuple([r.type for r in res])
        if not self._arn_conds:
            return types
        outcomes = []
        for cond in self._arn_conds:
            values = cond.arn_values(res)
            code = cond.test_many(values)
            outcomes.append(code if code not in HIT_OPS else (code, cond.hit_value_in(values, code)))
        return types, tuple(outcomes)

    def _span(self, records: list[Any]) -> None:
        # eventTime span in C-level passes (ISO-8601 UTC strings sort as times).
        try:
            times: list[Any] = _times(records)
        except TypeError:  # a record that is not a JSON object
            times = [r.get("eventTime") if type(r) is dict else _field(r, "eventTime") for r in records]
        if set(map(type, times)) != {str}:
            times = [t for t in times if type(t) is str]
        if times:
            lo, hi = min(times), max(times)
            if self.first_time is None or lo < self.first_time:
                self.first_time = detached(lo)
            if self.last_time is None or hi > self.last_time:
                self.last_time = detached(hi)

    def _new_fast(self, key: tuple[Any, ...], rec: dict[str, Any], table: dict[tuple[Any, ...], int]) -> None:
        if self._no_fast:
            self._add_slow(rec)
            return
        ev = Event.from_record(detached(rec), self.policy)
        index = self._shape_index(ev)
        if ev.event_category != "Insight":  # eventCategory "Insight" without the eventType: never cached
            table[key] = index
        self._counts[index] += 1

    def _add_slow(self, rec: Any) -> None:
        ev = Event.from_record(detached(rec), self.policy)
        self._counts[self._shape_index(ev)] += 1

    def _shape_index(self, ev: Event) -> int:
        verdicts = tuple(t.evaluate(ev) for t in self.trails)
        key = (
            ev.event_category,
            ev.event_source,
            ev.event_name,
            ev.read_only,
            ev.recipient_account_id,
            ev.aws_region,
            tuple(id(v) for v in verdicts),
        )
        index = self._slow.get(key)
        if index is None:
            index = self._slow[key] = len(self._shapes)
            self._shapes.append(
                Shape(
                    ev.event_category,
                    ev.event_source,
                    ev.event_name,
                    ev.read_only,
                    ev.recipient_account_id,
                    ev.aws_region,
                    verdicts,
                )
            )
            self._counts.append(0)
        return index

    # -- results ----------------------------------------------------------------------------
    def shapes(self) -> Iterable[tuple[Shape, int]]:
        return ((s, c) for s, c in zip(self._shapes, self._counts, strict=False) if c)

    def counts(self) -> array[int]:
        """A copy of the per-shape counts, for ``shapes_since``."""
        return array("q", self._counts)

    def shapes_since(self, before: array[int]) -> list[tuple[Shape, int]]:
        """(shape, count) of what was added after ``counts()`` gave ``before``, in shape order."""
        n = len(before)
        out = []
        for i, (s, c) in enumerate(zip(self._shapes, self._counts, strict=False)):
            added = c - before[i] if i < n else c
            if added:
                out.append((s, added))
        return out


def verdicts_for(trails: list[CompiledTrail], record: Any, policy: SimPolicy) -> tuple[Event, list[Verdict]]:
    ev = Event.from_record(record, policy)
    return ev, [t.evaluate(ev) for t in trails]


__all__ = ["Replay", "Shape", "verdicts_for"]
