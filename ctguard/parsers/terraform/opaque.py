"""Terraform trails ctguard cannot see inside: named as CT005, or read when they are plain text.

A Terraform module may create or change a trail where no ``aws_cloudtrail`` block shows it:

* a provisioner (``local-exec``/``remote-exec``, typically on ``null_resource`` or
  ``terraform_data``) running ``aws cloudtrail create-trail`` (or update-trail,
  put-event-selectors...) or an SDK call such as ``create_trail``;
* an ``aws_cloudformation_stack`` or ``aws_cloudformation_stack_set`` whose template holds an
  ``AWS::CloudTrail::Trail``. A ``template_body`` that evaluates to text (a heredoc, a string,
  ``file()`` of a file inside the checked modules, ``jsonencode``) is read as the CloudFormation
  template it is (``embedded``); one that does not evaluate, and every ``template_url``, is a CT005
  saying which template to check.

The command text is read from the source tokens, not evaluated, so interpolations cannot hide
the call. A Lambda whose zipped code calls CreateTrail is not looked for: the archive is built
outside the configuration and reading it is neither cheap nor reliable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lark import Token, Tree

from ctguard.inputs import UNRESOLVABLE
from ctguard.parsers.prefilter import may_concern_cloudtrail
from ctguard.parsers.terraform.problem import Problem
from ctguard.values import Known, Unknown

if TYPE_CHECKING:
    from ctguard.parsers.terraform.instances import Instance

# `aws cloudtrail [options] create-trail`: a line continuation or options may stand between.
_CLI = re.compile(
    r"\bcloudtrail\b(?:[^;&|\n`]|\\\n){0,200}?\b(create-trail|update-trail|put-event-selectors|"
    r"put-insight-selectors|create-event-data-store|update-event-data-store)\b",
    re.IGNORECASE,
)
# SDK spellings (boto3, JS/Go SDKs); each is also a needle of ctguard.parsers.prefilter.
_SDK = re.compile(
    r"\b(create_trail|createtrail|update_trail|updatetrail|put_event_selectors|puteventselectors)\b", re.IGNORECASE
)
_TRAIL_TYPE = re.compile(r"AWS::CloudTrail::(Trail|EventDataStore)\b")
_STACKS = ("aws_cloudformation_stack", "aws_cloudformation_stack_set")
_HEREDOC = ("heredoc_template", "heredoc_template_trim")


@dataclass(frozen=True, slots=True)
class Embedded:
    """A CloudFormation template written inside a Terraform resource."""

    address: str
    text: str
    file: str
    line: int  # the line the template's first line stands on
    exact: bool  # False: lines inside it are not the .tf file's lines (a quoted string, a function)


def scan(inst: Instance) -> tuple[list[Problem], list[Embedded]]:
    """CT005 problems and readable embedded templates of one resource instance."""
    problems = list(_provisioners(inst))
    embedded: list[Embedded] = []
    if inst.decl.type in _STACKS:
        found = _stack(inst)
        if isinstance(found, Embedded):
            embedded.append(found)
        elif found is not None:
            problems.append(found)
    return problems, embedded


def _provisioners(inst: Instance) -> Iterator[Problem]:
    for block in inst.decl.block.body.blocks_of("provisioner"):
        kind = block.labels[0] if block.labels else "?"
        for attr in block.body.attributes.values():
            text = source_text(attr.expr).replace("\\\n", " ")
            match = _CLI.search(text) or _SDK.search(text)
            if match is None:
                continue
            call = f"aws cloudtrail {match.group(1)}" if match.re is _CLI else match.group(1)
            yield Problem(
                UNRESOLVABLE,
                (
                    f"{inst.address} runs {call} in a {kind} provisioner; ctguard cannot see the trail it creates "
                    "or changes: declare the trail as aws_cloudtrail, or check it once deployed with ctguard audit"
                ),
                attr.file,
                attr.line,
                attr.column,
            )
            break


def _stack(inst: Instance) -> Embedded | Problem | None:
    body = inst.decl.block.body
    block = inst.decl.block
    url = body.attributes.get("template_url")
    if url is not None:
        return Problem(
            UNRESOLVABLE,
            (
                f"{inst.address} deploys the CloudFormation template at its template_url, which ctguard does not "
                "fetch; it may create trails ctguard cannot see: check that template with ctguard check"
            ),
            url.file,
            url.line,
            url.column,
        )
    attr = body.attributes.get("template_body")
    if attr is None:
        return None
    value, _ = inst.view.value("template_body")
    text = _as_text(value)
    if text is None:  # like a template_url: what it deploys is not known, so it may be a trail
        why = value.reason if isinstance(value, Unknown) else "it is not text"
        return Problem(
            UNRESOLVABLE,
            (
                f"{inst.address} deploys a CloudFormation template that may create a trail, but its template_body "
                f"cannot be read ({why}); ctguard cannot see the trail: check the rendered template with ctguard check"
            ),
            attr.file,
            attr.line,
            attr.column,
        )
    if _reads_file(attr.expr) or not (_TRAIL_TYPE.search(text) or may_concern_cloudtrail(text)):
        return None  # a template file of the module: the scan of the module's directory reads it as one
    heredoc = _is_heredoc(attr.expr)
    return Embedded(inst.address, text, block.file, attr.line + 1 if heredoc else attr.line, heredoc)


def _as_text(value: Any) -> str | None:
    if not isinstance(value, Known):
        return None
    raw = value.value
    raw = getattr(raw, "obj", raw)  # jsonencode(...) keeps its document
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):  # jsonencode({...}): a JSON template
        try:
            return json.dumps(raw)
        except (TypeError, ValueError):
            return None
    return None


def _reads_file(node: Any) -> bool:
    if not isinstance(node, Tree):
        return False
    return any(
        isinstance(t, Tree)
        and t.data == "function_call"
        and t.children
        and source_text(t.children[0]).strip() in ("file", "templatefile")
        for t in node.iter_subtrees()
    )


def _is_heredoc(node: Any) -> bool:
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    return isinstance(node, Tree) and node.data in _HEREDOC


def source_text(node: Any) -> str:
    """The expression's tokens as written (strings, heredocs, names), joined by spaces."""
    if isinstance(node, Token):
        return str(node)
    if isinstance(node, Tree):
        return " ".join(source_text(child) for child in node.children)
    return ""
