"""CloudFormation parser: related resource kinds and attachments beyond the CIS stack."""

from __future__ import annotations

import pytest

from ctguard.parsers.cloudformation.parse import parse
from ctguard.parsers.context import ParseContext
from ctguard.values import ABSENT, Known, Unknown

CTX = ParseContext(account_id="111122223333", region="us-east-1")

TEMPLATE = """
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Enabled: false
      MultiRegion: "true"
      KeyPolicy: '{"Version": "2012-10-17", "Statement": []}'
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/lake
      TargetKeyId: !Ref Key
  LockedBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: locked-logs
      AccessControl: LogDeliveryWrite
      ObjectLockEnabled: true
      ObjectLockConfiguration:
        ObjectLockEnabled: Enabled
        Rule:
          DefaultRetention:
            Mode: COMPLIANCE
            Years: 7
      LoggingConfiguration: {}
      VersioningConfiguration:
        Status: !If [Never, Suspended, Enabled]
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reader
      Path: /svc/
      AssumeRolePolicyDocument: {Statement: []}
      ManagedPolicyArns:
        - !Ref Managed
        - arn:aws:iam::aws:policy/ReadOnlyAccess
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Sub "arn:aws:sns:us-east-1:111122223333:${Topic.TopicName}"]
      PolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: cloudtrail.amazonaws.com},
                                    Action: "SNS:Publish", Resource: "*"}]}
  Lake:
    Type: AWS::CloudTrail::EventDataStore
    Properties:
      Name: org-lake
      KmsKeyId: !Ref KeyAlias
      RetentionPeriod: "3653"
      MultiRegionEnabled: true
      OrganizationEnabled: true
      TerminationProtectionEnabled: false
      AdvancedEventSelectors:
        - Name: management
          FieldSelectors:
            - Field: eventCategory
              Equals: [Management]
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      S3BucketName: locked-logs
      IsLogging: true
      KMSKeyId: !GetAtt KeyAlias.AliasName
      SnsTopicName: !Ref Topic
      InsightSelectors:
        - InsightType: ApiErrorRateInsight
          EventCategories: [Management, Data]
      AdvancedEventSelectors:
        - FieldSelectors:
            - Field: eventCategory
              Equals: [Data]
            - Field: resources.type
              Equals: [AWS::DynamoDB::Table]
            - Field: eventName
              NotEquals: !Split [",", "GetItem,Query"]
Conditions:
  Never: !Equals [a, b]
"""


@pytest.fixture(scope="module")
def model():
    result = parse("r.yaml", TEMPLATE, CTX)
    assert [p.rule_id for p in result.problems if p.rule_id != "CT002"] == []
    (only,) = result.variants
    return only


def test_kms_key_state_multi_region_and_json_string_policy(model):
    key = model.resource("kms_key", "Key")
    assert key.state == Known("Disabled")
    assert key.multi_region == Known(True)
    assert key.policy == Known({"Version": "2012-10-17", "Statement": []})
    assert key.aliases == ("alias/lake",)
    assert key.rotation is ABSENT and key.key_manager is ABSENT


def test_bucket_object_lock_logging_and_fixed_condition(model):
    bucket = model.resource("bucket", "LockedBucket")
    assert bucket.acl == Known("LogDeliveryWrite")
    assert bucket.object_lock == Known(True)
    assert bucket.object_lock_mode == Known("COMPLIANCE")
    assert bucket.object_lock_days == Known(7 * 365)
    assert bucket.logging_target_bucket == Known("locked-logs")  # no destination: the bucket itself
    assert bucket.versioning == Known("Enabled")  # Never is Fn::Equals of two different literals
    assert model.conditions == ()


def test_role_managed_policies(model):
    role = model.resource("role", "Role")
    assert role.arn == Known("arn:aws:iam::111122223333:role/svc/reader")
    managed, aws_managed = role.policies.value
    assert managed["Statement"][0]["Action"] == "s3:GetObject"
    assert isinstance(aws_managed, Unknown) and "ReadOnlyAccess" in aws_managed.reason


def test_topic_policy_by_literal_arn_and_generated_topic_name(model):
    topic = model.resource("topic", "Topic")
    assert topic.name == Known("${Topic}")
    assert topic.arn == Known("arn:aws:sns:us-east-1:111122223333:${Topic}")
    assert topic.policy.value["Statement"][0]["Action"] == "SNS:Publish"
    trail = model.trails[0]
    assert trail.sns_topic == Known("arn:aws:sns:us-east-1:111122223333:${Topic}")  # Ref to a topic is its ARN
    assert trail.topic == "Topic"


def test_event_data_store(model):
    lake = model.resource("event_data_store", "Lake")
    assert lake.name == Known("org-lake")
    assert lake.arn == Known("arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/${Lake}")
    assert lake.kms_key_id == Known("alias/lake")
    assert (lake.retention_days, lake.is_multi_region, lake.is_organization, lake.termination_protection) == (
        Known(3653),
        Known(True),
        Known(True),
        Known(False),
    )
    (selector,) = lake.advanced_event_selectors.value
    assert selector.name == "management"
    assert selector.field_selectors[0].equals == ("Management",)


def test_trail_links_and_selectors(model):
    trail = model.trails[0]
    assert trail.bucket == "LockedBucket"
    # AWS::KMS::Alias has no AliasName attribute, but the reference still leads to the key
    assert trail.kms_key_id == Unknown("KeyAlias.AliasName is known only after deployment")
    assert trail.kms_key == "Key"
    (insight,) = trail.insight_selectors.value
    assert insight.event_categories == ("Management", "Data")
    (selector,) = trail.advanced_event_selectors.value
    assert selector.name is None
    assert selector.field_selectors[2].not_equals == ("GetItem", "Query")


def test_kms_key_link_through_a_literal_alias_name():
    text = TEMPLATE.replace("KMSKeyId: !GetAtt KeyAlias.AliasName", "KMSKeyId: alias/lake")
    (model,) = parse("r.yaml", text, CTX).variants
    assert model.trails[0].kms_key == "Key"


def test_kms_key_link_through_an_alias_reference():
    text = TEMPLATE.replace("KMSKeyId: !GetAtt KeyAlias.AliasName", "KMSKeyId: !Ref KeyAlias")
    (model,) = parse("r.yaml", text, CTX).variants
    assert model.trails[0].kms_key == "Key"
    assert model.trails[0].kms_key_id == Known("alias/lake")


def test_spans_for_nested_related_properties():
    result = parse("r.yaml", TEMPLATE, CTX)
    sm = result.source_map
    assert sm.span(("bucket", "LockedBucket"), ("object_lock_days",)).line == 25
    assert sm.span(("bucket", "LockedBucket"), ("versioning",)).line == 28
    assert (
        sm.span(("event_data_store", "Lake"), ("advanced_event_selectors", 0, "field_selectors", 0, "equals")).line
        == 63
    )
    assert sm.span(("kms_key", "Key"), ()).line == 3
