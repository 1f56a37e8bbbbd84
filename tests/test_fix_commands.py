"""Every AWS CLI command a fix prints exists in botocore's service model, with its options and values.

The commands are taken from every fix text ctguard can print (``docs.fix`` of every policy in all
three languages, and the ``verify`` rules' fixes): an operation, option or JSON member that the
CLI does not know, a missing required parameter, or a value of the wrong shape fails here.
"""

from __future__ import annotations

import json
import re
import shlex
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.model import OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

from ctguard.engine.policy import Policy, load_policies
from ctguard.fix_text import fill
from ctguard.verify.rules import policies as verify_policies

# The CLI's global options (botocore knows nothing of them).
_GLOBAL = {"region", "query", "output", "profile", "endpoint-url", "no-cli-pager"}
_SERVICE = {"s3api": "s3"}  # CLI command name -> botocore service
# Options the AWS CLI renames (awscli/customizations/argrename.py ARGUMENT_RENAMES), for the commands fixes use.
_RENAMED = {("sns", "subscribe", "notification-endpoint"): "endpoint"}
_PLACEHOLDER = re.compile(r"<[^<>]+>|\.\.\.")


def _all_policies() -> list[Policy]:
    return [*load_policies(), *verify_policies()]


def commands_in(text: str) -> list[list[str]]:
    """Each ``aws SERVICE OPERATION ...`` in a fix, as tokens; prose after it (``(``, ``,``, `` ` ``) ends it."""
    out = []
    for m in re.finditer(r"\baws ([a-z0-9-]+) ([a-z0-9-]+)", text):
        # A placeholder is one word even when it reads "<arn in the home Region>".
        rest = re.sub(r"<[^<>]*>", lambda p: p[0].replace(" ", "_"), _command_end(text, m.end()))
        out.append([m[1], m[2], *shlex.split(rest)])
    return out


def _command_end(text: str, start: int) -> str:
    """The rest of the command: up to an unquoted ``&&``, ``;``, backtick, line end, `` (``, ``, `` or `` #``."""
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif text.startswith(("&&", ";", "`", "\n", " (", ", ", " #", " > "), i):
            return text[start:i]
    return text[start:]


def _fix_commands() -> list[tuple[str, str, list[str]]]:
    found = []
    for policy in _all_policies():
        for language, text in sorted(((policy.docs or {}).get("fix") or {}).items()):
            for i, tokens in enumerate(commands_in(fill(str(text)))):
                found.append((f"{policy.id}-{language}-{i}", policy.id, tokens))
    return found


@cache
def _service(name: str) -> Any:
    return botocore.session.get_session().get_service_model(_SERVICE.get(name, name))


def _operation(service: str, command: str) -> OperationModel:
    model = _service(service)
    by_cli = {xform_name(op, "-"): op for op in model.operation_names}
    assert command in by_cli, f"aws {service} has no command {command!r}"
    return model.operation_model(by_cli[command])


def _shorthand(text: str, shape: Shape) -> Any:
    """``Key=value,Key=value`` (the CLI's shorthand) for a structure or a list of one structure."""
    target = shape.member if shape.type_name == "list" else shape
    assert isinstance(target, StructureShape), f"shorthand {text!r} for a {shape.type_name}"
    item: dict[str, Any] = {}
    for pair in text.split(","):
        key, _, value = pair.partition("=")
        assert key in target.members, f"{key!r} is not a member of {target.name}: {sorted(target.members)}"
        item[key] = _scalar(value, target.members[key])
    return [item] if shape.type_name == "list" else item


def _scalar(text: str, shape: Shape) -> Any:
    if shape.type_name == "boolean":
        assert text in ("true", "false"), text
        return text == "true"
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name == "double":
        return float(text)
    return text


def parse_command(tokens: list[str]) -> tuple[OperationModel, dict[str, Any], set[str]]:
    """The operation and its parameters, as the CLI would build them; fails on anything it would refuse."""
    service, command, *args = tokens
    op = _operation(service, command)
    members = op.input_shape.members if op.input_shape else {}
    by_option = {xform_name(name, "-"): name for name in members}
    params: dict[str, Any] = {}
    present: set[str] = set()
    i = 0
    while i < len(args):
        option = args[i]
        if option == "...":  # "and the options you need": nothing to check
            i += 1
            continue
        assert option.startswith("--"), f"{option!r} is not an option (aws {service} {command})"
        name = _RENAMED.get((service, command, option[2:]), option[2:])
        i += 1
        if name in _GLOBAL:
            i += 1
            continue
        negated = name.startswith("no-") and name[3:] in by_option
        key = by_option.get(name[3:] if negated else name)
        assert key is not None, f"aws {service} {command} has no option {option}: {sorted(by_option)}"
        shape = members[key]
        if shape.type_name == "boolean":
            params[key] = not negated
            continue
        assert i < len(args) and not args[i].startswith("--"), f"{option} needs a value"
        value = args[i]
        i += 1
        if value.startswith("file://") and shape.type_name in ("structure", "list", "map"):
            present.add(key)  # the file's content is the user's to write
        elif value.startswith("file://"):
            params[key] = _placeholder(shape)
        elif shape.type_name == "list" and shape.member.type_name not in ("structure", "list", "map"):
            values = [value]  # a list of scalars takes one or more words
            while i < len(args) and not args[i].startswith("--"):
                values.append(args[i])
                i += 1
            params[key] = [
                _placeholder(shape.member) if _PLACEHOLDER.fullmatch(v) else _scalar(v, shape.member) for v in values
            ]
        elif _PLACEHOLDER.fullmatch(value):
            params[key] = _placeholder(shape)
        elif value[:1] in "[{" and shape.type_name in ("structure", "list", "map"):
            params[key] = json.loads(value)
        elif shape.type_name in ("structure", "list") and "=" in value:
            params[key] = _shorthand(value, shape)
        else:
            params[key] = _scalar(value, shape)
    return op, params, present


def _placeholder(shape: Shape) -> Any:
    """A value of the right type for ``<arn>``/``file://x.json``: the option exists, its content is the user's."""
    return {
        "string": "placeholder",
        "integer": 1,
        "long": 1,
        "boolean": True,
        "timestamp": "2024-01-01T00:00:00Z",
        "blob": b"x",
    }.get(shape.type_name, "x")


def problems(tokens: list[str]) -> list[str]:
    op, params, present = parse_command(tokens)
    shape = op.input_shape
    missing = [m for m in (shape.required_members if shape else []) if m not in params and m not in present]
    report = ParamValidator().validate(params, shape) if shape else None
    errors = [f"missing required {m}" for m in missing]
    if report is not None and report.has_errors():
        errors.append(report.generate_report())
    return errors


FIX_COMMANDS = _fix_commands()


def test_fix_texts_hold_cli_commands() -> None:
    rules = {rule for _, rule, _ in FIX_COMMANDS}
    assert len(FIX_COMMANDS) >= 80 and {"CT101", "CT203", "CT401", "CT505", "CT702", "CT958"} <= rules


@pytest.mark.parametrize("where, rule_id, tokens", FIX_COMMANDS, ids=[f[0] for f in FIX_COMMANDS])
def test_cli_fix_command_exists_with_its_parameters(where: str, rule_id: str, tokens: list[str]) -> None:
    assert not problems(tokens), (where, " ".join(tokens), problems(tokens))


@pytest.mark.parametrize(
    "broken, why",
    [
        ("aws cloudtrail update-trail --name t --is-multi-region", "no option --is-multi-region"),
        ("aws cloudtrail put-insight-selector --trail-name t", "no command"),
        ("aws cloudtrail update-event-data-store --termination-protection-enabled", "missing required EventDataStore"),
        (
            (
                "aws cloudtrail put-event-selectors --trail-name t --advanced-event-selectors "
                '\'[{"FieldSelectors":[{"Field":"eventCategory","Equal":["Data"]}]}]\''
            ),
            "Unknown parameter",
        ),
        ("aws cloudtrail update-event-data-store --event-data-store store-arn --retention-period 3", "valid min"),
        (
            (
                "aws logs put-metric-filter --log-group-name g --filter-name f --filter-pattern p "
                "--metric-transformations metricName=m,namespace=n,metricValue=1"
            ),
            "not a member",
        ),
        (
            "aws s3api put-public-access-block --bucket b --public-access-block-configuration BlockPublicAcl=true",
            "not a member",
        ),
    ],
)
def test_a_broken_command_is_caught(broken: str, why: str) -> None:
    (tokens,) = commands_in(broken)
    try:
        found = problems(tokens)
    except AssertionError as exc:
        found = [str(exc)]
    assert any(why in p for p in found), found
