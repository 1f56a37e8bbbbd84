"""Selector lints about intent, answered with the simulator (CT309-CT311): a read-only plus a
write-only selector taken for full coverage, data events on the trail's own log bucket (the
delivery feedback loop), and unscoped data events that cost a lot.

Each runs the trail's selectors with every scope stage open (``coverage_events.selectors_only``):
these are facts about the configuration, true whether or not the trail is logging today.
"""

from __future__ import annotations

import re
from typing import Any

from ctguard.checks.coverage_events import place_of, representative, selectors_only, verdict_path, why
from ctguard.checks.lake_sim import as_trail
from ctguard.checks.selector_lint_walk import ADV, BASIC, Lint
from ctguard.engine.evaluate import CheckContext, Outcome
from ctguard.findings import Status
from ctguard.model import Trail
from ctguard.simulate import normalize_trail
from ctguard.values import Known, Symbolic, Unknown, show

# Data-event types whose volume follows application traffic (every object read, every invocation,
# every item write); logging all of them unfiltered is what makes data-event bills explode.
HIGH_VOLUME_TYPES = frozenset(
    {
        "AWS::S3::Object",
        "AWS::S3Express::Object",
        "AWS::S3ObjectLambda::AccessPoint",
        "AWS::Lambda::Function",
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::Stream",
        "AWS::Kinesis::Stream",
        "AWS::Kinesis::StreamConsumer",
        "AWS::KinesisVideo::Stream",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::SNS::PlatformEndpoint",
        "AWS::CloudWatch::Metric",
        "AWS::Bedrock::Model",
        "AWS::S3::AccessPoint",
        "AWS::Cassandra::Table",
    }
)
_ORIGIN = re.compile(r"(Advanced)?EventSelectors\[(\d+)\](?:\.DataResources\[(\d+)\])?")


def ct309_read_write_split(ctx: CheckContext) -> Outcome:
    """CT309: reads and writes in two selectors miss events that carry no readOnly field."""
    trail = as_trail(ctx.trail)  # an event data store is linted through its stand-in trail
    assert trail is not None
    place = place_of(ctx.model, [trail])
    compiled = selectors_only(trail, place)
    read = compiled.evaluate(representative(place, "management-read").event)
    write = compiled.evaluate(representative(place, "management-write").event)
    probe = representative(place, "service-event-without-read-only")
    verdict = compiled.evaluate(probe.event)
    states = (read.captured, write.captured, verdict.captured)
    if states == (True, True, False):
        return Outcome(
            Status.FAIL, verdict_path(trail, verdict), values={"event": probe.describe, "detail": why(verdict)}
        )
    if None in states and False not in states[:2]:
        unknown = next(v for v in (read, write, verdict) if v.captured is None)
        return Outcome(Status.UNKNOWN, verdict_path(trail, unknown), values={"reason": why(unknown)})
    return Outcome(Status.PASS)


def ct310_delivery_feedback_loop(ctx: CheckContext) -> Outcome:
    """CT310: the trail records data events on its own destination bucket."""
    trail = ctx.trail
    assert trail is not None
    place = place_of(ctx.model, [trail])
    compiled = selectors_only(trail, place)
    bucket = trail.s3_bucket_name
    linked = ctx.model.resource("bucket", trail.bucket)
    if isinstance(bucket, Unknown) and linked is not None and isinstance(linked.name, Known):
        bucket = linked.name  # a plan knows the name of the bucket the trail references before apply
    name = bucket.value if isinstance(bucket, Known) and bucket.value else "ctguard-unknown-log-bucket"
    prefix = trail.s3_key_prefix
    # An unknown key prefix is tried two ways: a verdict that depends on it is unknown.
    if isinstance(prefix, Unknown):
        prefixes = ["", "ctguard-unknown-prefix"]
    else:
        prefixes = [prefix.value if isinstance(prefix, Known) and prefix.value else ""]
    verdicts = []
    reps = []
    for p in prefixes:
        log_key = (f"{p.strip('/')}/" if p else "") + (
            f"AWSLogs/{place.account}/CloudTrail/{place.region}/2026/01/15/"
            f"{place.account}_CloudTrail_{place.region}_20260115T1005Z_Ab12Cd34Ef56Gh78.json.gz"
        )
        reps.append(representative(place, "trail-delivery", trail_bucket=name, log_key=log_key))
        verdicts.append(compiled.evaluate(reps[-1].event))
    rep, verdict = reps[0], verdicts[0]
    if isinstance(prefix, Unknown) and len({v.captured for v in verdicts}) > 1:
        return Outcome(
            Status.UNKNOWN,
            ("s3_key_prefix",),
            values={"reason": f"whether the selectors match depends on the key prefix: {prefix.reason}"},
        )
    if isinstance(bucket, Known) and bucket.value:
        if verdict.captured is True:
            return Outcome(Status.FAIL, verdict_path(trail, verdict), values={"bucket": name, "detail": why(verdict)})
        if verdict.captured is None:
            return Outcome(
                Status.UNKNOWN, verdict_path(trail, verdict), values={"reason": f"{rep.describe}: {why(verdict)}"}
            )
        return Outcome(Status.PASS, values={"bucket": name})
    if verdict.captured is False and not _logs_s3_objects(trail):
        return Outcome(Status.PASS, values={"bucket": "its bucket"})
    if verdict.captured is True and len(prefixes) == 1:
        # Captured under a made-up bucket name: does any name escape the selectors? Try a
        # second, unrelated one; selectors that take both take every bucket's objects.
        other = representative(place, "trail-delivery", trail_bucket="zz-other-bucket-0123456789", log_key=log_key)
        if compiled.evaluate(other.event).captured is True and _name_free(trail):
            shown = show(bucket) if isinstance(bucket, Symbolic) else "(named at deploy time)"
            return Outcome(
                Status.FAIL,
                verdict_path(trail, verdict),
                values={
                    "bucket": shown,
                    "detail": f"{why(verdict)}; the selectors take S3 object events on every bucket, "
                    "so on the trail's own bucket whatever its name",
                },
            )
    reason = bucket.reason if isinstance(bucket, Unknown) else "the trail names no bucket"
    return Outcome(
        Status.UNKNOWN,
        ("s3_bucket_name",),
        values={"reason": f"the trail records S3 object events and its bucket name is unknown: {reason}"},
    )


def _name_free(trail: Any) -> bool:
    """No selector of the trail compares a resources.ARN (or a basic selector's values): the
    capture of S3 object events then cannot depend on the bucket's name."""
    normalized = normalize_trail(trail)
    if normalized.mode == "unknown":
        return False
    for sel in normalized.selectors:
        for fs in sel.field_selectors:
            if isinstance(fs.field, Unknown) or str(fs.field).lower() == "resources.arn":
                return False
    return True


def _logs_s3_objects(trail: Trail) -> bool:
    normalized = normalize_trail(trail)
    if normalized.mode == "unknown":
        return True
    for sel in normalized.selectors:
        for fs in sel.field_selectors:
            if isinstance(fs.field, Unknown):
                return True
            if fs.field == "resources.type" and any(
                v == "AWS::S3::Object" or isinstance(v, Unknown) for v in fs.equals
            ):
                return True
    return False


def ct311_unscoped_data_events(ctx: CheckContext) -> Outcome:
    """CT311: every read and write data event on every resource of a high-volume type."""
    trail = as_trail(ctx.trail)  # an event data store is linted through its stand-in trail
    assert trail is not None
    lint = Lint()
    normalized = normalize_trail(trail)
    if normalized.mode == "unknown":
        lint.maybe((), normalized.unknown or "selectors unknown")
        return lint.outcome()
    for sel, origin in zip(normalized.selectors, normalized.origins, strict=False):
        fields = [fs.field for fs in sel.field_selectors]
        category = next((fs.equals for fs in sel.field_selectors if fs.field == "eventCategory"), ())
        if "Data" not in category:
            continue
        types = [v for fs in sel.field_selectors if fs.field == "resources.type" for v in fs.equals]
        scoping = [f for f in fields if f not in ("eventCategory", "resources.type")]
        path = _origin_path(origin)
        if any(isinstance(f, Unknown) for f in scoping):
            if not [f for f in scoping if isinstance(f, str)]:
                waits = next(f for f in scoping if isinstance(f, Unknown))
                lint.maybe(path, f"{origin}: {waits.reason}", waits)
            continue
        if scoping:
            continue
        for t in types:
            if isinstance(t, Unknown):
                lint.maybe(path, f"{origin}: resources.type unknown: {t.reason}", t)
            elif t in HIGH_VOLUME_TYPES:
                lint.add(
                    path,
                    f"{_describe(origin, sel.name)} records every read and write data event on every {t} "
                    f"(no resources.ARN, readOnly or eventName condition)",
                )
    return lint.outcome()


def _describe(origin: str, name: object) -> str:
    m = _ORIGIN.search(origin or "")
    if m and m[1]:
        return f"advanced selector {int(m[2]) + 1}" + (f" ({name!r})" if isinstance(name, str) and name else "")
    return origin


def _origin_path(origin: str) -> tuple[str | int, ...]:
    m = _ORIGIN.search(origin or "")
    if not m:
        return ()
    if m[1]:
        return (ADV, int(m[2]))
    path: tuple[str | int, ...] = (BASIC, int(m[2]))
    return path + ("data_resources", int(m[3])) if m[3] is not None else path


__all__ = ["ct309_read_write_split", "ct310_delivery_feedback_loop", "ct311_unscoped_data_events"]
