"""JUnit XML for GitLab, Jenkins and Azure DevOps test reports (checkov's layout).

One ``<testsuite>`` per input kind, one ``<testcase>`` per policy and resource (passing ones
included).  FAIL is a ``<failure>``, ERROR an ``<error>``, suppressed findings and UNKNOWN results
and NOT_APPLICABLE results
are ``<skipped>`` with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from ctguard.findings import Finding, Status
from ctguard.formatters import rule_info
from ctguard.formatters.neutralize import xml_tree
from ctguard.repo import repo_relative
from ctguard.report import Report


def _case(f: Finding, policy: Any) -> ET.Element:
    title = rule_info.title(f.rule_id, policy)
    file = repo_relative(f.file)
    case = ET.Element(
        "testcase",
        {
            "name": f"[{f.severity.value.upper()}][{f.rule_id}] {title}",
            "classname": f"{file}.{f.resource}" if f.resource else file,
            "file": file,
            "line": str(f.line),
        },
    )
    body = "\n".join(
        line
        for line in (
            f"Resource: {f.resource_name or f.resource or '-'}",
            f"File: {file}:{f.line}:{f.column}",
            f"Message: {f.message}",
            f"Fix: {f.remediation}" if f.remediation else "",
            f"Guideline: {rule_info.rule_url(policy)}",
        )
        if line
    )
    if f.suppression is not None:
        ET.SubElement(
            case, "skipped", {"type": "suppressed", "message": f"{f.suppression.source}: {f.suppression.justification}"}
        )
    elif f.status is Status.FAIL:
        ET.SubElement(case, "failure", {"type": "failure", "message": f.message}).text = body
    elif f.status is Status.ERROR:
        ET.SubElement(case, "error", {"type": "error", "message": f.message}).text = body
    elif f.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", {"type": "unknown", "message": f.message})
    elif f.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"type": "not_applicable", "message": f.message})
    return case


def render(report: Report, options: dict[str, Any]) -> str:
    policies = rule_info.policies_by_id(report)
    suites: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        suites[f.source_kind or "input"].append(f)
    root = ET.Element("testsuites", {"name": "ctguard"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for kind in sorted(suites):
        findings = suites[kind]
        counts = {
            "tests": len(findings),
            "failures": sum(1 for f in findings if f.suppression is None and f.status is Status.FAIL),
            "errors": sum(1 for f in findings if f.suppression is None and f.status is Status.ERROR),
            "skipped": sum(
                1 for f in findings if f.suppression is not None or f.status in (Status.UNKNOWN, Status.NOT_APPLICABLE)
            ),
        }
        suite = ET.SubElement(root, "testsuite", {"name": f"ctguard {kind}", **{k: str(v) for k, v in counts.items()}})
        for f in findings:
            suite.append(_case(f, policies.get(f.rule_id)))
        for k, v in counts.items():
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    xml_tree(root)  # names and messages from the inputs may hold characters XML 1.0 forbids
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
