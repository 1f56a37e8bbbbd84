"""Terraform HCL parser: model values, three-valued semantics, links, spans, modules, problems."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse, parse_module, tf_dir_is_cloudtrail_related
from ctguard.values import Absent, Known, Unknown

ROOT = Path(__file__).resolve().parents[3]
FIX = ROOT / "fixtures" / "terraform"
CTX = ParseContext()
FULL_CTX = ParseContext(account_id="111122223333", region="eu-west-1")


def load(name: str, ctx: ParseContext = CTX):
    inputs = parse_module(str(FIX / name), ctx)
    assert len(inputs) == 1
    return inputs[0]


def only_model(name: str, ctx: ParseContext = CTX):
    parsed = load(name, ctx)
    assert len(parsed.variants) == 1
    return parsed, parsed.variants[0]


def trail(model, key: str):
    return next(t for t in model.trails if t.key == key)


# values ---------------------------------------------------------------------------------------
def test_cis_stack_trail_values_and_provider_default():
    parsed, model = only_model("cis_complete")
    assert parsed.kind == "terraform" and not parsed.problems
    t = trail(model, "aws_cloudtrail.main")
    assert t.name == Known("acme-org-trail")
    assert t.name.via == "local.trail_name"
    assert t.is_multi_region == Known(True) and t.log_file_validation == Known(True)
    assert t.is_logging == Known(True) and t.is_logging.via == "provider default"
    assert isinstance(t.is_organization, Absent)
    assert t.s3_bucket_name == Known("acme-cloudtrail-logs")
    assert t.s3_bucket_name.via == "aws_s3_bucket.trail.id"
    assert isinstance(t.kms_key_id, Unknown) and "after apply" in t.kms_key_id.reason
    assert t.tags.value == {"Owner": "security", "Environment": "prod", "Name": "acme-org-trail"}
    selector = t.event_selectors.value[0]
    assert selector.read_write_type == Known("All")
    assert selector.data_resources.value[0].values == ("arn:aws:s3",)
    assert t.insight_selectors.value[0].insight_type == "ApiCallRateInsight"


def test_cis_stack_links_across_files():
    _, model = only_model("cis_complete")
    t = trail(model, "aws_cloudtrail.main")
    assert (t.bucket, t.kms_key, t.log_group, t.role, t.topic) == (
        "aws_s3_bucket.trail",
        "aws_kms_key.trail",
        "aws_cloudwatch_log_group.trail",
        "aws_iam_role.cloudtrail_cw",
        "aws_sns_topic.trail",
    )
    bucket = model.resource("bucket", t.bucket)
    assert bucket.versioning == Known("Enabled") and bucket.mfa_delete == Known(False)
    assert bucket.public_access_block.value.block_public_policy == Known(True)
    assert bucket.account_public_access_block.value.restrict_public_buckets == Known(True)
    assert bucket.logging_target_bucket.value == "acme-s3-access-logs"
    assert bucket.logging_target_bucket.via == "var.access_log_bucket (terraform.tfvars)"
    assert bucket.encryption_algorithm == Known("aws:kms")
    assert bucket.lifecycle_rules.value[0].expiration_days == Known(2555)
    key = model.resource("kms_key", t.kms_key)
    assert key.rotation == Known(True) and key.aliases == ("alias/acme-cloudtrail",)
    role = model.resource("role", t.role)
    assert role.trust_policy.value["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert len(role.policies.value) == 1
    topic = model.resource("topic", t.topic)
    assert isinstance(topic.subscriptions.value[0].confirmed, Unknown)
    assert model.resource("log_group", t.log_group).retention_days == Known(365)


def test_policy_document_keeps_unknown_placeholders_and_resolves_with_context():
    _, model = only_model("cis_complete")
    statements = model.resource("bucket", "aws_s3_bucket.trail").policy.value["Statement"]
    assert statements[0]["Resource"] == "arn:aws:s3:::acme-cloudtrail-logs"
    assert isinstance(statements[1]["Resource"], Unknown)
    assert statements[2]["Principal"] == "*" and statements[2]["Effect"] == "Deny"
    _, model = only_model("cis_complete", FULL_CTX)
    statements = model.resource("bucket", "aws_s3_bucket.trail").policy.value["Statement"]
    assert statements[1]["Resource"] == "arn:aws:s3:::acme-cloudtrail-logs/cloudtrail/AWSLogs/111122223333/*"


def test_context_makes_computed_arns_known_with_log_group_suffix():
    _, model = only_model("cis_complete", FULL_CTX)
    t = trail(model, "aws_cloudtrail.main")
    assert t.cloudwatch_logs_log_group_arn == Known(
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail/acme-org-trail:*"
    )
    assert t.cloudwatch_logs_role_arn == Known("arn:aws:iam::111122223333:role/acme-cloudtrail-cloudwatch")
    assert t.arn == Known("arn:aws:cloudtrail:eu-west-1:111122223333:trail/acme-org-trail")
    assert model.account_id == Known("111122223333")


def test_without_context_computed_arns_are_unknown_not_absent():
    _, model = only_model("cis_complete")
    t = trail(model, "aws_cloudtrail.main")
    assert isinstance(t.cloudwatch_logs_log_group_arn, Unknown)
    assert isinstance(t.cloudwatch_logs_role_arn, Unknown)


def test_variable_precedence_var_file_and_cli(tmp_path):
    extra = tmp_path / "prod.tfvars"
    extra.write_text('name_prefix = "override"\nlog_retention_days = 30\n')
    ctx = ParseContext(var_files=(str(extra),), variables={"log_retention_days": "7"})
    _, model = only_model("cis_complete", ctx)
    assert trail(model, "aws_cloudtrail.main").name == Known("override-org-trail")
    assert model.resource("log_group", "aws_cloudwatch_log_group.trail").retention_days == Known(7)


def test_auto_tfvars_override_terraform_tfvars_in_lexical_order(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "n" {}\nresource "aws_cloudtrail" "t" {\n  name = var.n\n  s3_bucket_name = "b"\n}\n'
    )
    (tmp_path / "terraform.tfvars").write_text('n = "base"\n')
    (tmp_path / "a.auto.tfvars").write_text('n = "a"\n')
    (tmp_path / "b.auto.tfvars").write_text('n = "b"\n')
    model = parse_module(str(tmp_path), CTX)[0].variants[0]
    assert model.trails[0].name == Known("b")
    assert model.trails[0].name.via == "var.n (b.auto.tfvars)"


def test_variable_without_value_is_unknown(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "v" { type = bool }\nresource "aws_cloudtrail" "t" {\n  name = "t"\n'
        '  s3_bucket_name = "b"\n  is_multi_region_trail = var.v\n}\n'
    )
    t = parse_module(str(tmp_path), CTX)[0].variants[0].trails[0]
    assert isinstance(t.is_multi_region, Unknown) and "var.v" in t.is_multi_region.reason
    t = parse_module(str(tmp_path), ParseContext(variables={"v": "true"}))[0].variants[0].trails[0]
    assert t.is_multi_region == Known(True)


def test_expressions_conditionals_functions_and_unknown_functions(tmp_path):
    (tmp_path / "main.tf").write_text("""
variable "env" { default = "prod" }
variable "flag" {}
locals { names = ["a", "b"] }
resource "aws_cloudtrail" "t" {
  name                          = format("%s-%s", upper(var.env), join("-", local.names))
  s3_bucket_name                = lower("LOGS-${var.env}")
  is_multi_region_trail         = var.env == "prod" ? true : false
  enable_log_file_validation    = var.flag ? true : false
  s3_key_prefix                 = coalesce("", try(local.missing, "fallback"))
  sns_topic_name                = sha256("x")
  include_global_service_events = tobool("true")
  tags                          = merge({ A = "1" }, { B = lookup({ k = "v" }, "k", "d") })
}
""")
    t = parse_module(str(tmp_path), CTX)[0].variants[0].trails[0]
    assert t.name == Known("PROD-a-b")
    assert t.s3_bucket_name == Known("logs-prod")
    assert t.is_multi_region == Known(True)
    assert isinstance(t.log_file_validation, Unknown) and "condition" in t.log_file_validation.reason
    assert t.s3_key_prefix == Known("fallback")
    assert t.sns_topic == Unknown("function sha256")
    assert t.include_global_service_events == Known(True)
    assert t.tags.value == {"A": "1", "B": "v"}


def test_legacy_inline_bucket_forms_and_heredoc_policy():
    _, model = only_model("legacy_bucket")
    t = trail(model, "aws_cloudtrail.legacy")
    assert t.bucket == "aws_s3_bucket.legacy"  # linked by literal name
    b = model.resource("bucket", t.bucket)
    assert b.acl == Known("log-delivery-write")
    assert b.versioning == Known("Enabled") and b.mfa_delete == Known(True)
    assert b.logging_target_bucket == Known("legacy-access-logs")
    assert b.lifecycle_rules.value[0].status == Known("Enabled")
    assert b.lifecycle_rules.value[0].expiration_days == Known(365)
    assert b.encryption_algorithm == Known("AES256")
    assert (b.object_lock, b.object_lock_mode, b.object_lock_days) == (Known(True), Known("COMPLIANCE"), Known(30))
    statements = b.policy.value["Statement"]
    assert statements[0]["Action"] == "s3:GetBucketAcl"
    assert isinstance(statements[1]["Resource"], Unknown)


def test_advanced_and_insight_selectors():
    _, model = only_model("advanced_selectors")
    selectors = trail(model, "aws_cloudtrail.advanced").advanced_event_selectors.value
    assert selectors[0].name == "Management events except KMS and RDS Data"
    assert selectors[0].field_selectors[1].not_equals == ("kms.amazonaws.com", "rdsdata.amazonaws.com")
    arn = selectors[1].field_selectors[2]
    assert arn.field == "resources.ARN" and arn.starts_with == ("arn:aws:s3:::payments/",)
    assert arn.not_ends_with == (".tmp",)
    _, model = only_model("insight_selectors")
    t = trail(model, "aws_cloudtrail.insights")
    assert [s.insight_type for s in t.insight_selectors.value] == ["ApiCallRateInsight", "ApiErrorRateInsight"]
    assert t.is_logging == Known(False) and t.is_logging.via is None


# count / for_each / dynamic ----------------------------------------------------------------------
def test_count_zero_creates_no_trail():
    parsed, model = only_model("count_zero")
    assert model.trails == []
    # ... and says so: a trail block with no instance is not silently "nothing to check"
    assert [(p.rule_id, "aws_cloudtrail.optional is not created" in p.message) for p in parsed.problems] == [
        ("CT005", True)
    ]


def test_unknown_count_keeps_trail_but_logging_unknown():
    parsed, model = only_model("unknown_count")
    t = trail(model, "aws_cloudtrail.maybe")
    assert t.is_multi_region == Known(True)
    assert isinstance(t.is_logging, Unknown) and "may not be created" in t.is_logging.reason
    assert [p.rule_id for p in parsed.problems] == ["CT005"]
    _, model = only_model("unknown_count", ParseContext(variables={"create_trail": "true"}))
    assert [t.key for t in model.trails] == ["aws_cloudtrail.maybe[0]"]


def test_for_each_over_map():
    _, model = only_model("for_each_map")
    keys = sorted(t.key for t in model.trails)
    assert keys == ['aws_cloudtrail.per_team["app"]', 'aws_cloudtrail.per_team["security"]']
    sec = trail(model, 'aws_cloudtrail.per_team["security"]')
    assert sec.name == Known("security-trail") and sec.s3_bucket_name == Known("sec-logs")
    assert trail(model, 'aws_cloudtrail.per_team["app"]').is_multi_region == Known(False)


def test_dynamic_event_selector_expanded_or_unknown():
    _, model = only_model("dynamic_selector")
    selectors = trail(model, "aws_cloudtrail.data").event_selectors.value
    assert [s.data_resources.value[0].values for s in selectors] == [
        ("arn:aws:s3:::payments-data/",),
        ("arn:aws:s3:::customer-data/",),
    ]
    assert selectors[0].include_management_events == Known(False)
    unknown = trail(model, "aws_cloudtrail.unknown_dynamic").event_selectors
    assert isinstance(unknown, Unknown) and "var.extra_selectors" in unknown.reason


# modules --------------------------------------------------------------------------------------
def test_local_module_judged_with_caller_values():
    parsed, model = only_model("module_call")
    t = trail(model, "module.audit.aws_cloudtrail.this")
    assert t.name == Known("org-audit")
    assert t.is_multi_region == Known(True)  # caller overrides the module default false
    assert t.log_file_validation == Known(False)  # caller passes its own var default
    assert t.s3_bucket_name == Known("caller-trail-logs")
    assert t.bucket == "aws_s3_bucket.logs"  # linked through the module input reference
    assert model.resource("bucket", t.bucket).versioning == Known("Enabled")
    span = parsed.source_map.span(("trail", t.key), ("is_multi_region",))
    assert span.file.endswith(os.path.join("modules", "trail", "main.tf")) and span.line == 22


def test_registry_and_git_sources_are_ct005_and_nothing_passes():
    parsed, model = only_model("registry_module")
    assert model.trails == []
    assert [p.rule_id for p in parsed.problems] == ["CT005", "CT005"]
    assert "cloudposse/cloudtrail/aws" in parsed.problems[0].message
    assert "not resolvable locally" in parsed.problems[0].message
    assert parsed.problems[1].span.line == 12


def test_module_cycle_is_bounded(tmp_path):
    (tmp_path / "main.tf").write_text(
        'module "me" {\n  source = "./"\n}\nresource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'
    )
    parsed = parse_module(str(tmp_path), CTX)[0]
    assert [t.key for t in parsed.variants[0].trails] == ["aws_cloudtrail.t"]
    assert any(p.rule_id == "CT005" and "itself" in p.message for p in parsed.problems)


# spans ----------------------------------------------------------------------------------------
def test_spans_point_at_attributes_and_fall_back_to_block_header():
    parsed, _ = only_model("cis_complete")
    sm = parsed.source_map
    owner = ("trail", "aws_cloudtrail.main")
    main = str(FIX / "cis_complete" / "main.tf")
    assert sm.span(owner) == sm.span(owner, ())
    assert (sm.span(owner).file, sm.span(owner).line) == (main, 26)
    assert sm.span(owner, ("is_multi_region",)).line == 31
    assert sm.span(owner, ("event_selectors", 0, "read_write_type")).line == 39
    assert sm.span(owner, ("event_selectors", 0, "data_resources", 0, "values")).line == 44
    assert sm.span(owner, ("insight_selectors", 0, "insight_type")).line == 49
    # missing attributes: nearest recorded ancestor, here the block header
    assert sm.span(owner, ("is_organization",)).line == 26
    assert sm.span(owner, ("event_selectors", 0, "exclude_management_event_sources")).line == 38


def test_split_resource_spans_are_in_their_own_file():
    parsed, _ = only_model("cis_complete")
    sm = parsed.source_map
    owner = ("bucket", "aws_s3_bucket.trail")
    s3 = str(FIX / "cis_complete" / "s3.tf")
    assert (sm.span(owner, ("versioning",)).file, sm.span(owner, ("versioning",)).line) == (s3, 18)
    assert sm.span(owner, ("public_access_block", "block_public_policy")).line == 10
    assert sm.span(owner, ("policy",)).line == 105
    assert sm.span(owner, ("object_lock",)).line == 1  # not set anywhere: the bucket header


# problems -------------------------------------------------------------------------------------
def test_syntax_error_is_ct001_with_position_and_other_files_still_parsed():
    parsed, model = only_model("syntax_error")
    assert parsed.unusable
    (problem,) = parsed.problems
    assert problem.rule_id == "CT001"
    assert problem.span.file.endswith("main.tf") and (problem.span.line, problem.span.column) == (4, 27)
    assert "Traceback" not in problem.message and problem.message.startswith("HCL syntax error")
    assert "aws_s3_bucket.ok" in model.resources["bucket"]


def test_parse_contract_uses_given_text_for_the_file():
    path = str(FIX / "insight_selectors" / "main.tf")
    text = Path(path).read_text().replace("enable_logging = false", "enable_logging = true")
    parsed = parse(path, text, CTX)
    assert parsed.path == path
    assert parsed.variants[0].trails[0].is_logging == Known(True)


def test_unrelated_directory_has_no_trails():
    parsed, model = only_model("unrelated")
    assert model.trails == [] and not parsed.problems
    assert parse_module(str(FIX / "does-not-exist"), CTX) == []


# prefilter ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,expected",
    [
        ("cis_complete", True),
        ("module_call", True),
        ("legacy_bucket", True),
        ("unrelated", False),
        # a registry/git CloudTrail module is parsed so that it is reported (CT005), not skipped silently
        ("registry_module", True),
        ("plan", False),
    ],
)
def test_prefilter(name, expected):
    assert tf_dir_is_cloudtrail_related(str(FIX / name)) is expected


def test_prefilter_follows_local_module_and_needs_no_parse(tmp_path):
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "t.tf").write_text('resource "aws_cloudtrail" "t" {}\n')
    (tmp_path / "main.tf").write_text('module "m" {\n  source = "./mod"\n}\n')
    assert tf_dir_is_cloudtrail_related(str(tmp_path))
    (tmp_path / "other.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (tmp_path / "mod" / "t.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "y"\n}\n')
    assert not tf_dir_is_cloudtrail_related(str(tmp_path))
    (tmp_path / "other.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "cloudtrail-logs"\n}\n')
    assert tf_dir_is_cloudtrail_related(str(tmp_path))


def test_fixture_parse_times_are_reasonable():
    parse_module(str(FIX / "cis_complete"), CTX)  # warm the grammar
    start = time.perf_counter()
    for name in ("cis_complete", "module_call", "dynamic_selector", "legacy_bucket"):
        parse_module(str(FIX / name), CTX)
    assert time.perf_counter() - start < 30  # bounded (a hang is the bug); speed lives in bench/


# robustness -----------------------------------------------------------------------------------
_BASE = (FIX / "cis_complete" / "main.tf").read_text()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_hcl_never_raises(tmp_path_factory, data):
    text = _BASE
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if op == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 20)) :]
        elif op == "insert":
            text = (
                text[:pos]
                + data.draw(
                    st.sampled_from(
                        [
                            '"',
                            "{",
                            "}",
                            "${",
                            "=",
                            "\n",
                            "[",
                            "]",
                            "(",
                            ")",
                            "var.x",
                            "<<EOF\n",
                            "#",
                            "/*",
                            "?",
                            ":",
                            "count = var.n\n",
                            'dynamic "event_selector" {\n',
                            "\x00",
                            "é",
                        ]
                    )
                )
                + text[pos:]
            )
        else:
            end = min(len(text), pos + data.draw(st.integers(1, 200)))
            text = text[:end] + text[pos:end] + text[end:]
    directory = tmp_path_factory.mktemp("mut")
    (directory / "main.tf").write_text(text, encoding="utf-8")
    parsed = parse_module(str(directory), CTX)[0]
    for problem in parsed.problems:
        assert problem.rule_id in ("CT001", "CT004", "CT005")


def test_event_data_store_provider_default_and_event_rule_targets(tmp_path):
    (tmp_path / "main.tf").write_text("""
resource "aws_cloudtrail_event_data_store" "lake" {
  name = "lake"
}
resource "aws_cloudwatch_event_rule" "ct" {
  name          = "cloudtrail-changes"
  event_pattern = jsonencode({ source = ["aws.cloudtrail"] })
}
resource "aws_cloudwatch_event_target" "sns" {
  rule = aws_cloudwatch_event_rule.ct.name
  arn  = "arn:aws:sns:eu-west-1:111122223333:alerts"
}
""")
    model = parse_module(str(tmp_path), CTX)[0].variants[0]
    lake = model.resource("event_data_store", "aws_cloudtrail_event_data_store.lake")
    assert lake.retention_days == Known(2555) and lake.retention_days.via == "provider default"
    rule = model.resource("event_rule", "aws_cloudwatch_event_rule.ct")
    assert rule.event_pattern.value == {"source": ["aws.cloudtrail"]}
    assert rule.targets.value == ("arn:aws:sns:eu-west-1:111122223333:alerts",)


def test_a_utf16_tf_file_is_said_not_skipped(tmp_path):
    """A .tf saved as UTF-16 (Windows PowerShell 5's `>`) is refused by Terraform ("All input
    files must be UTF-8 encoded"): CT001 naming the encoding and exit 3, never 0 inputs; a Latin-1
    file is refused the same way."""
    from ctguard.api import check
    from ctguard.cli import main

    text = 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n'
    (tmp_path / "u16").mkdir()
    (tmp_path / "u16" / "main.tf").write_text(text, encoding="utf-16")
    (tmp_path / "latin1").mkdir()
    (tmp_path / "latin1" / "main.tf").write_bytes(("# caf\xe9\n" + text).encode("latin-1"))
    for case, said in (("u16", "is UTF-16"), ("latin1", "holds the byte 0xe9")):
        report = check([tmp_path / case])
        (error,) = [f for f in report.findings if f.rule_id == "CT001"]
        assert said in error.message and "Terraform reads only UTF-8" in error.message, error.message
        assert main(["check", str(tmp_path / case), "-q"]) == 3
