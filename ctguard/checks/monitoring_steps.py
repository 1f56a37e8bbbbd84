"""Three-valued steps of the monitoring chain and how alternatives and links combine.

A chain is an AND of links (trail, log group, filter, metric, alarm, SNS action,
subscription); each link may have several candidates (two filters on the log group, two
alarms on the metric), which are an OR.  A step is PASS, FAIL or UNKNOWN with the depth of the
link it stopped at, so that among failing alternatives the one that got furthest is reported:
its first broken link is the most useful thing to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ctguard.findings import Status
from ctguard.location import Owner, Path

# Links, in chain order; the depth of a step is the index of the link it is about.
TRAIL, LOG_GROUP, FILTER, METRIC, ALARM, ACTION, SUBSCRIPTION = range(7)


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a monitoring chain (trail to log group to alarm ...) and how it was judged."""

    status: Status
    depth: int
    message: str
    owner: Owner | None = None
    path: Path = ()
    facts: tuple[str, ...] = field(default=(), compare=False)  # what a PASS went through

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS


def ok(depth: int, fact: str = "") -> Step:
    return Step(Status.PASS, depth, fact, facts=(fact,) if fact else ())


def fail(depth: int, message: str, owner: Owner | None = None, path: Path = ()) -> Step:
    return Step(Status.FAIL, depth, message, owner, path)


def unknown(depth: int, message: str, owner: Owner | None = None, path: Path = ()) -> Step:
    return Step(Status.UNKNOWN, depth, message, owner, path)


def any_of(steps: Iterable[Step], none: Step) -> Step:
    """OR of alternatives: a PASS wins, then the deepest UNKNOWN, then the deepest FAIL.

    ``none`` is the step when there is no alternative at all."""
    steps = list(steps)
    if not steps:
        return none
    for step in steps:
        if step.passed:
            return step
    unknowns = [s for s in steps if s.status is Status.UNKNOWN]
    pool = unknowns or steps
    return max(pool, key=lambda s: s.depth)  # max keeps the first of equals: input order


def all_of(first: Step, then: Callable[[], Step]) -> Step:
    """AND of a link and the rest of the chain: a FAIL anywhere fails (the first one is the
    broken link); an UNKNOWN with no FAIL after it is UNKNOWN."""
    if first.status is Status.FAIL:
        return first
    rest = then()
    if rest.status is Status.FAIL:
        return rest
    if first.status is Status.UNKNOWN:
        return first
    if rest.passed:
        return Step(Status.PASS, rest.depth, rest.message, rest.owner, rest.path, first.facts + rest.facts)
    return rest


def every(steps: Iterable[Step], depth: int) -> Step:
    """AND of independent conditions of one link (logging, multi-region, ...)."""
    steps = list(steps)
    for step in steps:
        if step.status is Status.FAIL:
            return step
    for step in steps:
        if step.status is Status.UNKNOWN:
            return step
    return ok(depth, "; ".join(s.message for s in steps if s.message))


__all__ = [
    "ACTION",
    "ALARM",
    "FILTER",
    "LOG_GROUP",
    "METRIC",
    "SUBSCRIPTION",
    "TRAIL",
    "Step",
    "all_of",
    "any_of",
    "every",
    "fail",
    "ok",
    "unknown",
]
