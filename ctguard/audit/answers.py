"""Refuse AWS answers that are not what the service model says, before botocore parses them.

botocore parses leniently: a JSON body cut short becomes ``{}`` (so a truncated GetEventSelectors
reads as "no event selectors"), and a string where the model has a list is iterated character by
character. An answer like that is not an answer: it is a failed read (``MalformedResponse``), and
what depends on it is UNKNOWN. This ``before-parse`` hook checks every successful (2xx) body:
JSON bodies must decode and match the output shape's types; XML bodies must be well formed and
their booleans and numbers must be booleans and numbers. Required members are checked after
parsing, on the recorded answer (``ctguard.parsers.aws.shapes.response_problem``), for live
audits and snapshots alike.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from botocore.exceptions import BotoCoreError

from ctguard.parsers.aws.shapes import json_type


class MalformedResponse(BotoCoreError):  # type: ignore[misc]  # botocore is untyped: its base class is Any
    """A 2xx answer whose body does not follow the service model (truncated, garbled, mistyped)."""

    fmt = "{operation}: {problem}"


def check_answer(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """botocore ``before-parse`` handler: raise MalformedResponse for a body that is not an answer."""
    status = response_dict.get("status_code") or 0
    if not 200 <= status < 300 or operation_model.has_streaming_output:
        return
    shape = operation_model.output_shape
    if shape is None or not shape.members:
        return
    body = response_dict.get("body") or b""
    protocol = operation_model.service_model.resolved_protocol
    problem = None
    if protocol in ("json", "rest-json"):
        problem = _json_body_problem(body, shape)
    elif protocol in ("query", "ec2", "rest-xml") and not _payload_is_raw(shape):
        problem = _xml_body_problem(body, shape, protocol)
    if problem:
        raise MalformedResponse(operation=operation_model.name, problem=problem)


def _payload_is_raw(shape: Any) -> bool:
    """S3 GetBucketPolicy and the like: the body is the member itself, not XML."""
    payload = shape.serialization.get("payload")
    return bool(payload) and shape.members[payload].type_name in ("blob", "string")


def _json_body_problem(body: bytes, shape: Any) -> str | None:
    if not body.strip():
        return "the answer is empty"
    try:
        data = json.loads(body)
    except ValueError as exc:
        return f"the answer is not valid JSON (truncated or garbled): {exc}"
    body_members = {n: m for n, m in shape.members.items() if "location" not in m.serialization}
    if not isinstance(data, dict):
        return f"the answer is {json_type(data)}, not an object"
    return _problem_in(data, body_members, "")


def _problem_in(data: dict[str, Any], members: dict[str, Any], where: str) -> str | None:
    for name, member in members.items():
        key = member.serialization.get("name", name)
        if key in data:
            found = _json_problem(data[key], member, f"{where}.{name}" if where else name)
            if found:
                return found
    return None


def _json_problem(value: Any, shape: Any, where: str) -> str | None:
    if value is None or getattr(shape, "is_document_type", False):
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{where} is {json_type(value)}, not an object"
        return _problem_in(value, shape.members, where)
    if kind == "list":
        if not isinstance(value, list):
            return f"{where} is {json_type(value)}, not a list"
        for i, item in enumerate(value):
            found = _json_problem(item, shape.member, f"{where}[{i}]")
            if found:
                return found
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{where} is {json_type(value)}, not an object"
        for k, item in value.items():
            found = _json_problem(item, shape.value, f"{where}.{k}")
            if found:
                return found
        return None
    expected = {
        "string": (str,),
        "blob": (str,),
        "boolean": (bool,),
        "integer": (int,),
        "long": (int,),
        "double": (int, float),
        "float": (int, float),
        "timestamp": (str, int, float),
    }.get(kind)
    if expected is None:
        return None
    if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
        return f"{where} is {json_type(value)}, not {kind}"
    return None


def _xml_body_problem(body: bytes, shape: Any, protocol: str) -> str | None:
    if not body.strip():
        return "the answer is empty"
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        return f"the answer is not well-formed XML (truncated or garbled): {exc}"
    node = root
    if protocol == "query":  # <OpResponse><OpResult>...</OpResult><ResponseMetadata/></OpResponse>
        node = next((c for c in root if _local(c.tag).endswith("Result")), root)
    payload = shape.serialization.get("payload")
    if payload:  # rest-xml: the body is the payload member itself (<PublicAccessBlockConfiguration>)
        return _xml_problem(root, shape.members[payload], payload)
    return _xml_problem(node, shape, "")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_problem(node: Any, shape: Any, where: str) -> str | None:
    kind = shape.type_name
    if kind == "structure":
        children: dict[str, list[Any]] = {}
        for child in node:
            children.setdefault(_local(child.tag), []).append(child)
        for name, member in shape.members.items():
            if "location" in member.serialization and member.serialization["location"] != "body":
                continue
            key = member.serialization.get("name", name)
            at = f"{where}.{name}" if where else name
            if member.type_name == "list" and member.serialization.get("flattened"):
                key = member.member.serialization.get("name", key)
                checks = [(child, member.member, f"{at}[{i}]") for i, child in enumerate(children.get(key, []))]
            else:
                checks = [(child, member, at) for child in children.get(key, [])[:1]]
            for child, inner, place in checks:
                found = _xml_problem(child, inner, place)
                if found:
                    return found
        return None
    if kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for i, child in enumerate(c for c in node if _local(c.tag) == item_name):
            found = _xml_problem(child, shape.member, f"{where}[{i}]")
            if found:
                return found
        return None
    text = (node.text or "").strip()
    if kind == "boolean" and text not in ("true", "false"):
        return f"{where} is {text!r}, not a boolean"
    if kind in ("integer", "long"):
        try:
            int(text)
        except ValueError:
            return f"{where} is {text!r}, not {kind}"
    if kind in ("double", "float"):
        try:
            float(text)
        except ValueError:
            return f"{where} is {text!r}, not {kind}"
    return None


__all__ = ["MalformedResponse", "check_answer"]
