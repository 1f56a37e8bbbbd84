"""Printed fixes pass ctguard's own rules: each fix is applied to a failing input and re-checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ctguard import api
from ctguard.engine.evaluate import Settings
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.fix_text import fill
from ctguard.parsers.context import ParseContext

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
POLICIES = {p.id: p for p in load_policies()}
CONTEXT = ParseContext(account_id="111122223333", region="us-east-1")
_PROPERTY_FIX = re.compile(r"(\w+): ([\w.-]+)")


def _property_fixes() -> list[tuple[str, str, str]]:
    out = []
    for rule_id, policy in sorted(POLICIES.items()):
        fix = str(((policy.docs or {}).get("fix") or {}).get("cloudformation", "")).strip()
        m = _PROPERTY_FIX.fullmatch(fix)
        if m and policy.scope == "trail":
            out.append((rule_id, m[1], m[2]))
    return out


def set_trail_property(text: str, key: str, value: str) -> str | None:
    """``key: value`` in the Properties of the template's only trail (replaced or added)."""
    lines = text.splitlines()
    trails = [i for i, line in enumerate(lines) if re.match(r"\s+Type:\s*['\"]?AWS::CloudTrail::Trail", line)]
    if len(trails) != 1:
        return None
    start = trails[0]
    props = next((i for i in range(start - 2, min(start + 6, len(lines))) if lines[i].strip() == "Properties:"), None)
    if props is None or props + 1 >= len(lines):
        return None
    indent = re.match(r"\s*", lines[props + 1])[0]
    end = props + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent)):
        end += 1
    for i in range(props + 1, end):
        if re.match(rf"{indent}{key}:", lines[i]):
            lines[i] = f"{indent}{key}: {value}"
            return "\n".join(lines) + "\n"
    lines.insert(props + 1, f"{indent}{key}: {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("rule_id, key, value", _property_fixes())
def test_property_fix_makes_each_failing_template_pass(rule_id: str, key: str, value: str, tmp_path: Path) -> None:
    fixed = 0
    for fixture in sorted((RULES / rule_id / "fail").glob("*.yaml")):
        before = api.check([fixture], context=CONTEXT)
        mine = [f for f in before.findings if f.rule_id == rule_id]
        if not any(f.status is Status.FAIL for f in mine):
            continue
        text = set_trail_property(fixture.read_text(), key, value)
        if text is None:
            continue
        target = tmp_path / fixture.name
        target.write_text(text)
        after = [f for f in api.check([target], context=CONTEXT).findings if f.rule_id == rule_id]
        assert after and all(f.status is not Status.FAIL for f in after), (fixture.name, after)
        fixed += 1
    assert fixed, f"no CloudFormation fail fixture of {rule_id} to apply the fix to"


_TF_FIX = re.compile(r"(\w+) = (true|false|\d+)(?:\s+#.*)?")  # literal values; references need their resource


def set_trail_attribute(text: str, name: str, value: str) -> str | None:
    """``name = value`` in the file's only aws_cloudtrail block (replaced or added)."""
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if re.match(r'resource\s+"aws_cloudtrail"\s+"[^"]+"\s*\{\s*$', line)]
    if len(heads) != 1:
        return None
    start = heads[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("}")), None)
    if end is None:
        return None
    for i in range(start + 1, end):
        if re.match(rf"  {name}\s*=", lines[i]):
            lines[i] = f"  {name} = {value}"
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, f"  {name} = {value}")
    return "\n".join(lines) + "\n"


def _tf_fixes() -> list[tuple[str, str, str]]:
    out = []
    for rule_id, policy in sorted(POLICIES.items()):
        fix = str(((policy.docs or {}).get("fix") or {}).get("terraform", "")).strip()
        m = _TF_FIX.fullmatch(fix)
        if m and policy.scope == "trail":
            out.append((rule_id, m[1], m[2]))
    return out


@pytest.mark.parametrize("rule_id, name, value", _tf_fixes())
def test_attribute_fix_makes_each_failing_module_pass(rule_id: str, name: str, value: str, tmp_path: Path) -> None:
    fixed = 0
    for module in sorted(p for p in (RULES / rule_id / "fail").iterdir() if p.is_dir()):
        mine = [f for f in api.check([module], context=CONTEXT).findings if f.rule_id == rule_id]
        if not any(f.status is Status.FAIL for f in mine):
            continue
        target = tmp_path / module.name
        target.mkdir()
        changed = False
        for tf in sorted(module.glob("*.tf")):
            text = tf.read_text()
            new = set_trail_attribute(text, name, value)
            changed |= new is not None
            (target / tf.name).write_text(new if new is not None else text)
        if not changed:
            continue
        after = [f for f in api.check([target], context=CONTEXT).findings if f.rule_id == rule_id]
        assert after and all(f.status is not Status.FAIL for f in after), (module.name, after)
        fixed += 1
    assert fixed, f"no Terraform fail fixture of {rule_id} to apply the fix to"


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {{BucketName: trail-logs-111122223333}}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: main
      S3BucketName: trail-logs-111122223333
      IsLogging: true
      IsMultiRegionTrail: true
      IncludeGlobalServiceEvents: true
      AdvancedEventSelectors: {selectors}
"""


def _cli_selectors(rule_id: str) -> list[dict[str, object]]:
    cli = str(POLICIES[rule_id].docs["fix"]["cli"])
    return json.loads(cli.split("--advanced-event-selectors '", 1)[1].rsplit("'", 1)[0])


@pytest.mark.parametrize("rule_id", ["CT203", "CT204"])
def test_s3_object_cli_fix_passes_and_does_not_break_ct310_ct311(rule_id: str, tmp_path: Path) -> None:
    selectors = json.dumps(_cli_selectors(rule_id)).replace("<trail-bucket>", "trail-logs-111122223333")
    template = tmp_path / "fixed.yaml"
    template.write_text(TEMPLATE.format(selectors=selectors))
    status = {f.rule_id: f.status for f in api.check([template], context=CONTEXT).findings}
    assert status[rule_id] is Status.PASS
    assert status["CT310"] is Status.PASS and status["CT311"] is Status.PASS, status


def test_retention_fix_follows_retention_days(tmp_path: Path) -> None:
    group = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: trail, RetentionInDays: RETENTION}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: logs
      IsLogging: true
      CloudWatchLogsLogGroupArn: !GetAtt Group.Arn
      CloudWatchLogsRoleArn: arn:aws:iam::111122223333:role/trail
"""
    settings = Settings(retention_days=731)
    template = tmp_path / "t.yaml"
    template.write_text(group.replace("RETENTION", "400"))
    (finding,) = [f for f in api.check([template], settings=settings).findings if f.rule_id == "CT413"]
    assert finding.status is Status.FAIL and finding.remediation is not None
    m = re.match(r"RetentionInDays: (\d+) ", finding.remediation)
    assert m and m[1] == "731", finding.remediation
    template.write_text(group.replace("RETENTION", m[1]))
    (after,) = [f for f in api.check([template], settings=settings).findings if f.rule_id == "CT413"]
    assert after.status is Status.PASS, after.message


def test_no_printed_fix_keeps_a_placeholder_of_the_run() -> None:
    report = api.check([REPO / "fixtures" / "rules"], settings=Settings(retention_days=90))
    assert not [f.remediation for f in report.findings if f.remediation and "{retention_days}" in f.remediation]


# --- every other snippet fix: several properties, YAML flow values, HCL blocks, event data stores ---

_SCOPE_TYPES = {
    "trail": ("AWS::CloudTrail::Trail", "aws_cloudtrail"),
    "event_data_store": ("AWS::CloudTrail::EventDataStore", "aws_cloudtrail_event_data_store"),
}
_NOTE = re.compile(r"\s*\([^()]*\)")  # "(the default; remove `false`)", "(or more)"
# Rules that FAIL only on live answers (a snapshot): the IaC form of their fix has no failing template.
_LIVE_ONLY = {"CT705": "the management account is known only from a live audit", "CT801": "live trail status"}


def cfn_snippet(fix: str, scope_type: str) -> tuple[str, list[tuple[str, str]]] | None:
    """``Key: value [and Key: value] [on the AWS::X::Y] [(note)]`` with literal YAML values, as (resource type,
    pairs); None for prose and references (``!GetAtt``), which tests/test_fix_names.py checks instead."""
    import yaml

    text = _NOTE.sub("", fix.strip())
    target = re.search(r"\s+on the (AWS::\w+::\w+)$", text)
    if target:
        text, scope_type = text[: target.start()], target[1]
    pairs = []
    for part in text.split(" and "):
        m = re.fullmatch(r"([A-Z]\w+): (\S+|\[.*\]|\{.*\})", part.strip())
        if m is None or "!" in m[2] or "<" in m[2]:
            return None
        try:
            yaml.safe_load(m[2])
        except yaml.YAMLError:
            return None
        pairs.append((m[1], m[2]))
    return scope_type, pairs


def set_property(text: str, resource_type: str, key: str, value: str) -> str | None:
    """``key: value`` in the Properties of the template's only resource of that type (replaced or added)."""
    lines = text.splitlines()
    head = re.compile(rf"\s+Type:\s*['\"]?{re.escape(resource_type)}['\"]?\s*$")
    heads = [i for i, line in enumerate(lines) if head.match(line)]
    if len(heads) != 1:
        return None
    start = heads[0]
    props = next((i for i in range(start - 2, min(start + 6, len(lines))) if lines[i].strip() == "Properties:"), None)
    if props is None or props + 1 >= len(lines):
        return None
    indent = re.match(r"\s*", lines[props + 1])[0]
    end = props + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent)):
        end += 1
    for i in range(props + 1, end):
        if re.match(rf"{indent}{key}:", lines[i]):
            stop = i + 1  # the old value may be a block: drop its deeper-indented lines too
            while stop < end and (
                not lines[stop].strip() or len(lines[stop]) - len(lines[stop].lstrip()) > len(indent)
            ):
                stop += 1
            lines[i:stop] = [f"{indent}{key}: {value}"]
            return "\n".join(lines) + "\n"
    lines.insert(props + 1, f"{indent}{key}: {value}")
    return "\n".join(lines) + "\n"


def _cfn_snippets() -> list[tuple[str, tuple[str, list[tuple[str, str]]]]]:
    out = []
    for rule_id, policy in sorted(POLICIES.items()):
        if policy.scope not in _SCOPE_TYPES:
            continue
        found = cfn_snippet(
            fill(str(((policy.docs or {}).get("fix") or {}).get("cloudformation", ""))), _SCOPE_TYPES[policy.scope][0]
        )
        if found:
            out.append((rule_id, found))
    return out


def _rule_status(path: Path, rule_id: str) -> list[Status]:
    return [f.status for f in api.check([path], context=CONTEXT).findings if f.rule_id == rule_id]


@pytest.mark.parametrize("rule_id, snippet", _cfn_snippets(), ids=[r for r, _ in _cfn_snippets()])
def test_cloudformation_snippet_fix_passes_every_failing_template(
    rule_id: str, snippet: tuple[str, list[tuple[str, str]]], tmp_path: Path
) -> None:
    resource_type, pairs = snippet
    fixed = failing = 0
    for fixture in sorted((RULES / rule_id / "fail").glob("*.yaml")):
        if Status.FAIL not in _rule_status(fixture, rule_id):
            continue
        failing += 1
        text: str | None = fixture.read_text()
        for key, value in pairs:
            text = set_property(text, resource_type, key, value) if text is not None else None
        if text is None:
            continue
        target = tmp_path / fixture.name
        target.write_text(text)
        after = _rule_status(target, rule_id)
        assert after and all(s is Status.PASS for s in after), (fixture.name, after, text)
        fixed += 1
    assert fixed or (rule_id in _LIVE_ONLY and not failing), f"no CloudFormation fail fixture of {rule_id} fixed"


_RESOURCE_BLOCKS = {"insight_selector", "event_selector", "advanced_event_selector"}


def tf_snippet(fix: str) -> str | None:
    """An argument with a literal value or one block (``name { ... }``), comments dropped; None for prose."""
    body = "\n".join(re.sub(r"\s+#.*$", "", line) for line in fix.strip().splitlines()).strip()
    if re.fullmatch(r"\w+ = (true|false|\d+|\"[^\"$<]*\")", body):
        return body
    block = re.fullmatch(r"(\w+) \{.*\}", body, flags=re.S)
    # Only blocks of the resource itself: a field_selector belongs inside a selector the fix does not name.
    if block and block[1] in _RESOURCE_BLOCKS and body.count("{") == body.count("}") and "<" not in body:
        return body
    return None


def add_to_resource(text: str, resource_type: str, snippet: str) -> str | None:
    """The snippet in the file's only ``resource_type`` block: an argument replaces its old line, a block is added."""
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if re.match(rf'resource\s+"{resource_type}"\s+"[^"]+"\s*\{{\s*$', line)]
    if len(heads) != 1:
        return None
    start = heads[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("}")), None)
    if end is None:
        return None
    arg = re.fullmatch(r"(\w+) = .*", snippet)
    if arg:
        for i in range(start + 1, end):
            if re.match(rf"  {arg[1]}\s*=", lines[i]):
                lines[i] = f"  {snippet}"
                return "\n".join(lines) + "\n"
    lines[end:end] = ["  " + line for line in snippet.splitlines()]
    return "\n".join(lines) + "\n"


def _tf_snippets() -> list[tuple[str, str]]:
    out = []
    for rule_id, policy in sorted(POLICIES.items()):
        snippet = tf_snippet(str(((policy.docs or {}).get("fix") or {}).get("terraform", "")))
        if snippet and policy.scope in _SCOPE_TYPES:
            out.append((rule_id, snippet))
    return out


@pytest.mark.parametrize("rule_id, snippet", _tf_snippets(), ids=[r for r, _ in _tf_snippets()])
def test_terraform_snippet_fix_passes_every_failing_module(rule_id: str, snippet: str, tmp_path: Path) -> None:
    resource_type = _SCOPE_TYPES[POLICIES[rule_id].scope][1]
    fixed = failing = 0
    for module in sorted(p for p in (RULES / rule_id / "fail").iterdir() if p.is_dir()):
        if Status.FAIL not in _rule_status(module, rule_id):
            continue
        failing += 1
        target = tmp_path / module.name
        target.mkdir()
        changed = False
        for tf in sorted(module.glob("*.tf")):
            text = tf.read_text()
            new = add_to_resource(text, resource_type, snippet)
            changed |= new is not None
            (target / tf.name).write_text(new if new is not None else text)
        if not changed:
            continue
        after = _rule_status(target, rule_id)
        assert after and all(s is Status.PASS for s in after), (module.name, after, snippet)
        fixed += 1
    assert fixed or (rule_id in _LIVE_ONLY and not failing), f"no Terraform fail fixture of {rule_id} fixed"


def test_snippet_fixes_cover_the_property_fixes() -> None:
    """The snippet tests reach every rule whose fix is a literal snippet (not only single booleans)."""
    cfn = {r for r, _ in _cfn_snippets()}
    tf = {r for r, _ in _tf_snippets()}
    assert {
        "CT101",
        "CT102",
        "CT103",
        "CT106",
        "CT107",
        "CT109",
        "CT110",
        "CT408",
        "CT411",
        "CT413",
        "CT703",
        "CT704",
        "CT706",
        "CT707",
    } <= cfn
    assert {"CT101", "CT102", "CT103", "CT106", "CT107", "CT109", "CT110", "CT111", "CT703", "CT704", "CT707"} <= tf
