"""Terraform HCL modules (a directory is a module) into the model.

Public API:

* ``parse_module(directory, context) -> list[ParsedInput]``: one ParsedInput per *root module*
  (the directory, or the directory of a given ``.tf`` file), kind ``"terraform"``.  One input
  per module rather than per file, because links cross files (trail in main.tf, bucket and its
  split resources in s3.tf); every span names the ``.tf`` file that holds its block, so findings
  still point at the right file.  Local modules it calls are part of the same input, their
  resources keyed by full address (``module.audit.aws_cloudtrail.this``).
* ``parse(path, text, context) -> ParsedInput``: the parser contract; a ``.tf`` path loads its
  whole directory with ``text`` standing in for that file (staged content in pre-commit).
* ``tf_dir_is_cloudtrail_related(directory) -> bool``: the cheap prefilter (no HCL parse).

count/for_each: count 0 (or an empty for_each) creates nothing, so no trail.  A known count or
for_each creates one trail per instance (``aws_cloudtrail.x[0]``, ``aws_cloudtrail.x["eu"]``).
An unknown count/for_each gives one trail keyed by the bare address, judged as configured, but
its ``is_logging`` is Unknown("the trail may not be created: ...") so "is a trail logging"
cannot pass on a trail that may not exist, and a CT005 problem says so.

Requires python-hcl2 8.x (``python-hcl2>=8.1,<9``): see ``tf_hcl`` for why.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from ctguard.gcpause import collector_paused
from ctguard.inputs import INVALID_PROPERTY, UNRESOLVABLE, ParsedInput
from ctguard.location import SourceMap
from ctguard.model import Model
from ctguard.parsers.context import ParseContext
from ctguard.parsers.prefilter import UTF16_BOMS, may_concern_cloudtrail, unescape
from ctguard.parsers.terraform import opaque as tf_opaque
from ctguard.parsers.terraform import variants as tf_variants
from ctguard.parsers.terraform.assemble import RELATED_TYPES, Assembler, Item
from ctguard.parsers.terraform.comments import blank_comments
from ctguard.parsers.terraform.loader import MAX_TF_CHARS
from ctguard.parsers.terraform.module import MAX_MODULE_DEPTH, Loader, Module, tf_files
from ctguard.parsers.terraform.providers import instance_region, root_region

KIND = "terraform"


def parse_module(
    directory: str, context: ParseContext, overrides: dict[str, str] | None = None, label: str | None = None
) -> list[ParsedInput]:
    """Parse the module in ``directory`` (or the directory of a ``.tf`` file).

    A module call whose count/for_each is an undecided ``cond ? ..`` makes one variant per truth
    value of ``cond`` (``tf_variants``): the tree is read again under each assumption."""
    with collector_paused():
        return _parse_module(directory, context, overrides, label)


def _parse_module(
    directory: str, context: ParseContext, overrides: dict[str, str] | None, label: str | None
) -> list[ParsedInput]:
    if os.path.isfile(directory):
        label = label or directory
        directory = os.path.dirname(directory) or "."
    label = label or directory
    if not tf_files(directory) and not overrides:
        return []
    sm = SourceMap(label)
    result = ParsedInput(label, KIND, source_map=sm)
    queue: list[dict[str, bool]] = [{}]
    finished: list[Loader] = []
    embedded: dict[str, tf_opaque.Embedded] = {}
    while queue:
        assumptions = queue.pop(0)
        loader = Loader(context, dict(overrides or {}), assumptions=assumptions)
        model, found = _read(directory, label, loader, context, sm)
        more = tf_variants.split(assumptions, loader.undecided, len(finished) + len(queue))
        if more:
            queue.extend(more)  # this run decided nothing about the new switch: replaced by its two sides
            continue
        finished.append(loader)
        embedded.update((e.address, e) for e in found)
        if model is not None:
            model.conditions = tuple(sorted(assumptions.items()))
            result.variants.append(model)
    problems = [p for loader in finished for p in loader.problems]
    for p in dict.fromkeys(problems):  # a module reached through several instances (or variants) says it once
        result.problem(p.rule_id, p.message, p.line, p.column, file=p.file)
    result.secrets = set().union(*(loader.secrets for loader in finished))
    return [result] + [_template(e, context) for e in embedded.values()]


def _template(embedded: tf_opaque.Embedded, context: ParseContext) -> ParsedInput:
    """A CloudFormation template written in a stack resource, read as one, its findings in the .tf file."""
    from ctguard.parsers.cloudformation import (
        parse as cloudformation,  # late: a Terraform-only run need not load the CFN reader
    )

    parsed = cloudformation.parse(embedded.file, embedded.text, context)
    first = embedded.line

    def line(n: int) -> int:
        return first + n - 1 if embedded.exact else first

    parsed.source_map = (parsed.source_map or SourceMap(embedded.file)).moved(embedded.file, line)
    parsed.problems = [
        replace(p, span=replace(p.span, file=embedded.file, line=line(p.span.line))) for p in parsed.problems
    ]
    return parsed


def _read(
    directory: str, label: str, loader: Loader, context: ParseContext, sm: SourceMap
) -> tuple[Model | None, list[tf_opaque.Embedded]]:
    """One reading of the module tree under the loader's assumptions (no model when it could not be built),
    with the CloudFormation templates its stack resources embed."""
    model: Model | None = None
    embedded: list[tf_opaque.Embedded] = []
    root: Module | None = None
    try:
        root = Module(loader, directory)
        assembler = Assembler(context, sm, root_region(root))
        for inst, existence in root.placed():
            opaque, templates = tf_opaque.scan(inst)
            loader.problems.extend(opaque)
            embedded.extend(templates)
            if inst.decl.type in RELATED_TYPES:
                assembler.add(Item(inst.decl.type, inst.address, inst.view, existence, instance_region(inst)))
                if existence is not None and inst.decl.type == "aws_cloudtrail":
                    block = inst.decl.block
                    loader.problems.append(
                        _problem(
                            UNRESOLVABLE,
                            f"{inst.address}: {existence.reason}; judged as if created, is_logging left unknown",
                            block.file,
                            block.line,
                            block.column,
                        )
                    )
        model = assembler.model()
        loader.problems.extend(_not_created(root))
    except RecursionError:
        loader.problems.append(_problem("CT001", "module too deeply nested to evaluate", label, 1, 1))
    finally:
        if root is not None:
            root.release()
    breach = loader.trace.budget.breach
    if breach is not None:
        message, file, line, column = breach
        loader.problems.append(_problem(INVALID_PROPERTY, message, file or label, line, column))
    return model, embedded


_TRAIL_TYPES = ("aws_cloudtrail", "aws_cloudtrail_event_data_store")


def _not_created(module: Module) -> list:  # type: ignore[type-arg]
    """A trail block that count/for_each leaves with no instance is said, not silently judged as absent."""
    found = []
    for group in module.groups.values():
        decl = group.decl
        if decl.mode == "managed" and decl.type in _TRAIL_TYPES and not group.instances:
            block = decl.block
            found.append(
                _problem(
                    UNRESOLVABLE,
                    f"{module.prefix}{decl.address} is not created with these values "
                    f"({group.keyed} gives no instance), so it is not checked; give the variables that "
                    "create it (--var-file) to check it",
                    block.file,
                    block.line,
                    block.column,
                )
            )
    for call, directory in module.unmade:
        if tf_dir_is_cloudtrail_related(directory):
            address = f"{module.prefix}module.{call.labels[0]}"
            found.append(
                _problem(
                    UNRESOLVABLE,
                    f"{address} is not created with these values (its count/for_each "
                    "gives no instance), so the trails it may hold are not checked; give the variables "
                    "that create it (--var-file) to check them",
                    call.file,
                    call.line,
                    call.column,
                )
            )
    for children in module.children.values():
        for _, child in children:
            if child is not None:
                found.extend(_not_created(child))
    return found


def _problem(rule: str, message: str, file: str, line: int, column: int):  # type: ignore[no-untyped-def]
    from ctguard.parsers.terraform.module import Problem

    return Problem(rule, message, file, line, column)


def parse(path: str, text: str, context: ParseContext) -> ParsedInput:
    if path.endswith(".json") and not path.endswith(".tf.json"):
        from ctguard.parsers.terraform.plan import parse_plan

        return parse_plan(path, text, context)
    inputs = parse_module(os.path.dirname(path) or ".", context, overrides={_join(path): text}, label=path)
    return inputs[0] if inputs else ParsedInput(path, KIND)


def _join(path: str) -> str:
    directory = os.path.dirname(path) or "."
    return os.path.join(directory, os.path.basename(path))


# prefilter ----------------------------------------------------------------------------------
# Any quoted relative path: a local module's source, however the call is spelled around it.
_LOCAL_PATH = re.compile(r'"(\.\.?/[^"\n]*)"')


def tf_dir_is_cloudtrail_related(directory: str, _seen: frozenset[str] = frozenset()) -> bool:
    """True when the module (or a local module it may call) can hold something ctguard checks.

    Reads raw text only (``ctguard.parsers.prefilter``, conservative by construction). False means
    "skip without parsing"; it may be True for text that merely mentions these names.
    """
    if os.path.isfile(directory):
        directory = os.path.dirname(directory) or "."
    real = os.path.realpath(directory)
    if real in _seen or len(_seen) > MAX_MODULE_DEPTH:
        return False
    texts = []
    for path in tf_files(directory):
        try:
            with open(path, "rb") as raw:
                bom = raw.read(2)
            # UTF-16 with a byte order mark (Windows PowerShell 5's `>`): its needles are NUL-interleaved
            # in UTF-8; the loader then says Terraform refuses the file (CT001), never silently skipped.
            encoding = "utf-16" if bom in UTF16_BOMS else "utf-8"
            with open(path, encoding=encoding, errors="replace") as handle:
                texts.append(handle.read(MAX_TF_CHARS + 1))
        except OSError:
            return True  # the parser reports it
        if len(texts[-1]) > MAX_TF_CHARS:
            return True  # too large to read: parsing reports it (CT001) rather than skipping it unseen
    if any(may_concern_cloudtrail(text) for text in texts):
        return True
    for text in texts:
        for source in _LOCAL_PATH.findall(unescape(blank_comments(text))):
            child = os.path.normpath(os.path.join(directory, source))
            if os.path.isdir(child) and tf_dir_is_cloudtrail_related(child, _seen | {real}):
                return True
    return False
