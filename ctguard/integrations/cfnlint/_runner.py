"""The work behind the generated rules: run ctguard once per template, map findings to cfn-lint paths."""

from __future__ import annotations

import os
from typing import Any

from ctguard.findings import Finding, Severity, Status

_CACHE: dict[tuple[str, float], list[Finding]] = {}


def rule_id(policy_id: str, severity: Severity) -> str:
    letter = "E" if severity.rank >= Severity.HIGH.rank else "W" if severity.rank >= Severity.LOW.rank else "I"
    return f"{letter}9{policy_id[2:]}"


def findings_for(filename: str | None) -> list[Finding]:
    """ctguard's unsuppressed failures for the template file (cached across the rules of one run)."""
    if not filename or not os.path.isfile(filename):
        return []
    key = (os.path.abspath(filename), os.path.getmtime(filename))
    if key not in _CACHE:
        from ctguard import api

        report = api.check([filename])
        _CACHE[key] = [f for f in report.findings if f.suppression is None and f.status in (Status.FAIL, Status.ERROR)]
    return _CACHE[key]


def template_path(template: Any, finding: Finding) -> list[str | int]:
    """The deepest template path whose key sits at the finding's line (and column, when it can)."""
    best: list[str | int] | None = None
    fallback: list[str | int] | None = None
    stack: list[tuple[Any, list[str | int]]] = [(template, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                mark = getattr(key, "start_mark", None)
                child = path + [str(key)]
                if mark is not None and mark.line + 1 == finding.line:
                    if mark.column + 1 == finding.column and (best is None or len(child) > len(best)):
                        best = child
                    elif fallback is None or len(child) > len(fallback):
                        fallback = child
                stack.append((value, child))
        elif isinstance(node, list):
            stack.extend((item, path + [i]) for i, item in enumerate(node))
    found = best or fallback
    if found is not None:
        return found
    return ["Resources", finding.resource] if finding.resource else []
