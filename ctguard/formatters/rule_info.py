"""Rule metadata shared by the SARIF, JUnit and Markdown formats, from the loaded policies."""

from __future__ import annotations

from typing import Any

from ctguard.findings import Severity
from ctguard.report import Report

# Where a policy's page lives; the YAML in the repository is the documentation source.
POLICY_URL = "https://github.com/ctguard/ctguard/blob/main/policies/{file}"
TOOL_URL = "https://github.com/ctguard/ctguard"

# GitHub code scanning reads security-severity as a CVSS-like score (>9 critical, 7-8.9 high ...).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def policies_by_id(report: Report) -> dict[str, Any]:
    return {p.id: p for p in report.policies}


def rule_url(policy: Any) -> str:
    if policy is None:
        return TOOL_URL
    from pathlib import Path
    from urllib.parse import quote

    if policy.file.startswith("docs/"):  # rules documented on a page, not in a policy file (verify's CT95x)
        return f"{TOOL_URL}/blob/main/{policy.file}"
    # quoted: a policy file from a pull request's policy directory could be named to break a Markdown link
    return POLICY_URL.format(file=quote(Path(policy.file).name, errors="surrogateescape"))


def title(rule_id: str, policy: Any) -> str:
    return str(policy.title) if policy is not None else rule_id


def text_of(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def describe(policy: Any) -> str:
    if policy is None:
        return ""
    docs = policy.docs or {}
    return " ".join(t for t in (text_of(docs.get("what")), text_of(docs.get("why"))) if t)


def fixes(policy: Any) -> dict[str, str]:
    fix = ((policy.docs or {}).get("fix") if policy is not None else None) or {}
    from ctguard.fix_text import fill

    return {k: fill(str(v).strip()) for k, v in fix.items() if v}
