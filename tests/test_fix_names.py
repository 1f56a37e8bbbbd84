"""Fix texts that cannot be applied mechanically name real properties and arguments, the ones the rule reads.

``test_fix_snippets`` applies the fixes that are snippets; most others are prose ("add a statement
...", "AWS::Logs::MetricFilter with ...").  For every policy's CloudFormation and Terraform fix:

- each ``Name:`` in a CloudFormation fix is a property (or enum value) of the vendored provider
  schemas (``ctguard/data/cfn_schemas.json``) and each ``AWS::X::Y`` a vendored resource type or a
  data-event ``resources.type``; each ``aws_*`` type in a Terraform fix is one the Terraform reader
  reads and each ``name =`` an argument it reads (the string literals of ``ctguard/parsers/terraform/*.py``:
  an argument the reader never looks at cannot change a verdict);
- the fix names the property/argument the rule reads: for declarative policies the parsers'
  own field -> property tables decide, for ``impl:`` policies the table below does.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ctguard.engine.policy import Policy, load_policies
from ctguard.fix_text import fill
from ctguard.model import FieldSelector
from ctguard.parsers.cloudformation.trail import TRAIL_SCALARS
from ctguard.parsers.terraform.trail import TRAIL_ARGS

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = json.loads((ROOT / "ctguard" / "data" / "cfn_schemas.json").read_text())["types"]
DATA_TYPES = set(json.loads((ROOT / "ctguard" / "data" / "data_event_resource_types.json").read_text())["types"])
POLICIES = [p for p in load_policies() if p.scope not in ("input", "drift")]
# IAM policy grammar and the AWS:: pseudo parameters, which a fix may spell as keys.
_NOT_PROPERTIES = {"AWS", "Effect", "Principal", "Action", "Resource", "Condition", "Service"}
_CFN_KEY = re.compile(r"(?<![\w.:$-])([A-Z][A-Za-z0-9]*)(?=:(?:\s|$))")
_TF_ARG = re.compile(r"(?<![\w.\"$-])([a-z][a-z0-9_]*)\s*=(?!=)")
_TF_TYPE = re.compile(r"(?<![\w.\"])(aws_[a-z0-9_]+)")

# What an impl: policy reads, as (CloudFormation properties, Terraform arguments): its fix must name
# one of each (property names are checked against the schema below, arguments against the reader).
READS: dict[str, tuple[set[str], set[str]]] = {
    "CT104": ({"KMSKeyId"}, {"kms_key_id"}),  # reads the key the reference resolves to (attribute kms_key)
    "CT105": ({"CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"}, {"cloud_watch_logs_group_arn"}),
    "CT109": ({"InsightSelectors"}, {"insight_selector", "insight_type"}),
    "CT110": ({"InsightSelectors"}, {"insight_selector", "insight_type"}),
    "CT111": ({"ReadWriteType"}, {"event_selector", "read_write_type"}),
    "CT201": ({"IsMultiRegionTrail", "IsLogging", "EventSelectors"}, {"is_multi_region_trail", "event_selector"}),
    "CT202": ({"ExcludeManagementEventSources"}, {"exclude_management_event_sources"}),
    "CT203": ({"AdvancedEventSelectors"}, {"advanced_event_selector", "field_selector"}),
    "CT204": ({"AdvancedEventSelectors"}, {"advanced_event_selector", "field_selector"}),
    "CT301": ({"Equals"}, {"advanced_event_selector", "field_selector"}),
    "CT302": ({"AdvancedEventSelectors"}, {"advanced_event_selector", "field_selector"}),
    "CT303": ({"Values", "StartsWith"}, {"values"}),
    "CT304": ({"StartsWith", "Values"}, {"field_selector", "not_starts_with"}),
    "CT305": ({"Equals"}, {"field_selector"}),
    "CT306": ({"Values", "StartsWith"}, {"advanced_event_selector", "starts_with"}),
    "CT307": (set(), {"field_selector", "advanced_event_selector"}),
    "CT308": ({"NotStartsWith"}, {"not_starts_with"}),
    "CT309": ({"EventSelectors", "ReadWriteType"}, {"event_selector", "read_write_type"}),
    "CT310": ({"NotStartsWith"}, {"not_starts_with"}),
    "CT311": ({"NotStartsWith"}, {"not_starts_with", "field_selector"}),
    "CT401": ({"PublicAccessBlockConfiguration"}, {"aws_s3_bucket_public_access_block"}),
    "CT402": ({"AWS::S3::BucketPolicy"}, {"aws_iam_policy_document"}),
    "CT403": ({"Condition"}, {"condition"}),
    "CT404": ({"Condition"}, {"condition"}),
    "CT405": ({"LoggingConfiguration", "DestinationBucketName"}, {"aws_s3_bucket_logging", "target_bucket"}),
    "CT406": ({"ObjectLockEnabled", "ObjectLockConfiguration"}, {"object_lock_enabled", "mfa_delete"}),
    "CT407": ({"ExpirationInDays"}, {"expiration", "days"}),
    "CT408": ({"EnableKeyRotation"}, {"enable_key_rotation"}),
    "CT409": ({"KeyPolicy"}, {"aws_kms_key", "policy"}),
    "CT410": ({"Condition"}, {"aws_kms_key", "policy"}),
    "CT411": ({"Enabled"}, {"is_enabled"}),
    "CT412": ({"KMSKeyId"}, {"kms_key_id"}),
    "CT413": ({"RetentionInDays"}, {"retention_in_days"}),
    "CT414": ({"KmsKeyId"}, {"kms_key_id"}),
    "CT415": ({"AssumeRolePolicyDocument"}, {"assume_role_policy", "aws_iam_role_policy"}),
    "CT416": ({"AWS::SNS::TopicPolicy"}, {"aws_sns_topic_policy"}),
    "CT417": ({"CloudWatchLogsLogGroupArn"}, {"cloud_watch_logs_group_arn"}),
    "CT601": ({"IsMultiRegionTrail", "IsLogging"}, {"is_multi_region_trail", "enable_logging"}),
    "CT602": (set(), {"aws_cloudtrail", "advanced_event_selector"}),
    "CT603": ({"IncludeGlobalServiceEvents"}, {"include_global_service_events"}),
    "CT604": ({"IsMultiRegionTrail"}, {"is_multi_region_trail"}),
    "CT605": ({"IsOrganizationTrail"}, {"is_organization_trail"}),
    "CT701": ({"KmsKeyId"}, {"kms_key_id"}),
    "CT702": ({"RetentionPeriod"}, {"retention_period"}),
    "CT705": ({"OrganizationEnabled"}, {"organization_enabled"}),
    "CT707": ({"AdvancedEventSelectors"}, {"advanced_event_selector", "field_selector"}),
    "CT801": ({"IsLogging"}, {"enable_logging"}),
    "CT802": (set(), {"aws_s3_bucket_policy"}),
    "CT803": (set(), {"aws_s3_bucket_policy"}),
    "CT804": ({"AWS::SNS::TopicPolicy"}, {"aws_sns_topic_policy"}),
    "CT805": ({"CloudWatchLogsRoleArn"}, {"cloud_watch_logs_role_arn"}),
    "CT806": (set(), set()),  # live delivery status: the fix is what to check, then a CLI command
    "CT807": ({"CloudWatchLogsRoleArn"}, {"cloud_watch_logs_role_arn"}),
}
# CIS alarms (CT501-CT515): a metric filter, an alarm and a subscription.
for _n in range(501, 516):
    READS[f"CT{_n}"] = (
        {"FilterPattern", "MetricTransformations", "MetricName", "AlarmActions"},
        {"aws_cloudwatch_log_metric_filter", "pattern", "aws_cloudwatch_metric_alarm", "alarm_actions"},
    )
# Event data store fields the declarative CT703/CT704/CT706 read (cfn_resources / tf_trail inline tables).
_STORE_PROPS = {
    "termination_protection": ("TerminationProtectionEnabled", "termination_protection_enabled"),
    "is_multi_region": ("MultiRegionEnabled", "multi_region_enabled"),
    "ingestion_enabled": ("IngestionEnabled", "suspend"),
}


def _schema_words() -> set[str]:
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    words.update(value)
                if key == "enum" and isinstance(value, list):
                    words.update(map(str, value))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMAS)
    return words


def _reader_names() -> set[str]:
    """The names the Terraform reader looks up: string arguments of its calls (``rec.get(view, "kms_key_id")``,
    ``view.blocks("event_selector")``), string values of its tables (field -> argument) and the members of its
    module-level name sets that are resource types, and what it compares names with.  Not dict keys or nested
    tuples: those are model field names."""
    names: set[str] = set(FieldSelector.OPERATORS)  # field_selector operators, read through the model's list

    def strings(nodes: Any) -> set[str]:
        return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    for path in (ROOT / "ctguard" / "parsers" / "terraform").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                names |= strings(node.args)
            elif isinstance(node, ast.Compare):  # kind == "aws_iam_policy_document", name in ("json", ...)
                names |= {n for c in node.comparators for n in strings([c, *getattr(c, "elts", [])])}
            elif isinstance(node, ast.Dict):
                names |= strings(node.values) | strings(
                    e for v in node.values if isinstance(v, ast.Tuple) for e in v.elts[:1]
                )
        for stmt in tree.body:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            for node in ast.walk(value) if value is not None else ():
                if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
                    names |= {n for n in strings(node.elts) if n.startswith("aws_")}
            if isinstance(value, ast.Dict):
                names |= (
                    strings(value.keys)
                    if all(isinstance(k, ast.Constant) and str(k.value).startswith("aws_") for k in value.keys)
                    else set()
                )
    return names


SCHEMA_WORDS = _schema_words()
READER_NAMES = _reader_names()


def _fix(policy: Policy, language: str) -> str:
    return fill(str(((policy.docs or {}).get("fix") or {}).get(language, "")))


def cfn_problems(text: str) -> list[str]:
    bad = [f"{w}: no such property" for w in _CFN_KEY.findall(text) if w not in SCHEMA_WORDS | _NOT_PROPERTIES]
    bad += [
        f"{t}: no such type" for t in re.findall(r"AWS::\w+::\w+", text) if t not in SCHEMAS and t not in DATA_TYPES
    ]
    return bad


def tf_problems(text: str) -> list[str]:
    bad = [f"{a}: the reader reads no such argument" for a in _TF_ARG.findall(text) if a not in READER_NAMES]
    types = {t for t in _TF_TYPE.findall(text) if not re.search(rf"\b{t}\.\w+\.\w+", text) or t not in READER_NAMES}
    return bad + [f"{t}: the reader reads no such type" for t in sorted(types) if t not in READER_NAMES]


def _declared(policy: Policy) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("attribute"), str):
                found.add(node["attribute"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(policy.check)
    return found


def reads(policy: Policy) -> tuple[set[str], set[str]]:
    """(CloudFormation properties, Terraform arguments) one of which the fix must name."""
    if policy.id in READS:
        return READS[policy.id]
    attributes = _declared(policy)
    assert attributes, f"{policy.id}: an impl: policy needs a READS entry"
    table = (
        {a: (TRAIL_SCALARS[a][0], TRAIL_ARGS[a]) for a in attributes}
        if policy.scope == "trail"
        else {a: _STORE_PROPS[a] for a in attributes}
    )
    return {c for c, _ in table.values()}, {t for _, t in table.values()}


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w:]){re.escape(name)}(?![\w])", text) is not None


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_fix_names_what_the_rule_reads(policy: Policy) -> None:
    cfn, tf = _fix(policy, "cloudformation"), _fix(policy, "terraform")
    assert not cfn_problems(cfn), (policy.id, cfn_problems(cfn))
    assert not tf_problems(tf), (policy.id, tf_problems(tf))
    props, args = reads(policy)
    for prop in props:
        assert prop in SCHEMA_WORDS | set(SCHEMAS) | _NOT_PROPERTIES, f"{policy.id}: READS names {prop}, not a property"
    for arg in args:
        assert arg in READER_NAMES, f"{policy.id}: READS names {arg}, which the reader never reads"
    assert not props or any(_names(cfn, p) for p in props), (policy.id, props, cfn)
    assert not args or any(_names(tf, a) for a in args), (policy.id, args, tf)


@pytest.mark.parametrize(
    "broken",
    [
        "KmsKeyID: !GetAtt Key.Arn",
        "IsMultiRegion: true",
        "AWS::Logs::MetricFiltre with LogGroupName x",
    ],
)
def test_a_misspelt_property_is_caught(broken: str) -> None:
    assert cfn_problems(broken)


@pytest.mark.parametrize(
    "broken",
    [
        "is_multi_region = true",
        "cloud_watch_logs_log_group_arn = x",
        "aws_cloudwatch_log_metric_filtre with x",
    ],
)
def test_a_misspelt_argument_is_caught(broken: str) -> None:
    assert tf_problems(broken)


def test_a_fix_that_misses_what_the_rule_reads_is_caught() -> None:
    (ct104,) = [p for p in POLICIES if p.id == "CT104"]
    props, args = reads(ct104)
    assert props == {"KMSKeyId"} and args == {"kms_key_id"}
    assert not any(_names("KmsKeyId: !GetAtt TrailKey.Arn", p) for p in props)
