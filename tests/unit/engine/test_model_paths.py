"""Model paths named by policies are checked when the policies load (issue 19): a mistyped path
is a policy error (exit 2) naming the file, the line and the closest valid path, whether the
policy comes from --policies, a --config file or a configuration found in the checked tree."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ctguard.cli import main
from ctguard.engine import model_paths
from ctguard.engine.policy import PolicyError, load_policies
from ctguard.model import EventDataStore, Trail

TEMPLATE = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "CT101" / "pass"

POLICY = textwrap.dedent("""\
    id: ORG200
    name: org-bucket-versioned
    title: The log bucket keeps versions
    severity: low
    scope: trail
    check:
      all:
        - attribute: is_logging
          equals: true
        - attribute: {path}
          equals: Enabled
    message:
      fail: "The log bucket of trail {{trail}} keeps no versions"
    docs:
      what: Checks that the trail's log bucket has versioning enabled.
      why: Versions keep overwritten log files recoverable.
      fix: {{cloudformation: "VersioningConfiguration", terraform: "aws_s3_bucket_versioning", cli: "aws s3api"}}
    """)


def _policy_dir(tmp_path: Path, path: str) -> Path:
    directory = tmp_path / "pol"
    directory.mkdir(exist_ok=True)
    (directory / "ORG200-versioned.yaml").write_text(POLICY.format(path=path), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    "path",
    [
        "is_multi_region",
        "bucket.versioning",
        "bucket.public_access_block.block_public_acls",
        "status.is_logging",
        "log_group.kms_key.rotation",
        "kms_key",
        "role.trust_policy",
        "topic.subscriptions",
    ],
)
def test_paths_the_lookup_follows_are_valid(path: str) -> None:
    assert model_paths.problem(Trail, path) is None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("is_multi_regoin", "Trail has no field 'is_multi_regoin'; did you mean 'is_multi_region'?"),
        ("bucket.versoning", "bucket (Bucket) has no field 'versoning'; did you mean 'bucket.versioning'?"),
        ("bucket.public_access_block.block_public_acl", "did you mean 'bucket.public_access_block.block_public_acls'?"),
        ("buckett.versioning", "Trail has no field 'buckett'; did you mean 'bucket'?"),
        ("event_selectors.read_write_type", "event_selectors holds no fields to follow"),
        ("name.value", "name holds no fields to follow"),
        ("IsMultiRegionTrail", "Trail has no field 'IsMultiRegionTrail'"),
    ],
)
def test_mistyped_paths_say_what_is_wrong(path: str, message: str) -> None:
    problem = model_paths.problem(Trail, path)
    assert problem is not None and message in problem


def test_stores_have_their_own_fields() -> None:
    assert model_paths.problem(EventDataStore, "termination_protection") is None
    assert "EventDataStore has no field 'is_multi_region_trail'" in (
        model_paths.problem(EventDataStore, "is_multi_region_trail") or ""
    )


def test_every_condition_and_the_location_are_walked() -> None:
    data = {
        "check": {"any": [{"attribute": "a", "exists": True}, {"not": {"all": [{"attribute": "b", "in": [1]}]}}]},
        "when": {"attribute": "c", "equals": True},
        "location": "d",
    }
    assert list(model_paths.named_paths(data)) == [
        ("a", ("check", "any", 0, "attribute")),
        ("b", ("check", "any", 1, "not", "all", 0, "attribute")),
        ("c", ("when", "attribute")),
        ("d", ("location",)),
    ]


def test_builtin_policies_name_only_valid_paths() -> None:
    load_policies(use_cache=False)  # raises PolicyError on the first bad path


def test_a_mistyped_path_is_a_load_error_with_file_and_line(tmp_path: Path) -> None:
    directory = _policy_dir(tmp_path, "bucket.versoning")
    for use_cache in (False, True, True):  # a cached catalogue never lets it through
        with pytest.raises(PolicyError) as caught:
            load_policies((str(directory),), use_cache=use_cache)
        assert caught.value.file == str(directory / "ORG200-versioned.yaml") and caught.value.line == 10
        assert "did you mean 'bucket.versioning'?" in caught.value.message
    _policy_dir(tmp_path, "bucket.versioning")
    assert "ORG200" in {p.id for p in load_policies((str(directory),))}


def test_location_and_when_are_checked_too(tmp_path: Path) -> None:
    directory = _policy_dir(tmp_path, "bucket.versioning")
    file = directory / "ORG200-versioned.yaml"
    file.write_text(file.read_text() + "location: bucket.versoning\n")
    with pytest.raises(PolicyError, match=r"did you mean 'bucket\.versioning'") as caught:
        load_policies((str(directory),), use_cache=False)
    assert caught.value.line == 18
    file.write_text(
        POLICY.format(path="bucket.versioning").replace(
            "scope: trail\n", "scope: trail\nwhen:\n  attribute: is_organisation\n  equals: true\n"
        )
    )
    with pytest.raises(PolicyError, match="did you mean 'is_organization'") as caught:
        load_policies((str(directory),), use_cache=False)
    assert caught.value.line == 7


def test_account_scope_has_no_root_for_paths(tmp_path: Path) -> None:
    directory = _policy_dir(tmp_path, "bucket.versioning")
    file = directory / "ORG200-versioned.yaml"
    file.write_text(file.read_text().replace("scope: trail", "scope: account"))
    with pytest.raises(PolicyError, match="scope account policies have no trail or store") as caught:
        load_policies((str(directory),), use_cache=False)
    assert caught.value.line == 8


def test_cli_exits_2_naming_file_line_and_closest_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _policy_dir(tmp_path, "bucket.versoning")
    assert main(["check", str(TEMPLATE), "--policies", str(directory)]) == 2
    err = capsys.readouterr().err
    assert f"{directory / 'ORG200-versioned.yaml'}:10: model path 'bucket.versoning'" in err
    assert "did you mean 'bucket.versioning'?" in err and "Traceback" not in err


@pytest.mark.parametrize("trusted", [True, False])
def test_policies_named_by_a_config_file_are_checked_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], trusted: bool
) -> None:
    (tmp_path / ".git").mkdir()
    _policy_dir(tmp_path, "status.is_loging")
    (tmp_path / ".ctguard.yaml").write_text("policies: pol\n")
    (tmp_path / "trail.yaml").write_text((TEMPLATE / "multi-region.yaml").read_text())
    argv = ["check", str(tmp_path / "trail.yaml")]
    if trusted:
        argv += ["--config", str(tmp_path / ".ctguard.yaml"), "--trust-config"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "ORG200-versioned.yaml:10: model path 'status.is_loging'" in err
    assert "did you mean 'status.is_logging'?" in err
