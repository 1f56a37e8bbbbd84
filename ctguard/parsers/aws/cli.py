"""``aws cloudtrail describe-trails`` output, plus optional per-trail outputs beside it.

describe-trails alone says nothing about logging status, selectors or Insights: those fields stay
Unknown. Outputs of the per-trail commands, saved next to the file as
``<stem>.<TrailName>.status.json`` (get-trail-status), ``<stem>.<TrailName>.event-selectors.json``
(get-event-selectors), ``<stem>.<TrailName>.insight-selectors.json`` (get-insight-selectors) and
``<stem>.<TrailName>.tags.json`` (list-tags), fill them in. A file holding the CLI's error line
("An error occurred (InsightNotEnabledException) when calling ...") records that error, so
``2>&1`` works. Everything goes into a CallStore and through the same mapper as a snapshot.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from ctguard.calls import ApiError, CallResult, CallStore
from ctguard.inputs import ParsedInput
from ctguard.parsers.aws.api import build_inputs
from ctguard.parsers.aws.reader import CallSpans, arn_account
from ctguard.parsers.aws.shapes import SHAPE_ERRORS, response_problem
from ctguard.parsers.aws.spans import json_spans
from ctguard.parsers.aws.trails import DESCRIBE
from ctguard.parsers.context import ParseContext
from ctguard.values import Known, Unknown

KIND = "aws-cli"
MAX_LISTED_TRAILS = 100
_CLI_ERROR = re.compile(r"An error occurred \((?P<code>[A-Za-z0-9.]+)\)[^:]*:?\s*(?P<message>.*)")

# sidecar suffix -> (operation, request parameter naming the trail)
SIDECARS = {
    "status": ("GetTrailStatus", "Name"),
    "event-selectors": ("GetEventSelectors", "TrailName"),
    "insight-selectors": ("GetInsightSelectors", "TrailName"),
    "tags": ("ListTags", "ResourceIdList"),
}


def parse(path: str, text: str, context: ParseContext) -> list[ParsedInput] | None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [
            ParsedInput.unreadable(
                path,
                KIND,
                f"cannot parse describe-trails output: {getattr(exc, 'msg', exc)}",
                getattr(exc, "lineno", 1),
                getattr(exc, "colno", 1),
            )
        ]
    if not isinstance(data, dict) or "trailList" not in data:
        return None  # mentions trailList somewhere, but is not describe-trails output
    trails = data["trailList"]
    bad = _shape_problem(trails)
    if bad:
        return [ParsedInput.unreadable(path, KIND, f"not describe-trails output: {bad}")]
    listed = len(trails)
    trails = trails[:MAX_LISTED_TRAILS]  # a budget: each trail meets every policy and the simulator
    account, account_known = _account(trails, context)
    region = context.region or next((str(t["HomeRegion"]) for t in trails if t.get("HomeRegion")), "us-east-1")
    store = CallStore()
    store.record(account, region, "cloudtrail", "DescribeTrails", DESCRIBE, CallResult(response={"trailList": trails}))
    spans = CallSpans(path, _main_spans(text))
    for trail in trails:
        _add_sidecars(store, spans, path, account, trail)
    try:
        inputs = build_inputs(
            store,
            path,
            kind=KIND,
            spans=spans,
            no_time="CLI outputs do not record when they were taken; save a snapshot with ctguard audit",
        )
    except SHAPE_ERRORS as exc:
        return [
            ParsedInput.unreadable(
                path,
                KIND,
                f"an AWS answer in {path} or its per-trail files is not shaped as the CLI "
                f"writes it ({type(exc).__name__}: {exc}); not checked",
            )
        ]
    if listed > MAX_LISTED_TRAILS and inputs:
        inputs[0].problem(
            "CT002",
            f"describe-trails output lists {listed:,} trails; ctguard checks the first "
            f"{MAX_LISTED_TRAILS} (an account holds at most 5 per Region, shadow copies included "
            "this stays well under it): split the file or check with ctguard audit",
        )
    for parsed in inputs:
        for model in parsed.variants:
            model.audited_regions = Unknown("describe-trails output does not say which regions were read")
            model.trails_listed = Known(True)
            if not account_known:
                model.account_id = Unknown(
                    "describe-trails output does not say which account it was read in; pass --account"
                )
            elif context.account_id:
                model.account_id = Known(account, via="--account")
    return inputs


def _shape_problem(trails: Any) -> str | None:
    from ctguard.parsers.aws.shapes import trail_list_problem

    return trail_list_problem(trails)


def _account(trails: list[Mapping[str, Any]], context: ParseContext) -> tuple[str, bool]:
    """The account the output was read in: --account, else the one account owning its own trails."""
    if context.account_id:
        return context.account_id, True
    own = {arn_account(t["TrailARN"]) for t in trails if not t.get("IsOrganizationTrail")} - {None}
    every = {arn_account(t["TrailARN"]) for t in trails} - {None}
    for candidates in (own, every):
        if len(candidates) == 1:
            # An organization trail alone is listed with the management account's ARN in every member.
            return str(next(iter(candidates))), candidates is own
    return "000000000000", False


def _main_spans(text: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    return {("calls", 0, "response") + key: at for key, at in json_spans(text, 3).items()}


def sidecar_path(path: str, trail_name: str, what: str) -> str:
    stem = path[: -len(".json")] if path.lower().endswith(".json") else path
    return f"{stem}.{trail_name}.{what}.json"


def _add_sidecars(store: CallStore, spans: CallSpans, path: str, account: str, trail: Mapping[str, Any]) -> None:
    arn, name = str(trail["TrailARN"]), str(trail.get("Name") or trail["TrailARN"].rsplit("/", 1)[-1])
    region = str(trail.get("HomeRegion") or "us-east-1")
    for what, (operation, param) in SIDECARS.items():
        file = sidecar_path(path, name, what)
        if not os.path.isfile(file):
            continue
        params = {param: [arn] if param == "ResourceIdList" else arn}
        spans.files[len(store)] = (file, ())
        store.record(account, region, "cloudtrail", operation, params, _read_sidecar(file, operation))


def _read_sidecar(file: str, operation: str) -> CallResult:
    try:
        with open(file, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        return CallResult(error=ApiError("SidecarUnreadable", f"cannot read {file}: {exc}"))
    error = _CLI_ERROR.search(text)
    if error:
        return CallResult(error=ApiError(error["code"], error["message"].strip()))
    try:
        data = json.loads(text)
    except ValueError as exc:
        return CallResult(error=ApiError("SidecarInvalid", f"{file} is not JSON: {exc}"))
    if not isinstance(data, dict):
        return CallResult(error=ApiError("SidecarInvalid", f"{file} does not hold a JSON object"))
    problem = response_problem("cloudtrail", operation, data)
    if problem:
        return CallResult(error=ApiError("SidecarInvalid", f"{file}: {problem}"))
    return CallResult(response=data)


__all__ = ["KIND", "SIDECARS", "parse", "sidecar_path"]
