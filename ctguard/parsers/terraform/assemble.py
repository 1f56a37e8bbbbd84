"""Turn resource views (from HCL or a plan) into one Model and its source map, then link.

Links prefer references (``s3_bucket_name = aws_s3_bucket.logs.id`` names the bucket even
when its name is unknown) and fall back to literal names and ARNs, so a trail that spells out
the bucket name still finds the bucket, its split resources and its policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from string import Formatter
from typing import Any, TypedDict

from ctguard.location import SourceMap
from ctguard.model import (
    Alarm,
    Bucket,
    EventDataStore,
    EventRule,
    KmsKey,
    LogGroup,
    MetricFilter,
    Model,
    Role,
    Subscription,
    Topic,
    Trail,
)
from ctguard.parsers.context import ParseContext
from ctguard.parsers.name_links import link_by_name
from ctguard.parsers.terraform.buckets import SPLIT, bucket_fields, public_access_block, split_fields
from ctguard.parsers.terraform.build import Rec, View
from ctguard.parsers.terraform.providers import CLI
from ctguard.parsers.terraform.related import (
    alarm_fields,
    event_rule_fields,
    kms_key_fields,
    log_group_fields,
    metric_filter_fields,
    policy_document_of,
    role_fields,
    subscription_fields,
    topic_fields,
)
from ctguard.parsers.terraform.trail import event_data_store_fields, trail_fields
from ctguard.symbols import account_symbol, region_symbol
from ctguard.values import ABSENT, Known, Symbolic, Unknown, Value, concat


@dataclass(slots=True)
class Item:
    type: str
    address: str
    view: View
    existence: Unknown | None = None
    # The region the resource deploys to (tf_providers.effective_region); None: --region if given.
    region: Known[str] | Unknown | None = None


_SIMPLE: dict[str, tuple[str, type, Callable[[View, Rec], dict[str, Any]]]] = {
    "aws_cloudwatch_log_group": ("log_group", LogGroup, log_group_fields),
    "aws_iam_role": ("role", Role, role_fields),
    "aws_sns_topic": ("topic", Topic, topic_fields),
    "aws_cloudwatch_log_metric_filter": ("metric_filter", MetricFilter, metric_filter_fields),
    "aws_cloudwatch_metric_alarm": ("alarm", Alarm, alarm_fields),
    "aws_cloudwatch_event_rule": ("event_rule", EventRule, event_rule_fields),
    "aws_cloudtrail_event_data_store": ("event_data_store", EventDataStore, event_data_store_fields),
}
RELATED_TYPES = (
    frozenset(_SIMPLE)
    | frozenset(SPLIT)
    | {
        "aws_cloudtrail",
        "aws_s3_bucket",
        "aws_s3_account_public_access_block",
        "aws_kms_key",
        "aws_kms_alias",
        "aws_iam_role_policy",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
        "aws_sns_topic_policy",
        "aws_kms_key_policy",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_event_target",
    }
)


class _TrailLinks(TypedDict):
    """Keys of the related resources a trail points at (Trail's link fields)."""

    bucket: str | None
    kms_key: str | None
    log_group: str | None
    role: str | None
    topic: str | None


class Assembler:
    def __init__(self, context: ParseContext, sm: SourceMap, region: Known[str] | Unknown | None = None) -> None:
        self.ctx, self.sm = context, sm
        # The configuration's deploy region (--region, else the root's default provider).
        self.region = region if region is not None else (Known(context.region, via=CLI) if context.region else None)
        self.regions: dict[str, Known[str] | Unknown | None] = {}  # address -> region
        self.fields: dict[str, dict[str, dict[str, Any]]] = {}  # kind -> key -> fields
        self.recs: dict[tuple[str, str], Rec] = {}
        self.pending: list[tuple[Item, Rec]] = []
        self.trails: list[tuple[str, dict[str, Any], Rec, Known[str] | Unknown | None]] = []

    def add(self, item: Item) -> None:
        rec = Rec()
        t = item.type
        region = (
            item.region if item.region is not None else (Known(self.ctx.region, via=CLI) if self.ctx.region else None)
        )
        self.regions[item.address] = region
        if t == "aws_cloudtrail":
            self.trails.append((item.address, trail_fields(item.view, rec, item.existence), rec, region))
        elif t == "aws_s3_bucket":
            self._put("bucket", item.address, bucket_fields(item.view, rec, item.address), rec)
        elif t == "aws_kms_key":
            self._put("kms_key", item.address, kms_key_fields(item.view, rec, item.address), rec)
        elif t in _SIMPLE:
            kind, _, build = _SIMPLE[t]
            self._put(kind, item.address, build(item.view, rec), rec)
        elif t in RELATED_TYPES:
            self.pending.append((item, rec))

    def _put(self, kind: str, key: str, fields: dict[str, Any], rec: Rec) -> None:
        self.fields.setdefault(kind, {})[key] = fields
        self.recs[(kind, key)] = rec

    # linking -----------------------------------------------------------------------------
    def _find(
        self, kind: str, rec: Rec, arg: str, types: tuple[str, ...], match: Callable[[dict[str, Any], str], bool]
    ) -> str | None:
        pool = self.fields.get(kind, {})
        for address in rec.linked(arg, *types):
            if address in pool:
                return address
        value = rec.values.get(arg)
        if isinstance(value, Known) and isinstance(value.value, str):
            for key, fields in pool.items():
                if match(fields, value.value):
                    return key
        if isinstance(value, Symbolic):
            # Named by the same deploy-time expression (var.bucket_name on both sides): the same
            # resource in every deployment, whatever the value.
            for key, fields in pool.items():
                if _names_same(fields.get("name"), value):
                    return key
        return None

    def _bucket_for(self, rec: Rec, arg: str = "bucket") -> str | None:
        return self._find(
            "bucket",
            rec,
            arg,
            ("aws_s3_bucket",),
            lambda f, v: _known(f.get("name")) in (v, v.removeprefix("arn:aws:s3:::")),
        )

    def _attach(self) -> None:
        aliases: dict[str, tuple[str, str | None]] = {}  # alias address -> (alias name, key)
        documents: dict[str, Any] = {}  # aws_iam_policy address -> document
        for item, rec in self.pending:
            if item.type == "aws_iam_policy":
                documents[item.address] = policy_document_of(item.view, rec)
        account_pab: tuple[Value[Any], Rec] | None = None
        for item, rec in self.pending:
            t, view = item.type, item.view
            if t in SPLIT:
                rec.read(view, "bucket")
                fields = split_fields(t, view, rec)
                target = self._bucket_for(rec)
                if target is not None:
                    self.fields["bucket"][target].update(fields)
                    rec.flush(self.sm, ("bucket", target))
            elif t == "aws_s3_account_public_access_block":
                account_pab = (public_access_block(view, rec, ("account_public_access_block",)), rec)
            elif t == "aws_kms_alias":
                name = _known(rec.get(view, "name", ("aliases",)))
                rec.read(view, "target_key_id")
                key = self._find("kms_key", rec, "target_key_id", ("aws_kms_key",), lambda f, v: False)
                # A name that is not text (a list, a number) names no alias a trail could use.
                aliases[item.address] = (name if isinstance(name, str) else "", key)
                if key is not None and name:
                    self.fields["kms_key"][key].setdefault("aliases", ())
                    self.fields["kms_key"][key]["aliases"] += (name,)
                    rec.flush(self.sm, ("kms_key", key))
            elif t in ("aws_iam_role_policy", "aws_iam_role_policy_attachment"):
                rec.read(view, "role")
                role = self._find("role", rec, "role", ("aws_iam_role",), lambda f, v: _known(f.get("name")) == v)
                if t == "aws_iam_role_policy":
                    doc = policy_document_of(view, rec)
                else:
                    rec.read(view, "policy_arn")
                    linked = rec.linked("policy_arn", "aws_iam_policy")
                    doc = (
                        documents.get(linked[0]) if linked else Unknown("attached policy is defined outside this input")
                    )
                if role is not None and doc is not None:
                    current = self.fields["role"][role].get("policies", Known(()))
                    if isinstance(current, Known):
                        self.fields["role"][role]["policies"] = Known(current.value + (doc,))
                    rec.flush(self.sm, ("role", role))
            elif t == "aws_kms_key_policy":  # the key's policy set apart from the key (provider 4.52+)
                rec.read(view, "key_id")
                key = self._find("kms_key", rec, "key_id", ("aws_kms_key",), lambda f, v: False)
                if key is not None:
                    self.fields["kms_key"][key]["policy"] = rec.get(view, "policy", ("policy",), document=True)
                    rec.flush(self.sm, ("kms_key", key))
            elif t == "aws_sns_topic_policy":
                topic = self._topic_for(rec, "arn", view)
                if topic is not None:
                    self.fields["topic"][topic]["policy"] = rec.get(view, "policy", ("policy",), document=True)
                    rec.flush(self.sm, ("topic", topic))
            elif t == "aws_sns_topic_subscription":
                topic = self._topic_for(rec, "topic_arn", view)
                if topic is not None:
                    sub = Subscription(**subscription_fields(view, rec))
                    current = self.fields["topic"][topic].get("subscriptions", Known(()))
                    if isinstance(current, Known):
                        self.fields["topic"][topic]["subscriptions"] = Known(current.value + (sub,))
                    rec.flush(self.sm, ("topic", topic))
            elif t == "aws_cloudwatch_event_target":
                rec.read(view, "rule")
                rule = self._find(
                    "event_rule", rec, "rule", ("aws_cloudwatch_event_rule",), lambda f, v: _known(f.get("name")) == v
                )
                if rule is not None:
                    arn = rec.get(view, "arn", ("targets",))
                    current = self.fields["event_rule"][rule].get("targets", Known(()))
                    if isinstance(current, Known):
                        arn_target = arn.value if isinstance(arn, Known) else arn if isinstance(arn, Unknown) else None
                        self.fields["event_rule"][rule]["targets"] = Known(
                            current.value + ((arn_target,) if arn_target is not None else ())
                        )
                    rec.flush(self.sm, ("event_rule", rule))
        if account_pab is not None:
            for key, fields in self.fields.get("bucket", {}).items():
                fields["account_public_access_block"] = account_pab[0]
                account_pab[1].flush(self.sm, ("bucket", key))
        self.aliases = aliases

    def _topic_for(self, rec: Rec, arg: str, view: View) -> str | None:
        rec.read(view, arg)
        return self._find(
            "topic", rec, arg, ("aws_sns_topic",), lambda f, v: _known(f.get("name")) in (v, v.rsplit(":", 1)[-1])
        )

    def _trail_links(self, fields: dict[str, Any], rec: Rec) -> _TrailLinks:
        key = self._find("kms_key", rec, "kms_key_id", ("aws_kms_key",), lambda f, v: False)
        if key is None:
            for alias in rec.linked("kms_key_id", "aws_kms_alias"):
                key = self.aliases.get(alias, ("", None))[1] or key
            value = _known(fields.get("kms_key_id"))
            if key is None and isinstance(value, str) and value:
                for alias_name, target in self.aliases.values():
                    if alias_name and (value == alias_name or value.endswith(":" + alias_name)):
                        key = target
        return {
            "bucket": self._bucket_for(rec, "s3_bucket_name"),
            "kms_key": key,
            "log_group": self._find(
                "log_group",
                rec,
                "cloud_watch_logs_group_arn",
                ("aws_cloudwatch_log_group",),
                lambda f, v: _known(f.get("name")) == _log_group_name(v),
            ),
            "role": self._find(
                "role",
                rec,
                "cloud_watch_logs_role_arn",
                ("aws_iam_role",),
                lambda f, v: bool(_known(f.get("name"))) and v.endswith("/" + str(_known(f.get("name")))),
            ),
            "topic": self._find(
                "topic",
                rec,
                "sns_topic_name",
                ("aws_sns_topic",),
                lambda f, v: _known(f.get("name")) in (v, v.rsplit(":", 1)[-1]),
            ),
        }

    def model(self) -> Model:
        self._attach()
        model = Model()
        ctx = self.ctx
        if ctx.account_id:
            model.account_id = Known(ctx.account_id, via="--account")
        if self.region is not None:
            model.region = self.region
        classes = {"bucket": Bucket, "kms_key": KmsKey, **{kind: cls for kind, cls, _ in _SIMPLE.values()}}
        for kind, pool in self.fields.items():
            for key, fields in pool.items():
                _derive(ctx, kind, fields, self.regions.get(key))
                model.add(kind, classes[kind](key=key, **fields))
                self.recs[(kind, key)].flush(self.sm, (kind, key))
        for key, fields, rec, region in self.trails:
            trail = Trail(key=key, **fields, **self._trail_links(fields, rec))
            if ctx.account_id and trail.account_id is ABSENT:
                trail = replace(trail, account_id=Known(ctx.account_id, via="--account"))
            # home_region is computed: the region of the trail's provider (a plan says "after apply").
            if region is not None and _after_apply(trail.home_region):
                trail = replace(trail, home_region=region)
            # A plan leaves a new trail's ARN unknown, but it follows from name, account and region.
            if (
                _after_apply(trail.arn)
                and isinstance(trail.name, Known)
                and ctx.account_id
                and isinstance(region, Known)
            ):
                arn = f"arn:{ctx.partition}:cloudtrail:{region.value}:{ctx.account_id}:trail/{trail.name.value}"
                trail = replace(trail, arn=Known(arn, via=f"name, --account, {region.via}"))
            elif _after_apply(trail.arn) or isinstance(trail.arn, Symbolic):
                # Without --account/--region the ARN is still one expression of deploy-time symbols.
                symbolic_arn = _symbolic_arn(
                    ctx, "arn:{p}:cloudtrail:{region}:{account}:trail/{name}", trail.name, region, True
                )
                if symbolic_arn is not None:
                    trail = replace(trail, arn=symbolic_arn)
            model.trails.append(trail)
            rec.flush(self.sm, ("trail", key))
            self._link_spans(trail)
        link_by_name(model)
        return model

    def _link_spans(self, trail: Trail) -> None:
        """A finding on a link (``kms_key``) points at the argument that makes it."""
        owner = ("trail", trail.key)
        for link, field_name in _LINK_FIELDS.items():
            span = self.sm.exact(owner, (field_name,))
            if span is not None and self.sm.exact(owner, (link,)) is None:
                self.sm.set(owner, (link,), span)


_LINK_FIELDS = {
    "bucket": "s3_bucket_name",
    "kms_key": "kms_key_id",
    "log_group": "cloudwatch_logs_log_group_arn",
    "role": "cloudwatch_logs_role_arn",
    "topic": "sns_topic",
}

_ARNS = {  # kind -> (template, needs region, needs account)
    "bucket": ("arn:{p}:s3:::{name}", False, False),
    "log_group": ("arn:{p}:logs:{region}:{account}:log-group:{name}", True, True),
    "topic": ("arn:{p}:sns:{region}:{account}:{name}", True, True),
    "role": ("arn:{p}:iam::{account}:role/{name}", False, True),
}


def _derive(ctx: ParseContext, kind: str, fields: dict[str, Any], region: Known[str] | Unknown | None) -> None:
    spec = _ARNS.get(kind)
    name = fields.get("name")
    if spec is None or "arn" in fields:
        return
    template, regional, account = spec
    arn = _symbolic_arn(ctx, template, name, region if regional else Known(""), account)
    if arn is not None:
        fields["arn"] = arn


def _symbolic_arn(
    ctx: ParseContext, template: str, name: Any, region: Known[str] | Unknown | None, account: bool
) -> Known[str] | Symbolic | None:
    """An ARN from a name, region and account that may be deploy-time symbols (Known when none is)."""
    parts: dict[str, Any] = {"p": ctx.partition}
    for key, value in (("name", name), ("region", region)):
        if isinstance(value, Known):
            parts[key] = value.value
        elif isinstance(value, Symbolic):
            parts[key] = value
        elif value is None and key == "region":
            parts[key] = region_symbol("the deploy region", "the region is not known (pass --region)")
        else:
            return None
    parts["account"] = ctx.account_id or (
        account_symbol("the deploying account", "the account id is not known (pass --account)") if account else ""
    )
    pieces: list[Any] = []
    for literal, field_name in _template(template):
        pieces.append(literal)
        if field_name:
            pieces.append(parts[field_name])
    arn = concat(*pieces)
    return Known(arn, via="derived from the name") if isinstance(arn, str) else arn


@cache
def _template(template: str) -> tuple[tuple[str, str | None], ...]:
    """Literal text and field name of each piece of an ARN template (parsed once, not per resource)."""
    return tuple((literal, field_name) for literal, field_name, _, _ in Formatter().parse(template))


def _names_same(name: Any, value: Symbolic) -> bool:
    """``value`` is the resource's name, or an ARN that ends with it after ``:`` or ``/``."""
    if not isinstance(name, Symbolic):
        return False
    if value.parts == name.parts:
        return True
    tail = value.parts[len(value.parts) - len(name.parts) :]
    if len(value.parts) <= len(name.parts) or tail[1:] != name.parts[1:]:
        return False
    before, first = value.parts[len(value.parts) - len(name.parts) - 1], name.parts[0]
    if isinstance(first, str):
        if not (isinstance(tail[0], str) and tail[0].endswith(first)):
            return False
        rest = tail[0][: len(tail[0]) - len(first)]
        return rest.endswith((":", "/")) if rest else isinstance(before, str) and before.endswith((":", "/"))
    return tail[0] == first and isinstance(before, str) and before.endswith((":", "/", ":log-group:"))


def _after_apply(value: Value[Any]) -> bool:
    """Not set, or computed by the provider at apply (a plan's unknown)."""
    return value is ABSENT or (isinstance(value, Unknown) and "after apply" in value.reason)


def _known(v: Any) -> Any:
    return v.value if isinstance(v, Known) else None


def _log_group_name(arn: str) -> str:
    if ":log-group:" not in arn:
        return arn
    return arn.split(":log-group:", 1)[1].removesuffix(":*")
