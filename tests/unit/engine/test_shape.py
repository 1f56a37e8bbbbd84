"""ctguard.engine.shape.conform: misfit model values become Unknown with a reason, nothing else changes."""

from __future__ import annotations

from ctguard.engine.evaluate import Settings, evaluate_input
from ctguard.engine.policy import load_policies
from ctguard.engine.shape import MAX_DOCUMENT, Note, conform
from ctguard.findings import Status
from ctguard.inputs import ParsedInput
from ctguard.model import AdvancedEventSelector, Bucket, FieldSelector, LogGroup, Model, Role, Trail
from ctguard.values import ABSENT, Known, Unknown


def test_a_conforming_model_is_returned_as_is() -> None:
    model = Model(trails=[Trail(key="t", is_multi_region=Known(True), name=Known(None), tags=Known({"a": "b"}))])
    assert conform(model) is model


def test_wrong_types_become_unknown_with_the_field_named() -> None:
    model = Model(
        trails=[
            Trail(
                key="t",
                is_multi_region=Known([True]),
                is_logging=Known(Unknown("var.on")),
                home_region=Known(7),
                log_file_validation=ABSENT,
            )
        ]
    )
    trail = conform(model).trails[0]
    assert trail.is_multi_region == Unknown("is_multi_region is a list, not true/false")
    assert trail.is_logging == Unknown("var.on")  # Known(Unknown) is the Unknown
    assert trail.home_region == Unknown("home_region is a number, not text")
    assert trail.log_file_validation is ABSENT


def test_nested_values_are_fixed_where_they_are() -> None:
    selector = AdvancedEventSelector(name="s", field_selectors=(FieldSelector("eventCategory", equals=("Data", 3)),))
    model = Model(trails=[Trail(key="t", advanced_event_selectors=Known((selector,)))])
    fixed = conform(model).trails[0].advanced_event_selectors
    assert isinstance(fixed, Known)
    equals = fixed.value[0].field_selectors[0].equals
    assert equals[0] == "Data" and isinstance(equals[1], Unknown)
    bad = conform(Model(trails=[Trail(key="t", advanced_event_selectors=Known(("x",)))])).trails[0]
    assert bad.advanced_event_selectors == Unknown("advanced_event_selectors[0] is text, not an AdvancedEventSelector")


def test_numbers_no_aws_field_can_hold_are_unknown() -> None:
    model = Model()
    model.add("log_group", LogGroup(key="g", retention_days=Known(10**400)))
    fixed = conform(model).resources["log_group"]["g"].retention_days
    assert isinstance(fixed, Unknown) and "too large" in fixed.reason


def test_policies_read_the_conformed_model() -> None:
    model = Model(trails=[Trail(key="t", is_multi_region=Known({"a": 1}))])
    policies = [p for p in load_policies() if p.id == "CT101"]
    [finding] = evaluate_input(ParsedInput("x.json", "snapshot", [model]), policies, Settings())
    assert finding.status is Status.UNKNOWN and "is_multi_region is a mapping, not true/false" in finding.message


def test_each_value_gets_its_own_reason_from_the_shared_checkers() -> None:
    # The checkers are built once per declared type and reused: the arm order and the reason must
    # still follow each value's own kind, across objects and classes.
    model = Model(
        trails=[
            Trail(key="a", is_multi_region=Known([True]), name=Known("ok")),
            Trail(key="b", is_multi_region=Known("yes"), name=Known(3)),
            Trail(key="c", is_multi_region=Unknown("var.x"), name=ABSENT),
        ]
    )
    model.add("log_group", LogGroup(key="g", retention_days=Known("30"), name=Known(["g"])))
    fixed = conform(model)
    a, b, c = fixed.trails
    assert a.is_multi_region == Unknown("is_multi_region is a list, not true/false") and a.name == Known("ok")
    assert b.is_multi_region == Unknown("is_multi_region is text, not true/false")
    assert b.name == Unknown("name is a number, not text")
    assert c is model.trails[2]  # nothing to fix: the same object
    group = fixed.resources["log_group"]["g"]
    assert group.retention_days == Unknown("retention_days is text, not a whole number")
    assert group.name == Unknown("name is a list, not text")


def test_a_field_at_its_class_default_next_to_a_misfit_is_left_alone() -> None:
    bucket = Bucket(key="b", versioning=Known(True))  # every other field keeps the class default
    model = Model()
    model.add("bucket", bucket)
    fixed = conform(model).resources["bucket"]["b"]
    assert fixed.versioning == Unknown("versioning is true/false, not text")
    assert fixed.acl is ABSENT and fixed.policy is ABSENT and fixed.name is ABSENT


def test_a_document_larger_than_aws_accepts_is_unknown_and_noted() -> None:
    statement = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/" + "p" * 100}
    big = {"Statement": [statement] * (MAX_DOCUMENT // 100)}
    small = {"Statement": [statement] * 10, "Condition": Unknown("var.x")}  # placeholders are allowed inside
    model = Model()
    model.add("bucket", Bucket(key="big", policy=Known(big)))
    model.add("bucket", Bucket(key="small", policy=Known(small)))
    model.add("role", Role(key="r", policies=Known((small, big))))
    notes: list[Note] = []
    fixed = conform(model, notes).resources
    policy = fixed["bucket"]["big"].policy
    assert isinstance(policy, Unknown) and policy.reason.startswith("policy is a JSON document of")
    assert fixed["bucket"]["small"].policy == Known(small)
    assert isinstance(fixed["role"]["r"].policies, Unknown)
    assert [(n.owner, n.path) for n in notes] == [(("bucket", "big"), ("policy",)), (("role", "r"), ("policies",))]


def test_hints_are_what_get_type_hints_gives_for_every_model_class() -> None:
    # _hints evaluates the annotation text from compiled code kept between runs instead of
    # asking typing.get_type_hints (issue 21): the hints must be the same objects' equals.
    import dataclasses
    import typing

    from ctguard import model as model_types
    from ctguard.engine.shape import _hints

    classes = [
        c
        for c in vars(model_types).values()
        if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == model_types.__name__
    ]
    assert len(classes) >= 15
    for cls in classes:
        expected = typing.get_type_hints(cls, vars(model_types))
        assert dict(_hints(cls)) == {f.name: expected[f.name] for f in dataclasses.fields(cls)}, cls.__name__
