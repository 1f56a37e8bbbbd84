"""Where the CloudFormation in a YAML/JSON file sits, decided by parsing, not by a text pattern.

``scan.sniff`` sends here every template-suffixed file that ``prefilter`` cannot rule out. The
file is then one of:

* a template (a mapping with ``Resources`` or another template section): parsed as such,
  including SAM and CDK's ``cdk.out/*.template.json``;
* a Serverless Framework ``serverless.yml``, whose ``resources`` holds a template fragment
  (``resources.Resources``), or a list of them: each fragment is parsed as a template, its
  findings pointing into the serverless file;
* anything else (a workflow that runs ``aws cloudtrail``, a Kubernetes manifest, a policy
  document): not an input, unless its text looks like a broken template, which is a CT001.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ctguard.inputs import ParsedInput
from ctguard.parsers.cloudformation.detect import looks_like_cloudformation
from ctguard.parsers.cloudformation.template import TOO_MANY_VALUES, Path, Template, mask_duplicates
from ctguard.parsers.context import ParseContext
from ctguard.parsers.prefilter import unescape
from ctguard.yamlload import Loaded, LoadError, load

# A CloudTrail resource type named in a file that does not load: a broken template.
_TRAIL_TYPE = "AWS::CloudTrail::"

# Top-level keys of a template; one of them makes a mapping a (possibly broken) template.
TEMPLATE_KEYS = ("Resources", "AWSTemplateFormatVersion", "Transform", "Conditions", "Mappings")


def parse(path: str, text: str, context: ParseContext) -> ParsedInput | list[ParsedInput] | None:
    from ctguard.parsers.cloudformation import parse as cloudformation

    parsed = cloudformation.parse(path, text, context)
    if parsed.source_map is not None:  # it loaded as a template
        return parsed
    if len(text) > cloudformation.MAX_TEMPLATE_CHARS:
        return parsed  # refused for its size (CT001): loading it to see what else it is costs the same
    if any(problem.message.startswith(TOO_MANY_VALUES) for problem in parsed.problems):
        return parsed  # refused for its number of values (CT001), for the same reason
    return _not_a_whole_template(path, text, parsed, context)


def _not_a_whole_template(
    path: str, text: str, error: ParsedInput, context: ParseContext
) -> ParsedInput | list[ParsedInput] | None:
    """``error`` (the CT001 of a file that is no whole template) unless the file is something else."""
    from ctguard.parsers.cloudformation import parse as cloudformation

    try:
        loaded: Loaded | None = load(text)
    except LoadError:
        loaded = None
    if loaded is not None and isinstance(loaded.data, dict):
        if any(key in loaded.data for key in TEMPLATE_KEYS):
            return error
        fragments = serverless_fragments(loaded)
        if fragments:
            inputs = [cloudformation.parse_template(path, text, t, context) for t in fragments]
            return inputs[0] if len(inputs) == 1 else inputs
        # Trail resources at the top level (the Resources line lost, or turned into a comment) or
        # under a key that is not Resources: a broken template.
        if _trail_under_other_key({"": loaded.data}, depth=4):
            return error
        return None
    plain = unescape(text)
    # A file that does not load and names a CloudTrail resource type is a broken template, even
    # when the breakage took its Resources or Type key away or put a stray character before the
    # type (shapes from the fuzz runs): reported, never silence.
    if looks_like_cloudformation(plain) or (loaded is None and _TRAIL_TYPE in plain):
        return error
    return None


def _trail_under_other_key(data: dict[Any, Any], depth: int = 3) -> bool:
    """A mapping of resources declaring a CloudTrail type, under any key down to ``depth`` levels
    (``re?sources: {Resources: {Trail: ...}}``, a Serverless file whose ``resources`` key was
    mistyped, is two levels down: the framework ignores it, so the trail is never deployed)."""
    for group in data.values():
        if not isinstance(group, dict):
            continue
        if any(
            isinstance(resource, dict) and str(resource.get("Type", "")).strip().startswith("AWS::CloudTrail::")
            for resource in group.values()
        ):
            return True
        if depth > 1 and _trail_under_other_key(group, depth - 1):
            return True
    return False


def serverless_fragments(loaded: Loaded) -> list[Template]:
    """The template fragments of a Serverless Framework file (``resources`` or a list of them)."""
    data = loaded.data
    if not isinstance(data, dict) or "resources" not in data:
        return []
    resources = data["resources"]
    roots: list[Path] = []
    if isinstance(resources, dict) and isinstance(resources.get("Resources"), dict):
        roots.append(("resources",))
    elif isinstance(resources, list):
        roots.extend(
            ("resources", i)
            for i, item in enumerate(resources)
            if isinstance(item, dict) and isinstance(item.get("Resources"), dict)
        )
    return [_subtemplate(loaded, root) for root in roots]


def _subtemplate(loaded: Loaded, root: Path) -> Template:
    node: Any = loaded.data
    for step in root:
        node = node[step]
    cut = len(root)

    def rekey(spans: dict[Path, tuple[int, int]]) -> dict[Path, tuple[int, int]]:
        return {p[cut:]: at for p, at in spans.items() if p[:cut] == root and len(p) > cut}

    duplicates = [dataclasses.replace(d, path=d.path[cut:]) for d in loaded.duplicates if d.path[:cut] == root]
    template = Template(node, rekey(loaded.spans), rekey(loaded.value_spans), duplicates)
    template.model_data = mask_duplicates(template.data, template.duplicates)
    return template
