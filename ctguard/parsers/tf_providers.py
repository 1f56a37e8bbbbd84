"""The region each Terraform resource deploys to: ``--region``, its provider, its own ``region``.

Terraform modules state their region in ``provider "aws" { region = ... }``; an aliased provider
(``provider = aws.replica`` on a resource, or ``providers = { aws = aws.replica }`` on a module
call) puts resources in another region, and AWS provider v6 adds a per-resource ``region``.

Precedence (``effective_region``), decided once here for HCL and plan JSON alike:

1. the resource's own ``region`` argument (provider v6): the resource says where it lives;
2. the region of an *aliased* provider configuration the resource uses (directly or through a
   module's ``providers`` map): choosing a non-default provider is an explicit statement that
   this resource deploys elsewhere, so ``--region`` does not override it.  An alias whose region
   does not resolve gives Unknown, not ``--region``: the alias exists to differ;
3. ``--region`` (command line or config): the user says where the configuration deploys, which
   overrides what the default provider's ``region`` defaults to (a ``var.region`` default is a
   placeholder as often as a fact);
4. the default provider's ``region``; Unknown with its reason when it does not resolve;
5. nothing: the region comes from the environment at deploy time (``None``, as before).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ctguard.parsers.tf_expr import Evaluator, Namespace, Trace
from ctguard.values import Absent, Known, Unknown, Value

if TYPE_CHECKING:
    from ctguard.parsers.tf_hcl import Block, Body
    from ctguard.parsers.tf_instances import Instance
    from ctguard.parsers.tf_module import Module

DEFAULT = "aws"
CLI = "--region"


@dataclass(frozen=True, slots=True)
class ProviderRegion:
    """What one provider configuration says about its region."""

    key: str  # root-module terms: "aws", "aws.replica"
    region: Known[str] | Unknown | None  # None: no region argument (environment decides)

    @property
    def aliased(self) -> bool:
        return "." in self.key.rsplit(":", 1)[-1]


def effective_region(cli: str | None, provider: ProviderRegion | None,
                     own: Value[Any] | None = None) -> Known[str] | Unknown | None:
    """The region a resource deploys to, by the precedence in the module docstring."""
    if isinstance(own, (Known, Unknown)):
        return own
    if provider is not None and provider.aliased and provider.region is not None:
        return provider.region
    if cli:
        return Known(cli, via=CLI)
    return provider.region if provider is not None else None


def stated(key: str, value: Any, reference: str | None = None) -> Known[str] | Unknown:
    """A provider's evaluated ``region`` as a model value naming where it came from."""
    via = f"provider {key} region" + (f" from {reference}" if reference else "")
    if isinstance(value, Known):
        value = value.value
    if isinstance(value, Unknown):
        return Unknown(f"region of provider {key} is not known: {value.reason}")
    if isinstance(value, str) and value:
        return Known(value, via=via)
    return Unknown(f"region of provider {key} is not a region name: {value!r}")


# HCL ----------------------------------------------------------------------------------------
class _Name(Namespace):
    """``aws.replica`` read as a name, not evaluated (provider references are not values)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def attr(self, name: str, ev: Evaluator) -> Any:
        return _Name(f"{self.text}.{name}")

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


_NAMES = Evaluator(Trace(), _Name, {})


def provider_key(expr: Any) -> str | None:
    """``aws.replica`` for a ``provider = aws.replica`` expression, None when it is not a name."""
    value = _NAMES.eval(expr)
    return value.text if isinstance(value, _Name) else None


def providers_map(body: "Body") -> dict[str, str] | None:
    """A module call's ``providers = { aws = aws.replica }`` (child key -> caller key)."""
    attr = body.attributes.get("providers")
    if attr is None:
        return None
    value = _NAMES.eval(attr.expr)
    if not isinstance(value, dict):
        return {}
    return {str(k): v.text for k, v in value.items() if isinstance(v, _Name)}


class Providers:
    """The AWS provider configurations one module instance sees, by local key."""

    def __init__(self, module: "Module", blocks: list["Block"], passed: dict[str, ProviderRegion | None] | None,
                 inherited: "Providers | None") -> None:
        self.module, self.blocks = module, blocks
        # passed: the call's providers map resolved in the caller; None: no map, defaults inherited.
        self.passed, self.inherited = passed, inherited
        self._own: dict[str, ProviderRegion] | None = None

    def _own_configs(self) -> dict[str, ProviderRegion]:
        if self._own is None:
            self._own = {}
            for block in self.blocks:
                alias_attr = block.body.attributes.get("alias")
                alias = self.module.ev.eval(alias_attr.expr) if alias_attr is not None else None
                local = f"{DEFAULT}.{alias}" if isinstance(alias, str) and alias else DEFAULT
                key = local if not self.module.prefix else f"{self.module.prefix.rstrip('.')}:{local}"
                region_attr = block.body.attributes.get("region")
                region: Known[str] | Unknown | None = None
                if region_attr is not None:
                    raw, refs = self.module.ev.evaluate(region_attr.expr)
                    from ctguard.parsers.tf_instances import to_value

                    value = to_value(raw, refs, self.module.ev)
                    region = None if isinstance(value, Absent) else stated(key, value, refs[0].describe() if refs else None)
                self._own[local] = ProviderRegion(key, region)
        return self._own

    def get(self, local: str) -> ProviderRegion | None:
        own = self._own_configs()
        if local in own:
            return own[local]
        if self.passed is not None:
            return self.passed.get(local)
        if local == DEFAULT and self.inherited is not None:
            return self.inherited.get(DEFAULT)
        return None

    def for_call(self, body: "Body") -> dict[str, ProviderRegion | None] | None:
        mapping = providers_map(body)
        return None if mapping is None else {child: self.get(caller) for child, caller in mapping.items()}


def instance_region(inst: "Instance") -> Known[str] | Unknown | None:
    """The region a resource or data source instance deploys to (``None``: not stated)."""
    body = inst.decl.block.body
    own: Value[Any] | None = None
    if "region" in body.attributes and inst.decl.mode == "managed":
        value, _ = inst.view.value("region")
        own = Known(value.value, via=f"{inst.address} region argument") if isinstance(value, Known) else value
        if isinstance(own, Unknown):
            own = Unknown(f"region argument of {inst.address}: {own.reason}")
    attr = body.attributes.get("provider")
    local = provider_key(attr.expr) if attr is not None else DEFAULT
    providers = inst.decl.module.providers
    provider = providers.get(local) if local else None
    if attr is not None and local is None:
        provider = ProviderRegion(f"{DEFAULT}.?", Unknown(f"provider of {inst.address} is not a provider name"))
    return effective_region(inst.decl.module.loader.context.region, provider, own)


def root_region(module: "Module") -> Known[str] | Unknown | None:
    """The configuration's deploy region: ``--region``, else the root's default provider."""
    return effective_region(module.loader.context.region, module.providers.get(DEFAULT))


__all__ = ["CLI", "DEFAULT", "ProviderRegion", "Providers", "effective_region", "instance_region", "provider_key",
           "providers_map", "root_region", "stated"]
