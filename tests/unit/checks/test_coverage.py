"""Coverage policies CT201-CT204 over hand-built models: the simulator decides, the message says why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ctguard.checks.coverage_events import place_of, representatives, sim_context
from ctguard.checks.coverage_management import coverage
from ctguard.engine.evaluate import Settings, evaluate_input
from ctguard.engine.policy import load_policies
from ctguard.findings import Status
from ctguard.inputs import ParsedInput
from ctguard.location import SourceMap
from ctguard.model import AdvancedEventSelector, DataResource, EventSelector, FieldSelector, Model, Trail
from ctguard.values import Known, Unknown

POLICIES = {p.id: p for p in load_policies()}


def trail(key: str = "T", **kw: Any) -> Trail:
    base: dict[str, Any] = {"name": Known(key.lower()), "is_logging": Known(True), "is_multi_region": Known(True)}
    base.update(kw)
    return Trail(key=key, **base)


def basic(*sels: EventSelector) -> Known:
    return Known(tuple(sels))


def adv(*sels: tuple[tuple[str, dict[str, tuple[Any, ...]]], ...]) -> Known:
    return Known(
        tuple(
            AdvancedEventSelector(name=f"s{i}", field_selectors=tuple(FieldSelector(f, **ops) for f, ops in s))
            for i, s in enumerate(sels)
        )
    )


MGMT = (("eventCategory", {"equals": ("Management",)}),)
S3_ALL = (("eventCategory", {"equals": ("Data",)}), ("resources.type", {"equals": ("AWS::S3::Object",)}))


def run(policy_id: str, *trails: Trail, **model_kw: Any) -> Any:
    model = Model(trails=list(trails), **model_kw)
    sm = SourceMap("t.yaml")
    findings = evaluate_input(ParsedInput("t.yaml", "cloudformation", [model], sm), [POLICIES[policy_id]], Settings())
    assert len(findings) == 1 or POLICIES[policy_id].scope == "trail"
    return findings[0] if len(findings) == 1 else findings


@dataclass
class Case:
    id: str
    policy: str
    trails: list[Trail]
    expected: Status
    msg: str = ""
    model: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("mgmt-default-selectors", "CT201", [trail()], Status.PASS),
    Case("mgmt-all", "CT201", [trail(event_selectors=basic(EventSelector(read_write_type=Known("All"))))], Status.PASS),
    Case(
        "mgmt-write-only",
        "CT201",
        [trail(event_selectors=basic(EventSelector(read_write_type=Known("WriteOnly"))))],
        Status.FAIL,
        "DescribeInstances",
    ),
    Case(
        "mgmt-read-plus-write",
        "CT201",
        [
            trail(
                event_selectors=basic(
                    EventSelector(read_write_type=Known("ReadOnly")), EventSelector(read_write_type=Known("WriteOnly"))
                )
            )
        ],
        Status.PASS,
    ),
    Case(
        "mgmt-off",
        "CT201",
        [
            trail(
                event_selectors=basic(
                    EventSelector(
                        include_management_events=Known(False),
                        data_resources=Known((DataResource("AWS::Lambda::Function", ("arn:aws:lambda",)),)),
                    )
                )
            )
        ],
        Status.FAIL,
        "no selector takes Management events",
    ),
    Case(
        "mgmt-rw-unknown",
        "CT201",
        [trail(event_selectors=basic(EventSelector(read_write_type=Unknown("parameter RW"))))],
        Status.UNKNOWN,
        "parameter RW",
    ),
    Case(
        "mgmt-rw-unknown-but-second-all",
        "CT201",
        [
            trail(
                event_selectors=basic(
                    EventSelector(read_write_type=Unknown("parameter RW")), EventSelector(read_write_type=Known("All"))
                )
            )
        ],
        Status.PASS,
    ),
    Case("mgmt-advanced", "CT201", [trail(advanced_event_selectors=adv(MGMT))], Status.PASS),
    Case(
        "mgmt-advanced-write-only",
        "CT201",
        [trail(advanced_event_selectors=adv(MGMT + (("readOnly", {"equals": ("false",)}),)))],
        Status.FAIL,
        "readOnly",
    ),
    Case(
        "mgmt-advanced-data-only",
        "CT201",
        [trail(advanced_event_selectors=adv(S3_ALL))],
        Status.FAIL,
        "no selector takes Management events",
    ),
    Case(
        "mgmt-category-unknown",
        "CT201",
        [trail(advanced_event_selectors=adv((("eventCategory", {"equals": (Unknown("parameter Cat"),)}),)))],
        Status.UNKNOWN,
        "parameter Cat",
    ),
    Case("mgmt-single-region", "CT201", [trail(is_multi_region=Known(False))], Status.FAIL, "single-Region"),
    Case("mgmt-not-logging", "CT201", [trail(is_logging=Known(False))], Status.FAIL, "not logging"),
    Case(
        "mgmt-logging-unknown",
        "CT201",
        [trail(is_logging=Unknown("parameter Logging"))],
        Status.UNKNOWN,
        "parameter Logging",
    ),
    Case("mgmt-second-trail-covers", "CT201", [trail("A", is_multi_region=Known(False)), trail("B")], Status.PASS),
    Case(
        "mgmt-no-global-events",
        "CT201",
        [trail(include_global_service_events=Known(False))],
        Status.FAIL,
        "IAM CreateUser",
    ),
    Case(
        "mgmt-org-trail-in-member",
        "CT201",
        [trail(account_id=Known("999999999999"), is_organization=Known(True))],
        Status.PASS,
        model={"account_id": Known("111122223333"), "organization_id": Known("o-abc")},
    ),
    Case(
        "mgmt-other-account-trail",
        "CT201",
        [trail(account_id=Known("999999999999"))],
        Status.FAIL,
        "logs only 999999999999",
        model={"account_id": Known("111122223333")},
    ),
    Case("mgmt-no-trail-live", "CT201", [], Status.FAIL, "no trail", model={"audited_regions": Known(("us-east-1",))}),
    Case("mgmt-no-trail-iac", "CT201", [], Status.NOT_APPLICABLE, "nothing to check"),
    Case(
        "s3w-all-buckets",
        "CT203",
        [
            trail(
                event_selectors=basic(
                    EventSelector(data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3",)),)))
                )
            )
        ],
        Status.PASS,
    ),
    Case(
        "s3w-read-only",
        "CT203",
        [
            trail(
                event_selectors=basic(
                    EventSelector(
                        read_write_type=Known("ReadOnly"),
                        data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3:::",)),)),
                    )
                )
            )
        ],
        Status.FAIL,
        "PutObject",
    ),
    Case(
        "s3r-read-only",
        "CT204",
        [
            trail(
                event_selectors=basic(
                    EventSelector(
                        read_write_type=Known("ReadOnly"),
                        data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3:::",)),)),
                    )
                )
            )
        ],
        Status.PASS,
    ),
    Case(
        "s3w-one-bucket",
        "CT203",
        [
            trail(
                event_selectors=basic(
                    EventSelector(data_resources=Known((DataResource("AWS::S3::Object", ("arn:aws:s3:::payroll/",)),)))
                )
            )
        ],
        Status.FAIL,
        "starts with none of the Values",
    ),
    Case(
        "s3w-advanced-excluding-log-bucket",
        "CT203",
        [
            trail(
                advanced_event_selectors=adv(
                    MGMT, S3_ALL + (("resources.ARN", {"not_starts_with": ("arn:aws:s3:::logs/",)}),)
                )
            )
        ],
        Status.PASS,
    ),
    Case(
        "s3w-advanced-exclusion-unknown",
        "CT203",
        [
            trail(
                advanced_event_selectors=adv(
                    MGMT, S3_ALL + (("resources.ARN", {"not_starts_with": (Unknown("parameter LogBucket"),)}),)
                )
            )
        ],
        Status.UNKNOWN,
        "parameter LogBucket",
    ),
    Case(
        "s3w-single-region",
        "CT203",
        [trail(is_multi_region=Known(False), advanced_event_selectors=adv(S3_ALL))],
        Status.FAIL,
        "another Region",
    ),
    Case(
        "s3r-write-only-advanced",
        "CT204",
        [trail(advanced_event_selectors=adv(S3_ALL + (("readOnly", {"equals": ("false",)}),)))],
        Status.FAIL,
        "GetObject",
    ),
    Case("excl-none", "CT202", [trail()], Status.PASS),
    Case(
        "excl-basic-kms",
        "CT202",
        [trail(event_selectors=basic(EventSelector(exclude_management_event_sources=Known(("kms.amazonaws.com",)))))],
        Status.FAIL,
        "KMS",
    ),
    Case(
        "excl-advanced-rdsdata",
        "CT202",
        [trail(advanced_event_selectors=adv(MGMT + (("eventSource", {"not_equals": ("rdsdata.amazonaws.com",)}),)))],
        Status.FAIL,
        "RDS Data API",
    ),
    Case(
        "excl-unknown",
        "CT202",
        [trail(event_selectors=basic(EventSelector(exclude_management_event_sources=Unknown("parameter Excluded"))))],
        Status.UNKNOWN,
        "parameter Excluded",
    ),
    Case(
        "excl-no-management",
        "CT202",
        [trail(advanced_event_selectors=adv(S3_ALL))],
        Status.NOT_APPLICABLE,
        "no management",
    ),
    Case(
        "excl-write-only-kms-write-fine",
        "CT202",
        [trail(event_selectors=basic(EventSelector(read_write_type=Known("WriteOnly"))))],
        Status.PASS,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_coverage(case: Case) -> None:
    f = run(case.policy, *case.trails, **case.model)
    assert f.status is case.expected, f.message
    assert case.msg in f.message, f.message


def test_fail_names_the_closest_trail_and_the_deciding_field() -> None:
    sels = basic(EventSelector(read_write_type=Known("WriteOnly")))
    model = Model(trails=[trail("A", is_logging=Known(False)), trail("B", event_selectors=sels)])
    sm = SourceMap("t.yaml")
    sm.record(("trail", "B"), ("event_selectors", 0, "read_write_type"), 30, 11)
    (f,) = evaluate_input(ParsedInput("t.yaml", "cloudformation", [model], sm), [POLICIES["CT201"]], Settings())
    assert (f.status, f.resource, f.line) == (Status.FAIL, "B", 30)
    assert "trail a: trail is not logging" in f.message and "trail b:" in f.message


def test_events_are_placed_in_the_input_account_and_region() -> None:
    model = Model(trails=[trail()], account_id=Known("111122223333"), region=Known("cn-north-1"))
    place = place_of(model)
    (read, *_) = representatives(place, "management")
    assert (read.event.recipient_account_id, read.event.aws_region) == ("111122223333", "cn-north-1")
    assert place.other_region == "cn-northwest-1" and place.partition == "aws-cn"
    assert "cn-northwest-1" in " ".join(r.describe for r in representatives(place, "management"))
    assert sim_context(model, place).organization_accounts is None


@pytest.mark.parametrize(
    "sels, read, write",
    [
        (None, True, True),
        (basic(EventSelector(read_write_type=Known("WriteOnly"))), False, True),
        (basic(EventSelector(read_write_type=Unknown("p"))), None, None),
        (adv(MGMT + (("readOnly", {"equals": ("true",)}),)), True, False),
    ],
)
def test_management_coverage_for_insights(sels: Known | None, read: bool | None, write: bool | None) -> None:
    t = trail(
        is_logging=Known(False),
        is_multi_region=Known(False),
        **(
            {"event_selectors": sels}
            if sels and sels.value and isinstance(sels.value[0], EventSelector)
            else {"advanced_event_selectors": sels}
            if sels
            else {}
        ),
    )
    cov = coverage(t)
    assert (cov.read, cov.write) == (read, write), cov.reason


def test_representative_events_classify_as_intended() -> None:
    """The data file's records read as the policies assume: category, read/write class, global or not."""
    place = place_of(Model(account_id=Known("111122223333"), region=Known("eu-west-1")))
    expected = {
        "management-read": ("Management", True, False),
        "management-write": ("Management", False, False),
        "management-write-global": ("Management", False, True),
        "management-read-global": ("Management", True, True),
        "kms-read": ("Management", True, False),
        "rdsdata-execute": ("Management", False, False),
        "s3-write": ("Data", False, False),
        "s3-read-other-region": ("Data", True, False),
        "service-event-without-read-only": ("Management", None, False),
    }
    seen = {}
    for group in ("management", "exclusions", "s3-write", "s3-read", "no-read-only"):
        for rep in representatives(place, group):
            ev = rep.event
            seen[rep.id] = (ev.event_category, ev.read_only, bool(ev.is_global_service_event))
            assert ev.recipient_account_id == "111122223333" and "{" not in rep.describe
    for event_id, want in expected.items():
        assert seen[event_id] == want, event_id
    assert {r.baseline for r in representatives(place, "exclusions")} == {"management-read", "management-write"}
