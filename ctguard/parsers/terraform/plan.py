"""``terraform show -json`` plans into the model, through the same builders as HCL.

``planned_values`` (root and child modules, recursively) gives the values; the matching
``resource_changes[].change.after_unknown`` says which of them are only known after apply
(the plan writes those as null or leaves them out, indistinguishable from "not set").
``configuration`` gives the references between resources, which link a bucket policy to its
bucket even when the bucket's name is itself unknown, following ``var.x`` of a child module to
the caller's expression.  Spans point into the plan file (the resource object and its values).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

from ctguard.inputs import PARSE_ERROR, ParsedInput
from ctguard.location import SourceMap
from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.assemble import RELATED_TYPES, Assembler, Item
from ctguard.parsers.terraform.expr import Ref
from ctguard.parsers.terraform.providers import DEFAULT, PlanProviders, ProviderRegion, effective_region
from ctguard.sensitive import mark_where, secrets_in
from ctguard.values import ABSENT, Known, Unknown, Value
from ctguard.yamlload import LoadError, load

KIND = "terraform-plan"
AFTER_APPLY = "known only after apply (plan)"
_IDENTITY = frozenset({"arn", "id", "key_id", "home_region", "name", "bucket"})


@dataclass(slots=True)
class PlanView:
    """A resource's (or nested block's) planned values, unknown marks and spans."""

    values: dict[str, Any]
    unknown: Any  # after_unknown at this level: True, dict, list or None
    base: tuple[Any, ...]  # path of ``values`` in the plan document
    spans: dict[tuple[Any, ...], tuple[int, int]]
    refs: dict[str, list[Ref]]
    file: str
    line: int
    column: int
    configured: frozenset[str] | None = None  # arguments the configuration sets (top level only)

    def _unknown(self, name: str) -> Any:
        mark = self.unknown.get(name) if isinstance(self.unknown, dict) else (True if self.unknown is True else None)
        if mark is True and self.configured is not None and name not in self.configured and name not in _IDENTITY:
            # Optional+computed arguments the configuration leaves out (aws_s3_bucket's legacy
            # versioning, logging...) are marked unknown only because the provider computes
            # them; they are not set, so the model default applies.
            return None
        return mark

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None or self._unknown(name) is True

    def value(self, name: str, document: bool = False) -> tuple[Value[Any], list[Ref]]:
        refs = self.refs.get(name, [])
        if self._unknown(name) is True:
            return Unknown(f"{name} is {AFTER_APPLY}"), refs
        raw = self.values.get(name)
        if raw is None:
            return ABSENT, refs
        if document and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return Unknown(f"{name} is not valid JSON"), refs
        return Known(_merge(raw, self._unknown(name)), via=refs[0].describe() if refs else None), refs

    def blocks(self, name: str) -> list[PlanView] | Unknown:
        if self._unknown(name) is True:
            return Unknown(f"{name} blocks are {AFTER_APPLY}")
        raw = self.values.get(name) or []
        marks = self._unknown(name)
        views = []
        for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
            if not isinstance(item, dict):
                continue
            path = self.base + (name, i)
            line, column = self.spans.get(path, (self.line, self.column))
            sub = marks[i] if isinstance(marks, list) and i < len(marks) else None
            views.append(PlanView(item, sub, path, self.spans, {}, self.file, line, column))
        return views

    def span(self, name: str) -> tuple[str, int, int] | None:
        found = self.spans.get(self.base + (name,))
        return None if found is None else (self.file, *found)


def _merge(value: Any, marks: Any) -> Any:
    """Unknown placeholders where after_unknown marks list items or object members."""
    if marks is True:
        return Unknown(AFTER_APPLY)
    if isinstance(value, list):
        return [
            _merge(v, marks[i] if isinstance(marks, list) and i < len(marks) else None) for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        return {k: _merge(v, marks.get(k) if isinstance(marks, dict) else None) for k, v in value.items()}
    return value


def parse_plan(path: str, text: str, context: ParseContext) -> ParsedInput:
    sm = SourceMap(path)
    result = ParsedInput(path, KIND, source_map=sm)
    try:
        loaded = load(text.lstrip("\ufeff"), cfn_tags=False)
    except LoadError as exc:
        result.problem(PARSE_ERROR, f"plan JSON cannot be read: {exc.message}", exc.line, exc.column)
        return result
    doc = loaded.data
    if not isinstance(doc, dict) or ("planned_values" not in doc and "resource_changes" not in doc):
        result.problem(PARSE_ERROR, "not a `terraform show -json` plan (no planned_values or resource_changes)")
        return result
    version = str(doc.get("format_version", ""))
    if not version.startswith("1."):
        line, column = loaded.spans.get(("format_version",), (1, 1))
        result.problem(PARSE_ERROR, f"unsupported plan format_version {version!r} (ctguard reads 1.x)", line, column)
        return result
    # A plan that breaks the documented shape (a list where an object belongs...) is read as far
    # as it goes: a part of the wrong type counts as missing, never as an error.
    changes = {
        c.get("address"): _dict(c.get("change"))
        for c in _list(doc.get("resource_changes"))
        if isinstance(c, dict) and isinstance(c.get("address"), str)
    }
    configuration = _dict(doc.get("configuration"))
    config = _Config(configuration)
    providers = PlanProviders(
        _dict(configuration.get("provider_config")), _dict(doc.get("variables")), config.module_input
    )
    if not context.account_id:
        # The plan read the deploying credentials' account (data.aws_caller_identity, in
        # prior_state): the values in it were computed in that account.
        account = _planned_account(_dict(_dict(_dict(doc.get("prior_state")).get("values")).get("root_module")))
        if account is not None:
            context = replace(context, account_id=account)
    assembler = Assembler(context, sm, effective_region(context.region, providers.get(DEFAULT)))
    root = _dict(_dict(doc.get("planned_values")).get("root_module"))
    for resource, base in _resources(root, ("planned_values", "root_module")):
        rtype, address = resource.get("type"), resource.get("address")
        if (
            resource.get("mode", "managed") != "managed"
            or not isinstance(rtype, str)
            or rtype not in RELATED_TYPES
            or not isinstance(address, str)
        ):
            continue
        change = changes.get(address, {})
        unknown = change.get("after_unknown") or {}
        values = resource.get("values") if isinstance(resource.get("values"), dict) else {}
        values = mark_where(values, resource.get("sensitive_values"))  # the plan says which values are secret
        result.secrets |= secrets_in(values)
        line, column = loaded.spans.get(base, (1, 1))
        refs, configured = config.refs(address)
        view = PlanView(values, unknown, base + ("values",), loaded.spans, refs, path, line, column, configured)
        region = _region(context, address, view, providers.get(config.provider_key(address)), configured)
        assembler.add(Item(rtype, address, view, region=region))
    result.variants.append(assembler.model())
    return result


def _planned_account(root: dict[str, Any]) -> str | None:
    """The one account id the root module's ``aws_caller_identity`` data sources read, if any."""
    found = {
        r.get("values", {}).get("account_id")
        for r in _list(root.get("resources"))
        if isinstance(r, dict)
        and r.get("mode") == "data"
        and r.get("type") == "aws_caller_identity"
        and isinstance(r.get("values"), dict)
    }
    found.discard(None)
    account = found.pop() if len(found) == 1 else None
    return account if isinstance(account, str) and len(account) == 12 and account.isdigit() else None


def _region(
    context: ParseContext,
    address: str,
    view: PlanView,
    provider: ProviderRegion | None,
    configured: frozenset[str] | None,
) -> Known[str] | Unknown | None:
    """The resource's region by tf_providers' precedence.

    Provider v6 plans hold a computed ``region`` on every regional resource: set in the
    configuration it is the resource's own statement; otherwise it is the provider's region as
    Terraform resolved it, which stands in when the configuration's expression is not readable.
    """
    planned, _ = view.value("region")
    own: Value[Any] | None = None
    if configured is not None and "region" in configured:
        own = Known(planned.value, via=f"{address} region argument") if isinstance(planned, Known) else planned
    elif (
        isinstance(planned, Known)
        and isinstance(planned.value, str)
        and planned.value
        and (provider is None or not isinstance(provider.region, Known))
    ):
        key = provider.key if provider is not None else DEFAULT
        provider = ProviderRegion(key, Known(planned.value, via=f"provider {key} region (planned value)"))
    return effective_region(context.region, provider, own)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _resources(module: dict[str, Any], path: tuple[Any, ...]) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    for i, resource in enumerate(_list(module.get("resources"))):
        if isinstance(resource, dict):
            yield resource, path + ("resources", i)
    for i, child in enumerate(_list(module.get("child_modules"))):
        if isinstance(child, dict):
            yield from _resources(child, path + ("child_modules", i))


class _Config:
    """References per resource argument from ``configuration``, module variables followed up."""

    def __init__(self, configuration: dict[str, Any]) -> None:
        # module prefix ("" or "module.a.") -> (module config, caller prefix, call name)
        self.modules: dict[str, tuple[dict[str, Any], str | None, str | None]] = {}
        self._walk(_dict(configuration.get("root_module")), "", None, None)

    def _walk(self, module: dict[str, Any], prefix: str, parent: str | None, call: str | None) -> None:
        self.modules[prefix] = (module, parent, call)
        for name, spec in _dict(module.get("module_calls")).items():
            if isinstance(spec, dict):
                self._walk(_dict(spec.get("module")), f"{prefix}module.{name}.", prefix, name)

    def refs(self, address: str) -> tuple[dict[str, list[Ref]], frozenset[str] | None]:
        """References per argument, and the arguments configured (None: no configuration)."""
        resource = self._resource(address)
        if not resource:
            return {}, None
        prefix = _split(address)[0]
        exprs = _dict(resource.get("expressions"))
        refs = {arg: self._resolve(expr, prefix, 0) for arg, expr in exprs.items() if isinstance(expr, dict)}
        return refs, frozenset(exprs)

    def _resource(self, address: str) -> dict[str, Any]:
        prefix, local = _split(address)
        module = self.modules.get(prefix, ({}, None, None))[0]
        for resource in _list(module.get("resources")):
            if isinstance(resource, dict) and resource.get("address") == local:
                return resource
        return {}

    def provider_key(self, address: str) -> str:
        """The resource's ``provider_config_key`` (``aws`` when the configuration is missing)."""
        key = self._resource(address).get("provider_config_key")
        return key if isinstance(key, str) and key else DEFAULT

    def module_input(self, prefix: str, name: str) -> Any:
        """The caller's expression for input ``name`` of the module at ``prefix``."""
        _, parent, call = self.modules.get(prefix, ({}, None, None))
        if parent is None:
            return None
        caller = self.modules.get(parent, ({}, None, None))[0]
        call = cast(str, call)  # _walk sets parent and call together
        return _dict(_dict(_dict(caller.get("module_calls")).get(call)).get("expressions")).get(name)

    def _resolve(self, expr: dict[str, Any], prefix: str, depth: int) -> list[Ref]:
        out: list[Ref] = []
        for text in _list(expr.get("references")):
            if not isinstance(text, str):
                continue
            if text.startswith("var.") and depth < 8:
                _module, parent, call = self.modules.get(prefix, ({}, None, None))
                caller = self.modules.get(parent, ({}, None, None))[0] if parent is not None else {}
                call = cast(str, call)  # None only with parent None, and then caller is {}
                spec = _dict(_dict(_dict(caller.get("module_calls")).get(call)).get("expressions")).get(
                    text[4:].split(".")[0]
                )
                if isinstance(spec, dict) and parent is not None:
                    out.extend(self._resolve(spec, parent, depth + 1))
                continue
            parts = text.split(".")
            if parts[0] in ("local", "data", "module", "count", "each", "path", "terraform") or len(parts) < 2:
                continue
            out.append(Ref(prefix + text, prefix + parts[0] + "." + parts[1].split("[")[0]))
        return out


def _split(address: str) -> tuple[str, str]:
    """("module.a.", "aws_x.y") for "module.a.aws_x.y[0]" (index dropped: configuration has none)."""
    parts = address.split(".")
    prefix = ""
    while len(parts) > 2 and parts[0] == "module":
        prefix += f"module.{parts[1].split('[')[0]}."
        parts = parts[2:]
    return prefix, ".".join(parts).split("[")[0]
