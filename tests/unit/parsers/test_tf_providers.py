"""The deploy region of Terraform resources from their AWS provider, for HCL and plan JSON alike."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from ctguard.parsers.context import ParseContext
from ctguard.parsers.terraform.parse import parse_module
from ctguard.parsers.terraform.plan import parse_plan
from ctguard.parsers.terraform.providers import ProviderRegion, effective_region
from ctguard.values import Absent, Known, Unknown

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "terraform"
ACCOUNT = "111122223333"
NO_REGION = ParseContext(account_id=ACCOUNT)
CLI_REGION = ParseContext(account_id=ACCOUNT, region="ap-south-1")


def hcl(name: str | Path, ctx: ParseContext = NO_REGION):
    (parsed,) = parse_module(str(FIX / name if isinstance(name, str) else name), ctx)
    assert not parsed.problems, parsed.problems
    return parsed.variants[0]


def plan(name: str, ctx: ParseContext = NO_REGION, doc: dict | None = None):
    path = FIX / name / "plan.json"
    parsed = parse_plan(str(path), path.read_text() if doc is None else json.dumps(doc), ctx)
    assert not parsed.problems, parsed.problems
    return parsed.variants[0]


def trail(model, key: str):
    return next(t for t in model.trails if t.key == key)


def arn(model, kind: str, key: str):
    return model.resource(kind, key).arn


# the precedence rule ------------------------------------------------------------------------------
DEFAULT = ProviderRegion("aws", Known("eu-west-1", via="provider aws region"))
ALIAS = ProviderRegion("aws.replica", Known("us-west-2", via="provider aws.replica region"))
OWN = Known("ca-central-1", via="x region argument")


@pytest.mark.parametrize(
    ("cli", "provider", "own", "expected"),
    [
        (None, None, None, None),  # nothing stated: the environment decides at deploy time
        (None, DEFAULT, None, "eu-west-1"),
        ("ap-south-1", DEFAULT, None, "ap-south-1"),  # --region overrides the default provider
        ("ap-south-1", ALIAS, None, "us-west-2"),  # an alias is the resource's own statement
        ("ap-south-1", ALIAS, OWN, "ca-central-1"),  # the per-resource region wins over all
        ("ap-south-1", ProviderRegion("aws.x", None), None, "ap-south-1"),  # alias without region
        ("ap-south-1", ProviderRegion("module.a:aws", Known("eu-north-1")), None, "ap-south-1"),  # not an alias
    ],
)
def test_effective_region_precedence(cli, provider, own, expected):
    got = effective_region(cli, provider, own)
    assert (got.value if isinstance(got, Known) else got) == expected


def test_unresolved_alias_is_unknown_even_with_cli_region():
    alias = ProviderRegion("aws.dr", Unknown("region of provider aws.dr is not known: from SSM"))
    assert effective_region("ap-south-1", alias) == alias.region
    default = ProviderRegion("aws", Unknown("region of provider aws is not known"))
    assert effective_region("ap-south-1", default) == Known("ap-south-1")
    assert effective_region(None, default) == default.region


# HCL: the default provider -------------------------------------------------------------------------
def test_variable_default_gives_home_region_and_derived_arns_without_cli_region():
    model = hcl("provider_region")
    t = trail(model, "aws_cloudtrail.main")
    assert model.region == Known("eu-west-1")
    assert t.home_region == Known("eu-west-1")
    assert t.home_region.via == "provider aws region from var.region (default)"
    assert t.arn == Known(f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/org-audit")
    assert t.cloudwatch_logs_log_group_arn == Known(
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/cloudtrail/org-audit:*"
    )
    assert t.sns_topic == Known(f"arn:aws:sns:eu-west-1:{ACCOUNT}:cloudtrail-org-audit")
    assert arn(model, "log_group", "aws_cloudwatch_log_group.trail") == Known(
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/cloudtrail/org-audit"
    )
    assert arn(model, "topic", "aws_sns_topic.trail") == Known(f"arn:aws:sns:eu-west-1:{ACCOUNT}:cloudtrail-org-audit")
    # data "aws_region" answers from the provider too
    assert model.resource("bucket", "aws_s3_bucket.trail").name == Known("acme-audit-trail-eu-west-1")


def test_literal_region():
    model = hcl("provider_alias")
    assert trail(model, "aws_cloudtrail.primary").home_region == Known("us-east-1")
    assert trail(model, "aws_cloudtrail.primary").home_region.via == "provider aws region"


def test_tfvars_and_var_override_the_default(tmp_path):
    model = hcl("provider_region_tfvars")
    home = trail(model, "aws_cloudtrail.main").home_region
    assert home == Known("eu-central-1") and "terraform.tfvars" in home.via
    model = hcl("provider_region_tfvars", ParseContext(account_id=ACCOUNT, variables={"region": "eu-north-1"}))
    assert trail(model, "aws_cloudtrail.main").home_region == Known("eu-north-1")


def test_unresolvable_region_is_unknown_with_its_reason_never_a_guess():
    model = hcl("provider_unresolved")
    main, workspace, dr = (trail(model, f"aws_cloudtrail.{n}") for n in ("main", "workspace", "dr"))
    assert isinstance(model.region, Unknown) and "var.region has no value" in model.region.reason
    assert isinstance(main.home_region, Unknown) and "var.region has no value" in main.home_region.reason
    assert isinstance(workspace.home_region, Unknown) and "aws.workspace" in workspace.home_region.reason
    assert isinstance(dr.home_region, Unknown) and "data.aws_ssm_parameter.dr_region" in dr.home_region.reason
    assert isinstance(main.arn, Absent)  # not derived from a region nobody knows


def test_cli_region_wins_over_default_provider_but_not_over_aliases():
    model = hcl("provider_unresolved", CLI_REGION)
    assert model.region == Known("ap-south-1")
    assert trail(model, "aws_cloudtrail.main").home_region == Known("ap-south-1")
    assert isinstance(trail(model, "aws_cloudtrail.dr").home_region, Unknown)
    model = hcl("provider_region", CLI_REGION)
    t = trail(model, "aws_cloudtrail.main")
    assert t.home_region == Known("ap-south-1") and t.home_region.via == "--region"
    assert t.arn.via == "name, --account, --region"


# HCL: aliases, module providers maps, per-resource region --------------------------------------
@pytest.mark.parametrize("ctx", [NO_REGION, CLI_REGION])
def test_alias_on_resources_and_providers_map_into_child_module(ctx):
    model = hcl("provider_alias", ctx)
    replica = trail(model, "aws_cloudtrail.replica")
    assert replica.home_region == Known("us-west-2")
    assert replica.home_region.via == "provider aws.replica region from var.replica_region (default)"
    assert replica.arn == Known(f"arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/replica")
    assert replica.sns_topic == Known(f"arn:aws:sns:us-west-2:{ACCOUNT}:cloudtrail-replica")
    assert arn(model, "log_group", "aws_cloudwatch_log_group.replica") == Known(
        f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/cloudtrail/replica-us-west-2"
    )
    dr = trail(model, "module.dr_trail.aws_cloudtrail.this")
    assert dr.home_region == Known("us-west-2")
    assert dr.cloudwatch_logs_log_group_arn == Known(
        f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/aws/cloudtrail/dr-us-west-2:*"
    )
    # a module call without `providers` inherits the default provider (or --region over it)
    home = ctx.region or "us-east-1"
    assert trail(model, "module.home_trail.aws_cloudtrail.this").home_region == Known(home)
    assert model.resource("log_group", "module.home_trail.aws_cloudwatch_log_group.this").name == Known(
        f"/aws/cloudtrail/home-{home}"
    )


@pytest.mark.parametrize("ctx", [NO_REGION, CLI_REGION])
def test_per_resource_region_wins(ctx):
    model = hcl("provider_alias", ctx)
    assert arn(model, "log_group", "aws_cloudwatch_log_group.eu") == Known(
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/cloudtrail/eu"
    )


def test_child_module_own_provider_block_and_unmapped_alias(tmp_path):
    shutil.copytree(FIX / "provider_alias", tmp_path / "m")
    child = tmp_path / "m" / "modules" / "regional-trail" / "main.tf"
    text = child.read_text()
    # a legacy child module with its own provider block: its resources use it
    child.write_text(text + '\nprovider "aws" {\n  region = "sa-east-1"\n}\n')
    model = hcl(tmp_path / "m")
    home = trail(model, "module.home_trail.aws_cloudtrail.this").home_region
    assert home == Known("sa-east-1") and home.via == "provider module.home_trail:aws region"
    assert trail(hcl(tmp_path / "m", CLI_REGION), "module.home_trail.aws_cloudtrail.this").home_region == Known(
        "ap-south-1"
    )  # a default provider, even a module's own: --region overrides it
    # `aws.other` is neither passed nor declared: no region stated (as if the provider had none)
    child.write_text(
        text.replace('resource "aws_cloudtrail" "this" {', 'resource "aws_cloudtrail" "this" {\n  provider = aws.other')
    )
    assert isinstance(trail(hcl(tmp_path / "m"), "module.home_trail.aws_cloudtrail.this").home_region, Absent)


def test_data_aws_region_endpoint_and_lookup(tmp_path):
    (tmp_path / "main.tf").write_text("""
provider "aws" {
  region = "eu-west-2"
}
data "aws_region" "current" {}
data "aws_region" "other" {
  name = "us-east-2"
}
resource "aws_cloudtrail" "t" {
  name           = "t-${data.aws_region.other.name}"
  s3_bucket_name = data.aws_region.current.endpoint
}
""")
    t = trail(hcl(tmp_path), "aws_cloudtrail.t")
    assert t.name == Known("t-us-east-2")
    assert t.s3_bucket_name == Known("eu-west-2.amazonaws.com")


def test_modules_without_provider_blocks_are_unchanged():
    model = hcl("module_call")
    assert isinstance(model.region, Absent)
    assert all(isinstance(t.home_region, Absent) for t in model.trails)
    model = hcl("module_call", CLI_REGION)
    assert all(t.home_region == Known("ap-south-1") and t.home_region.via == "--region" for t in model.trails)


# plan JSON ------------------------------------------------------------------------------------------
def _facts(model):
    """What the region decides, comparable between HCL and plan (vias and plan-only unknowns aside)."""
    out = {"region": model.region}
    for t in model.trails:
        out[t.key] = (t.home_region, t.arn, t.log_group, t.topic)
    for kind in ("log_group", "topic"):
        for key, res in model.resources[kind].items():
            out[key] = (res.name, res.arn)
    return out


@pytest.mark.parametrize("name", ["provider_region", "provider_alias"])
@pytest.mark.parametrize("ctx", [NO_REGION, CLI_REGION])
def test_plan_gives_the_same_regions_as_hcl(name, ctx):
    from_plan, from_hcl = _facts(plan(name, ctx)), _facts(hcl(name, ctx))
    if ctx.region and name == "provider_alias":
        # the plan's names were computed in us-east-1; --region says otherwise, names cannot follow
        for key in ("module.home_trail.aws_cloudwatch_log_group.this",):
            from_plan.pop(key), from_hcl.pop(key)
    assert from_plan == from_hcl


def test_plan_via_names_the_provider_and_plan_variable():
    model = plan("provider_alias")
    assert (
        trail(model, "aws_cloudtrail.replica").home_region.via
        == "provider aws.replica region from var.replica_region (plan variables)"
    )
    assert trail(model, "module.home_trail.aws_cloudtrail.this").home_region.via == "provider aws region"


def test_plan_region_from_an_unrecorded_expression_is_unknown_unless_planned():
    doc = json.loads((FIX / "provider_region" / "plan.json").read_text())
    doc["configuration"]["provider_config"]["aws"]["expressions"]["region"] = {"references": ["local.region"]}
    model = plan("provider_region", doc=doc)
    home = trail(model, "aws_cloudtrail.main").home_region
    assert isinstance(home, Unknown) and "local.region" in home.reason
    # AWS provider v6 plans carry the resolved region on every regional resource
    v6 = copy.deepcopy(doc)
    for resource in v6["planned_values"]["root_module"]["resources"]:
        resource["values"]["region"] = "eu-west-3"
    model = plan("provider_region", doc=v6)
    home = trail(model, "aws_cloudtrail.main").home_region
    assert home == Known("eu-west-3") and home.via == "provider aws region (planned value)"
    assert trail(plan("provider_region", CLI_REGION, v6), "aws_cloudtrail.main").home_region == Known("ap-south-1")


def test_plan_per_resource_region_and_missing_variable():
    doc = json.loads((FIX / "provider_alias" / "plan.json").read_text())
    del doc["variables"]["replica_region"]
    model = plan("provider_alias", CLI_REGION, doc)
    replica = trail(model, "aws_cloudtrail.replica").home_region
    assert isinstance(replica, Unknown) and "var.replica_region has no value in the plan" in replica.reason
    eu = model.resource("log_group", "aws_cloudwatch_log_group.eu")
    assert eu.arn == Known(f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/cloudtrail/eu")


def test_plan_child_module_key_of_older_terraform_inherits_the_default():
    model = plan("plan", NO_REGION)  # "audit:aws" (Terraform 0.12 style key), root provider eu-west-1
    assert trail(model, "module.audit.aws_cloudtrail.this").home_region == Known("eu-west-1")


def test_equivalence_case_without_cli_region_hcl_and_plan_agree():
    """fixtures/equivalence/provider_alias states its regions: HCL and plan agree without --region."""
    from ctguard.api import check

    case = FIX.parent / "equivalence" / "provider_alias"
    results = []
    for form in ("hcl", "plan.json"):
        report = check([case / form], context=NO_REGION)
        (parsed,) = report.inputs
        assert parsed.variants[0].trails[0].home_region == Known("eu-west-1")
        results.append(sorted((f.rule_id, f.status.value) for f in report.findings if f.resource_kind == "trail"))
    assert results[0] == results[1] and results[0]


def test_json_syntax_providers(tmp_path):
    (tmp_path / "main.tf.json").write_text(
        json.dumps(
            {
                "provider": {"aws": [{"region": "eu-west-1"}, {"alias": "replica", "region": "us-west-2"}]},
                "resource": {
                    "aws_cloudtrail": {
                        "main": {"name": "main", "s3_bucket_name": "b"},
                        "replica": {"provider": "aws.replica", "name": "replica", "s3_bucket_name": "b"},
                    }
                },
            }
        )
    )
    model = hcl(tmp_path, CLI_REGION)
    assert trail(model, "aws_cloudtrail.main").home_region == Known("ap-south-1")
    assert trail(model, "aws_cloudtrail.replica").home_region == Known("us-west-2")


def test_log_group_on_another_provider_than_its_trail_is_caught(tmp_path):
    """The regions make CT417 see a trail on aws.replica delivering to a log group in us-east-1."""
    from ctguard.api import check

    shutil.copytree(FIX / "provider_alias", tmp_path / "m", ignore=shutil.ignore_patterns("plan.json"))
    main = tmp_path / "m" / "main.tf"
    main.write_text(
        main.read_text().replace(
            'resource "aws_cloudwatch_log_group" "replica" {\n  provider = aws.replica\n',
            'resource "aws_cloudwatch_log_group" "replica" {\n',
        )
    )
    report = check([tmp_path / "m"], context=NO_REGION)
    (finding,) = [f for f in report.findings if f.rule_id == "CT417" and f.resource == "aws_cloudtrail.replica"]
    assert finding.status.value == "FAIL" and "us-east-1" in finding.message and "us-west-2" in finding.message
