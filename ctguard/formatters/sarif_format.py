"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Every result has a repository-relative URI (``uriBaseId: %SRCROOT%``), a start line and column,
and a line-independent ``partialFingerprints`` entry, so alerts survive code moving around.
Rules carry short and full descriptions, help (text and Markdown), a help URI, tags including
``security`` and a ``security-severity`` score.  Suppressed findings are emitted with
``suppressions`` (``inSource`` for comments and Metadata, ``external`` for config, CLI and
baseline).  Findings without a file (live accounts) get a logical location (the trail ARN) only;
logical locations of AWS resources carry their account and region as properties.
PASS and NOT_APPLICABLE results are not emitted (a rule that did not run has nothing to show); UNKNOWN
ones are ``kind: review``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ctguard.findings import Finding, Severity, Status
from ctguard.formatters import rule_info
from ctguard.formatters.neutralize import sarif_text
from ctguard.repo import is_file_location, repo_relative
from ctguard.report import Report
from ctguard.version import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "ctguardFindingHash/v1"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_IN_SOURCE = {"inline", "metadata"}
# GitHub code scanning keeps the 5,000 most severe results of a run (and rejects more than 25,000)
# and shows 10 tags per rule (rejects more than 20): "SARIF results exceed soft limits",
# docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit
MAX_RESULTS = 5000
MAX_TAGS = 10


def _rule(rule_id: str, policy: Any, severity: Severity) -> dict[str, Any]:
    title = rule_info.title(rule_id, policy)
    full = rule_info.describe(policy) or title
    fixes = rule_info.fixes(policy)
    help_text = "\n".join(f"{k}: {v}" for k, v in fixes.items()) or full
    markdown = f"**{title}**\n\n{full}\n"
    if fixes:
        markdown += (
            "\n"
            + "\n".join(f"- {k}: `{v}`" if "\n" not in v else f"- {k}:\n\n```\n{v}\n```" for k, v in fixes.items())
            + "\n"
        )
    tags = ["security", "cloudtrail"]
    if policy is not None:
        tags += [t for t in policy.tags if t not in tags]
        cis = [f"CIS {c}" for c in (policy.references or {}).get("cis", [])]
        # Over the tag limit, keep the newest benchmark versions (references list oldest first).
        tags += cis[max(0, len(cis) - (MAX_TAGS - len(tags))) :]
    return {
        "id": rule_id,
        "name": _camel(policy.name) if policy is not None else rule_id,
        "shortDescription": {"text": title[:1024]},
        "fullDescription": {"text": full[:1024]},
        "helpUri": rule_info.rule_url(policy),
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": tags[:MAX_TAGS],
            "precision": "high",
            "security-severity": rule_info.SECURITY_SEVERITY[severity],
        },
    }


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-")) or name


def _result(f: Finding, index: int) -> dict[str, Any]:
    message = f.message + (f" (conditions: {f.conditions})" if f.conditions and f.conditions not in f.message else "")
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "message": {"text": sarif_text(message)},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint()},
        "properties": {"status": f.status.value, "severity": f.severity.value},
    }
    if f.status is Status.UNKNOWN:
        result["kind"] = "review"
        result["level"] = "none"
    else:
        result["level"] = LEVEL[f.severity]
    location: dict[str, Any] = {}
    if is_file_location(f.file):
        location["physicalLocation"] = {
            "artifactLocation": {
                "uri": quote(repo_relative(f.file), errors="surrogateescape"),
                "uriBaseId": "%SRCROOT%",
            },
            "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
        }
    if f.resource:
        logical: dict[str, Any] = {"fullyQualifiedName": f.resource, "kind": "resource"}
        if f.resource_name and f.resource_name != f.resource:
            logical["name"] = f.resource_name
        account, region = _account_region(f)
        if account:
            logical["properties"] = {"account": account, **({"region": region} if region else {})}
        location["logicalLocations"] = [logical]
    if location:
        result["locations"] = [location]
    if f.remediation:
        result["properties"]["remediation"] = f.remediation
    if f.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "inSource" if f.suppression.source in _IN_SOURCE else "external",
                "justification": f.suppression.justification,
                "properties": {
                    "source": f.suppression.source,
                    **({"expires": f.suppression.expires} if f.suppression.expires else {}),
                },
            }
        ]
    return result


def _account_region(f: Finding) -> tuple[str | None, str | None]:
    """The AWS account and region a live or snapshot finding is about (from aws:// or the ARN)."""
    from ctguard.live_locations import SCHEME, parts_of

    if f.file.startswith(SCHEME):
        return parts_of(f.file)
    parts = (f.resource or "").split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return parts[4] or None, parts[3] or None
    return None, None


def as_dict(report: Report) -> dict[str, Any]:
    policies = rule_info.policies_by_id(report)
    shown = [f for f in report.findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    omitted = 0
    if len(shown) > MAX_RESULTS:  # keep the most severe ourselves, and say so, rather than GitHub silently
        ranked = sorted(
            shown, key=lambda f: (f.suppression is not None, f.status is Status.UNKNOWN, -f.severity.rank, f.sort_key())
        )
        omitted = len(shown) - MAX_RESULTS
        shown = sorted(ranked[:MAX_RESULTS], key=Finding.sort_key)
    severities = {p.id: p.severity for p in report.policies}
    for f in shown:  # rule ids without a loaded policy (input problems) still need a rule entry
        severities.setdefault(f.rule_id, f.severity)
    ids = sorted(severities)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ctguard",
                        "semanticVersion": __version__,
                        "informationUri": rule_info.TOOL_URL,
                        "rules": [_rule(i, policies.get(i), severities[i]) for i in ids],
                    }
                },
                "automationDetails": {"id": "ctguard/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule_id]) for f in shown],
                **(
                    {
                        "properties": {
                            "omittedResults": omitted,
                            "note": (
                                f"{omitted} less severe results are left out: code scanning keeps {MAX_RESULTS} per run; "
                                "ctguard check --format json lists every finding"
                            ),
                        }
                    }
                    if omitted
                    else {}
                ),
            }
        ],
    }


def render(report: Report, options: dict[str, Any]) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"
