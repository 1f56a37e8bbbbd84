"""Basic event selectors evaluated directly from R13-R18, without normalization.

The simulator itself never runs this: it normalizes basic selectors (normalize.py) and runs
one engine.  This module exists as the independent reading of the basic rules, so a property
test can show normalization never changes a verdict, and so explanations can say which *basic*
selector matched.  Results are three-valued ints: 1 match, 0 no match, 2 unknown.
"""

from __future__ import annotations

from ctguard.model import DataResource, EventSelector
from ctguard.simulate.catalogue import BASIC_TYPES, PREFIX_MATCHED_TYPES, all_resources_values
from ctguard.simulate.events import Event
from ctguard.simulate.logic import and3, or3
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.values import Unknown, resolve

DEFAULT_BASIC = (EventSelector(),)  # R10: ReadWriteType All, IncludeManagementEvents true


def evaluate_basic(selectors: tuple[EventSelector, ...], ev: Event, policy: SimPolicy = DEFAULT_POLICY) -> int:
    """R11: the event is captured iff it matches any selector; () means the R10 default."""
    return or3(0, *(match_basic(s, ev, policy) for s in selectors or DEFAULT_BASIC))


def match_basic(sel: EventSelector, ev: Event, policy: SimPolicy = DEFAULT_POLICY) -> int:
    rw = _read_write(sel, ev, policy)
    if rw is None:
        return 0  # an invalid ReadWriteType: AWS rejects the selector (R19)
    if ev.event_category == "Management":
        mgmt = resolve(sel.include_management_events, True)
        ime = 2 if isinstance(mgmt, Unknown) else int(bool(mgmt.value))
        return and3(rw, ime, _not_excluded(sel, ev))
    if ev.event_category == "Data":
        resources = resolve(sel.data_resources, ())
        if isinstance(resources, Unknown):
            return and3(rw, 2)
        return and3(rw, or3(0, *(_data_resource(d, ev, policy) for d in resources.value)))
    return 0  # R20: network activity (and anything else) never matches a basic selector


def _read_write(sel: EventSelector, ev: Event, policy: SimPolicy) -> int | None:
    """R13 with OPEN-Q1 for records without readOnly."""
    rw = resolve(sel.read_write_type, "All")
    if isinstance(rw, Unknown):
        return 2
    if rw.value == "All":
        return 1
    if rw.value not in ("ReadOnly", "WriteOnly"):
        return None
    if ev.read_only is None:
        return 2 if policy.read_only_missing == "unknown" else 0
    return int(ev.read_only == (rw.value == "ReadOnly"))


def _not_excluded(sel: EventSelector, ev: Event) -> int:
    """R15: ExcludeManagementEventSources removes management events of those sources."""
    excl = resolve(sel.exclude_management_event_sources, ())
    if isinstance(excl, Unknown):
        return 2
    if ev.event_source is None:
        return 1
    if ev.event_source in [v for v in excl.value if not isinstance(v, Unknown)]:
        return 0
    return 2 if any(isinstance(v, Unknown) for v in excl.value) else 1


def _data_resource(d: DataResource, ev: Event, policy: SimPolicy) -> int:
    """R16-R18: some value matches the ARN of a resource of the DataResource's type."""
    if isinstance(d.type, Unknown):
        return 2
    if d.type not in BASIC_TYPES:
        return 0
    typed = [r for r in ev.resources if r.type == d.type]
    if not typed:
        return 0
    known = [v for v in d.values if not isinstance(v, Unknown)]
    if set(known) & all_resources_values(d.type):
        return 1
    arns = [r.arn for r in typed if r.arn is not None and (policy.arn_prefix_as_arn or not r.is_prefix)]
    if d.type in PREFIX_MATCHED_TYPES:  # S3: values are prefixes of the object ARN (R17, OPEN-Q2)
        hit = any(a.startswith(v) for a in arns for v in known)
    else:  # Lambda, DynamoDB: exact ARNs (R17; DynamoDB by inference)
        hit = any(a == v for a in arns for v in known)
    if hit:
        return 1
    return 2 if any(isinstance(v, Unknown) for v in d.values) else 0
