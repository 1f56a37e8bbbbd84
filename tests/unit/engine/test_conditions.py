from __future__ import annotations

import pytest

from ctguard.engine.conditions import evaluate
from ctguard.model import Bucket, Model, Trail
from ctguard.values import ABSENT, Known, Unknown


def model_with(trail: Trail, *buckets: Bucket) -> Model:
    m = Model(trails=[trail])
    for b in buckets:
        m.add("bucket", b)
    return m


T = Trail(
    key="T",
    is_multi_region=Known(True),
    log_file_validation=Unknown("parameter V has no default"),
    kms_key_id=Known("alias/aws/cloudtrail"),
    s3_bucket_name=Known("logs"),
    bucket="B",
)
B = Bucket(key="B", name=Known("logs"), versioning=Known("Enabled"))
M = model_with(T, B)


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"attribute": "is_multi_region", "equals": True}, True),
        ({"attribute": "is_multi_region", "equals": 1}, False),  # bool is not int in policies
        ({"attribute": "is_organization", "equals": False}, True),  # Absent -> AWS default false
        ({"attribute": "include_global_service_events", "equals": True}, True),  # default true
        ({"attribute": "log_file_validation", "equals": True}, None),
        ({"attribute": "kms_key_id", "matches": "^alias/aws/"}, True),
        ({"attribute": "kms_key_id", "exists": True}, True),
        ({"attribute": "sns_topic", "exists": False}, True),
        ({"attribute": "bucket.versioning", "equals": "Enabled"}, True),
        ({"attribute": "bucket.mfa_delete", "equals": True}, False),
        ({"attribute": "kms_key.rotation", "equals": True}, None),  # key named but not defined here
        ({"attribute": "s3_key_prefix", "in": ["", "logs"]}, True),
        (
            {
                "all": [
                    {"attribute": "is_multi_region", "equals": True},
                    {"attribute": "log_file_validation", "equals": True},
                ]
            },
            None,
        ),
        (
            {
                "all": [
                    {"attribute": "is_multi_region", "equals": False},
                    {"attribute": "log_file_validation", "equals": True},
                ]
            },
            False,
        ),  # known False settles all
        (
            {
                "any": [
                    {"attribute": "log_file_validation", "equals": True},
                    {"attribute": "is_multi_region", "equals": True},
                ]
            },
            True,
        ),  # known True settles any
        ({"not": {"attribute": "log_file_validation", "equals": True}}, None),
        ({"not": {"attribute": "is_multi_region", "equals": True}}, False),
    ],
)
def test_three_valued_conditions(condition: dict, expected: bool | None) -> None:
    assert evaluate(condition, T, M).value is expected


def test_unknown_carries_reason_and_location() -> None:
    truth = evaluate({"attribute": "log_file_validation", "equals": True}, T, M)
    assert truth.reason == "parameter V has no default"
    assert truth.owner == ("trail", "T") and truth.path == ("log_file_validation",)


def test_link_path_points_at_related_resource() -> None:
    truth = evaluate({"attribute": "bucket.mfa_delete", "equals": True}, T, M)
    assert truth.owner == ("bucket", "B") and truth.path == ("mfa_delete",)


def test_missing_link_without_naming_field_is_known_none() -> None:
    trail = Trail(key="T2")
    truth = evaluate({"attribute": "kms_key.rotation", "equals": True}, trail, Model(trails=[trail]))
    assert truth.value is False and truth.shown is None


def test_unknown_element_inside_tuple_makes_contains_unknown() -> None:
    trail = Trail(key="T3", tags=Known({"env": Unknown("var.env")}))
    assert evaluate({"attribute": "tags", "exists": True}, trail, Model(trails=[trail])).value is True
    assert ABSENT is not None
