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

from ctguard.inputs import INVALID_PROPERTY, UNRESOLVABLE, ParsedInput
from ctguard.location import SourceMap
from ctguard.parsers.context import ParseContext
from ctguard.parsers.tf_assemble import RELATED_TYPES, Assembler, Item
from ctguard.parsers.tf_loader import MAX_TF_CHARS
from ctguard.parsers.tf_module import LOCAL_SOURCE, MAX_MODULE_DEPTH, Loader, Module, tf_files
from ctguard.parsers.tf_providers import instance_region, root_region

KIND = "terraform"


def parse_module(directory: str, context: ParseContext, overrides: dict[str, str] | None = None,
                 label: str | None = None) -> list[ParsedInput]:
    """Parse the module in ``directory`` (or the directory of a ``.tf`` file)."""
    if os.path.isfile(directory):
        label = label or directory
        directory = os.path.dirname(directory) or "."
    label = label or directory
    loader = Loader(context, dict(overrides or {}))
    if not tf_files(directory) and not loader.overrides:
        return []
    sm = SourceMap(label)
    result = ParsedInput(label, KIND, source_map=sm)
    try:
        root = Module(loader, directory)
        assembler = Assembler(context, sm, root_region(root))
        for inst in root.instances():
            if inst.decl.type in RELATED_TYPES:
                assembler.add(Item(inst.decl.type, inst.address, inst.view, inst.existence, instance_region(inst)))
                if inst.existence is not None and inst.decl.type == "aws_cloudtrail":
                    block = inst.decl.block
                    loader.problems.append(_problem(
                        UNRESOLVABLE, f"{inst.address}: {inst.existence.reason}; judged as if created, "
                        "is_logging left unknown", block.file, block.line, block.column))
        result.variants.append(assembler.model())
    except RecursionError:
        loader.problems.append(_problem("CT001", "module too deeply nested to evaluate", label, 1, 1))
    breach = loader.trace.budget.breach
    if breach is not None:
        message, file, line, column = breach
        loader.problems.append(_problem(INVALID_PROPERTY, message, file or label, line, column))
    for p in loader.problems:
        result.problem(p.rule_id, p.message, p.line, p.column, file=p.file)
    return [result]


def _problem(rule: str, message: str, file: str, line: int, column: int):  # type: ignore[no-untyped-def]
    from ctguard.parsers.tf_module import Problem

    return Problem(rule, message, file, line, column)


def parse(path: str, text: str, context: ParseContext) -> ParsedInput:
    if path.endswith(".json") and not path.endswith(".tf.json"):
        from ctguard.parsers.tf_plan import parse_plan

        return parse_plan(path, text, context)
    inputs = parse_module(os.path.dirname(path) or ".", context, overrides={_join(path): text}, label=path)
    return inputs[0] if inputs else ParsedInput(path, KIND)


def _join(path: str) -> str:
    directory = os.path.dirname(path) or "."
    return os.path.join(directory, os.path.basename(path))


# prefilter ----------------------------------------------------------------------------------
# HCL (`resource "aws_cloudtrail"`) and JSON syntax (`"aws_cloudtrail": {`) alike.
_TRAIL = re.compile(r'(?:(?:resource|data)\s+"aws_cloudtrail(?:_event_data_store)?"'
                    r'|"aws_cloudtrail(?:_event_data_store)?"\s*:\s*[{\[])')
_RESOURCE = re.compile(r'(?:resource\s+"(aws_[a-z0-9_]+)"|"(aws_[a-z0-9_]+)"\s*:\s*[{\[])')
_SOURCE = re.compile(r'(?:\bsource\s*=|"source"\s*:)\s*"([^"]+)"')


def tf_dir_is_cloudtrail_related(directory: str, _seen: frozenset[str] = frozenset()) -> bool:
    """True when the module (or a local module it calls) can hold something ctguard checks.

    Reads raw text only: a trail resource, a related resource in a file that mentions
    CloudTrail, or a local module call whose directory qualifies.  False means "skip without
    parsing"; it may be True for text that merely mentions these names.
    """
    if os.path.isfile(directory):
        directory = os.path.dirname(directory) or "."
    real = os.path.realpath(directory)
    if real in _seen or len(_seen) > MAX_MODULE_DEPTH:
        return False
    texts = []
    for path in tf_files(directory):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                texts.append(handle.read(MAX_TF_CHARS + 1))
        except OSError:
            continue
        if len(texts[-1]) > MAX_TF_CHARS:
            return True  # too large to read: parsing reports it (CT001) rather than skipping it unseen
    for text in texts:
        if _TRAIL.search(text):
            return True
        if "cloudtrail" in text.lower() and any(t in RELATED_TYPES for pair in _RESOURCE.findall(text) for t in pair):
            return True
    for text in texts:
        for source in _SOURCE.findall(text):
            if "cloudtrail" in source.lower() and not source.startswith(LOCAL_SOURCE):
                return True  # a registry/git trail module: reported as not checked, never skipped silently
            if source.startswith(LOCAL_SOURCE):
                child = os.path.normpath(os.path.join(directory, source))
                if tf_dir_is_cloudtrail_related(child, _seen | {real}):
                    return True
    return False
