"""Resources keys that stand for whole ARNs: the shortest '/'-prefix that decides every condition.

S3 object ARNs are unique per record, so a replay that keys data records on their ARNs
would never hit its cache.  But a trail's resources.ARN conditions (R22, R26) usually look only
at the bucket part: every ARN that starts with ``P`` answers each selector value ``v`` alike when

- ``StartsWith``/``NotStartsWith v``: ``v`` is no longer than ``P`` (then ``a.startswith(v)`` is
  ``P.startswith(v)``), or ``v`` does not start with ``P`` (then no such ARN starts with ``v``);
- ``Equals``/``NotEquals v``: ``v`` does not start with ``P`` (then no such ARN equals ``v``).

Such a ``P`` is "deciding", and ``P`` stands in for the ARN in the key: every condition then gives
every ARN under ``P`` the same code and the same DESELECT hit value, hence the same verdict.  The
cuts tried are the ARN up to and including each '/', shortest first (the partition, service,
region and account parts never hold one).  ``EndsWith``/``NotEndsWith`` look at the other end,
so with any such value no ARN is cut.  Anything else (no deciding cut, ARNPrefix resources,
the lower-case ``arn`` spelling, non-string values) returns None: the caller then runs the
exact conditions on the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice, repeat
from operator import add, attrgetter, itemgetter
from typing import Any

from ctguard.simulate.matcher import Condition
from ctguard.simulate.records import ResourceItem

# Deciding-or-not answers remembered per cut; cleared when full so memory stays flat on an
# archive whose deeper cuts are all different.
_MEMO_LIMIT = 1 << 16


class ArnPrefixes:
    """``key(raw_resources)``: per resource its type and deciding cut (None: test exactly)."""

    __slots__ = ("_equals", "_memo", "_starts", "enabled")

    def __init__(self, conditions: Iterable[Condition]) -> None:
        conds = tuple(conditions)
        self.enabled = bool(conds) and not any(c.ew or c.new for c in conds)
        self._starts = frozenset(v for c in conds for v in c.sw + c.nsw)
        self._equals = frozenset(v for c in conds for v in c.eq | c.neq)
        self._memo: dict[str, bool] = {}

    def deciding(self, prefix: str) -> bool:
        """Whether every ARN that starts with ``prefix`` gets the same answer from every value."""
        n = len(prefix)
        return not any(len(v) > n and v.startswith(prefix) for v in self._starts) and not any(
            v.startswith(prefix) for v in self._equals
        )

    def cut(self, arn: str) -> str | None:
        """The shortest deciding '/'-prefix of ``arn`` (the ARN itself if it has no '/'), or None."""
        memo = self._memo
        j = arn.find("/")
        if j < 0:
            return arn
        while j >= 0:
            prefix = arn[: j + 1]
            ok = memo.get(prefix)
            if ok is None:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                ok = memo[prefix] = self.deciding(prefix)
            if ok:
                return prefix
            j = arn.find("/", j + 1)
        return None

    def key(self, raw: Any) -> tuple[str, ...] | None:
        """Type and cut of each resource of a record's ``resources`` list, flattened; or None."""
        if not self.enabled or type(raw) is not list:
            return None
        out: list[str] = []
        cut = self.cut
        for item in raw:
            what = type(item)
            if what is ResourceItem and what is not None:
                kind, arn = item.type, item.ARN
            elif what is dict:
                kind, arn = item.get("type"), item.get("ARN")
            else:
                return None
            if type(kind) is not str or type(arn) is not str:
                return None
            prefix = cut(arn)
            if prefix is None:
                return None
            out.append(kind)
            out.append(prefix)
        return tuple(out)

    def keys_of_structs(self, raws: list[Any]) -> list[tuple[str, ...] | None] | None:
        """``key`` of every resources list of a batch of ``Record``s at once, or None.

        In C-level passes when every list is non-empty and every item a ``ResourceItem`` with a
        string type and ARN (else None: the caller keys record by record).  A record with an
        ARN whose first-'/' cut does not decide gets ``key`` (a deeper cut, or None).
        """
        if not self.enabled or ResourceItem is None or not raws or set(map(type, raws)) != {list}:
            return None
        lens = list(map(len, raws))
        if not all(lens):
            return None
        items = list(chain.from_iterable(raws))
        if set(map(type, items)) != {ResourceItem}:
            return None
        kinds, arns = list(map(_TYPE, items)), list(map(_ARN, items))
        if set(map(type, kinds)) != {str} or set(map(type, arns)) != {str}:
            return None
        parts = list(map(str.partition, arns, repeat("/")))
        seps = list(map(_SEP, parts))
        heads = list(map(add, map(_HEAD, parts), seps))  # up to the first '/'; the ARN if none
        memo = self._memo
        known = list(map(memo.get, heads))
        deeper: set[int] = set()  # records with an ARN whose first cut does not decide
        if not all(known):
            record_of = list(chain.from_iterable(map(repeat, range(len(lens)), lens)))
            for i, (head, sep, ok) in enumerate(zip(heads, seps, known, strict=True)):
                if ok is None and sep:
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    ok = memo[head] = self.deciding(head)
                if not ok and sep:
                    deeper.add(record_of[i])
        flat = iter(list(chain.from_iterable(zip(kinds, heads, strict=True))))
        keys: list[tuple[str, ...] | None] = [tuple(islice(flat, 2 * n)) for n in lens]
        for r in deeper:
            keys[r] = self.key(raws[r])
        return keys


_TYPE, _ARN = attrgetter("type"), attrgetter("ARN")
_HEAD, _SEP = itemgetter(0), itemgetter(1)

__all__ = ["ArnPrefixes"]
