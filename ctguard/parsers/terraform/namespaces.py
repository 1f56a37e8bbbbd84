"""Names an expression walks into: ``var``, ``local``, ``module``, resource types and groups.

``Names`` resolves ``var.x`` / ``local.x`` / ``module.x`` lazily and memoises them (a cycle
becomes Unknown instead of recursing); ``ResourceTypes`` and ``Group`` take
``aws_s3_bucket.logs[0].arn`` to the resource instance that answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctguard.parsers.terraform.expr import Evaluator, Namespace, Ref
from ctguard.parsers.terraform.instances import Decl, Instance
from ctguard.values import Unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.module import Module


class Names(Namespace):
    """``var`` / ``local`` / ``module.x``: names resolved lazily, memoised, cycles broken."""

    def __init__(self, label: str, resolve: Any, origin: Any = None) -> None:
        self.label = label
        self.resolve = resolve  # name -> (value, refs, origin)
        self._origin = origin or (lambda name: None)  # name -> where its value comes from
        self.memo: dict[str, tuple[Any, list[Ref], str | None]] = {}

    def __repr__(self) -> str:
        return self.label

    def attr(self, name: str, ev: Evaluator) -> Any:
        # The outer reference goes first: it is the one ``via`` names.
        if name in self.memo:
            ev.trace.add(Ref(f"{self.label}.{name}", None, self.memo[name][2]))
        else:
            origin = self._origin(name)
            ev.trace.add(Ref(f"{self.label}.{name}", None, origin))
            self.memo[name] = (Unknown(f"reference cycle through {self.label}.{name}"), [], origin)
            self.memo[name] = self.resolve(name)
        value, refs, _ = self.memo[name]
        for ref in refs:
            ev.trace.add(ref)
        return value

    def expand(self, ev: Evaluator) -> Any:
        return Unknown(f"whole {self.label} object used as a value")


class ResourceTypes(Namespace):
    """``aws_s3_bucket`` (or ``data.aws_x``): resolves the resource name to its instances."""

    def __init__(self, module: Module, mode: str, rtype: str | None) -> None:
        self.module, self.mode, self.rtype = module, mode, rtype

    def __repr__(self) -> str:
        return self.rtype or "data"

    def attr(self, name: str, ev: Evaluator) -> Any:
        if self.rtype is None:  # data.<type>
            return ResourceTypes(self.module, "data", name)
        group = self.module.groups.get((self.mode, self.rtype, name))
        if group is None:
            return Unknown(f"no attribute {self.rtype}.{name} (not defined in this module)")
        return group


class Group(Namespace):
    """All instances of one resource/data block (one without count/for_each has exactly one)."""

    def __init__(self, decl: Decl, instances: list[Instance], keyed: str | None) -> None:
        self.decl, self.instances, self.keyed = decl, instances, keyed  # keyed: None | count | for_each

    def __repr__(self) -> str:
        return self.decl.address

    def attr(self, name: str, ev: Evaluator) -> Any:
        if self.keyed is None and self.instances:
            return self.instances[0].attr(name, ev)
        return Unknown(f"{self.decl.address} has count/for_each: index it to read .{name}")

    def index(self, key: Any, ev: Evaluator) -> Any:
        for inst in self.instances:
            if inst.suffix in (f"[{key}]", f'["{key}"]') or (inst.existence is not None):
                return inst
        return Unknown(f"index {key} of {self.decl.address} does not exist")

    def expand(self, ev: Evaluator) -> Any:
        if self.keyed == "for_each":
            return {inst.suffix[2:-2]: inst for inst in self.instances}
        if self.keyed == "count" and all(i.existence is None for i in self.instances):
            return list(self.instances)
        return Unknown(f"{self.decl.address}: instances are not known")
