"""CIS monitoring items (CT501-CT515): walk the chain and name the first broken link.

trail (logging, multi-region, read+write management events) -> its CloudWatch Logs group ->
a metric filter on that group whose pattern *means* the item (``monitoring.cis``) -> its metric
(name and namespace) -> an alarm on that metric that one event triggers -> an SNS action ->
a subscription.  Or: an enabled EventBridge rule on the default bus whose pattern matches the
same CloudTrail records, with a target (while some trail logs).

Each policy names its item in ``params.item``.  The finding is about the account (the input):
PASS when some chain or rule is complete, UNKNOWN when one could be but a link is defined
outside the input, FAIL with the first broken link of the chain that got furthest.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache, partial
from typing import Any, cast

from ctguard.checks.monitoring_links import (
    Group,
    action_step,
    alarm_settings_step,
    display,
    log_group_step,
    logging_trail_step,
    trail_step,
)
from ctguard.checks.monitoring_steps import (
    ACTION,
    ALARM,
    FILTER,
    LOG_GROUP,
    METRIC,
    TRAIL,
    Step,
    all_of,
    any_of,
    fail,
    ok,
    unknown,
)
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import symbolic
from ctguard.iam.tri import t_and
from ctguard.model import EventRule, MetricFilter, Model
from ctguard.monitoring.cis import CisItem, FilterVerdict, judge_filter, label_numbers, load_items
from ctguard.values import Known, Symbolic, Unknown, contains_unknown, resolve, show

_ALL_MANAGEMENT = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def label(item: CisItem) -> str:
    """``CIS 4.3/5.3 (root account usage)``"""
    return f"CIS {label_numbers(item)} ({item.title})"


def _shown(names: tuple[str, ...], limit: int = 2) -> str:
    head = ", ".join(names[:limit])
    return head + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _verdict_text(verdict: FilterVerdict) -> str:
    if verdict.error:
        return f"has an invalid pattern (column {verdict.column}: {verdict.error})"
    parts = []
    if verdict.missed:
        parts.append(f"misses {_shown(verdict.missed)}")
    if verdict.overbroad:
        parts.append(f"also matches unrelated {_shown(verdict.overbroad)}")
    return " and ".join(parts)


@lru_cache(maxsize=4096)
def _judge(key: str, pattern: str) -> FilterVerdict:
    """Filters repeat across policies, variants and inputs: judge each text once per item."""
    return judge_filter(key, pattern)


def _caught(item: CisItem, verdict: FilterVerdict) -> int:
    return 0 if verdict.error else len(item.must_match) - len(verdict.missed)


# --- filter -> metric -> alarm -> action ---------------------------------------------------


def _on_group(model: Model, flt: MetricFilter, group: Group) -> bool | Unknown:
    if flt.log_group is not None and model.resource("log_group", flt.log_group) is not None and group.key is not None:
        return flt.log_group == group.key
    name = flt.log_group_name
    if isinstance(name, Unknown):
        return Unknown(f"the log group of metric filter {display_filter(flt)} is not known: {name.reason}")
    if not isinstance(name, Known):
        return False
    if isinstance(group.name, Unknown):
        return Unknown(f"the name of log group {group.label} is not known: {group.name.reason}")
    region = flt.region.value if isinstance(flt.region, Known) else None
    if region and group.region and region != group.region:
        return False
    return name.value == group.name.value


def display_filter(flt: MetricFilter) -> str:
    name = flt.filter_name
    if isinstance(name, Known) and isinstance(name.value, str) and name.value and "${" not in name.value:
        return name.value
    return flt.key


def _same_metric_part(ours: Any, theirs: Any) -> bool | Unknown:
    """A metric name or namespace against an alarm's: equal, different, or Unknown. The same
    deploy-time expression on both sides (``${AWS::StackName}``) is the same for every stack."""
    if isinstance(theirs, Known) and isinstance(ours, Known):
        return bool(theirs.value == ours.value)
    if not isinstance(theirs, (Known, Unknown)):
        return False
    for value in (ours, theirs):
        if isinstance(value, Unknown) and not isinstance(value, Symbolic):
            return value
    # the loop above returned every plain Unknown, so what is not Symbolic is Known
    items = [
        symbolic.value_items(v) if isinstance(v, Symbolic) else symbolic.literal_items(str(cast(Known[Any], v).value))
        for v in (ours, theirs)
    ]
    return symbolic.match_items(*items)


def _alarms_for(model: Model, flt: MetricFilter, index: int, transformation: Any) -> Step:
    owner, path = ("metric_filter", flt.key), ("transformations", index, "metric_name")
    metric, namespace = transformation.metric_name, transformation.metric_namespace
    for what, value in (("metric name", metric), ("metric namespace", namespace)):
        if isinstance(value, Unknown) and not isinstance(value, Symbolic):
            return unknown(METRIC, f"metric filter {display_filter(flt)}'s {what}: {value.reason}", owner, path)
        if not isinstance(value, (Known, Symbolic)):
            return fail(METRIC, f"metric filter {display_filter(flt)} publishes no {what}", owner, path)
    shown = (
        f"{show(namespace.value if isinstance(namespace, Known) else namespace)}/"
        f"{show(metric.value if isinstance(metric, Known) else metric)}"
    )
    steps: list[Step] = []
    for alarm in model.all("alarm"):
        same = t_and([_same_metric_part(metric, alarm.metric_name), _same_metric_part(namespace, alarm.namespace)])
        if same is False:
            continue
        if isinstance(same, Unknown):
            steps.append(
                unknown(
                    ALARM,
                    f"the metric of alarm {display(alarm, alarm.key)} is not known: {same.reason}",
                    ("alarm", alarm.key),
                    ("metric_name",),
                )
            )
            continue
        if isinstance(alarm.region, Known) and isinstance(flt.region, Known) and alarm.region.value != flt.region.value:
            continue  # metrics are regional: an alarm elsewhere watches another metric of the same name
        steps.append(
            all_of(alarm_settings_step(alarm, transformation.metric_value), partial(action_step, model, alarm))
        )
    return any_of(steps, fail(ALARM, f"metric {shown} has no alarm", owner, path))


def _metric_step(model: Model, flt: MetricFilter) -> Step:
    owner, path = ("metric_filter", flt.key), ("transformations",)
    transformations = flt.transformations
    if isinstance(transformations, Unknown):
        return unknown(METRIC, f"metric filter {display_filter(flt)}'s metric: {transformations.reason}", owner, path)
    members = transformations.value if isinstance(transformations, Known) else ()
    return any_of(
        (_alarms_for(model, flt, i, t) for i, t in enumerate(members)),
        fail(METRIC, f"metric filter {display_filter(flt)} publishes no metric", owner, path),
    )


def _filter_steps(
    model: Model,
    item: CisItem,
    filters: Iterable[MetricFilter],
    where: str,
    owner: Any = None,
    path: tuple[str, ...] = (),
) -> Step:
    """Filters (all on one log group): a passing one continues the chain; else the best miss."""
    steps: list[Step] = []
    misses: list[tuple[int, int, Step]] = []
    for flt in filters:
        here, at = ("metric_filter", flt.key), ("pattern",)
        pattern = resolve(flt.pattern, "")
        if isinstance(pattern, Unknown):
            steps.append(
                unknown(
                    FILTER,
                    f"the pattern of metric filter {display_filter(flt)} is not known: {pattern.reason}",
                    here,
                    at,
                )
            )
            continue
        verdict = _judge(item.key, str(pattern.value))
        if verdict.passes:
            steps.append(all_of(ok(FILTER, f"metric filter {display_filter(flt)}"), partial(_metric_step, model, flt)))
            continue
        message = (
            f"{where} has no metric filter matching {label(item)} (filter {display_filter(flt)} "
            f"{_verdict_text(verdict)})"
        )
        misses.append((_caught(item, verdict), -len(verdict.overbroad), fail(FILTER, message, here, at)))
    if misses:
        best = max(misses, key=lambda m: (m[0], m[1]))
        if best[0] > 0:  # a filter that catches none of the item's events was not written for it
            steps.append(best[2])
    return any_of(steps, fail(FILTER, f"{where} has no metric filter for {label(item)}", owner, path))


def _group_chain(model: Model, item: CisItem, group: Group) -> Step:
    on_group: list[MetricFilter] = []
    pending: list[Step] = []
    for flt in model.all("metric_filter"):
        hit = _on_group(model, flt, group)
        if isinstance(hit, Unknown):
            pending.append(
                all_of(
                    unknown(LOG_GROUP, hit.reason, ("metric_filter", flt.key), ("log_group_name",)),
                    partial(_filter_steps, model, item, [flt], "the log group"),
                )
            )
        elif hit:
            on_group.append(flt)
    where = f"log group {group.label}"
    if on_group:
        found = _filter_steps(model, item, on_group, where, group.owner, group.path)
    elif _other_account(model, group):
        # An organization trail seen from a member account: the log group and its filters live in
        # the management account (prowler #2438 fails every item here).
        found = unknown(
            FILTER,
            f"{where} is in account {group.account}, whose metric filters cannot be seen from this one",
            group.owner,
            group.path,
        )
    elif group.key is None and not isinstance(model.audited_regions, Known):
        # The log group is defined outside this input, so its filters may well be too.
        found = unknown(
            FILTER,
            f"{where} is defined outside this input, and so may be its metric filters "
            f"(none here matches {label(item)})",
            group.owner,
            group.path,
        )
    else:
        found = fail(
            FILTER,
            f"{where} has no metric filter for {label(item)}{_elsewhere(model, item, group)}",
            group.owner,
            group.path,
        )
    return any_of([found, *pending], found)


def _other_account(model: Model, group: Group) -> bool:
    account = model.account_id
    return bool(group.account and isinstance(account, Known) and account.value and account.value != group.account)


def _elsewhere(model: Model, item: CisItem, group: Group) -> str:
    """Name a filter that would do, but sits on a log group no trail writes to."""
    for flt in model.all("metric_filter"):
        pattern, target = flt.pattern, flt.log_group_name
        if isinstance(pattern, Known) and isinstance(target, Known) and _judge(item.key, str(pattern.value)).passes:
            linked = model.resource("log_group", flt.log_group)
            shown = display(linked, linked.key) if linked is not None else target.value
            return (
                f" (metric filter {display_filter(flt)} matches it but is on log group {shown}, "
                "which no trail writes to)"
            )
    return ""


def _trail_chain(model: Model, item: CisItem, trail: Any) -> Step:
    def after_trail() -> Step:
        step, group = log_group_step(model, trail)
        if group is None:
            return step
        return all_of(step, lambda: _group_chain(model, item, group))

    return all_of(trail_step(trail), after_trail)


def _orphan_chain(model: Model, item: CisItem) -> Step | None:
    """Without a trail in the input (a monitoring stack): the filters still count, but whether a
    trail writes to their log group is decided outside the input."""
    filters = model.all("metric_filter")
    if not filters:
        return None
    outside = unknown(
        TRAIL,
        "no trail in this input; whether a logging, multi-region trail with read and write "
        "management events writes to the filter's log group is defined outside it",
    )
    return all_of(outside, lambda: _filter_steps(model, item, filters, "this input"))


# --- EventBridge ---------------------------------------------------------------------------


def _rule_step(model: Model, item: CisItem, rule: EventRule) -> Step | None:
    """None for rules that have nothing to do with the item (another bus, no required event)."""
    name, owner = display(rule, rule.key), ("event_rule", rule.key)
    bus = resolve(rule.event_bus, "default")
    if isinstance(bus, Unknown):
        return unknown(
            FILTER, f"the event bus of EventBridge rule {name} is not known: {bus.reason}", owner, ("event_bus",)
        )
    if str(bus.value) != "default" and not str(bus.value).endswith(":event-bus/default"):
        return None
    pattern = rule.event_pattern
    hidden = contains_unknown(pattern.value) if isinstance(pattern, Known) else None  # an Unknown, never tested
    if isinstance(pattern, Unknown) or hidden is not None:
        reason = pattern.reason if isinstance(pattern, Unknown) else hidden.reason  # type: ignore[union-attr]  # hidden is not None when pattern is Known here
        return unknown(
            FILTER, f"the event pattern of EventBridge rule {name} is not known: {reason}", owner, ("event_pattern",)
        )
    if not isinstance(pattern, Known):
        return None  # a scheduled rule
    state = resolve(rule.state, "ENABLED")
    if isinstance(state, Unknown):
        return unknown(FILTER, f"the state of EventBridge rule {name} is not known: {state.reason}", owner, ("state",))
    from ctguard.monitoring.event_rule import judge_event_rule  # only inputs with EventBridge rules: issue 21

    verdict = judge_event_rule(item, pattern.value, include_read_only=state.value == _ALL_MANAGEMENT)
    if _caught(item, verdict) == 0 and not verdict.passes:
        return None
    if not verdict.passes:
        return fail(
            FILTER,
            f"EventBridge rule {name} does not match {label(item)}: it {_verdict_text(verdict)}",
            owner,
            ("event_pattern",),
        )
    if state.value not in ("ENABLED", _ALL_MANAGEMENT):
        return fail(FILTER, f"EventBridge rule {name} matches {label(item)} but is {state.value}", owner, ("state",))
    targets = rule.targets
    if isinstance(targets, Unknown):
        return unknown(
            ACTION, f"the targets of EventBridge rule {name} are not known: {targets.reason}", owner, ("targets",)
        )
    if not (isinstance(targets, Known) and targets.value):
        return fail(ACTION, f"EventBridge rule {name} matches {label(item)} but has no target", owner, ("targets",))
    done = ok(ACTION, f"EventBridge rule {name} (with {len(targets.value)} target(s), in its own region)")
    return all_of(logging_trail_step(model, TRAIL), lambda: done)


# --- entry point ---------------------------------------------------------------------------


def _monitors_cloudtrail(model: Model) -> bool:
    """Whether the input sets out to monitor CloudTrail events: metric filters on a trail's log
    group (any metric filter in a stack without trails: a monitoring stack), or an EventBridge
    rule that takes CloudTrail management events of a CIS kind. Alarms count through their
    filters. An unrelated rule (a pipeline triggered by S3 PutObject) does not."""
    filters = model.all("metric_filter")
    if filters and not model.trails:
        return True
    items = load_items().values()
    for trail in model.trails if filters else ():
        _, group = log_group_step(model, trail)
        if group is None:
            if isinstance(trail.cloudwatch_logs_log_group_arn, Unknown):
                return True  # its log group may be the filters' one
            continue
        if any(_on_group(model, flt, group) is not False for flt in filters):
            return True
    for flt in filters:  # written for a CIS item, on a log group no trail writes to: a finding
        pattern = flt.pattern
        if isinstance(pattern, Known) and any(_caught(item, _judge(item.key, str(pattern.value))) for item in items):
            return True
    return any(
        _names_cis_events(rule, items) and any(_rule_step(model, item, rule) is not None for item in items)
        for rule in model.all("event_rule")
    )


def _names_cis_events(rule: EventRule, items: Iterable[CisItem]) -> bool:
    """A rule that lists event names takes CIS events only if it lists one a CIS item names (or
    filters on errorCode, as rules for unauthorized calls do); one that lists none may."""
    pattern = rule.event_pattern
    if not isinstance(pattern, Known) or not isinstance(pattern.value, dict):
        return True
    detail = pattern.value.get("detail")
    names = detail.get("eventName") if isinstance(detail, dict) else None
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        return True
    if "errorCode" in detail:  # type: ignore[operator]  # names is a list only when detail is a dict
        return True
    wanted = {name for item in items for name in item.event_names}
    return bool(set(names) & wanted)


def walk(model: Model, item: CisItem) -> Step | None:
    """The best chain for ``item``; None when the item is not judged on this input.

    An input that does not monitor CloudTrail events (``_monitors_cloudtrail``: a trail stack
    whose alarms live in a monitoring stack, a pipeline's EventBridge trigger) is not judged:
    the items are judged where the monitoring is defined, and in live audits, where the whole
    account is seen."""
    live = isinstance(model.audited_regions, Known)
    if not live and not _monitors_cloudtrail(model):
        return None
    candidates: list[Step] = [_trail_chain(model, item, trail) for trail in model.trails]
    if not model.trails:
        orphan = _orphan_chain(model, item)
        if orphan is not None:
            candidates.append(orphan)
    candidates += [s for s in (_rule_step(model, item, r) for r in model.all("event_rule")) if s is not None]
    return any_of(candidates, fail(LOG_GROUP, "no trail writes to a CloudWatch Logs group"))


def ct501_515_cis_chain(ctx: CheckContext) -> Outcome:
    item = load_items()[ctx.policy.params["item"]]
    values = {"item": label(item)}
    step = walk(ctx.model, item)
    if step is None:
        return Outcome(
            Status.NOT_APPLICABLE,
            message=f"{label(item)}: not applicable, this input defines no metric "
            "filter on a trail's log group and no EventBridge rule on CloudTrail "
            "events of a CIS kind (judged where they are defined, "
            "or in a live audit)",
        )
    if step.passed:
        return Outcome(Status.PASS, values={**values, "detail": " -> ".join(f for f in step.facts if f)})
    key = "detail" if step.status is Status.FAIL else "reason"
    return Outcome(step.status, step.path, owner=step.owner, values={**values, key: step.message})


__all__ = ["ct501_515_cis_chain", "label", "walk"]
