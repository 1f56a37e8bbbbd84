"""CT601-CT605 on hand-made models: the cases the snapshot fixtures do not spell out."""

from __future__ import annotations

from typing import Any

import pytest

from ctguard.checks import ct601_603_account as account
from ctguard.checks import ct604_605_account_org as account_org
from ctguard.engine.evaluate import CheckContext, Outcome, Settings
from ctguard.engine.policy import Policy, load_policies
from ctguard.findings import Status
from ctguard.model import EventSelector, Model, Trail, TrailStatus
from ctguard.values import Known, Unknown

ACCOUNT = "111122223333"
POLICIES = {p.id: p for p in load_policies()}


def _trail(
    name: str,
    account_id: str = ACCOUNT,
    home: str = "us-east-1",
    multi: bool = True,
    logging: Any = True,
    org: bool = False,
    gse: bool = True,
    rwt: str = "All",
) -> Trail:
    arn = f"arn:aws:cloudtrail:{home}:{account_id}:trail/{name}"
    is_logging = logging if isinstance(logging, Unknown) else Known(logging)
    return Trail(
        key=arn,
        name=Known(name),
        arn=Known(arn),
        account_id=Known(account_id),
        home_region=Known(home),
        is_multi_region=Known(multi),
        is_organization=Known(org),
        include_global_service_events=Known(gse),
        is_logging=is_logging,
        event_selectors=Known((EventSelector(read_write_type=Known(rwt)),)),
        status=TrailStatus(is_logging=is_logging),
    )


def _live(*trails: Trail, **facts: Any) -> Model:
    model = Model(
        trails=list(trails),
        account_id=Known(ACCOUNT),
        audited_regions=Known(("eu-west-1", "us-east-1")),
        enabled_regions=Known(("eu-west-1", "us-east-1")),
        organization_id=Known(None),
        is_organization_management_account=Known(False),
    )
    for name, value in facts.items():
        setattr(model, name, value)
    return model


def _run(func: Any, policy: str, model: Model, settings: Settings | None = None) -> Outcome:
    return func(CheckContext(POLICIES[policy], model, settings or Settings()))


def test_baseline_needs_one_trail_with_everything_not_a_sum_of_parts() -> None:
    reads = _trail("reads", rwt="ReadOnly")
    writes = _trail("writes-us", multi=False, rwt="WriteOnly")
    out = _run(account.ct601_baseline_trail, "CT601", _live(reads, writes))
    assert out.status is Status.FAIL and out.owner == ("account", ACCOUNT)
    assert "reads does not record write management events" in out.message  # type: ignore[operator]
    assert "writes-us does not cover every region" in out.message  # type: ignore[operator]


def test_baseline_ignores_another_accounts_plain_trail_and_is_not_applicable_to_iac() -> None:
    theirs = _trail("theirs", account_id="444455556666")
    out = _run(account.ct601_baseline_trail, "CT601", _live(theirs))
    assert out.status is Status.FAIL and "theirs does not record this account" in out.message  # type: ignore[operator]
    iac = Model(trails=[_trail("t")])
    out = _run(account.ct601_baseline_trail, "CT601", iac)
    assert out.status is Status.NOT_APPLICABLE and "not applicable" in out.message  # type: ignore[operator]


def test_baseline_unknown_logging_is_unknown_and_a_good_trail_wins() -> None:
    unsure = _trail("unsure", logging=Unknown("cloudtrail:GetTrailStatus failed: Throttling"))
    assert _run(account.ct601_baseline_trail, "CT601", _live(unsure)).status is Status.UNKNOWN
    assert _run(account.ct601_baseline_trail, "CT601", _live(unsure, _trail("good"))).status is Status.PASS


@pytest.mark.parametrize(
    "multi, us, eu, expected, region",
    [
        (5, 0, 0, Status.PASS, None),
        (4, 2, 0, Status.FAIL, "us-east-1"),  # 4 multi-region + 2 homed in us-east-1 = 6 there
        (4, 1, 2, Status.FAIL, "eu-west-1"),  # 5 in us-east-1, 6 in eu-west-1
        (3, 2, 2, Status.PASS, None),
    ],
)
def test_trails_per_region_counts_multi_region_trails_everywhere(
    multi: int, us: int, eu: int, expected: Status, region: str | None
) -> None:
    trails = [_trail(f"m{i}") for i in range(multi)] + [_trail(f"s{i}", multi=False) for i in range(us)]
    trails += [_trail(f"e{i}", home="eu-west-1", multi=False) for i in range(eu)]
    out = _run(account.ct602_trails_per_region, "CT602", _live(*trails))
    assert out.status is expected
    if region:
        assert f"6 trails in {region}" in out.message  # type: ignore[operator]


def test_trails_per_region_skips_other_accounts_organization_trails() -> None:
    trails = [_trail(f"m{i}") for i in range(5)] + [_trail("org", account_id="999988887777", org=True)]
    assert _run(account.ct602_trails_per_region, "CT602", _live(*trails)).status is Status.PASS


def test_duplicate_global_events() -> None:
    main = _trail("main")
    assert (
        _run(account.ct603_duplicate_global_events, "CT603", _live(main, _trail("s", multi=False, gse=False))).status
        is Status.PASS
    )
    assert (
        _run(
            account.ct603_duplicate_global_events, "CT603", _live(main, _trail("s", multi=False, logging=False))
        ).status
        is Status.PASS
    )  # a stopped trail records nothing twice
    out = _run(account.ct603_duplicate_global_events, "CT603", _live(main, _trail("s", multi=False)))
    assert out.status is Status.FAIL and "recorded 2 times" in out.message  # type: ignore[operator]


def test_regions_covered_by_single_region_trails_homed_there() -> None:
    trails = (_trail("us", multi=False), _trail("eu", home="eu-west-1", multi=False))
    assert _run(account_org.ct604_enabled_regions_covered, "CT604", _live(*trails)).status is Status.PASS
    stopped_eu = _trail("eu", home="eu-west-1", multi=False, logging=False)
    out = _run(account_org.ct604_enabled_regions_covered, "CT604", _live(trails[0], stopped_eu))
    assert out.status is Status.FAIL and out.message.endswith("eu-west-1")  # type: ignore[union-attr]


def test_organization_trail_cases() -> None:
    mgmt = {"organization_id": Known("o-a1b2c3d4e5"), "is_organization_management_account": Known(True)}
    stopped = _trail("org", org=True, logging=False)
    out = _run(account_org.ct605_organization_trail, "CT605", _live(stopped, **mgmt))
    assert out.status is Status.FAIL
    assert "has no logging multi-region organization trail" in str(out.message)
    member = {"organization_id": Known("o-a1b2c3d4e5"), "is_organization_management_account": Known(False)}
    unsure = _trail("org", account_id="999988887777", org=True, logging=Unknown("AccessDenied"))
    assert _run(account_org.ct605_organization_trail, "CT605", _live(unsure, **member)).status is Status.UNKNOWN
    unknown_org = {"organization_id": Unknown("organizations:DescribeOrganization failed: AccessDenied")}
    assert (
        _run(account_org.ct605_organization_trail, "CT605", _live(_trail("t"), **unknown_org)).status is Status.UNKNOWN
    )


def test_account_policies_are_declared_with_their_functions() -> None:
    for policy_id in ("CT601", "CT602", "CT603", "CT604", "CT605"):
        policy: Policy = POLICIES[policy_id]
        assert policy.scope == "account" and callable(policy.resolve_impl())
