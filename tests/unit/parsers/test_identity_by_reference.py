"""Issue 14 bullet 2: a resource defined in the input is linked to what uses it by reference,
whatever its name, and by its name when the name is written literally on both sides.

One row per (kind, way of referring). Each case builds a small input in which the referring
resource names the defined one in that way; the test asserts the link the policies follow
(``Trail.bucket``, ``Bucket.policy``, ``MetricFilter.log_group``...) reaches it. No case relies
on a name ctguard could only guess: generated names stay generated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ctguard.model import Model
from ctguard.parsers.cloudformation.parse import parse as parse_cfn
from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse_module
from ctguard.values import Known

CONTEXT = ParseContext(account_id="111122223333", region="us-east-1")
Linked = Callable[[Model], bool]


def _trail_link(attribute: str, kind: str) -> Linked:
    def linked(model: Model) -> bool:
        return all(model.resource(kind, getattr(t, attribute)) is not None for t in model.trails) and bool(model.trails)

    return linked


def _policy_on(kind: str) -> Linked:
    def linked(model: Model) -> bool:
        found = model.all(kind)
        return bool(found) and all(isinstance(r.policy, Known) for r in found)

    return linked


def _filter_on_group(model: Model) -> bool:
    filters = model.all("metric_filter")
    return bool(filters) and all(model.resource("log_group", f.log_group) is not None for f in filters)


def _alarm_on_topic(model: Model) -> bool:
    alarms = model.all("alarm")
    return bool(alarms) and all(
        a.action_topics and all(model.resource("topic", k) is not None for k in a.action_topics) for a in alarms
    )


def _key_of(kind: str) -> Linked:
    def linked(model: Model) -> bool:
        found = model.all(kind)
        return bool(found) and all(model.resource("kms_key", r.kms_key) is not None for r in found)

    return linked


# --- CloudFormation -----------------------------------------------------------------------------

_CFN_TRAIL = """  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: {bucket}
{extra}
"""
_CFN_BUCKET = "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: trail-logs}\n"

# kind -> (resource defined, trail property or referring resource, how the link is checked)
_CFN_CASES: dict[str, tuple[str, str, Linked]] = {
    "bucket": ("", "", _trail_link("bucket", "bucket")),
    "kms_key": (
        "  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Version: '2012-10-17', Statement: []}\n",
        "      KMSKeyId: {ref}",
        _trail_link("kms_key", "kms_key"),
    ),
    "log_group": (
        (
            "  Group:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: trail-group}\n"
            "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
        ),
        "      CloudWatchLogsLogGroupArn: {ref}\n      CloudWatchLogsRoleArn: !GetAtt Role.Arn",
        _trail_link("log_group", "log_group"),
    ),
    "role": (
        (
            "  Group:\n    Type: AWS::Logs::LogGroup\n"
            "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: trail-role\n"
            "      AssumeRolePolicyDocument: {}\n"
        ),
        "      CloudWatchLogsLogGroupArn: !GetAtt Group.Arn\n      CloudWatchLogsRoleArn: {ref}",
        _trail_link("role", "role"),
    ),
    "topic": (
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: trail-topic}\n",
        "      SnsTopicName: {ref}",
        _trail_link("topic", "topic"),
    ),
}

# (kind, style) -> the reference text; a style a property cannot take (a key id has no literal
# known before deploy, a log group ARN is not its Ref) has no row.
_CFN_REFS: dict[tuple[str, str], str] = {
    ("bucket", "Ref"): "!Ref Bucket",
    ("bucket", "Sub"): "!Sub '${Bucket}'",
    ("bucket", "literal"): "trail-logs",
    ("kms_key", "Ref"): "!Ref Key",
    ("kms_key", "GetAtt"): "!GetAtt Key.Arn",
    ("kms_key", "Sub"): "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}'",
    ("log_group", "GetAtt"): "!GetAtt Group.Arn",
    ("log_group", "Sub"): "!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Group}:*'",
    ("log_group", "literal"): "arn:aws:logs:us-east-1:111122223333:log-group:trail-group:*",
    ("role", "GetAtt"): "!GetAtt Role.Arn",
    ("role", "Sub"): "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}'",
    ("role", "literal"): "arn:aws:iam::111122223333:role/trail-role",
    ("topic", "Ref"): "!Ref Topic",
    ("topic", "GetAtt"): "!GetAtt Topic.TopicName",
    ("topic", "Sub"): "!Sub '${Topic.TopicName}'",
    ("topic", "literal"): "trail-topic",
}


def _cfn_trail_case(kind: str, ref: str) -> str:
    defined, prop, _ = _CFN_CASES[kind]
    bucket = ref if kind == "bucket" else "!Ref Bucket"
    extra = prop.replace("{ref}", ref)
    return "Resources:\n" + _CFN_BUCKET + defined + _CFN_TRAIL.format(bucket=bucket, extra=extra)


_DOC = (
    "{Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: cloudtrail.amazonaws.com}, "
    "Action: '*', Resource: '*'}]}"
)

# Resources that point at another resource: (defined, referring with {ref}, check).
_CFN_ATTACHED: dict[str, tuple[str, str, Linked]] = {
    "bucket_policy": (
        _CFN_BUCKET,
        (
            "  Policy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n"
            f"      Bucket: {{ref}}\n      PolicyDocument: {_DOC}\n"
        ),
        _policy_on("bucket"),
    ),
    "topic_policy": (
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: trail-topic}\n",
        (
            "  Policy:\n    Type: AWS::SNS::TopicPolicy\n    Properties:\n"
            f"      Topics: [{{ref}}]\n      PolicyDocument: {_DOC}\n"
        ),
        _policy_on("topic"),
    ),
    "metric_filter": (
        "  Group:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: trail-group}\n",
        (
            "  Filter:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n      LogGroupName: {ref}\n"
            "      FilterPattern: '{ $.eventName = ConsoleLogin }'\n      MetricTransformations:\n"
            "        - {MetricName: m, MetricNamespace: n, MetricValue: '1'}\n"
        ),
        _filter_on_group,
    ),
    "alarm": (
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: trail-topic}\n",
        (
            "  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      MetricName: m\n      Namespace: n\n"
            "      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 1\n"
            "      ComparisonOperator: GreaterThanOrEqualToThreshold\n      AlarmActions: [{ref}]\n"
        ),
        _alarm_on_topic,
    ),
    "log_group_key": (
        "  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Version: '2012-10-17', Statement: []}\n",
        "  Group:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      KmsKeyId: {ref}\n",
        _key_of("log_group"),
    ),
    "event_data_store_key": (
        ("  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Version: '2012-10-17', Statement: []}\n"),
        "  Store:\n    Type: AWS::CloudTrail::EventDataStore\n    Properties:\n      KmsKeyId: {ref}\n",
        _key_of("event_data_store"),
    ),
}

_CFN_ATTACHED_REFS: dict[tuple[str, str], str] = {
    ("bucket_policy", "Ref"): "!Ref Bucket",
    ("bucket_policy", "Sub"): "!Sub '${Bucket}'",
    ("bucket_policy", "literal"): "trail-logs",
    ("topic_policy", "Ref"): "!Ref Topic",
    ("topic_policy", "Sub"): "!Sub '${Topic}'",
    ("topic_policy", "literal"): "arn:aws:sns:us-east-1:111122223333:trail-topic",
    ("metric_filter", "Ref"): "!Ref Group",
    ("metric_filter", "Sub"): "!Sub '${Group}'",
    ("metric_filter", "literal"): "trail-group",
    ("alarm", "Ref"): "!Ref Topic",
    ("alarm", "Sub"): "!Sub '${Topic}'",
    ("alarm", "literal"): "arn:aws:sns:us-east-1:111122223333:trail-topic",
    ("log_group_key", "GetAtt"): "!GetAtt Key.Arn",
    ("log_group_key", "Sub"): "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}'",
    ("event_data_store_key", "Ref"): "!Ref Key",
    ("event_data_store_key", "GetAtt"): "!GetAtt Key.Arn",
}


def _cfn_models(text: str) -> list[Model]:
    parsed = parse_cfn("identity.yaml", text, CONTEXT)
    assert parsed.variants, [p.message for p in parsed.problems]
    return parsed.variants


@pytest.mark.parametrize(("kind", "style"), sorted(_CFN_REFS))
def test_cloudformation_trail_links(kind: str, style: str) -> None:
    text = _cfn_trail_case(kind, _CFN_REFS[kind, style])
    for model in _cfn_models(text):
        assert _CFN_CASES[kind][2](model), text


@pytest.mark.parametrize(("kind", "style"), sorted(_CFN_ATTACHED_REFS))
def test_cloudformation_attached_resources(kind: str, style: str) -> None:
    defined, referring, linked = _CFN_ATTACHED[kind]
    text = "Resources:\n" + defined + referring.replace("{ref}", _CFN_ATTACHED_REFS[kind, style])
    for model in _cfn_models(text):
        assert linked(model), text


# --- Terraform ----------------------------------------------------------------------------------

_DEFS: dict[str, str] = {
    "bucket": 'resource "aws_s3_bucket" "b" {\n  bucket = "trail-logs"\n}\n',
    "kms_key": 'resource "aws_kms_key" "k" {\n}\n',
    "log_group": 'resource "aws_cloudwatch_log_group" "g" {\n  name = "trail-group"\n}\n',
    "role": 'resource "aws_iam_role" "r" {\n  name = "trail-role"\n  assume_role_policy = "{}"\n}\n',
    "topic": 'resource "aws_sns_topic" "t" {\n  name = "trail-topic"\n}\n',
}
# What the defining module exports, and the attribute each reference takes.
_ATTR = {
    "bucket": ("b", "aws_s3_bucket.b", "id"),
    "kms_key": ("k", "aws_kms_key.k", "arn"),
    "log_group": ("g", "aws_cloudwatch_log_group.g", "arn"),
    "role": ("r", "aws_iam_role.r", "arn"),
    "topic": ("t", "aws_sns_topic.t", "arn"),
    "log_group_name": ("g", "aws_cloudwatch_log_group.g", "name"),
}
_LITERAL = {
    "bucket": '"trail-logs"',
    "log_group": '"arn:aws:logs:us-east-1:111122223333:log-group:trail-group:*"',
    "role": '"arn:aws:iam::111122223333:role/trail-role"',
    "topic": '"arn:aws:sns:us-east-1:111122223333:trail-topic"',
    "log_group_name": '"trail-group"',
}
_TRAIL_ARG = {
    "bucket": "s3_bucket_name",
    "kms_key": "kms_key_id",
    "log_group": "cloud_watch_logs_group_arn",
    "role": "cloud_watch_logs_role_arn",
    "topic": "sns_topic_name",
}


def _tf_reference(target: str, style: str, module: bool) -> str:
    _, address, attr = _ATTR[target]
    if style == "attribute":
        text = f"{address}.{attr}"
    elif style == "literal":
        text = _LITERAL[target]
    elif style == "local":
        text = "local.target"
    else:
        text = {"counted module output": "module.store[0].out", "for_each module output": 'module.store["a"].out'}.get(
            style, "module.store.out"
        )
    if target == "log_group" and style != "literal":
        text = f'"${{{text}}}:*"'
    return text


def _tf_case(tmp_path: Path, target: str, referring: str, style: str) -> Path:
    """A root module whose ``referring`` text names ``target`` in ``style``; the target is
    defined in a local child module for the module styles."""
    defining = _DEFS["log_group" if target == "log_group_name" else target]
    root = tmp_path / "root"
    root.mkdir()
    _, address, attr = _ATTR[target]
    body = referring.replace("{ref}", _tf_reference(target, style, style.endswith("module output")))
    if style.endswith("module output"):
        child = tmp_path / "store"
        child.mkdir()
        (child / "main.tf").write_text(defining + f'output "out" {{\n  value = {address}.{attr}\n}}\n')
        count = {"counted module output": "  count = 1\n", "for_each module output": '  for_each = toset(["a"])\n'}.get(
            style, ""
        )
        body += f'module "store" {{\n  source = "../store"\n{count}}}\n'
    else:
        body += defining
    if style == "local":
        body += f"locals {{\n  target = {address}.{attr}\n}}\n"
    (root / "main.tf").write_text(body)
    return root


def _tf_models(root: Path) -> list[Model]:
    parsed = parse_module(str(root), CONTEXT)
    assert parsed and parsed[0].variants, [p.message for x in parsed for p in x.problems]
    return [m for x in parsed for m in x.variants]


_TF_TRAIL = (
    'resource "aws_cloudtrail" "t" {\n  name = "main"\n  s3_bucket_name = BUCKET\nEXTRA}\n'
    'resource "aws_s3_bucket" "own" {\n  bucket = "own-logs"\n}\n'
)
_STYLES = ("attribute", "literal", "local", "module output", "counted module output", "for_each module output")
_TF_TRAIL_ROWS = [
    (kind, style) for kind in _TRAIL_ARG for style in _STYLES if not (style == "literal" and kind == "kms_key")
]  # a key's ARN is known only after apply


@pytest.mark.parametrize(("kind", "style"), _TF_TRAIL_ROWS)
def test_terraform_trail_links(tmp_path: Path, kind: str, style: str) -> None:
    if kind == "bucket":
        text = _TF_TRAIL.replace("BUCKET", "{ref}").replace("EXTRA", "")
    else:
        extra = f"  {_TRAIL_ARG[kind]} = {{ref}}\n"
        if kind == "log_group":
            extra += '  cloud_watch_logs_role_arn = "arn:aws:iam::111122223333:role/x"\n'
        if kind == "role":
            extra += '  cloud_watch_logs_group_arn = "arn:aws:logs:us-east-1:111122223333:log-group:x:*"\n'
        text = _TF_TRAIL.replace("BUCKET", "aws_s3_bucket.own.id").replace("EXTRA", extra)
    if kind == "topic" and style == "attribute":
        text = text.replace("{ref}", "aws_sns_topic.t.name")
    root = _tf_case(tmp_path, kind, text, style)
    for model in _tf_models(root):
        assert _trail_link(kind, kind)(model), (root / "main.tf").read_text()


_TF_ATTACHED: dict[str, tuple[str, str, Linked]] = {
    "bucket_policy": (
        "bucket",
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = {ref}\n  policy = jsonencode({})\n}\n',
        _policy_on("bucket"),
    ),
    "topic_policy": (
        "topic",
        'resource "aws_sns_topic_policy" "p" {\n  arn = {ref}\n  policy = jsonencode({})\n}\n',
        _policy_on("topic"),
    ),
    "metric_filter": (
        "log_group_name",
        (
            'resource "aws_cloudwatch_log_metric_filter" "f" {\n  name = "f"\n'
            '  log_group_name = {ref}\n  pattern = "{ $.eventName = ConsoleLogin }"\n'
            '  metric_transformation {\n    name = "m"\n    namespace = "n"\n    value = "1"\n  }\n}\n'
        ),
        _filter_on_group,
    ),
    "alarm": (
        "topic",
        (
            'resource "aws_cloudwatch_metric_alarm" "a" {\n  alarm_name = "a"\n  metric_name = "m"\n'
            '  namespace = "n"\n  statistic = "Sum"\n  period = 300\n  evaluation_periods = 1\n  threshold = 1\n'
            '  comparison_operator = "GreaterThanOrEqualToThreshold"\n  alarm_actions = [{ref}]\n}\n'
        ),
        _alarm_on_topic,
    ),
    "key_policy": (
        "kms_key",
        'resource "aws_kms_key_policy" "p" {\n  key_id = {ref}\n  policy = jsonencode({})\n}\n',
        _policy_on("kms_key"),
    ),
    "log_group_key": (
        "kms_key",
        'resource "aws_cloudwatch_log_group" "g2" {\n  name = "other"\n  kms_key_id = {ref}\n}\n',
        _key_of("log_group"),
    ),
    "event_data_store_key": (
        "kms_key",
        ('resource "aws_cloudtrail_event_data_store" "s" {\n  name = "s"\n  kms_key_id = {ref}\n}\n'),
        _key_of("event_data_store"),
    ),
}
_TF_ATTACHED_ROWS = [
    (kind, style)
    for kind in _TF_ATTACHED
    for style in _STYLES
    if not (style == "literal" and _TF_ATTACHED[kind][0] == "kms_key")
]


@pytest.mark.parametrize(("kind", "style"), _TF_ATTACHED_ROWS)
def test_terraform_attached_resources(tmp_path: Path, kind: str, style: str) -> None:
    target, referring, linked = _TF_ATTACHED[kind]
    root = _tf_case(tmp_path, target, referring, style)
    for model in _tf_models(root):
        assert linked(model), (root / "main.tf").read_text()
