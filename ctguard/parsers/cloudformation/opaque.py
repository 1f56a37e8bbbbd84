"""Trails ctguard cannot see inside: named as CT005, never left unsaid.

A trail may be created where the template's text does not show it as one: a custom resource
(``Custom::*``, ``AWS::CloudFormation::CustomResource``) whose properties describe a trail, a
Lambda function whose inline code calls CreateTrail, an ``Fn::ForEach`` loop (not expanded), or a
macro (``Transform`` other than SAM and LanguageExtensions, ``Fn::Transform``) that rewrites the
template before CloudFormation sees it, or a nested stack whose template is an S3 URL (a relative
path is a file of the scan, read on its own). Each becomes one CT005 problem saying what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ctguard.parsers.cloudformation.template import Path, Template

# Properties of AWS::CloudTrail::Trail (case-folded) that rarely mean anything else.
_TRAIL_PROPS = frozenset(
    {
        "trailname",
        "s3bucketname",
        "ismultiregiontrail",
        "isorganizationtrail",
        "enablelogfilevalidation",
        "includeglobalserviceevents",
        "eventselectors",
        "advancedeventselectors",
        "cloudwatchlogsloggrouparn",
        "islogging",
    }
)
_CREATE_TRAIL = re.compile(r"create_?trail|createTrail|CreateTrail|create-trail", re.IGNORECASE)
_TRAIL_TYPES = ("AWS::CloudTrail::Trail", "AWS::CloudTrail::EventDataStore")
# Transforms whose effect ctguard models: SAM resources are read as written, and
# LanguageExtensions' only unmodelled part, Fn::ForEach, is reported on its own.
_KNOWN_TRANSFORMS = frozenset({"AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"})
# Nested stacks and the property naming their template.
_NESTED = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
_ACTION = "run ctguard on the processed template (aws cloudformation get-template --template-stage Processed)"


def opaque_trails(template: Template) -> Iterator[tuple[str, Path]]:
    """(message, path) for each place a trail may be created that ctguard does not read."""
    transforms = template.data.get("Transform")
    names = [transforms] if isinstance(transforms, str) else transforms if isinstance(transforms, list) else []
    for name in names:
        if isinstance(name, str) and name not in _KNOWN_TRANSFORMS:
            yield (
                (f"the template uses the macro {name}, which may add or change trails ctguard cannot see; {_ACTION}"),
                ("Transform",),
            )
    for logical_id, resource in template.resources.items():
        path: Path = ("Resources", logical_id)
        if isinstance(logical_id, str) and logical_id.startswith("Fn::ForEach"):
            if _mentions(resource, _TRAIL_TYPES):
                yield (f"{logical_id} creates trails in a loop ctguard does not expand; {_ACTION}", path)
            continue
        if logical_id == "Fn::Transform":  # a macro (AWS::Include...) that adds resources here
            yield (f"Resources holds Fn::Transform, a macro that may add trails ctguard cannot see; {_ACTION}", path)
            continue
        if not isinstance(resource, dict):
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties")
        if _has_fn_transform(resource):
            yield (f"{logical_id} is rewritten by Fn::Transform, which ctguard does not run; {_ACTION}", path)
        if not isinstance(rtype, str):
            continue
        if (rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource") and _trail_like(props):
            yield (
                (
                    f"{logical_id} ({rtype}) looks like a trail created by a custom resource, which ctguard cannot "
                    "see inside; declare it as AWS::CloudTrail::Trail, or check the trail it creates with "
                    "ctguard audit"
                ),
                path,
            )
        elif rtype in _NESTED and isinstance(props, dict) and not _local_template(props.get(_NESTED[rtype])):
            yield (
                (
                    f"{logical_id} ({rtype}) is a nested stack whose template ctguard does not read here; "
                    "check that template too (ctguard reads nested templates given by a relative path as files "
                    "of the scan)"
                ),
                path,
            )
        elif rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function") and _creates_trail(props):
            yield (
                (
                    f"{logical_id} ({rtype}) calls CreateTrail; ctguard cannot see the trail it creates: declare it "
                    "as AWS::CloudTrail::Trail, or check it with ctguard audit"
                ),
                path,
            )


def _local_template(location: Any) -> bool:
    """A relative path (before ``aws cloudformation package``): the file is scanned on its own."""
    return isinstance(location, str) and not location.startswith(("https://", "http://", "s3://"))


def _trail_like(props: Any) -> bool:
    if not isinstance(props, dict):
        return False
    keys = {k.lower() for k in props if isinstance(k, str)}
    return len(keys & _TRAIL_PROPS) >= 2 or _mentions(props, _TRAIL_TYPES)


def _creates_trail(props: Any) -> bool:
    if not isinstance(props, dict):
        return False
    code = props.get("Code")
    inline = [props.get("InlineCode"), code.get("ZipFile") if isinstance(code, dict) else None]
    return any(isinstance(c, str) and _CREATE_TRAIL.search(c) for c in inline) or any(
        _CREATE_TRAIL.search(s) for c in inline if isinstance(c, dict) for s in _strings(c)
    )


def _has_fn_transform(node: Any) -> bool:
    if isinstance(node, dict):
        return "Fn::Transform" in node or any(_has_fn_transform(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_fn_transform(v) for v in node)
    return False


def _mentions(node: Any, words: tuple[str, ...]) -> bool:
    return any(w in s for s in _strings(node) for w in words)


def _strings(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
