"""The per-trail answers that docs/snapshot.md tells users to save beside describe-trails output.

``trails.<TrailName>.status.json``, ``.event-selectors.json``, ``.insight-selectors.json`` and
``.tags.json`` are read by ``aws_cli`` together with ``trails.json``; on their own they are not
inputs. An event-selectors answer even looks like a template to a text test (``"Type":
"AWS::S3::Object"``), so the scan must know them by name before anything sniffs their content.
"""

from __future__ import annotations

import json
import os

from ctguard.inputs import PARSE_ERROR, ParsedInput

SUFFIXES = ("status", "event-selectors", "insight-selectors", "tags")
# Top-level keys of GetTrailStatus, GetEventSelectors, GetInsightSelectors and ListTags answers.
_ANSWER_KEYS = frozenset(
    {
        "IsLogging",
        "LatestDeliveryTime",
        "StartLoggingTime",
        "TrailARN",
        "EventSelectors",
        "AdvancedEventSelectors",
        "InsightSelectors",
        "EventDataStoreArn",
        "ResourceTagList",
        "LatestDeliveryError",
        "LatestNotificationError",
        "StopLoggingTime",
        "LatestCloudWatchLogsDeliveryTime",
        "LatestCloudWatchLogsDeliveryError",
        "LatestDigestDeliveryTime",
        "LatestDigestDeliveryError",
        "LatestNotificationTime",
        "LatestDeliveryAttemptTime",
        "LatestNotificationAttemptTime",
        "LatestNotificationAttemptSucceeded",
        "LatestDeliveryAttemptSucceeded",
        "TimeLoggingStarted",
        "TimeLoggingStopped",
        "NextToken",
    }
)


def classify(path: str) -> str | ParsedInput | None:
    """The describe-trails file ``path`` belongs to; CT001 for an answer without it; None otherwise."""
    name = os.path.basename(path)
    what = next((w for w in SUFFIXES if name.endswith(f".{w}.json")), None)
    if what is None:
        return None
    prefix = name[: -len(f".{what}.json")]
    directory = os.path.dirname(path)
    for k, char in enumerate(prefix):
        if char == "." and k > 0:
            owner = os.path.join(directory, prefix[:k] + ".json")
            if _is_describe_trails(owner):
                return owner
    if not _looks_like_answer(path):
        return None
    parsed = ParsedInput(path, "aws-cli")
    parsed.problem(
        PARSE_ERROR,
        f"{path} looks like a saved CloudTrail answer ({what}) but no describe-trails "
        f"output <stem>.json is beside it (see docs/snapshot.md: <stem>.<TrailName>.{what}.json); "
        "not checked",
    )
    return parsed


def _is_describe_trails(path: str) -> bool:
    from ctguard.parsers import scan

    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return scan.sniff(path, head) == "aws-cli"


def _looks_like_answer(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 20)
    except OSError:
        return False
    if b"An error occurred (" in data[:4096]:
        return True
    try:
        value = json.loads(data)
    except ValueError:
        return False
    return isinstance(value, dict) and bool(value) and set(value) <= _ANSWER_KEYS
