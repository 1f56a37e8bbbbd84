"""Baselines for brownfield repositories: known findings that do not fail the gate.

A baseline is keyed on the repository-relative file, the resource address (CloudFormation
logical id, Terraform address, trail ARN) and the rule id, never on line numbers, so moving code
around does not resurrect old findings.  The file is versioned JSON, sorted, diff-friendly::

    {"version": 1, "tool": "ctguard",
     "findings": [{"file": "infra/trail.yaml", "resource": "Trail", "rule_ids": ["CT101", "CT108"]}]}
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ctguard.findings import Finding, Status
from ctguard.repo import repo_relative

VERSION = 1
Key = tuple[str, str, str]  # (file, resource, rule id)


class BaselineError(Exception):
    """The baseline file cannot be used (exit code 2)."""


def key(finding: Finding) -> Key:
    return (repo_relative(finding.file), finding.resource or "", finding.rule_id)


def baselined(finding: Finding) -> bool:
    """What goes into a baseline: everything that could fail a gate (UNKNOWN fails with --strict)."""
    return finding.status not in (Status.PASS, Status.NOT_APPLICABLE) and finding.rule_id != "CT001"


def dump(findings: Iterable[Finding]) -> str:
    grouped: dict[tuple[str, str], set[str]] = defaultdict(set)
    for f in findings:
        if baselined(f):
            file, resource, rule = key(f)
            grouped[(file, resource)].add(rule)
    entries = [
        {"file": file, "resource": resource, "rule_ids": sorted(rules)}
        for (file, resource), rules in sorted(grouped.items())
    ]
    return json.dumps({"version": VERSION, "tool": "ctguard", "findings": entries}, indent=2) + "\n"


@dataclass(frozen=True, slots=True)
class Baseline:
    """Findings accepted earlier, by fingerprint."""

    path: str
    keys: frozenset[Key]

    def __contains__(self, finding: Finding) -> bool:
        return key(finding) in self.keys


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: baseline is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a ctguard baseline (expected version {VERSION} with a findings list)")
    keys: set[Key] = set()
    for entry in data["findings"]:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("resource"), str)
            and isinstance(entry.get("rule_ids"), list)
        ):
            raise BaselineError(f"{path}: baseline entry {entry!r} needs file, resource and rule_ids")
        keys.update((entry["file"], entry["resource"], str(rule)) for rule in entry["rule_ids"])
    return Baseline(path, frozenset(keys))
