"""Machine-readable report following ``ctguard/schemas/report.schema.json`` (versioned)."""

from __future__ import annotations

import json
from typing import Any

from ctguard.findings import Finding
from ctguard.formatters.headline import headline
from ctguard.formatters.summary import summarize
from ctguard.report import Report
from ctguard.version import __version__

SCHEMA_VERSION = "1.1"  # 1.1: status NOT_APPLICABLE, summary.not_applicable, finding headline


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "status": f.status.value,
        "severity": f.severity.value,
        "message": f.message,
        "headline": headline(f.message),
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "resource": f.resource,
        "resource_name": f.resource_name,
        "resource_kind": f.resource_kind,
        "model_path": ".".join(map(str, f.model_path)) or None,
        "input_kind": f.source_kind,
        "conditions": f.conditions,
        "fingerprint": f.fingerprint(),
    }
    if f.remediation:
        out["remediation"] = f.remediation
    if f.suppression is not None:
        out["suppression"] = {
            "source": f.suppression.source,
            "reason": f.suppression.reason,
            "expires": f.suppression.expires,
        }
    return out


def as_dict(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ctguard", "version": __version__},
        "summary": summarize(report),
        "findings": [finding_dict(f) for f in report.findings],
        "inputs": [
            {
                "file": p.path,
                "kind": p.kind,
                "trails": len({t.key for m in p.variants for t in m.trails}),
                "variants": len(p.variants),
            }
            for p in report.inputs
        ],
        "unparsed": [
            {"file": f.file, "line": f.line, "column": f.column, "message": f.message} for f in report.unusable
        ],
        "warnings": list(report.warnings),
    }
    if any(p.kind == "aws-snapshot" for p in report.inputs):
        # A live audit (or its snapshot) says whether everything was read, and if not, what was not.
        incomplete = report.incomplete
        out["complete"] = not incomplete
        if incomplete:
            out["incomplete"] = incomplete
    return out


def render(report: Report, options: dict[str, Any]) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False) + "\n"
