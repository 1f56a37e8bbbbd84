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

from ctguard.parsers.terraform.expr import Evaluator, Namespace, Trace, to_value
from ctguard.values import Absent, Known, Unknown, Value

if TYPE_CHECKING:
    from ctguard.parsers.terraform.hcl import Block, Body
    from ctguard.parsers.terraform.instances import Instance
    from ctguard.parsers.terraform.module import Module

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


def effective_region(
    cli: str | None, provider: ProviderRegion | None, own: Value[Any] | None = None
) -> Known[str] | Unknown | None:
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
    return _key(_NAMES.eval(expr))


def _key(value: Any) -> str | None:
    # JSON syntax (.tf.json) writes the reference as a string: "aws.replica".
    if isinstance(value, str) and (value == DEFAULT or value.startswith(DEFAULT + ".")):
        return value
    return value.text if isinstance(value, _Name) else None


def providers_map(body: Body) -> dict[str, str] | None:
    """A module call's ``providers = { aws = aws.replica }`` (child key -> caller key)."""
    attr = body.attributes.get("providers")
    if attr is None:
        return None
    value = _NAMES.eval(attr.expr)
    if not isinstance(value, dict):
        return {}
    return {str(k): key for k, v in value.items() if (key := _key(v)) is not None}


class Providers:
    """The AWS provider configurations one module instance sees, by local key."""

    def __init__(
        self, module: Module, blocks: list[Block], passed: dict[str, Passed] | None, inherited: Providers | None
    ) -> None:
        self.module, self.blocks = module, blocks
        # passed: the call's providers map (child key -> the caller's configurations and key);
        # None: the call has no map, so the caller's default provider is inherited.
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
                    value = to_value(raw, refs, self.module.ev)
                    region = (
                        None if isinstance(value, Absent) else stated(key, value, refs[0].describe() if refs else None)
                    )
                self._own[local] = ProviderRegion(key, region)
        return self._own

    def get(self, local: str) -> ProviderRegion | None:
        own = self._own_configs()
        if local in own:
            return own[local]
        if self.passed is not None:
            source = self.passed.get(local)
            return None if source is None else source[0].get(source[1])
        if local == DEFAULT and self.inherited is not None:
            return self.inherited.get(DEFAULT)
        return None

    def for_call(self, body: Body) -> dict[str, Passed] | None:
        # Resolved lazily: a region may refer to values of the caller not built yet.
        mapping = providers_map(body)
        return None if mapping is None else {child: (self, caller) for child, caller in mapping.items()}


Passed = tuple[Providers, str]


def instance_region(inst: Instance) -> Known[str] | Unknown | None:
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


def root_region(module: Module) -> Known[str] | Unknown | None:
    """The configuration's deploy region: ``--region``, else the root's default provider."""
    return effective_region(module.loader.context.region, module.providers.get(DEFAULT))


# plan JSON ----------------------------------------------------------------------------------
class PlanProviders:
    """``configuration.provider_config`` of a plan, keyed as ``provider_config_key`` names them.

    Terraform 1.x rewrites the key of a resource that uses a provider passed through a module's
    ``providers`` map to the root configuration's key (``aws.replica``); a resource that inherits
    implicitly keeps ``module.child:aws`` (older versions: ``child:aws``), which falls back to
    the caller's default provider, as Terraform does.
    """

    def __init__(self, configs: dict[str, Any], variables: dict[str, Any], module_input: Any = None) -> None:
        self.configs, self.variables = configs, variables
        # (module prefix "module.a.", variable name) -> the caller's expression, or None
        self.module_input = module_input
        self._memo: dict[str, ProviderRegion | None] = {}

    def get(self, key: str) -> ProviderRegion | None:
        if key not in self._memo:
            self._memo[key] = self._resolve(key, 0)
        return self._memo[key]

    def _resolve(self, key: str, depth: int) -> ProviderRegion | None:
        config = self.configs.get(key)
        expressions = config.get("expressions") if isinstance(config, dict) else None
        if isinstance(config, dict) and (isinstance(expressions, dict) or ":" not in key):
            expr = expressions.get("region") if isinstance(expressions, dict) else None
            if not isinstance(expr, dict):
                return ProviderRegion(key, None)
            return ProviderRegion(key, self._region(key, expr, _plan_prefix(config.get("module_address")), 0))
        if ":" not in key or depth > 16:
            return None
        module, local = key.rsplit(":", 1)
        if "." in local:
            return None  # an alias a child module declares that no providers map fills
        parent = module.rsplit(".module.", 1)[0] if ".module." in module else None
        return self._resolve(f"{parent}:{local}" if parent else local, depth + 1)

    def _region(self, key: str, expr: dict[str, Any], prefix: str, depth: int) -> Known[str] | Unknown:
        if "constant_value" in expr:
            return stated(key, expr["constant_value"])
        listed = expr.get("references")
        refs = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
        var = next((r for r in refs if r.startswith("var.")), None)
        if var is None or depth > 8:
            what = refs[0] if refs else "an expression"
            return Unknown(f"region of provider {key} is not known: it comes from {what}, not recorded in the plan")
        name = var[4:].split(".")[0].split("[")[0]
        if not prefix:
            entry = self.variables.get(name)
            if isinstance(entry, dict) and "value" in entry:
                return stated(key, entry["value"], f"{var} (plan variables)")
            return Unknown(f"region of provider {key} is not known: {var} has no value in the plan")
        caller = self.module_input(prefix, name) if self.module_input is not None else None
        if not isinstance(caller, dict):
            return Unknown(f"region of provider {key} is not known: {var} is not set by the module call")
        parent = prefix[:-1].rsplit("module.", 1)[0] if prefix.count("module.") > 1 else ""
        return self._region(key, caller, parent, depth + 1)


def _plan_prefix(module_address: Any) -> str:
    """ "module.a.module.b" -> "module.a.module.b." (the address prefix of its resources)."""
    return f"{module_address}." if isinstance(module_address, str) and module_address else ""


__all__ = [
    "CLI",
    "DEFAULT",
    "Passed",
    "PlanProviders",
    "ProviderRegion",
    "Providers",
    "effective_region",
    "instance_region",
    "provider_key",
    "providers_map",
    "root_region",
    "stated",
]
