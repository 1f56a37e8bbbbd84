"""Glue for ``ctguard simulate``: trails from inputs, replay runs, diffs.  No printing here.

Trails come from any input ``ctguard check`` reads (CloudFormation, Terraform, plan JSON,
snapshots, describe-trails), through ``ctguard.api.load_inputs``.  A CloudFormation input with
Conditions yields one model per variant; each variant's trails are simulated separately and
labelled ``key [variant n]``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ctguard.simulate.evaluate import CompiledTrail, SimContext
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.simulate.replay import Replay, Shape
from ctguard.values import Known


class InputsUnusable(Exception):
    pass


@dataclass
class TrailSet:
    trails: list[CompiledTrail] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # trail label -> input path


def load_trails(paths: list[str], *, account: str | None = None, region: str | None = None,
                org_accounts: frozenset[str] | None = None, policy: SimPolicy = DEFAULT_POLICY,
                var_files: tuple[str, ...] = ()) -> TrailSet:
    from ctguard import api
    from ctguard.parsers.context import ParseContext

    out = TrailSet()
    problems: list[str] = []
    seen: set[str] = set()
    for parsed in api.load_inputs(paths, ParseContext(account_id=account, region=region, var_files=var_files)):
        if parsed.unusable:
            problems.extend(f"{parsed.path}: {p.message}" for p in parsed.problems if p.fatal)
            continue
        out.inputs.append(parsed.path)
        many = len(parsed.variants) > 1
        for n, model in enumerate(parsed.variants, 1):
            ctx = SimContext(
                account_id=account or _known(model.account_id),
                region=region or _known(model.region),
                organization_accounts=org_accounts,
                enabled_regions=_enabled(model),
                policy=policy,
            )
            for trail in model.trails:
                label = trail.key + (f" [variant {n}]" if many else "")
                if label in seen:
                    label = f"{parsed.path}:{label}"
                seen.add(label)
                out.trails.append(CompiledTrail(dataclasses.replace(trail, key=label), ctx))
                out.origin[label] = parsed.path
    if problems:
        raise InputsUnusable("; ".join(problems))
    return out


def _known(v: Any) -> Any:
    return v.value if isinstance(v, Known) else None


def _enabled(model: Any) -> dict[str, frozenset[str]]:
    acct, regions = _known(model.account_id), _known(model.enabled_regions)
    return {acct: frozenset(regions)} if acct and regions else {}


def run_replay(trails: list[CompiledTrail], batches: Iterable[Any], policy: SimPolicy,
               progress: Callable[[int], None] | None = None) -> Replay:
    replay = Replay(trails, policy)
    it = iter(batches)
    while (batch := next(it, None)) is not None:
        replay.add(batch.records)
        nbytes = batch.nbytes
        del batch  # not alive while the next file is parsed
        if progress is not None:
            progress(nbytes)
    return replay


def diff_shapes(shapes: Iterable[tuple[Shape, int]], n_old: int, top: int = 20) -> dict[str, Any]:
    """Gains and losses of "captured by any trail" between the first n_old trails and the rest."""
    gains: dict[tuple[str, str, str], int] = {}
    losses: dict[tuple[str, str, str], int] = {}
    unknown: dict[tuple[str, str, str], int] = {}
    totals = {"gained": 0, "lost": 0, "unchanged": 0, "unknown": 0}
    by_cat: dict[str, dict[str, int]] = {}
    for shape, count in shapes:
        old, new = _any(shape.verdicts[:n_old]), _any(shape.verdicts[n_old:])
        key = (shape.category, shape.source or "(none)", shape.name or "(none)")
        if old is None or new is None:
            state, bucket = "unknown", unknown
        elif old == new:
            state, bucket = "unchanged", None
        elif new:
            state, bucket = "gained", gains
        else:
            state, bucket = "lost", losses
        totals[state] += count
        by_cat.setdefault(shape.category, {"gained": 0, "lost": 0, "unchanged": 0, "unknown": 0})[state] += count
        if bucket is not None:
            bucket[key] = bucket.get(key, 0) + count

    def rows(d: dict[tuple[str, str, str], int]) -> list[dict[str, Any]]:
        return [{"category": k[0], "source": k[1], "name": k[2], "count": c}
                for k, c in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    return {**totals, "by_category": by_cat, "gained_events": rows(gains), "lost_events": rows(losses),
            "unknown_events": rows(unknown)}


def _any(verdicts: tuple[Any, ...]) -> bool | None:
    result: bool | None = False
    for v in verdicts:
        if v.captured is True:
            return True
        if v.captured is None:
            result = None
    return result


__all__ = ["InputsUnusable", "TrailSet", "diff_shapes", "load_trails", "run_replay"]
