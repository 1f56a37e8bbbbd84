"""Data sources ctguard can answer without calling AWS.

``aws_iam_policy_document`` is rendered the way the provider renders it (single-item lists
collapse to strings, ``Effect`` defaults to Allow) so the IAM evaluator sees the same document
a plan would hold.  Identity data sources answer from ``ParseContext`` or stay Unknown: the
deploying credentials decide them, not the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctguard.parsers.terraform.expr import JsonDoc, Namespace, Ref
from ctguard.symbols import account_symbol, organization_symbol, region_symbol
from ctguard.values import Known, Unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.instances import BlockView, Instance


def data_attribute(inst: Instance, name: str) -> tuple[Any, list[Ref]]:
    ctx = inst.decl.module.loader.context
    kind = inst.decl.type
    if kind == "aws_caller_identity":
        account = ctx.account_id or account_symbol(
            f"data.aws_caller_identity.{inst.decl.name}.account_id",
            "account of the deploying credentials (pass --account)",
        )
        if name in ("account_id", "id"):
            return account, []
        return Unknown(f"data.aws_caller_identity.{name} depends on the deploying credentials"), []
    if kind == "aws_organizations_organization" and name == "id":
        return organization_symbol(
            f"data.aws_organizations_organization.{inst.decl.name}.id",
            f"data.aws_organizations_organization.{inst.decl.name}.id is read from AWS at plan time",
        ), []
    if kind == "aws_region" and name in ("name", "id", "region", "endpoint"):
        region = _region_of(inst)
        if name == "endpoint":
            return (f"{region}.amazonaws.com" if isinstance(region, str) else region), []
        return region, []
    if kind == "aws_partition":
        if name in ("partition", "id"):
            return ctx.partition, []
        if name == "dns_suffix":
            return "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com", []
    if kind == "aws_iam_policy_document" and name in ("json", "minified_json"):
        refs: list[Ref] = []
        inst.ev.trace.stack.append(refs)
        try:
            return JsonDoc(policy_document(inst.view)), refs
        finally:
            inst.ev.trace.stack.pop()
    if name in inst.decl.block.body.attributes:
        return inst.argument(name)
    return Unknown(f"{inst.address}.{name} is read from AWS at plan time"), []


def _region_of(inst: Instance) -> Any:
    """The region ``data "aws_region"`` answers: the one it selects, else its provider's."""
    from ctguard.parsers.terraform.providers import instance_region

    body = inst.decl.block.body
    for selector in ("region", "name"):  # v6 `region`, v5 `name`: look up that region
        if selector in body.attributes:
            value, _ = inst.argument(selector)
            if value is not None:
                return value
    region = instance_region(inst)
    if isinstance(region, Known):
        return region.value
    if region is not None:
        return region
    # No provider states it: the region of the deploying environment, the same for every resource.
    return region_symbol(
        f"data.aws_region.{inst.decl.name}.name",
        "region of the deployment (pass --region or set the provider's region)",
    )


def _list(value: Any) -> Any:
    if isinstance(value, Namespace):
        return Unknown(f"whole object {value!r} in a policy document")
    if value is None or isinstance(value, Unknown):
        return value
    return value if isinstance(value, list) else [value]


def _collapse(values: Any) -> Any:
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def policy_document(view: BlockView) -> Any:
    """The JSON document an ``aws_iam_policy_document`` renders, Unknown placeholders inside."""
    doc: dict[str, Any] = {"Version": _or(_raw(view, "version"), "2012-10-17")}
    if view.has("policy_id"):
        doc["Id"] = _raw(view, "policy_id")
    if view.has("source_policy_documents") or view.has("override_policy_documents"):
        doc["Statement"] = Unknown("source/override policy documents are not merged by ctguard")
        return doc
    statements = view.blocks("statement")
    if isinstance(statements, Unknown):
        doc["Statement"] = statements
        return doc
    doc["Statement"] = [_statement(s) for s in statements]
    return doc


def _or(value: Any, fallback: Any) -> Any:
    return fallback if value is None or value == "" else value


def _raw(view: BlockView, name: str) -> Any:
    value, _ = view.raw(name)
    from ctguard.values import Absent

    return None if isinstance(value, Absent) else value


def _statement(view: BlockView) -> dict[str, Any]:
    st: dict[str, Any] = {}
    if view.has("sid"):
        st["Sid"] = _raw(view, "sid")
    st["Effect"] = _or(_raw(view, "effect"), "Allow")
    for attr, key in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if view.has(attr):
            value = _list(_raw(view, attr))
            if value is not None:
                st[key] = _collapse(value)
    for block, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = view.blocks(block)
        if isinstance(principals, Unknown):
            st[key] = principals
            continue
        merged: dict[str, Any] = {}
        for p in principals:
            ptype, ids = _raw(p, "type"), _list(_raw(p, "identifiers"))
            if ptype == "*" and isinstance(ids, list) and ids == ["*"]:
                st[key] = "*"
                break
            if isinstance(ptype, Unknown) or isinstance(ids, Unknown):
                merged[str(ptype) if isinstance(ptype, str) else "?"] = ids if isinstance(ids, Unknown) else ptype
                continue
            existing = merged.setdefault(str(ptype), [])
            existing.extend(ids or [])
        if merged and key not in st:
            st[key] = {k: _collapse(v) if isinstance(v, list) else v for k, v in merged.items()}
    conditions = view.blocks("condition")
    if isinstance(conditions, Unknown):
        st["Condition"] = conditions
    elif conditions:
        cond: dict[str, Any] = {}
        for c in conditions:
            test, variable, values = _raw(c, "test"), _raw(c, "variable"), _list(_raw(c, "values"))
            if not isinstance(test, str) or not isinstance(variable, str):
                cond["?"] = Unknown("condition test or variable is unknown")
                continue
            cond.setdefault(test, {})[variable] = _collapse(values)
        st["Condition"] = cond
    return st
