"""CloudFormation parser: model values, links, related resources and source-map spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctguard.location import Span
from ctguard.model import Model, Trail
from ctguard.parsers.cloudformation.parse import is_cloudtrail_related, looks_like_cloudformation, parse
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown, concat, symbolic

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cloudformation"
ACCOUNT, REGION = "111122223333", "eu-west-1"
CTX = ParseContext(account_id=ACCOUNT, region=REGION)


def parse_fixture(name: str, context: ParseContext | None = None):
    text = (FIXTURES / name).read_text()
    return parse(f"fixtures/cloudformation/{name}", text, context or ParseContext())


def only_model(result) -> Model:
    assert not result.unusable, result.problems
    assert len(result.variants) == 1
    return result.variants[0]


def trail(model: Model, key: str = "Trail") -> Trail:
    found = [t for t in model.trails if t.key == key]
    assert found, [t.key for t in model.trails]
    return found[0]


def parse_text(text: str, context: ParseContext | None = None):
    return parse("inline.yaml", text, context or ParseContext())


# --- the complete CIS stack ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def cis():
    return parse_fixture("cis-trail-stack.yaml", CTX)


@pytest.mark.parametrize(
    "field, expected",
    [
        ("name", Known("org-audit-trail")),
        ("arn", Known(f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-audit-trail")),
        ("account_id", Known(ACCOUNT)),
        ("home_region", Known(REGION)),
        ("is_logging", Known(True)),
        ("is_multi_region", Known(True)),
        ("is_organization", ABSENT),
        ("include_global_service_events", Known(True)),
        ("log_file_validation", Known(True)),
        ("kms_key_id", Known("${CloudTrailKey}")),
        ("s3_bucket_name", Known(f"cloudtrail-logs-{ACCOUNT}-{REGION}")),
        ("s3_key_prefix", ABSENT),
        ("sns_topic", Known("cloudtrail-notifications")),
        (
            "cloudwatch_logs_log_group_arn",
            Known(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/cloudtrail/org-audit-trail:*"),
        ),
        ("cloudwatch_logs_role_arn", Known(f"arn:aws:iam::{ACCOUNT}:role/${{CloudTrailLogsRole}}")),
        ("advanced_event_selectors", ABSENT),
        ("tags", Known({"compliance": "cis-aws-foundations"})),
        ("bucket", "TrailBucket"),
        ("kms_key", "CloudTrailKey"),
        ("log_group", "TrailLogGroup"),
        ("role", "CloudTrailLogsRole"),
        ("topic", "TrailTopic"),
    ],
)
def test_cis_trail_fields(cis, field, expected):
    assert getattr(trail(only_model(cis)), field) == expected


def test_cis_has_no_problems(cis):
    assert cis.problems == []
    assert cis.kind == "cloudformation"
    assert only_model(cis).conditions == ()


def test_cis_selectors(cis):
    t = trail(only_model(cis))
    (selector,) = t.event_selectors.value
    assert selector.read_write_type == Known("All")
    assert selector.include_management_events == Known(True)
    assert selector.exclude_management_event_sources is ABSENT
    (data,) = selector.data_resources.value
    assert (data.type, data.values) == ("AWS::S3::Object", ("arn:aws:s3",))
    assert [s.insight_type for s in t.insight_selectors.value] == ["ApiCallRateInsight", "ApiErrorRateInsight"]
    assert all(s.event_categories is None for s in t.insight_selectors.value)


def test_cis_via_names_parameter_default_and_reference(cis):
    t = trail(only_model(cis))
    assert t.name.via == "parameter TrailName (default)"
    assert t.s3_bucket_name.via == "Ref TrailBucket"
    assert t.kms_key_id.via == "Ref CloudTrailKey"
    log_group = only_model(cis).resource("log_group", "TrailLogGroup")
    assert log_group.retention_days == Known(365)
    assert log_group.retention_days.via == "parameter LogRetentionDays (default)"


def test_cis_bucket(cis):
    bucket = only_model(cis).resource("bucket", "TrailBucket")
    assert bucket.name == Known(f"cloudtrail-logs-{ACCOUNT}-{REGION}")
    assert bucket.arn == Known(f"arn:aws:s3:::cloudtrail-logs-{ACCOUNT}-{REGION}")
    assert bucket.versioning == Known("Enabled")
    pab = bucket.public_access_block.value
    assert all(
        getattr(pab, f) == Known(True)
        for f in ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
    )
    assert bucket.encryption_algorithm == Known("aws:kms")
    assert bucket.encryption_kms_key_id == Known(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/${{CloudTrailKey}}")
    assert bucket.logging_target_bucket == Known("${AccessLogsBucket}")
    assert bucket.logging_target_prefix == Known("trail-bucket/")
    (rule,) = bucket.lifecycle_rules.value
    assert (rule.status, rule.expiration_days, rule.noncurrent_expiration_days) == (
        Known("Enabled"),
        Known(2557),
        Known(90),
    )
    assert bucket.acl is ABSENT and bucket.object_lock is ABSENT


def test_cis_bucket_policy_attached_with_resolved_resources(cis):
    policy = only_model(cis).resource("bucket", "TrailBucket").policy
    assert policy.via == "AWS::S3::BucketPolicy TrailBucketPolicy"
    sids = {s["Sid"]: s for s in policy.value["Statement"]}
    assert set(sids) == {"AWSCloudTrailAclCheck", "AWSCloudTrailWrite", "DenyInsecureTransport"}
    write = sids["AWSCloudTrailWrite"]
    assert write["Resource"] == f"arn:aws:s3:::cloudtrail-logs-{ACCOUNT}-{REGION}/AWSLogs/{ACCOUNT}/*"
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == (
        f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-audit-trail"
    )
    assert only_model(cis).resource("bucket", "AccessLogsBucket").policy is ABSENT


def test_cis_key_role_topic(cis):
    model = only_model(cis)
    key = model.resource("kms_key", "CloudTrailKey")
    assert key.rotation == Known(True)
    assert key.aliases == ("alias/cloudtrail",)
    assert key.key_id == Known("${CloudTrailKey}")
    statements = key.policy.value["Statement"]
    assert statements[0]["Principal"]["AWS"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert statements[3]["Condition"]["StringEquals"]["kms:CallerAccount"] == ACCOUNT
    role = model.resource("role", "CloudTrailLogsRole")
    assert role.trust_policy.value["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    (inline,) = role.policies.value
    assert inline["Statement"][0]["Resource"] == trail(model).cloudwatch_logs_log_group_arn.value
    topic = model.resource("topic", "TrailTopic")
    assert topic.arn == Known(f"arn:aws:sns:{REGION}:{ACCOUNT}:cloudtrail-notifications")
    assert topic.policy.value["Statement"][0]["Resource"] == topic.arn.value
    alarm_topic = model.resource("topic", "AlarmTopic")
    (subscription,) = alarm_topic.subscriptions.value
    assert subscription.protocol == Known("email")
    assert subscription.endpoint == symbolic("AlarmEmail", "text", "parameter AlarmEmail has no default")


def test_cis_monitoring_resources(cis):
    model = only_model(cis)
    filters = model.all("metric_filter")
    assert len(filters) == 4
    assert {f.log_group_name for f in filters} == {Known("/aws/cloudtrail/org-audit-trail")}
    root = model.resource("metric_filter", "RootUsageFilter")
    assert '$.userIdentity.type = "Root"' in root.pattern.value
    (transformation,) = root.transformations.value
    assert transformation.metric_name == Known("RootAccountUsage")
    assert transformation.metric_namespace == Known("CloudTrailMetrics")
    alarm = model.resource("alarm", "RootUsageAlarm")
    assert (alarm.metric_name, alarm.namespace, alarm.statistic, alarm.period, alarm.threshold) == (
        Known("RootAccountUsage"),
        Known("CloudTrailMetrics"),
        Known("Sum"),
        Known(300),
        Known(1.0),
    )
    assert alarm.alarm_actions == Known((f"arn:aws:sns:{REGION}:{ACCOUNT}:cis-alarms",))
    rule = model.resource("event_rule", "TrailChangesRule")
    assert rule.state == Known("ENABLED")
    assert rule.event_pattern.value["source"] == ["aws.cloudtrail"]
    assert rule.targets == Known((f"arn:aws:sns:{REGION}:{ACCOUNT}:cis-alarms",))
    assert rule.event_bus is ABSENT


def test_without_context_arns_are_unknown_but_links_hold():
    model = only_model(parse_fixture("cis-trail-stack.yaml"))
    t = trail(model)
    assert isinstance(t.arn, Unknown) and "region" in t.arn.reason
    assert isinstance(t.account_id, Unknown) and isinstance(t.home_region, Unknown)
    assert isinstance(model.account_id, Unknown) and isinstance(model.region, Unknown)
    assert isinstance(t.s3_bucket_name, Unknown)  # the name is a !Sub over the account id
    assert isinstance(t.cloudwatch_logs_log_group_arn, Unknown)
    assert t.kms_key_id == Known("${CloudTrailKey}")  # presence holds without any context
    assert (t.bucket, t.kms_key, t.log_group, t.role, t.topic) == (
        "TrailBucket",
        "CloudTrailKey",
        "TrailLogGroup",
        "CloudTrailLogsRole",
        "TrailTopic",
    )
    # names that do not need the context stay comparable across resources
    assert (
        model.resource("metric_filter", "RootUsageFilter").log_group_name
        == model.resource("log_group", "TrailLogGroup").name
    )


def test_json_twin_gives_the_same_model():
    yaml_model = only_model(parse_fixture("cis-trail-stack.yaml", CTX))
    json_model = only_model(parse_fixture("cis-trail-stack.json", CTX))
    assert json_model.trails == yaml_model.trails
    assert json_model.resources == yaml_model.resources


def test_short_and_long_forms_give_the_same_model():
    short = only_model(parse_fixture("short-form.yaml"))
    long = only_model(parse_fixture("long-form.yaml"))
    assert short.trails == long.trails
    assert short.resources == long.resources


# --- source map -----------------------------------------------------------------------------------

OWNER = ("trail", "Trail")
CIS_YAML = "fixtures/cloudformation/cis-trail-stack.yaml"


@pytest.mark.parametrize(
    "owner, path, line, column",
    [
        (OWNER, (), 206, 3),
        (OWNER, ("is_multi_region",), 216, 7),
        (OWNER, ("kms_key_id",), 214, 7),
        (OWNER, ("event_selectors",), 222, 7),
        (OWNER, ("event_selectors", 0), 223, 11),
        (OWNER, ("event_selectors", 0, "read_write_type"), 223, 11),
        (OWNER, ("event_selectors", 0, "data_resources"), 225, 11),
        (OWNER, ("event_selectors", 0, "data_resources", 0, "type"), 226, 15),
        (OWNER, ("event_selectors", 0, "data_resources", 0, "values"), 227, 15),
        (OWNER, ("insight_selectors", 1, "insight_type"), 231, 11),
        (OWNER, ("tags",), 232, 7),
        # missing properties fall back to the resource's logical id
        (OWNER, ("s3_key_prefix",), 206, 3),
        (OWNER, ("event_selectors", 0, "exclude_management_event_sources"), 223, 11),
        (OWNER, ("advanced_event_selectors", 0, "field_selectors"), 206, 3),
        (("bucket", "TrailBucket"), (), 84, 3),
        (("bucket", "TrailBucket"), ("versioning",), 95, 9),
        (("bucket", "TrailBucket"), ("public_access_block", "block_public_acls"), 90, 9),
        (("bucket", "TrailBucket"), ("policy",), 117, 7),  # the BucketPolicy resource's PolicyDocument
        (("bucket", "TrailBucket"), ("object_lock",), 84, 3),
        (("log_group", "TrailLogGroup"), ("retention_days",), 154, 7),
    ],
)
def test_spans_yaml(cis, owner, path, line, column):
    assert cis.source_map.span(owner, path) == Span(CIS_YAML, line, column)


def test_spans_are_recorded_only_for_set_paths(cis):
    assert cis.source_map.exact(OWNER, ("s3_key_prefix",)) is None
    assert cis.source_map.exact(OWNER, ("is_logging",)) is not None
    assert ("trail", "Trail") in cis.source_map.owners()


def test_spans_json():
    result = parse_fixture("cis-trail-stack.json")
    sm = result.source_map
    assert sm.span(OWNER, ()) == Span("fixtures/cloudformation/cis-trail-stack.json", 356, 5)
    assert sm.span(OWNER, ("is_multi_region",)).line == 373
    assert sm.span(OWNER, ("event_selectors", 0, "read_write_type")) == Span(
        "fixtures/cloudformation/cis-trail-stack.json", 396, 13
    )


def test_spans_advanced_selectors():
    result = parse_fixture("short-form.yaml")
    sm = result.source_map
    assert sm.span(OWNER, ("advanced_event_selectors", 1, "field_selectors", 3, "field")).line == 79
    assert sm.span(OWNER, ("advanced_event_selectors", 1, "field_selectors", 3, "starts_with")) == Span(
        "fixtures/cloudformation/short-form.yaml", 80, 15
    )
    assert sm.span(OWNER, ("advanced_event_selectors", 1, "field_selectors", 3, "ends_with")).line == 79
    assert sm.span(OWNER, ("advanced_event_selectors", 1, "name")).line == 71


def test_tab_indented_json_template_keeps_spans():
    result = parse_fixture("legacy-tabs.template")
    t = trail(only_model(result), "LegacyTrail")
    assert (t.name, t.is_logging, t.log_file_validation) == (Known("legacy"), Known(True), Known(False))
    assert t.bucket == "LegacyBucket"  # a literal name equal to the bucket's BucketName
    assert result.source_map.span(("trail", "LegacyTrail"), ()) == Span(
        "fixtures/cloudformation/legacy-tabs.template", 9, 3
    )
    assert result.source_map.span(("trail", "LegacyTrail"), ("is_logging",)).line == 14


def test_json_with_escaped_surrogate_pairs_keeps_its_spans():
    # PyYAML rejects surrogate-pair escapes (an emoji in a Description, as json.dumps writes it);
    # the loader rewrites them, so the template keeps its positions (it fell back to json.loads
    # and line 1 before).
    text = (
        '{"Description": "trail \\ud83d\\ude00", "Resources": {"T": {"Type": "AWS::CloudTrail::Trail",\n'
        '"Properties": {"IsLogging": true}}}}'
    )
    result = parse_text(text)
    t = trail(only_model(result), "T")
    assert t.is_logging == Known(True)
    assert result.source_map.span(("trail", "T"), ("is_logging",)) == Span("inline.yaml", 2, 16)


def test_json_that_only_json_accepts_builds_without_spans():
    # A lone surrogate escape: valid JSON, no character YAML can hold.
    text = '{"Description": "trail \\ud83d", "Resources": {"T": {"Type": "AWS::CloudTrail::Trail",\n"Properties": {"IsLogging": true}}}}'
    result = parse_text(text)
    t = trail(only_model(result), "T")
    assert t.is_logging == Known(True)
    assert result.source_map.span(("trail", "T"), ("is_logging",)) == Span("inline.yaml", 1, 1)


# --- parameters, pseudo parameters, intrinsics --------------------------------------------------


@pytest.mark.parametrize(
    "field, expected",
    [
        ("name", Known("audit")),
        ("s3_bucket_name", symbolic("BucketName", "text", "parameter BucketName has no default")),
        ("s3_key_prefix", Known("")),
        ("is_multi_region", Known(True)),  # the string "true" from a parameter default
        (
            "kms_key_id",
            Unknown("parameter KeyArn is read from SSM parameter '/security/cloudtrail/key-arn' at deploy time"),
        ),
        (
            "tags",
            Known(
                {
                    "home-region": "eu-west-1",
                    "stack": symbolic("AWS::StackName", "stack-name", "the stack name is chosen at deploy time"),
                }
            ),
        ),
        ("bucket", None),
    ],
)
def test_parameters(field, expected):
    assert getattr(trail(only_model(parse_fixture("parameters.yaml"))), field) == expected


def test_parameter_vias_and_overrides():
    t = trail(only_model(parse_fixture("parameters.yaml")))
    assert t.name.via == "parameter TrailName (default)"
    assert t.is_multi_region.via == "parameter MultiRegion (default)"
    given = ParseContext(variables={"BucketName": "given-bucket", "TrailName": "other"})
    t = trail(only_model(parse_fixture("parameters.yaml", given)))
    assert t.s3_bucket_name == Known("given-bucket")
    assert t.s3_bucket_name.via == "parameter BucketName (given value)"
    assert t.name == Known("other")


def test_intrinsic_results():
    t = trail(only_model(parse_fixture("short-form.yaml")))
    assert t.name == Known("prod-trail")  # Fn::Join over a parameter default
    assert t.s3_bucket_name == Unknown("imported value central-logging-BucketName")
    assert t.s3_key_prefix == Known("trails")  # Fn::Select over Fn::Split
    assert t.kms_key_id == Known("alias/prod/trail")  # Ref to an alias is its name
    assert t.kms_key == "LogKey"  # ... and the alias leads to its key
    assert (t.log_group, t.role, t.bucket) == ("Logs", "LogsRole", None)
    assert t.tags.value["literal"] == "${Literal}-prod"  # ${!Literal} escape
    assert isinstance(t.tags.value["region-prefix"], Unknown)  # FindInMap keyed by an unknown region
    (_, s3) = t.advanced_event_selectors.value
    assert s3.name == "S3 writes to the data buckets"
    arn_selector = s3.field_selectors[3]
    assert (arn_selector.field, arn_selector.starts_with, arn_selector.not_ends_with) == (
        "resources.ARN",
        ("arn:aws:s3:::prod-data/",),
        (".tmp",),
    )
    model = only_model(parse_fixture("short-form.yaml"))
    assert model.resource("log_group", "Logs").retention_days == Known(400)  # FindInMap
    assert model.resource("log_group", "Logs").name == Known("/trails/prod")  # Sub with a variable map
    assert model.resource("kms_key", "LogKey").rotation == Known(True)  # the string "true"


def test_intrinsics_with_context():
    context = ParseContext(account_id=ACCOUNT, region="us-east-1")
    model = only_model(parse_fixture("short-form.yaml", context))
    t = trail(model)
    assert t.tags.value["region-prefix"] == "us"
    assert t.cloudwatch_logs_role_arn == Known(f"arn:aws:iam::{ACCOUNT}:role/service/prod-cloudtrail-logs")
    assert t.cloudwatch_logs_log_group_arn == Known(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/trails/prod:*")
    assert t.arn == Known(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/prod-trail")


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("!Base64 abc", Known("YWJj")),
        ("!Join ['', [a, !Ref 'AWS::NoValue', b]]", Known("ab")),
        ("!Select [5, [a, b]]", Unknown("Fn::Select index 5 is out of range (list of 2)")),
        ("!Select ['1', [a, b]]", Known("b")),
        ("!GetAZs ''", Unknown("Fn::GetAZs is evaluated at deploy time")),
        ("!Cidr [10.0.0.0/16, 2, 8]", Unknown("Fn::Cidr is evaluated at deploy time")),
        ("!Sub '${AWS::Partition}-${AWS::URLSuffix}'", Known("aws-amazonaws.com")),
        (
            "!Sub ['${A}${B}', {A: x, B: !Ref 'AWS::StackId'}]",
            concat("x", symbolic("AWS::StackId", "text", "the stack id is assigned at deploy time")),
        ),
        ("!Ref 'AWS::NoValue'", ABSENT),
        ("!GetAtt Bucket.DomainName", Unknown("Bucket.DomainName is known only after deployment")),
        ("!Sub '${Bucket}'", Known("${Bucket}")),
        ("!Ref Fn", Unknown("Ref Fn (AWS::Lambda::Function) resolves at deploy time")),
        ("!Transform {Name: X}", Unknown("Fn::Transform is not evaluated statically")),
        ("42", Known("42")),
        ("true", Known("true")),
    ],
)
def test_intrinsic_expressions(expression, expected):
    text = f"""
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Lambda::Function
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: !Ref Bucket
      S3KeyPrefix: {expression}
"""
    assert trail(only_model(parse_text(text))).s3_key_prefix == expected


def test_generated_names_are_symbolic_tokens():
    model = only_model(parse_fixture("sam-template.yaml"))
    t = trail(model, "DataEventsTrail")
    assert t.name == Known("${DataEventsTrail}")
    assert t.name.via == "name generated by CloudFormation"
    assert t.s3_bucket_name == Known("${AuditBucket}")
    assert t.bucket == "AuditBucket"
    (selector,) = t.event_selectors.value
    assert selector.data_resources.value[0].values == ("arn:aws:s3:::${DataBucket}/",)
    bucket = model.resource("bucket", "AuditBucket")
    assert bucket.versioning == Known("Suspended")
    assert bucket.policy.value["Statement"][0]["Resource"] == "arn:aws:s3:::${AuditBucket}"
    assert isinstance(bucket.policy.value["Statement"][1]["Resource"], Unknown)  # needs the account
    assert set(model.resources["bucket"]) == {"DataBucket", "AuditBucket"}  # SAM resources are skipped


def test_unrelated_template():
    result = parse_fixture("unrelated-lambda.yaml")
    model = only_model(result)
    assert model.trails == [] and result.problems == []
    (policy,) = model.resource("role", "FunctionRole").policies.value
    assert isinstance(policy, Unknown) and "AWSLambdaBasicExecutionRole" in policy.reason


# --- links ------------------------------------------------------------------------------------------

LINKS = """
Resources:
  Key:
    Type: AWS::KMS::Key
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties: {AliasName: alias/trail-key, TargetKeyId: !Ref Key}
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: named-bucket}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: trail-logs}
  Role:
    Type: AWS::IAM::Role
    Properties: {RoleName: trail-role, AssumeRolePolicyDocument: {}}
  RolePolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "logs:*", Resource: "*"}]}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: trail-topic}
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: arn:aws:sqs:eu-west-1:111122223333:q}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: named-bucket
      KMSKeyId: arn:aws:kms:eu-west-1:111122223333:alias/trail-key
      CloudWatchLogsLogGroupArn: arn:aws:logs:eu-west-1:111122223333:log-group:trail-logs:*
      CloudWatchLogsRoleArn: arn:aws:iam::111122223333:role/trail-role
      SnsTopicName: trail-topic
"""


def test_links_by_literal_names():
    model = only_model(parse_text(LINKS, CTX))
    t = trail(model)
    assert (t.bucket, t.kms_key, t.log_group, t.role, t.topic) == ("Bucket", "Key", "Logs", "Role", "Topic")
    role = model.resource("role", "Role")
    assert role.policies.value[0]["Statement"][0]["Action"] == "logs:*"
    (subscription,) = model.resource("topic", "Topic").subscriptions.value
    assert subscription.protocol == Known("sqs")


def test_links_to_resources_outside_the_template_are_none():
    text = """
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: somewhere-else
      KMSKeyId: alias/not-here
"""
    t = trail(only_model(parse_text(text)))
    assert (t.bucket, t.kms_key) == (None, None)
    assert t.kms_key_id == Known("alias/not-here")


# --- detectors and speed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "cis-trail-stack.yaml",
        "cis-trail-stack.json",
        "sam-template.yaml",
        "legacy-tabs.template",
        "unrelated-lambda.yaml",
        "conditions.yaml",
    ],
)
def test_detects_templates(name):
    assert looks_like_cloudformation((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        '{"name": "pkg", "version": "1.0.0", "dependencies": {}}',
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
        "Resources:\n  - not a template\n",
    ],
)
def test_ignores_other_files(text):
    assert not looks_like_cloudformation(text)


@pytest.mark.parametrize(
    "name, related",
    [("cis-trail-stack.yaml", True), ("sam-template.yaml", True), ("unrelated-lambda.yaml", False)],
)
def test_cloudtrail_related(name, related):
    assert is_cloudtrail_related((FIXTURES / name).read_text()) is related


@pytest.mark.parametrize(
    "snippet",
    [
        "Principal: {Service: cloudtrail.amazonaws.com}",
        "FilterPattern: '{ $.eventName = ConsoleLogin }'",
        '"detail-type": ["AWS API Call via CloudTrail"]',
    ],
)
def test_related_without_a_trail(snippet):
    assert is_cloudtrail_related(f"Resources:\n  X:\n    Type: AWS::S3::BucketPolicy\n    {snippet}\n")
