"""Normalizing basic selectors to advanced ones never changes a verdict.

Random basic selector lists (with Absent, Unknown and invalid values) × random events × the
policy switches that touch basic semantics: the direct R13-R18 evaluator (basic.py) and the
advanced engine over the normalized selectors must give the same three-valued answer.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.model import DataResource, EventSelector, Trail
from ctguard.simulate.basic import evaluate_basic
from ctguard.simulate.evaluate import SimContext, compile_trail
from ctguard.simulate.events import Event, Resource
from ctguard.simulate.normalize import normalize_basic
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.selectorset import SelectorSet
from ctguard.values import ABSENT, Known, Unknown

U = Unknown("from a parameter")
TYPES = [
    "AWS::S3::Object",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::EC2::Snapshot",
    "AWS::DynamoDB::Stream",
]
ARNS = [
    "arn:aws:s3:::b1/k",
    "arn:aws:s3:::b1/img/x",
    "arn:aws:s3:::b2/k",
    "arn:aws:s3:::b1/",
    "arn:aws:s3:::b1",
    "arn:aws:lambda:us-east-1:1:function:f",
    "arn:aws:lambda:us-east-1:1:function:f2",
    "arn:aws:dynamodb:us-east-1:1:table/T",
    "arn:aws:dynamodb:us-east-1:1:table/T/stream/x",
]
VALUES = [
    "arn:aws:s3",
    "arn:aws:s3:::",
    "arn:aws:s3:::b1/",
    "arn:aws:s3:::b1/img",
    "arn:aws:s3:::b2/",
    "arn:aws:s3:::b1/k",
    "arn:aws:lambda",
    "arn:aws:lambda:us-east-1:1:function:f",
    "arn:aws:dynamodb",
    "arn:aws:dynamodb:us-east-1:1:table/T",
    "arn:aws-cn:s3",
    "arn:aws:s3:",
]
SOURCES = ["kms.amazonaws.com", "rdsdata.amazonaws.com", "ec2.amazonaws.com", "s3.amazonaws.com"]


def value_of(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(ABSENT), st.just(U), inner.map(Known))


data_resource = st.builds(
    DataResource,
    type=st.one_of(st.sampled_from(TYPES[:3] + ["AWS::EC2::Snapshot"]), st.just(U)),
    values=st.lists(st.one_of(st.sampled_from(VALUES), st.just(U)), max_size=3).map(tuple),
)
event_selector = st.builds(
    EventSelector,
    read_write_type=value_of(st.sampled_from(["All", "ReadOnly", "WriteOnly", "read-only"])),
    include_management_events=value_of(st.booleans()),
    exclude_management_event_sources=value_of(
        st.lists(st.one_of(st.sampled_from(SOURCES), st.just(U)), max_size=2).map(tuple)
    ),
    data_resources=value_of(st.lists(data_resource, max_size=3).map(tuple)),
)
resource = st.builds(
    Resource,
    type=st.one_of(st.none(), st.sampled_from(TYPES)),
    arn=st.one_of(st.none(), st.sampled_from(ARNS)),
    is_prefix=st.booleans(),
)
event = st.builds(
    Event,
    event_source=st.one_of(st.none(), st.sampled_from(SOURCES)),
    event_name=st.sampled_from(["GetObject", "PutObject", "Invoke", "RunInstances"]),
    event_category=st.sampled_from(["Management", "Data", "NetworkActivity"]),
    read_only=st.one_of(st.none(), st.booleans()),
    resources=st.lists(resource, max_size=3).map(tuple),
)
policy = st.builds(
    SimPolicy,
    read_only_missing=st.sampled_from(["match-neither", "unknown"]),
    arn_prefix_as_arn=st.booleans(),
    strict_trail_fields=st.booleans(),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(event_selector, max_size=4).map(tuple), st.lists(event, min_size=1, max_size=4), policy)
def test_normalization_preserves_verdicts(
    selectors: tuple[EventSelector, ...], events: list[Event], pol: SimPolicy
) -> None:
    engine = SelectorSet(normalize_basic(selectors), pol)
    for ev in events:
        direct = evaluate_basic(selectors, ev, pol)
        normalized = engine.run(ev)[0]
        assert direct == normalized, (direct, normalized, engine.normalized, ev)


@settings(max_examples=300, deadline=None)
@given(st.lists(event_selector, min_size=1, max_size=3).map(tuple), event)
def test_whole_trail_uses_normalized_basic(selectors: tuple[EventSelector, ...], ev: Event) -> None:
    """Through the full evaluate path (scope stages pass), the verdict equals the basic one."""
    trail = Trail(
        key="t",
        is_logging=Known(True),
        is_multi_region=Known(True),
        home_region=Known("us-east-1"),
        account_id=Known("1"),
        event_selectors=Known(selectors),
    )
    ev = Event(
        **{
            **{f: getattr(ev, f) for f in Event.__slots__},  # type: ignore[attr-defined]
            "recipient_account_id": "1",
            "aws_region": "us-east-1",
        }
    )
    verdict = compile_trail(trail, SimContext()).evaluate(ev)
    expected = {1: True, 0: False, 2: None}[evaluate_basic(selectors, ev)]
    assert verdict.captured is expected
