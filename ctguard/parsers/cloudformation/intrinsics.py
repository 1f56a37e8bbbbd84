"""Static resolution of CloudFormation intrinsic functions to plain values or Unknown.

``Resolver.resolve`` turns a template value into plain data (str, int, bool, list, dict) in
which anything that cannot be known before deployment is an ``Unknown(reason)`` placeholder,
and ``AWS::NoValue`` is the ``NO_VALUE`` sentinel (dropped from lists and mappings, Absent at a
property).  A ``Trace`` passed along collects the logical ids a value refers to (for links:
``S3BucketName: !Ref LogBucket`` links the trail to LogBucket) and where a Known value came
from (``via``: ``"parameter Env (default)"``).

Strings that combine parts (``Fn::Sub``, ``Fn::Join``) are Unknown as soon as one part is:
a half-known bucket ARN would compare unequal to everything.  Nothing is ever executed, and
every recursion is bounded by ``MAX_DEPTH`` plus a guard against resources whose names refer
to themselves.  What a Ref/GetAtt to a resource yields lives in ``cfn_physical``; the
``Fn::*`` handlers live in ``cfn_functions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ctguard.parsers.cloudformation import functions as cfn_functions
from ctguard.parsers.cloudformation import physical as cfn_physical
from ctguard.parsers.cloudformation.trace import NO_VALUE, Trace, _text
from ctguard.parsers.context import ParseContext
from ctguard.sensitive import mark
from ctguard.values import Unknown, symbolic

if TYPE_CHECKING:
    from ctguard.parsers.cloudformation.template import Path, Template

MAX_DEPTH = 64

_PSEUDO_UNKNOWN = {
    "AWS::NotificationARNs": "the stack's notification ARNs are chosen at deploy time",
}
# Deploy-time values that stay named symbols (ctguard.symbols): (shape, reason).
_PSEUDO_SYMBOLS = {
    "AWS::StackName": ("stack-name", "the stack name is chosen at deploy time"),
    "AWS::StackId": ("text", "the stack id is assigned at deploy time"),
    "AWS::Region": ("region", "AWS::Region is known only at deploy time (pass the region)"),
    "AWS::AccountId": ("account", "AWS::AccountId is known only at deploy time (pass the account id)"),
}
Report = Callable[[str, str, "Path"], None]  # (rule id, message, data path)
ConditionLookup = Callable[[str], "bool | None"]


class Resolver:
    def __init__(
        self,
        template: Template,
        context: ParseContext,
        condition: ConditionLookup,
        report: Report,
        pins: dict[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.context = context
        self.condition = condition
        self.report = report
        # Parameter (and pseudo parameter) values a variant's conditions imply: IsProd true
        # means Env is "prod" there, whatever its default.
        self.pins = pins or {}
        self.active: set[str] = set()  # resources whose names are being resolved (cycle guard)

    def resolve(self, node: Any, path: Path, trace: Trace | None = None, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return Unknown(f"value nested more than {MAX_DEPTH} levels deep")
        if trace is None:
            trace = Trace()
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                    return self._intrinsic(key, arg, path, trace, depth)
            out = {}
            for k, v in node.items():
                value = self.resolve(v, path + (k,), trace, depth + 1)
                if value is not NO_VALUE:
                    out[k] = value
            return out
        if isinstance(node, list):
            items = [self.resolve(v, path + (i,), trace, depth + 1) for i, v in enumerate(node)]
            return [v for v in items if v is not NO_VALUE]
        return node

    def _intrinsic(self, key: str, arg: Any, path: Path, trace: Trace, depth: int) -> Any:
        handler = cfn_functions.HANDLERS.get(key)
        if handler is None:
            return Unknown(f"{key} is not evaluated statically")
        return handler(self, arg, path + (key,), trace, depth + 1)

    # --- references -------------------------------------------------------------------------

    def ref(self, name: Any, path: Path, trace: Trace, depth: int = 0) -> Any:
        if not isinstance(name, str):
            return Unknown("Ref needs a name")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name.startswith("AWS::"):
            return self._pseudo(name, trace)
        params = self.template.parameters
        if name in params:
            return self._parameter(name, params[name], trace)
        if name in self.template.resources:
            trace.refs.append(name)
            trace.vias.append(f"Ref {name}")
            return cfn_physical.ref_value(self, name, depth)
        self.report("CT004", f"Ref to undefined '{name}' (not a parameter, pseudo parameter or resource)", path)
        return Unknown(f"Ref to undefined '{name}'")

    def get_att(self, logical_id: Any, attribute: Any, path: Path, trace: Trace, depth: int = 0) -> Any:
        if not isinstance(logical_id, str) or not isinstance(attribute, str):
            return Unknown("Fn::GetAtt needs a resource and an attribute name")
        if logical_id not in self.template.resources:
            self.report("CT004", f"Fn::GetAtt to undefined resource '{logical_id}'", path)
            return Unknown(f"Fn::GetAtt to undefined resource '{logical_id}'")
        trace.refs.append(logical_id)
        trace.vias.append(f"GetAtt {logical_id}.{attribute}")
        return cfn_physical.get_att_value(self, logical_id, attribute, depth)

    def pseudo(self, name: str) -> Any:
        return self._pseudo(name, Trace())

    def _pseudo(self, name: str, trace: Trace) -> Any:
        ctx = self.context
        if name in self.pins:
            trace.vias.append(f"{name} (condition variant)")
            return self.pins[name]
        if name == "AWS::Region":
            if ctx.region:
                trace.vias.append("AWS::Region (deploy context)")
                return ctx.region
            return _pseudo_symbol(name)
        if name == "AWS::AccountId":
            if ctx.account_id:
                trace.vias.append("AWS::AccountId (deploy context)")
                return ctx.account_id
            return _pseudo_symbol(name)
        if name == "AWS::Partition":
            return ctx.partition
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
        if name in _PSEUDO_SYMBOLS:
            return _pseudo_symbol(name)
        if name in _PSEUDO_UNKNOWN:
            return Unknown(_PSEUDO_UNKNOWN[name])
        return Unknown(f"unknown pseudo parameter {name}")

    def _parameter(self, name: str, definition: Any, trace: Trace) -> Any:
        value = self._parameter_value(name, definition, trace)
        if isinstance(definition, dict) and str(definition.get("NoEcho")).lower() == "true":
            return mark(value)  # NoEcho: CloudFormation hides it, so do our reports
        return value

    def _parameter_value(self, name: str, definition: Any, trace: Trace) -> Any:
        if isinstance(definition, Unknown):
            return definition
        if not isinstance(definition, dict):
            return Unknown(f"parameter {name} is not a mapping")
        ptype = definition.get("Type")
        ptype = ptype if isinstance(ptype, str) else "String"
        if name in self.context.variables:
            raw: Any = self.context.variables[name]
            via = f"parameter {name} (given value)"
        elif name in self.pins:
            raw = self.pins[name]
            if isinstance(raw, Unknown):
                # Still the one value the deployment passes: the parameter's symbol (non-empty
                # when the variant rules out "", as `!Not [!Equals [!Ref P, ""]]` does).
                excluded = raw.reason.partition(" is none of ")[2].partition(" in this variant")[0]
                shape = "nonempty-text" if "" in excluded.split(", ") else "text"
                return symbolic(name, shape, raw.reason, name) if ptype == "String" else raw
            via = f"parameter {name} (condition variant)"
        elif "Default" in definition:
            raw = definition["Default"]
            if isinstance(raw, Unknown):
                return raw
            via = f"parameter {name} (default)"
            trace.defaults.append(name)
        else:
            reason = f"parameter {name} has no default"
            # A String parameter is one name the deployment chooses: a symbol, equal to itself.
            return symbolic(name, "text", reason) if ptype == "String" else Unknown(reason)
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            return Unknown(f"parameter {name} is read from SSM parameter {raw!r} at deploy time")
        trace.vias.append(via)
        if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
            if isinstance(raw, list):
                return [_text(v) for v in raw]
            return [part.strip() for part in _text(raw).split(",")]
        if isinstance(raw, (dict, list)):
            return Unknown(f"parameter {name} has a {type(raw).__name__} default")
        return raw if ptype == "Number" and isinstance(raw, (int, float)) else _text(raw)


def _pseudo_symbol(name: str) -> Any:
    from ctguard.symbols import ACCOUNT, REGION

    shape, reason = _PSEUDO_SYMBOLS[name]
    return symbolic(name, shape, reason, {"account": ACCOUNT, "region": REGION}.get(shape, ""))
