"""CloudFormation templates (YAML, JSON, SAM, ``.template``) to ctguard models.

``parse(path, text, context)`` returns a ``ParsedInput`` of kind ``"cloudformation"``:

* CT001 (unusable) for text that is not YAML/JSON, not a mapping, or has no Resources mapping;
  no model is built then.
* CT002 for each problem the resource-schema validator (``ctguard.parsers.cloudformation.schema``) finds in the
  types we model, at the span of the offending key (or its nearest recorded parent).
* CT003 for duplicate keys, at the second key; the value becomes Unknown in the model.
* CT004 for ``Ref``/``Fn::GetAtt``/``${X}``/``Fn::If``/``Fn::FindInMap`` to undefined names.

One ``Model`` per variant of the conditions, partitioned per trail (``cfn_partition``): the
groups holding trails are multiplied together and with every valuation of each other group, at
most ``MAX_VARIANTS`` valuations per group; past the cap a group keeps the conditions that
create resources or shape a trail decided and the rest stay ``Unknown("depends on condition X")``.

Transforms: SAM (``AWS::Serverless-2016-10-31``) templates are parsed as they are; trails and
their resources are plain CloudFormation resources in them.  Other transforms and macros
(``AWS::Include``, ``AWS::LanguageExtensions``'s ``Fn::ForEach``) are not expanded: we check
the resources written in the template and nothing the transform would add.

How references to resources become values (symbolic ``${LogicalId}`` tokens for generated
names and key ids, ARNs from the deploy context) is described in ``cfn_physical``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from ctguard.inputs import DUPLICATE_KEY, UNRESOLVABLE, ParsedInput
from ctguard.location import SourceMap
from ctguard.model import Model, Trail
from ctguard.parsers.cloudformation.attach import attach, attach_managed_arns, link_trail
from ctguard.parsers.cloudformation.conditions import Conditions, iter_names
from ctguard.parsers.cloudformation.detect import is_cloudtrail_related, looks_like_cloudformation
from ctguard.parsers.cloudformation.intrinsics import Resolver
from ctguard.parsers.cloudformation.opaque import opaque_trails
from ctguard.parsers.cloudformation.partition import assignments as partition_assignments
from ctguard.parsers.cloudformation.props import Build, Reader
from ctguard.parsers.cloudformation.resources import BUILDERS, arn_value, context_value, name_value
from ctguard.parsers.cloudformation.template import Path, Template, TemplateError, load_template
from ctguard.parsers.cloudformation.trail import TRAIL_SCALARS, trail_fields
from ctguard.parsers.context import ParseContext
from ctguard.parsers.name_links import link_by_name
from ctguard.sensitive import strings_in
from ctguard.suppress.metadata import metadata_skips
from ctguard.values import ABSENT, Unknown

try:
    from ctguard.parsers.cloudformation.schema import validate_properties
except ImportError:  # the schema validator lands separately; parsing works without it
    validate_properties = None  # type: ignore[assignment]  # None switches the schema check off

__all__ = ["MAX_VARIANTS", "is_cloudtrail_related", "looks_like_cloudformation", "parse", "parse_template"]

MAX_VARIANTS = 64
_CORE = frozenset({"AWS::CloudTrail::Trail", "AWS::CloudTrail::EventDataStore"})
TRAIL = "AWS::CloudTrail::Trail"
# Resources that change another resource rather than becoming a model object; aliases first,
# since trails may name their key by alias.
ATTACHING = (
    "AWS::KMS::Alias",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
)
MODELLED = frozenset(BUILDERS) | {TRAIL} | frozenset(ATTACHING)
_KINDS = {TRAIL: "trail", **{rtype: kind for rtype, (kind, _) in BUILDERS.items()}}
# Keyed str | int because schema problem paths mix property names and list indexes.
_TRAIL_PATHS: dict[str | int, tuple[str, ...]] = {prop: (name,) for name, (prop, _) in TRAIL_SCALARS.items()}


MAX_TEMPLATE_CHARS = 1024 * 1024
# CloudFormation's quota on resources declared in one template (200 before October 2020); a
# template over it is refused ("Number of resources, N, is greater than maximum allowed, 500").
# Macros and SAM only add resources, so the written count is a lower bound of the processed one.
MAX_TEMPLATE_RESOURCES = 500


def parse(path: str, text: str, context: ParseContext) -> ParsedInput:
    result = ParsedInput(path=path, kind="cloudformation")
    if len(text) > MAX_TEMPLATE_CHARS:  # CloudFormation itself refuses it; loading it costs gigabytes
        result.problem(
            "CT001",
            f"the template is {len(text):,} characters long; CloudFormation accepts at most "
            "1 MB (from S3), so it cannot be deployed and ctguard does not read it: split it into "
            "nested stacks",
        )
        return result
    try:
        template = load_template(text)
    except TemplateError as exc:
        result.problem("CT001", exc.message, exc.line, exc.column)
        return result
    return parse_template(path, text, template, context)


def parse_template(path: str, text: str, template: Template, context: ParseContext) -> ParsedInput:
    """``parse`` of a template already loaded (or found inside another file: ``cfn_embedded``)."""
    result = ParsedInput(path=path, kind="cloudformation")
    result.source_map = SourceMap(path)
    result.secrets = strings_in(
        [
            (d.get("Default"), context.variables.get(name))
            for name, d in template.parameters.items()
            if isinstance(d, dict) and str(d.get("NoEcho")).lower() == "true"
        ]
    )
    result.skips = metadata_skips(path, text, template.data, _KINDS, template.nearest_span)
    if len(template.resources) > MAX_TEMPLATE_RESOURCES:
        # Not read: building and checking thousands of resources is the cost of a template that
        # cannot be deployed (a 1 MB template of 12,000 buckets took 2 s).
        line, column = template.nearest_span(("Resources",))
        result.problem(
            "CT001",
            f"the template declares {len(template.resources):,} resources and CloudFormation refuses more "
            f"than {MAX_TEMPLATE_RESOURCES} (Template format error: Number of resources is greater than "
            "maximum allowed), so ctguard does not check it; split it into nested stacks and check each",
            line,
            column,
        )
        return result
    problems = _Problems(result, template)
    for dup in template.duplicates:
        result.problem(
            DUPLICATE_KEY,
            f"duplicate key '{dup.key}' (first defined on line {dup.first_line}); "
            "which value CloudFormation uses is undefined, so ctguard treats it as unknown",
            dup.line,
            dup.column,
        )
    _unknown_sections(template, problems)
    modelled = _check_resources(template, problems)
    for message, where in opaque_trails(template):
        problems.report(UNRESOLVABLE, message, where)
    _schema_problems(template, modelled, problems)
    try:
        result.variants = _variants(template, context, modelled, result.source_map, problems)
    except RecursionError:  # deeply nested values the depth budgets did not catch
        result.variants = []
        result.problem("CT001", "the template is nested too deeply to evaluate")
    result.problems.sort(key=lambda p: (p.span.line, p.span.column))
    return result


class _Problems:
    """Problems reported once, although every variant resolves the same references again."""

    def __init__(self, result: ParsedInput, template: Template) -> None:
        self.result = result
        self.template = template
        self.seen: set[tuple[str, str, int, int]] = set()

    def report(self, rule_id: str, message: str, path: Path) -> None:
        line, column = self.template.ref_span(path)
        self.add(rule_id, message, line, column)

    def add(self, rule_id: str, message: str, line: int, column: int, owner: Any = None, model_path: Any = ()) -> None:
        key = (rule_id, message, line, column)
        if key not in self.seen:
            self.seen.add(key)
            self.result.problem(rule_id, message, line, column, owner, model_path)


# The top-level sections CloudFormation accepts; any other key fails with "Invalid template
# property or properties" (a fuzzed "ResourcesCopy" or a trail pasted at column 0 is not deployed).
_SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
        "Hooks",
    }
)


_CLOUDTRAIL_TYPES = frozenset(
    {
        "AWS::CloudTrail::Trail",
        "AWS::CloudTrail::EventDataStore",
        "AWS::CloudTrail::Channel",
        "AWS::CloudTrail::ResourcePolicy",
        "AWS::CloudTrail::Dashboard",
    }
)


def _unknown_sections(template: Template, problems: _Problems) -> None:
    data = template.data
    for key in data if isinstance(data, dict) else ():
        if key not in _SECTIONS:
            line, column = template.nearest_span((key,))
            problems.add(
                "CT002",
                f"Template format error: Invalid template property or properties [{key}]; "
                "CloudFormation refuses the template, so nothing under this key is deployed "
                "or checked",
                line,
                column,
            )


def _check_resources(template: Template, problems: _Problems) -> list[str]:
    """Logical ids of the resources we model; structural mistakes become CT002."""
    out = []
    for logical_id, resource in template.resources.items():
        if logical_id.startswith("Fn::ForEach") or logical_id == "Fn::Transform":
            continue  # a loop or a macro ctguard does not expand: CT005 (cfn_opaque)
        line, column = template.nearest_span(("Resources", logical_id))
        if not (logical_id.isascii() and logical_id.isalnum()):
            problems.add(
                "CT002",
                f"Template format error: Resource name {logical_id[:80]!r} is non alphanumeric; CloudFormation "
                "refuses the template, so this resource is not deployed or checked",
                line,
                column,
            )
            continue
        if not isinstance(resource, dict):
            problems.add("CT002", f"resource {logical_id} is not a mapping with Type and Properties", line, column)
        elif not isinstance(resource.get("Type"), str):
            problems.add("CT002", f"resource {logical_id} has no Type", line, column)
        elif not _TYPE_NAME.match(resource["Type"]):
            problems.add(
                "CT002",
                f"resource {logical_id} has type {resource['Type'][:80]!r}, which is not a resource type name "
                "(Organization::Service::Resource or Custom::Name); CloudFormation refuses the template",
                line,
                column,
            )
        elif "CloudTrail::" in resource["Type"] and resource["Type"] not in _CLOUDTRAIL_TYPES:
            problems.add(
                "CT002",
                f"resource {logical_id} has type {resource['Type'][:80]!r}, which CloudFormation "
                "does not know (Unrecognized resource types); it is not deployed or checked",
                line,
                column,
            )
        elif resource["Type"] in MODELLED:
            if "Properties" in resource and not isinstance(resource["Properties"], dict):
                line, column = template.nearest_span(("Resources", logical_id, "Properties"))
                what = _shape(resource["Properties"])
                problems.add(
                    "CT002",
                    f"Properties of {logical_id} ({resource['Type']}) is {what}, not a mapping: "
                    "its settings cannot be read, so every check on it is unknown",
                    line,
                    column,
                )
            out.append(logical_id)
    return out


# CloudFormation's resource type names (the registry's pattern, with ::MODULE for modules) and
# custom resources; anything else is refused with the whole template.
_TYPE_NAME = re.compile(
    r"[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}(::MODULE)?\Z|Custom::[A-Za-z0-9_@-]{1,60}\Z"
)


def _shape(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _schema_problems(template: Template, modelled: list[str], problems: _Problems) -> None:
    if validate_properties is None:
        return
    resources = template.data.get("Resources", {})  # as loaded: duplicates are CT003's business
    for logical_id in modelled:
        resource = resources.get(logical_id)
        if not isinstance(resource, dict):
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties", {})
        if not isinstance(rtype, str) or not isinstance(props, dict):  # no schema is keyed by a non-string
            continue
        kind = _KINDS.get(rtype)
        owner = (kind, logical_id) if kind else None
        for found in validate_properties(rtype, props):
            line, column = template.nearest_span(("Resources", logical_id, "Properties") + tuple(found.path))
            model_path = _TRAIL_PATHS.get(found.path[0], ()) if rtype == TRAIL and found.path else ()
            problems.add("CT002", found.message, line, column, owner, model_path)


def _variants(
    template: Template, context: ParseContext, modelled: list[str], source_map: SourceMap, problems: _Problems
) -> list[Model]:
    conditions = Conditions(template, Resolver(template, context, lambda name: None, problems.report))
    assignments, used = partition_assignments(conditions, template, modelled, MAX_VARIANTS)
    models = []
    never_created = _conditional_core(template, modelled)
    for assignment in assignments:
        lookup = _memoised(conditions, assignment)
        never_created = {lid: name for lid, name in never_created.items() if lookup(name) is False}
        resolver = Resolver(template, context, lookup, problems.report, conditions.pins(assignment))
        model = _model(Build(template, resolver, source_map), modelled)
        model.conditions = tuple(sorted(iter_names(assignment, used, conditions)))
        undecided = _undecided_trails(template, lookup, modelled)
        if undecided:
            # Kept in this variant though it may not exist: an account-wide PASS could rest on it.
            model.trail_listing = Unknown(
                f"{undecided} exists only under a condition left undecided past {MAX_VARIANTS} combinations"
            )
        models.append(model)
    if assignments:
        _report_never_created(template, never_created, problems)
    return models


def _conditional_core(template: Template, modelled: list[str]) -> dict[str, str]:
    """Trails and event data stores created under a named condition: logical id -> condition."""
    found = {}
    for logical_id in modelled:
        resource = template.resources[logical_id]
        name = resource.get("Condition")
        if resource.get("Type") in _CORE and isinstance(name, str) and name in template.conditions:
            found[logical_id] = name
    return found


def _report_never_created(template: Template, never_created: dict[str, str], problems: _Problems) -> None:
    """A trail whose condition is false in every variant is said, not silently absent from the report
    (the Terraform reader says the same of a trail block that count/for_each leaves without instance)."""
    for logical_id, name in never_created.items():
        line, column = template.nearest_span(("Resources", logical_id, "Condition"))
        problems.add(
            UNRESOLVABLE,
            f"{logical_id} ({template.resources[logical_id]['Type']}) is not created with these values: "
            f"its condition {name} is false for every parameter value ctguard considers, so it is not "
            "checked; fix the condition, or give the parameters and context that create it "
            "(--parameters, --region, --account) to check it",
            line,
            column,
        )


def _undecided_trails(template: Template, lookup: Callable[[str], bool | None], modelled: list[str]) -> str:
    """The trails and event data stores whose ``Condition`` this variant leaves undecided."""
    found = []
    for logical_id in modelled:
        resource = template.resources[logical_id]
        name = resource.get("Condition")
        if (
            resource.get("Type") in _CORE
            and isinstance(name, str)
            and name in template.conditions
            and lookup(name) is None
        ):
            found.append(f"{logical_id} (condition {name})")
    return ", ".join(found)


def _memoised(conditions: Conditions, assignment: dict[str, bool]) -> Callable[[str], bool | None]:
    memo: dict[str, bool | None] = {}

    def lookup(name: str) -> bool | None:
        if name not in memo:
            memo[name] = conditions.evaluate(name, assignment)
        return memo[name]

    return lookup


def _model(build: Build, modelled: list[str]) -> Model:
    context = build.resolver.context
    model = Model(
        account_id=context_value(context.account_id, "account id"), region=context_value(context.region, "region")
    )
    resources = build.template.resources
    present = [lid for lid in modelled if _exists(build, resources[lid])]
    for logical_id in present:
        entry = BUILDERS.get(resources[logical_id]["Type"])
        if entry is not None:
            model.add(entry[0], entry[1](build, logical_id))
    for rtype in ATTACHING:
        for logical_id in present:
            if resources[logical_id]["Type"] == rtype:
                attach(model, build, logical_id, rtype)
    for logical_id in present:
        if resources[logical_id]["Type"] == "AWS::IAM::Role":
            attach_managed_arns(model, build, logical_id)
    link_by_name(model)
    for logical_id in present:
        if resources[logical_id]["Type"] == TRAIL:
            model.trails.append(_unread_if_shapeless(_trail(build, model, logical_id), resources[logical_id]))
    return model


def _unread_if_shapeless(trail: Trail, resource: dict[str, Any]) -> Trail:
    """A trail whose Properties are not a mapping was not read: nothing about it may PASS."""
    props = resource.get("Properties", {})
    if isinstance(props, dict):
        return trail
    reason = Unknown(f"the trail's Properties are {_shape(props)}, not a mapping")
    unread: dict[str, Any] = {f.name: reason for f in fields(Trail) if f.default is ABSENT}
    return replace(trail, **unread)


def _exists(build: Build, resource: dict[str, Any]) -> bool:
    name = resource.get("Condition")
    if not isinstance(name, str) or name not in build.template.conditions:
        return True
    return build.resolver.condition(name) is not False


def _trail(build: Build, model: Model, logical_id: str) -> Trail:
    reader = Reader(build, logical_id, ("trail", logical_id))
    context = build.resolver.context
    trail = Trail(
        key=logical_id,
        name=name_value(reader, "TrailName"),
        arn=arn_value(build, logical_id),
        account_id=context_value(context.account_id, "account id"),
        home_region=context_value(context.region, "region"),
        **trail_fields(reader),
    )
    return link_trail(model, build, trail, reader)
