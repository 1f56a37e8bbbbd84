"""Resource and data-source instances as seen by expressions, and block views for the builders.

A reference such as ``aws_s3_bucket.logs.arn`` walks ``ResourceType -> ResourceGroup ->
Instance``.  An instance answers from its own arguments where the configuration sets them and
derives the computed attributes ctguard can know (an S3 bucket's ARN from its name, a role's
ARN when the account is given); everything else is Unknown "known after apply".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctguard.parsers.terraform.expr import Evaluator, JsonDoc, Namespace, Ref, finalize, has_unknown, to_value
from ctguard.parsers.terraform.hcl import Block, Body
from ctguard.symbols import account_symbol, region_symbol
from ctguard.values import ABSENT, Known, Symbolic, Unknown, Value, concat, symbolic

if TYPE_CHECKING:
    from ctguard.parsers.terraform.module import Module

MAX_INSTANCES = 200  # per count/for_each: each related resource meets the policies that follow links to it
MAX_DYNAMIC = 25  # blocks one dynamic block makes; nested, 625 field selectors, above the 500 AWS allows


@dataclass(slots=True)
class BlockView:
    """One (possibly dynamic-generated) block body with the evaluator its expressions need."""

    body: Body
    ev: Evaluator
    file: str
    line: int
    column: int

    def has(self, name: str) -> bool:
        return name in self.body.attributes

    def span(self, name: str) -> tuple[str, int, int] | None:
        attr = self.body.attributes.get(name)
        return None if attr is None else (attr.file, attr.line, attr.column)

    def raw(self, name: str) -> tuple[Any, list[Ref]]:
        """Evaluated value (markers, JsonDoc and all) and the references it went through."""
        attr = self.body.attributes.get(name)
        if attr is None:
            return ABSENT, []
        return self.ev.evaluate(attr.expr)

    def value(self, name: str, document: bool = False) -> tuple[Value[Any], list[Ref]]:
        attr = self.body.attributes.get(name)
        if attr is None:
            return ABSENT, []
        raw, refs = self.ev.evaluate(attr.expr)
        if raw is None:  # `x = null` means "not set" in Terraform
            return ABSENT, refs
        final = finalize(raw, self.ev.trace, document)
        if isinstance(final, Unknown):
            return final, refs
        return Known(final, via=refs[0].describe() if refs else None), refs

    def blocks(self, name: str) -> list[BlockView] | Unknown:
        """Static and ``dynamic`` blocks of one type, in source order."""
        if not self.body.blocks:  # most resources hold none: builders ask for a handful of types each
            return []
        found: list[BlockView] = [
            BlockView(b.body, self.ev, b.file, b.line, b.column) for b in self.body.blocks_of(name)
        ]
        for dyn in self.body.blocks_of("dynamic"):
            if dyn.labels[:1] != (name,):
                continue
            expanded = self._dynamic(dyn, name)
            if isinstance(expanded, Unknown):
                return expanded
            found.extend(expanded)
        return sorted(found, key=lambda v: v.line)

    def dynamic_span(self, name: str) -> tuple[str, int, int] | None:
        """Where the first ``dynamic "<name>"`` block starts (findings on unknown dynamic blocks)."""
        for dyn in self.body.blocks_of("dynamic"):
            if dyn.labels[:1] == (name,):
                return dyn.file, dyn.line, dyn.column
        return None

    def _dynamic(self, dyn: Block, name: str) -> list[BlockView] | Unknown:
        content = dyn.body.blocks_of("content")
        each_attr = dyn.body.attributes.get("for_each")
        if not content or each_attr is None:
            return []
        iterator = name
        it_attr = dyn.body.attributes.get("iterator")
        if it_attr is not None:
            it_name = self.ev.eval(it_attr.expr)
            iterator = it_name if isinstance(it_name, str) else iterator
        source = self.ev.eval(each_attr.expr)
        if isinstance(source, Namespace):
            source = source.expand(self.ev)
        if isinstance(source, Unknown):
            return Unknown(f'dynamic "{name}" iterates over an unknown collection: {source.reason}')
        if source is None:
            return []
        if not isinstance(source, (dict, list)):
            return Unknown(f'dynamic "{name}" for_each is not a collection')
        pairs = list(source.items()) if isinstance(source, dict) else list(enumerate(source))
        body = content[0]
        if len(pairs) > MAX_DYNAMIC:
            self.ev.trace.budget.exceeded(
                f'dynamic "{name}" makes {len(pairs):,} blocks; ctguard reads the first {MAX_DYNAMIC} (AWS takes '
                "at most 500 selector conditions per trail): lower its for_each",
                dyn.file,
                dyn.line,
                dyn.column,
            )
        granted = self.ev.trace.budget.grant(
            min(len(pairs), MAX_DYNAMIC), f'dynamic "{name}"', dyn.file, dyn.line, dyn.column
        )
        # Generated blocks point at the dynamic block's content: that is where their attributes are.
        return [
            BlockView(body.body, self.ev.bind(**{iterator: {"key": k, "value": v}}), body.file, body.line, body.column)
            for k, v in pairs[:granted]
        ]


@dataclass(slots=True)
class Decl:
    """A ``resource`` or ``data`` block of one module instance."""

    mode: str  # managed | data
    type: str
    name: str
    block: Block
    module: Module

    @property
    def address(self) -> str:
        local = f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"
        return f"{self.module.prefix}{local}"


@dataclass(slots=True)
class Instance(Namespace):
    decl: Decl
    suffix: str  # "", "[0]", '["eu"]'
    ev: Evaluator
    existence: Unknown | None = None  # set when count/for_each is unknown
    _memo: dict[str, tuple[Any, list[Ref]]] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.decl.address + self.suffix

    @property
    def view(self) -> BlockView:
        b = self.decl.block
        return BlockView(b.body, self.ev, b.file, b.line, b.column)

    def __repr__(self) -> str:
        return self.address

    def attr(self, name: str, ev: Evaluator) -> Any:
        ev.trace.add(Ref(f"{self.address}.{name}", self.address))  # first: ``via`` names it
        if name not in self._memo:
            self._memo[name] = (Unknown(f"reference cycle through {self.address}.{name}"), [])
            self._memo[name] = self._compute(name)
        value, refs = self._memo[name]
        for ref in refs:
            ev.trace.add(ref)
        return value

    def argument(self, name: str) -> tuple[Any, list[Ref]]:
        attr = self.decl.block.body.attributes.get(name)
        return (None, []) if attr is None else self.ev.evaluate(attr.expr)

    def _compute(self, name: str) -> tuple[Any, list[Ref]]:
        if self.decl.mode == "data":
            from ctguard.parsers.terraform.data import data_attribute

            return data_attribute(self, name)
        if name in self.decl.block.body.attributes and name not in ("id", "arn"):
            return self.argument(name)
        nested = self.decl.block.body.blocks_of(name)
        if nested:  # metric_transformation[0].name and the like: blocks read as a list of objects
            refs: list[Ref] = []
            self.ev.trace.stack.append(refs)
            try:
                return [{k: self.ev.eval(a.expr) for k, a in b.body.attributes.items()} for b in nested], refs
            finally:
                self.ev.trace.stack.pop()
        return computed_attribute(self, name), []

    def expand(self, ev: Evaluator) -> Any:
        return Unknown(f"whole resource {self.address} used as a value")


def _text(value: Any, ev: Evaluator) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if value is None or not isinstance(value, str):
        return Unknown("not set")
    return ev.trace.resolved(value)  # type: ignore[no-any-return]


def computed_attribute(inst: Instance, name: str) -> Any:
    """Attributes the provider computes that ctguard can still derive statically."""
    ctx = inst.decl.module.loader.context
    after_apply = Unknown(f"{inst.address}.{name} is known only after apply")
    kind = inst.decl.type

    def arg(key: str) -> str | Unknown:
        return _text(inst.argument(key)[0], inst.ev)

    def needs(*parts: str | Unknown | None) -> Unknown | None:
        for part in parts:
            if part is None:
                return Unknown(f"{inst.address}.{name} needs the account and region (pass --account/--region)")
            if isinstance(part, Unknown) and not isinstance(part, Symbolic):
                return part
        return None

    p = ctx.partition
    account: str | Unknown = ctx.account_id or account_symbol(
        "the deploying account", "the account id is not known (pass --account)"
    )
    region: str | Unknown | None = None
    if name in ("arn", "id") and kind in ("aws_cloudwatch_log_group", "aws_sns_topic", "aws_cloudtrail"):
        from ctguard.parsers.terraform.providers import instance_region

        stated = instance_region(inst)
        region = stated.value if isinstance(stated, Known) else stated
        if region is None:  # no provider states it: the deploying environment's region
            region = region_symbol("the deploy region", "the region is not known (pass --region)")
    if kind == "aws_s3_bucket" and name in ("id", "bucket", "arn"):
        bucket = arg("bucket")
        if isinstance(bucket, Unknown) and bucket.reason == "not set":
            bucket = generated_bucket_name(inst.address, arg("bucket_prefix"))
        if isinstance(bucket, Unknown) and not isinstance(bucket, Symbolic):
            return bucket
        return concat(f"arn:{p}:s3:::", bucket) if name == "arn" else bucket
    if kind in _RANDOM and name in _RANDOM[kind]:
        return symbolic(f"{inst.address}.{name}", _RANDOM[kind][name], f"{inst.address}.{name} is generated at apply")
    if kind == "aws_cloudwatch_log_group" and name in ("id", "name", "arn"):
        lg = arg("name")
        if name != "arn" or isinstance(lg, Unknown):
            return lg if not (isinstance(lg, Unknown) and lg.reason == "not set") else after_apply
        return _either(needs(region, account), concat(f"arn:{p}:logs:", region, ":", account, ":log-group:", lg))
    if kind in ("aws_iam_role", "aws_iam_policy") and name in ("id", "name", "arn"):
        nm = arg("name")
        if name != "arn" or isinstance(nm, Unknown):
            if kind == "aws_iam_policy" and name == "id":
                return after_apply
            return nm if not (isinstance(nm, Unknown) and nm.reason == "not set") else after_apply
        path = arg("path")
        path = "/" if isinstance(path, Unknown) else path
        what = "role" if kind == "aws_iam_role" else "policy"
        return _either(needs(account), concat(f"arn:{p}:iam::", account, f":{what}", path, nm))
    if kind == "aws_sns_topic" and name in ("id", "name", "arn"):
        nm = arg("name")
        if isinstance(nm, Unknown):
            return after_apply if nm.reason == "not set" else nm
        if name == "name":
            return nm
        return _either(needs(region, account), concat(f"arn:{p}:sns:", region, ":", account, ":", nm))
    if kind == "aws_cloudtrail" and name == "arn":
        nm = arg("name")
        if isinstance(nm, Unknown) and not isinstance(nm, Symbolic):
            return nm
        return _either(needs(region, account), concat(f"arn:{p}:cloudtrail:", region, ":", account, ":trail/", nm))
    if kind == "aws_kms_alias" and name in ("id", "name"):
        return arg("name")
    if kind == "aws_cloudwatch_log_metric_filter" and name == "id":
        return arg("name")  # the provider's id of a metric filter is its name
    if name in inst.decl.block.body.attributes:
        return inst.argument(name)[0]
    return after_apply


def _either(missing: Unknown | None, value: Any) -> Any:
    return value if missing is None else missing


# random provider results: attribute -> shape (ctguard.symbols)
_RANDOM: dict[str, dict[str, str]] = {
    "random_id": {"hex": "hex", "dec": "decimal", "b64_url": "base64url", "b64_std": "text", "id": "base64url"},
    "random_uuid": {"result": "uuid", "id": "uuid"},
    "random_string": {"result": "text", "id": "text"},
    "random_password": {"result": "text"},
    "random_pet": {"id": "text"},
    "random_integer": {"result": "decimal", "id": "decimal"},
}


def generated_bucket_name(address: str, prefix: Any) -> Any:
    """The name S3 gets when the configuration sets none: ``bucket_prefix`` followed by 26
    generated characters, or a ``terraform-`` name; a symbol that equals only itself."""
    suffix = symbolic(f"{address}.bucket", "generated-suffix", f"{address}: bucket name is generated at apply")
    if isinstance(prefix, str):
        return concat(prefix, suffix)
    if isinstance(prefix, Unknown) and prefix.reason != "not set":
        return prefix if not isinstance(prefix, Symbolic) else concat(prefix, suffix)
    return symbolic(f"{address}.bucket", "text", f"{address}: bucket name is generated at apply")


__all__ = ["BlockView", "Decl", "Instance", "JsonDoc", "computed_attribute", "has_unknown", "to_value"]
