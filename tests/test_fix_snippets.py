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
