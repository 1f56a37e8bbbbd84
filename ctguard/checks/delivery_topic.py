"""SNS notifications: the topic policy lets CloudTrail publish (CT416)."""
from __future__ import annotations

from ctguard.checks.delivery_common import document, from_verdict, linked, text, trail_arn
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.iam import cloudtrail_access
from ctguard.values import Unknown


def topic_publish(ctx: CheckContext) -> Outcome:
    topic = linked(ctx, "topic")
    if isinstance(topic, Outcome):
        return topic
    owner = ("topic", topic.key)
    policy = document(topic.policy)
    if policy is None:
        return Outcome(Status.FAIL, ("policy",), owner=owner, values={
            "detail": "the topic has the default topic policy, which lets only the owner account publish"})
    arn = text(topic.arn)
    verdict = cloudtrail_access.topic_policy_allows_cloudtrail_publish(
        policy, arn if arn is not None else Unknown("the topic ARN is not known"), trail_arn(ctx))
    return from_verdict(verdict, owner, ("policy",))


__all__ = ["topic_publish"]
