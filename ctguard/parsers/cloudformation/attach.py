"""Resources that modify others (policies, aliases, subscriptions) and the trail's links.

A reference is followed by what it names: ``Ref``/``Fn::GetAtt``/``${X}`` to a logical id of
the right type, else a literal that equals the resource's name (or ARN, or ends like it).
Links only point at resources present in the variant, so a bucket whose ``Condition`` is
false leaves ``trail.bucket`` None there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from ctguard.model import Model, Subscription, Trail
from ctguard.parsers.cloudformation.props import Build, Node, Reader, to_document, to_str
from ctguard.parsers.cloudformation.trace import NO_VALUE, Trace
from ctguard.values import Absent, Known, Symbolic, Unknown


def _target(
    model: Model, build: Build, kind: str, rtype: str, trace: Trace, value: Any, match: str = "name"
) -> str | None:
    """The key of the ``kind`` resource a value refers to, when it is in ``model``."""
    for logical_id in trace.refs:
        if build.template.resource_type(logical_id) == rtype and logical_id in model.resources[kind]:
            return logical_id
    if isinstance(value, Symbolic):
        # Named by the same deploy-time expression (!Ref BucketNameParameter on both sides).
        for key, obj in model.resources[kind].items():
            for attr in ("name", "arn") if match == "name" else (match,):
                if _same_symbolic(value, getattr(obj, attr, None)):
                    return key
        return None
    if not isinstance(value, str):
        return None
    for key, obj in model.resources[kind].items():
        for attr in ("name", "arn") if match == "name" else (match,):
            known = getattr(obj, attr, None)
            if isinstance(known, Known) and isinstance(known.value, str) and _same(value, known.value, kind):
                return key
    return None


def _same_symbolic(value: Symbolic, other: Any) -> bool:
    if not isinstance(other, Symbolic):
        return False

    def trimmed(parts: tuple[Any, ...]) -> tuple[Any, ...]:  # a log group ARN with or without ":*"
        if parts and isinstance(parts[-1], str) and parts[-1].endswith(":*"):
            last = parts[-1][:-2]
            return parts[:-1] + ((last,) if last else ())
        return parts

    return trimmed(value.parts) == trimmed(other.parts)


def _same(value: str, known: str, kind: str) -> bool:
    if value == known:
        return True
    if kind == "log_group":  # a log group ARN with or without the trailing ":*"
        return value.rstrip("*").rstrip(":") == known.rstrip("*").rstrip(":")
    if kind == "topic":  # SnsTopicName takes a name or an ARN
        return value.endswith(":" + known) or known.endswith(":" + value)
    if kind == "role":
        return value.endswith("/" + known)
    return False


def _members(build: Build, resource: Node | None, prop: str) -> Iterable[tuple[Any, Trace]]:
    node = resource.get(prop) if resource is not None else None
    if node is None:
        return
    members = node.items(prop) if isinstance(node.raw, list) else [node]
    if isinstance(members, Unknown):
        return
    for member in members:
        trace = Trace()
        value = member.resolve(trace)
        if isinstance(value, list):  # Topics / Roles written as one intrinsic giving a list
            for item in value:
                yield item, trace
        else:
            yield value, trace


def attach(model: Model, build: Build, logical_id: str, rtype: str) -> None:
    """Apply one modifying resource (bucket policy, alias, ...) to the model in place."""
    reader = Reader(build, logical_id, None)
    if rtype == "AWS::S3::BucketPolicy":
        for value, trace in _members(build, reader.root, "Bucket"):
            key = _target(model, build, "bucket", "AWS::S3::Bucket", trace, value)
            if key is not None:
                _set_document(model, build, reader, "bucket", key, "policy", "PolicyDocument")
    elif rtype == "AWS::SNS::TopicPolicy":
        for value, trace in _members(build, reader.root, "Topics"):
            key = _target(model, build, "topic", "AWS::SNS::Topic", trace, value)
            if key is not None:
                _set_document(model, build, reader, "topic", key, "policy", "PolicyDocument")
    elif rtype == "AWS::SNS::Subscription":
        for value, trace in _members(build, reader.root, "TopicArn"):
            key = _target(model, build, "topic", "AWS::SNS::Topic", trace, value)
            if key is not None:
                topic = model.resources["topic"][key]
                subscription = Subscription(
                    protocol=reader.value("Protocol", None, to_str), endpoint=reader.value("Endpoint", None, to_str)
                )
                existing = topic.subscriptions.value if isinstance(topic.subscriptions, Known) else ()
                if not isinstance(topic.subscriptions, Unknown):
                    model.add("topic", dataclasses.replace(topic, subscriptions=Known(existing + (subscription,))))
    elif rtype == "AWS::KMS::Alias":
        name = reader.value("AliasName", None, to_str)
        for value, trace in _members(build, reader.root, "TargetKeyId"):
            key = _target(model, build, "kms_key", "AWS::KMS::Key", trace, value, match="arn")
            if key is not None and isinstance(name, Known) and isinstance(name.value, str):
                kms = model.resources["kms_key"][key]
                model.add("kms_key", dataclasses.replace(kms, aliases=kms.aliases + (name.value,)))
    elif rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for value, trace in _members(build, reader.root, "Roles"):
            key = _target(model, build, "role", "AWS::IAM::Role", trace, value)
            if key is not None:
                _add_role_policy(model, key, reader.value("PolicyDocument", None, to_document))


def attach_managed_arns(model: Model, build: Build, logical_id: str) -> None:
    """``ManagedPolicyArns`` of a role: documents from this template, Unknown for the others."""
    reader = Reader(build, logical_id, None)
    for value, trace in _members(build, reader.root, "ManagedPolicyArns"):
        managed = [r for r in trace.refs if build.template.resource_type(r) == "AWS::IAM::ManagedPolicy"]
        if managed:
            document = Reader(build, managed[0], None).value("PolicyDocument", None, to_document)
        else:
            what = value if isinstance(value, str) else "with an unresolved ARN"
            document = Unknown(f"managed policy {what} is defined outside this template")
        _add_role_policy(model, logical_id, document)


def _add_role_policy(model: Model, key: str, document: Any) -> None:
    role = model.resources["role"].get(key)
    if role is None or isinstance(role.policies, Unknown) or document is NO_VALUE or isinstance(document, Absent):
        return
    doc = document.value if isinstance(document, Known) else document
    existing = role.policies.value if isinstance(role.policies, Known) else ()
    model.add("role", dataclasses.replace(role, policies=Known(existing + (doc,))))


def _set_document(model: Model, build: Build, reader: Reader, kind: str, key: str, attr: str, prop: str) -> None:
    document = reader.value(prop, None, to_document)
    obj = model.resources[kind][key]
    if isinstance(document, Known):
        document = Known(document.value, via=f"{build.template.resource_type(reader.logical_id)} {reader.logical_id}")
    model.add(kind, dataclasses.replace(obj, **{attr: document}))
    span = build.template.spans.get(("Resources", reader.logical_id, "Properties", prop))
    if span is not None:
        build.source_map.record((kind, key), (attr,), *span)


def link_trail(model: Model, build: Build, trail: Trail, reader: Reader) -> Trail:
    """Set the trail's bucket / kms_key / log_group / role / topic keys."""
    links: dict[str, Any] = {}  # keyword arguments for Trail's str | None link fields, named by attr
    for attr, prop, kind, rtype, match in (
        ("bucket", "S3BucketName", "bucket", "AWS::S3::Bucket", "name"),
        ("log_group", "CloudWatchLogsLogGroupArn", "log_group", "AWS::Logs::LogGroup", "arn"),
        ("role", "CloudWatchLogsRoleArn", "role", "AWS::IAM::Role", "name"),
        ("topic", "SnsTopicName", "topic", "AWS::SNS::Topic", "name"),
    ):
        value, trace = reader.trace(prop)
        links[attr] = _target(model, build, kind, rtype, trace, value, match)
    links["kms_key"] = _key_link(model, build, reader)
    return dataclasses.replace(trail, **links)


def _key_link(model: Model, build: Build, reader: Reader) -> str | None:
    value, trace = reader.trace("KMSKeyId")
    key = _target(model, build, "kms_key", "AWS::KMS::Key", trace, value, match="arn")
    if key is not None:
        return key
    for ref in trace.refs:  # a Ref to an AWS::KMS::Alias resource: follow it to its key
        if build.template.resource_type(ref) == "AWS::KMS::Alias":
            for target, alias_trace in _members(build, Reader(build, ref, None).root, "TargetKeyId"):
                found = _target(model, build, "kms_key", "AWS::KMS::Key", alias_trace, target, match="arn")
                if found is not None:
                    return found
    if isinstance(value, str) and "alias/" in value:
        alias = value[value.index("alias/") :]
        for kms_key, obj in model.resources["kms_key"].items():
            if alias in obj.aliases:
                return kms_key
    return None
