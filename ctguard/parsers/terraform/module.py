"""Module assembly: a directory of .tf files, its variables, locals, resources and module calls.

Terraform treats a directory as one module, so references resolve across its files.  Variable
precedence follows Terraform: default < terraform.tfvars < *.auto.tfvars (lexical) <
``--var-file`` (in order) < ``-var``.  Local module calls are loaded recursively with the
caller's inputs (so a trail defined in a module is judged with its caller's values), bounded
by depth and by a cycle check on real paths; registry and git sources are reported, not fetched.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

from ctguard.inputs import BAD_REFERENCE, INVALID_PROPERTY, PARSE_ERROR, UNRESOLVABLE
from ctguard.parsers.terraform import variants as tf_variants
from ctguard.parsers.terraform.expr import Evaluator, Ref
from ctguard.parsers.terraform.filefuncs import file_functions
from ctguard.parsers.terraform.funcs import FUNCTIONS
from ctguard.parsers.terraform.hcl import Attr, Block, Body, parse_expression
from ctguard.parsers.terraform.instances import MAX_INSTANCES, Decl, Instance
from ctguard.parsers.terraform.loader import TF_SUFFIXES, Loader, tf_files
from ctguard.parsers.terraform.namespaces import Group, Names, ResourceTypes
from ctguard.parsers.terraform.problem import Problem
from ctguard.parsers.terraform.providers import DEFAULT as DEFAULT_PROVIDER
from ctguard.parsers.terraform.providers import Passed, Providers
from ctguard.sensitive import mark, strings_in
from ctguard.values import Unknown, symbolic

MAX_MODULE_DEPTH = 8
MAX_TRAIL_INSTANCES = 10
LOCAL_SOURCE = ("./", "../", ".\\", "..\\")


class Module:
    def __init__(
        self,
        loader: Loader,
        directory: str,
        prefix: str = "",
        inputs: dict[str, tuple[Any, list[Ref], str]] | None = None,
        chain: tuple[str, ...] = (),
        passed: dict[str, Passed] | None = None,
        inherited: Providers | None = None,
        existence: Unknown | None = None,
        places: dict[str, str | None] | None = None,
    ) -> None:
        self.loader, self.directory, self.prefix = loader, directory, prefix
        # Module directory -> its real path (None: not a directory), shared by the whole module tree:
        # thousands of calls to the same local module ask the file system once.
        self.places = places if places is not None else {}
        self.existence = existence  # Unknown when the call's count/for_each (or an outer one's) is unknown
        self.inputs = inputs  # None: the root module (tfvars and context apply)
        self.chain = chain + (self._place(directory) or os.path.realpath(directory),)
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attr] = {}
        self.outputs: dict[str, Attr] = {}
        self.calls: list[Block] = []
        self.unmade: list[tuple[Block, str]] = []  # local module calls count/for_each leaves with no instance
        self.decls: list[Decl] = []
        self.provider_blocks: list[Block] = []
        self._root_values: list[tuple[str, dict[str, Any]]] | None = None
        for body in loader.files(directory).values():
            self._collect(body)
        self.var = Names("var", self._variable, lambda name: self._variable_source(name)[0])
        self.local = Names("local", self._local)
        self.children: dict[str, list[tuple[str, Module | None]]] = {}
        self.groups: dict[tuple[str, str, str], Group] = {}
        self.ev = Evaluator(
            loader.trace,
            self._lookup,
            {**FUNCTIONS, **file_functions(self.chain[0], lambda: list(self.chain) + loader.module_dirs)},
        )
        self.providers = Providers(self, self.provider_blocks, passed, inherited)
        for decl in self.decls:
            self.groups[(decl.mode, decl.type, decl.name)] = self._expand_decl(decl)
        for call in self.calls:
            self.children[call.labels[0] if call.labels else "?"] = self._call(call)

    def _collect(self, body: Body) -> None:
        for block in body.blocks:
            labels = block.labels
            if block.type in ("resource", "data") and len(labels) == 2:
                self.decls.append(
                    Decl("managed" if block.type == "resource" else "data", labels[0], labels[1], block, self)
                )
            elif block.type in ("resource", "data"):
                self._malformed(block)
            elif block.type == "variable" and labels:
                self.variables[labels[0]] = block
            elif block.type == "locals":
                self.locals.update(block.body.attributes)
            elif block.type == "output" and labels and "value" in block.body.attributes:
                self.outputs[labels[0]] = block.body.attributes["value"]
            elif block.type == "module" and labels:
                self.calls.append(block)
            elif block.type == "provider" and labels[:1] == (DEFAULT_PROVIDER,):
                self.provider_blocks.append(block)

    def _malformed(self, block: Block) -> None:
        """A resource block Terraform refuses (labels missing or extra): the module is not valid,
        and when it is a trail's, the trail must not vanish without a word."""
        labels = block.labels
        what = f'{block.type} "{labels[0]}"' if labels else block.type
        self._problem(
            PARSE_ERROR,
            f"{what} block has {len(labels)} label(s); Terraform needs exactly two "
            "(type and name), so this configuration does not plan and the block is not checked",
            block,
        )

    # name resolution ---------------------------------------------------------------------
    def _lookup(self, name: str) -> Any:
        if name == "var":
            return self.var
        if name == "local":
            return self.local
        if name == "data":
            return ResourceTypes(self, "data", None)
        if name == "module":
            return Names("module", self._module_outputs)
        if name == "path":
            return {
                "module": self.directory,
                "root": self.directory if self.inputs is None else Unknown("path.root"),
                "cwd": Unknown("path.cwd"),
            }
        if name == "terraform":
            return {"workspace": Unknown("terraform.workspace is chosen at run time")}
        if any(key[1] == name for key in self.groups) or name.startswith(("aws_", "awscc_")):
            return ResourceTypes(self, "managed", name)
        raise KeyError(name)

    def _variable_source(self, name: str) -> tuple[str | None, Any, list[Ref]]:
        """(origin, value, refs) of a variable's value before evaluation of a default."""
        if self.inputs is not None and name in self.inputs:
            value, refs, origin = self.inputs[name]
            return origin, value, refs
        found: tuple[str | None, Any, list[Ref]] = (None, None, [])
        if self.inputs is None:
            if self._root_values is None:
                self._root_values = list(self.loader_var_sources())
            for source, values in self._root_values:
                if name in values:
                    found = (source, values[name], [])
        block = self.variables.get(name)
        if found[0] is None and block is not None and "default" in block.body.attributes:
            return "default", block.body.attributes["default"].expr, []
        return found

    def _variable(self, name: str) -> tuple[Any, list[Ref], str | None]:
        block = self.variables.get(name)
        if block is None:
            return Unknown(f"no attribute var.{name}: variable is not declared"), [], None
        origin, value, refs = self._variable_source(name)
        if origin is None:
            # The deployment chooses it: one symbol, equal to itself wherever it is used.
            reason = f"var.{name} has no value (no default, not set in tfvars or -var)"
            return symbolic(f"var.{name}", "text", reason, f"{self.prefix}var.{name}"), [], None
        if origin == "default":
            value, refs = self.ev.evaluate(value)
        value = _convert(value, block, self.ev)
        flag = block.body.attributes.get("sensitive")
        if flag is not None and self.ev.evaluate(flag.expr)[0] is True:
            value = mark(value)  # sensitive = true: Terraform hides it in its output, so do our reports
            self.loader.secrets |= strings_in(value)
        return value, refs, origin

    def loader_var_sources(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Root-module variable sources, lowest precedence first."""
        names = sorted(os.listdir(self.directory)) if os.path.isdir(self.directory) else []
        files: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        files += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        for name in files:
            yield name, self._tfvars(os.path.join(self.directory, name))
        for path in self.loader.context.var_files:
            yield os.path.basename(path), self._tfvars(path)
        cli: dict[str, Any] = {}
        for key, text in self.loader.context.variables.items():
            expr = parse_expression(text) if text[:1] in "[{" else None
            cli[key] = self.ev.eval(expr) if expr is not None else text
        yield "-var", cli

    def _tfvars(self, path: str) -> dict[str, Any]:
        if path not in self.loader.tfvars:
            self.loader.tfvars[path] = self.loader.parse(path)
        body = self.loader.tfvars[path]
        if body is None:
            return {}
        literal = Evaluator(self.loader.trace, _no_names, FUNCTIONS)
        return {name: literal.eval(attr.expr) for name, attr in body.attributes.items()}

    def _local(self, name: str) -> tuple[Any, list[Ref], str | None]:
        attr = self.locals.get(name)
        if attr is None:
            return Unknown(f"no attribute local.{name}: local is not defined"), [], None
        value, refs = self.ev.evaluate(attr.expr)
        return value, refs, None

    def _module_outputs(self, name: str) -> tuple[Any, list[Ref], str | None]:
        instances = self.children.get(name)
        call = next((c for c in self.calls if c.labels and c.labels[0] == name), None)
        keyed = next((k for k in ("count", "for_each") if call is not None and k in call.body.attributes), None)
        if keyed is None or instances is None:
            if not instances or instances[0][1] is None:
                return Unknown(f"outputs of module.{name} are not known"), [], None
            return (*_outputs(instances[0][1]), None)
        # module.b[0].id, module.b["k"].id, module.b[*].id: a list (count) or map (for_each) of outputs
        if any(child is None for _, child in instances):
            return Unknown(f"outputs of module.{name} are not known"), [], None
        if any(not address.endswith("]") for address, _ in instances):
            return Unknown(f"the {keyed} of module.{name} is unknown"), [], None
        refs: list[Ref] = []
        items: list[tuple[str, Any]] = []
        for address, child in instances:
            assert child is not None
            value, child_refs = _outputs(child)
            refs.extend(child_refs)
            items.append((address[address.rindex("[") :], value))
        if keyed == "count":
            return [value for _, value in items], refs, None
        return {suffix[2:-2]: value for suffix, value in items}, refs, None

    # expansion ---------------------------------------------------------------------------
    def expansions(
        self, body: Body, where: str, block: Block | None = None, limit: int = MAX_INSTANCES, two_way: bool = False
    ) -> list[tuple[str, dict[str, Any], Unknown | None]]:
        """(address suffix, bindings, existence) per instance that count/for_each creates.

        ``two_way``: a module call, whose undecided ``cond ? a : b`` is taken as the run's
        assumption (tf_variants). Instances come out of the parse's shared budget: a count of a
        billion, or modules with count calling modules with count, stop at the budget with one
        CT002 (tf_budget)."""

        def expr(key: str) -> Any:
            node = body.attributes[key].expr
            return tf_variants.chosen(node, self.ev, self.loader, self.prefix) if two_way else node

        if "count" in body.attributes:
            n = self.ev.eval(expr("count"))
            if isinstance(n, str) and n.strip().lstrip("-").isdigit() and len(n) < 30:
                n = int(n)  # Terraform converts "3" to a number
            problem = _count_problem(n)
            if problem is None:
                wanted = min(int(n), limit)
                if wanted < n:
                    self._limit(
                        f"count of {where} is {int(n):,}; ctguard checks the first {limit:,} "
                        "instances (more than any CloudTrail setup needs): lower count",
                        block,
                    )
                granted = self._grant(wanted, f"count of {where}", block)
                return [(f"[{i}]", {"count": {"index": i}}, None) for i in range(granted)]
            if not isinstance(n, Unknown) and block is not None:
                self._problem(INVALID_PROPERTY, f"Invalid count argument of {where}: {problem}", block)
            reason = Unknown(f"count of {where} is unknown: {getattr(n, 'reason', problem)}")
            return [("", {"count": {"index": reason}}, reason)]
        if "for_each" in body.attributes:
            items = self.ev.eval(expr("for_each"))
            if isinstance(items, dict):
                pairs = list(items.items())
            elif isinstance(items, list) and all(isinstance(x, str) for x in items):
                pairs = [(x, x) for x in dict.fromkeys(items)]  # a set: each key once
            else:
                reason = Unknown(f"for_each of {where} is unknown: {getattr(items, 'reason', 'not a map or set')}")
                return [("", {"each": {"key": reason, "value": reason}}, reason)]
            if len(pairs) > limit:
                self._limit(
                    f"for_each of {where} has {len(pairs):,} items; ctguard checks the first "
                    f"{limit:,} (more than any CloudTrail setup needs)",
                    block,
                )
            granted = self._grant(min(len(pairs), limit), f"for_each of {where}", block)
            return [(f'["{k}"]', {"each": {"key": k, "value": v}}, None) for k, v in pairs[:granted]]
        return [("", {}, None)] if self._grant(1, where, block) else []

    def _grant(self, wanted: int, what: str, block: Block | None) -> int:
        file, line, column = (block.file, block.line, block.column) if block is not None else (self.directory, 1, 1)
        return self.loader.trace.budget.grant(wanted, what, file, line, column)

    def _limit(self, message: str, block: Block | None) -> None:
        if block is not None:
            self._problem(INVALID_PROPERTY, message, block)

    def _expand_decl(self, decl: Decl) -> Group:
        body = decl.block.body
        keyed = "count" if "count" in body.attributes else "for_each" if "for_each" in body.attributes else None
        expanded = self.expansions(body, decl.address, decl.block, _limit_for(decl.type))
        if decl.mode == "managed" and decl.type == "aws_cloudtrail":
            block = decl.block
            expanded = expanded[
                : self.loader.trace.budget.grant_trails(
                    len(expanded), decl.address, block.file, block.line, block.column
                )
            ]
        instances = [
            Instance(decl, suffix, self.ev.bind(**bindings), existence) for suffix, bindings, existence in expanded
        ]
        return Group(decl, instances, keyed)

    def _call(self, call: Block) -> list[tuple[str, Module | None]]:
        name = call.labels[0]
        source_attr = call.body.attributes.get("source")
        source = self.ev.eval(source_attr.expr) if source_attr else None
        where = f"module.{name}"
        if not isinstance(source, str) or not source.startswith(LOCAL_SOURCE):
            self._problem(
                UNRESOLVABLE,
                f"module source {source!r} is not resolvable locally: {self.prefix}{where} is not checked",
                call,
            )
            return [(f"{self.prefix}{where}", None)]
        directory = os.path.normpath(os.path.join(self.directory, source))
        real = self._place(directory)
        if real is None:
            self._problem(BAD_REFERENCE, f"module source {source!r} of {self.prefix}{where} does not exist", call)
            return [(f"{self.prefix}{where}", None)]
        if real in self.chain or len(self.chain) > MAX_MODULE_DEPTH:
            self._problem(
                UNRESOLVABLE, f"module {self.prefix}{where} calls itself or nests too deep; not followed", call
            )
            return [(f"{self.prefix}{where}", None)]
        result: list[tuple[str, Module | None]] = []
        passed = self.providers.for_call(call.body)
        meta = {"source", "version", "count", "for_each", "providers", "depends_on"}
        for suffix, bindings, existence in self.expansions(call.body, f"{self.prefix}{where}", call, two_way=True):
            ev = self.ev.bind(**bindings)
            inputs = {}
            for arg, attr in call.body.attributes.items():
                if arg not in meta:
                    value, refs = ev.evaluate(attr.expr)
                    inputs[arg] = (value, refs, f"{self.prefix}{where} input")
            address = f"{self.prefix}{where}{suffix}"
            result.append(
                (
                    address,
                    Module(
                        self.loader,
                        directory,
                        address + ".",
                        inputs,
                        self.chain,
                        passed,
                        self.providers,
                        existence if existence is not None else self.existence,
                        self.places,
                    ),
                )
            )
        keyed = next((k for k in ("count", "for_each") if k in call.body.attributes), None)
        if (
            not result
            and keyed is not None
            and not tf_variants.assumed(call.body.attributes[keyed].expr, self.ev, self.loader, self.prefix)
        ):
            self.unmade.append((call, directory))  # known to make nothing: said, not silently absent
        return result

    def release(self) -> None:
        """Let go of the syntax trees once the model is built.

        A module points at itself in many ways (each Decl names its module; the evaluator, the
        var/local namespaces and the providers hold bound methods or the module), so without this
        the whole module, every parsed body and expression tree included (about one object per
        character of HCL), stays alive until the cycle collector finds it: on a 1 MB file that
        one collection rescans ~360,000 objects. Emptying each module breaks every such cycle at
        once, so reference counting frees the trees as soon as the reading ends."""
        for children in self.children.values():
            for _, child in children:
                if child is not None:
                    child.release()
        self.__dict__.clear()

    def _place(self, directory: str) -> str | None:
        if directory not in self.places:
            self.places[directory] = os.path.realpath(directory) if os.path.isdir(directory) else None
        return self.places[directory]

    def _problem(self, rule: str, message: str, block: Block) -> None:
        self.loader.problems.append(Problem(rule, message, block.file, block.line, block.column))

    def placed(self) -> Iterator[tuple[Instance, Unknown | None]]:
        """Every managed instance with why it may not exist: its own count/for_each or its module's."""
        for inst in self.instances():
            yield inst, inst.existence if inst.existence is not None else inst.decl.module.existence

    def instances(self) -> Iterator[Instance]:
        """Every managed resource instance of this module and the local modules it calls."""
        for group in self.groups.values():
            if group.decl.mode == "managed":
                yield from group.instances
        for children in self.children.values():
            for _, child in children:
                if child is not None:
                    yield from child.instances()


def _outputs(child: Module) -> tuple[dict[str, Any], list[Ref]]:
    outputs = {out: child.ev.evaluate(attr.expr) for out, attr in child.outputs.items()}
    return {k: v for k, (v, _) in outputs.items()}, [r for _, refs in outputs.values() for r in refs]


def _limit_for(resource_type: str) -> int:
    # AWS allows 5 trails per Region; more instances of a trail type only multiply the work.
    return MAX_TRAIL_INSTANCES if resource_type.startswith("aws_cloudtrail") else MAX_INSTANCES


def _count_problem(n: Any) -> str | None:
    """Why a count value cannot be used (Terraform's wording), or None when it can."""
    if isinstance(n, Unknown):
        return n.reason
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        return 'The given "count" argument value is unsuitable: a number is required'
    if isinstance(n, float) and not (math.isfinite(n) and n.is_integer()):
        return 'The given "count" argument value is unsuitable: must be a whole number'
    if n < 0:
        return 'The given "count" argument value is unsuitable: must be greater than or equal to zero'
    return None


def _no_names(name: str) -> Any:
    raise KeyError(name)


def _convert(value: Any, block: Block, ev: Evaluator) -> Any:
    """Apply a variable's primitive type: ``-var enabled=false`` arrives as the text "false"."""
    type_attr = block.body.attributes.get("type")
    if type_attr is None or not isinstance(value, str):
        return value
    declared = _type_name(type_attr.expr)
    if declared == "bool" and value in ("true", "false"):
        return value == "true"
    if declared == "number":
        try:
            return int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def _type_name(node: Any) -> str:
    from lark import Tree

    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "identifier":
        return str(node.children[0])
    return ""


__all__ = ["LOCAL_SOURCE", "MAX_MODULE_DEPTH", "TF_SUFFIXES", "Group", "Loader", "Module", "Problem", "tf_files"]
