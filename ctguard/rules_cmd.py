"""``ctguard rules`` and ``ctguard explain ID``: rule pages from the policy data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ctguard.engine.policy import Policy, load_policies
from ctguard.fix_text import fill
from ctguard.formatters.neutralize import text_line, text_lines

_REF_TITLES = {
    "cis": "CIS AWS Foundations Benchmark",
    "security_hub": "AWS Security Hub",
    "checkov": "checkov",
    "trivy": "Trivy",
    "kics": "KICS",
    "prowler": "Prowler",
    "docs": "AWS documentation",
}


def rule_dict(p: Policy) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "title": p.title,
        "severity": p.severity.value,
        "scope": p.scope,
        "status": p.status,
        "tags": list(p.tags),
        "docs": p.docs,
        "references": p.references,
        "file": p.file,
    }


def list_rules(args: argparse.Namespace) -> int:
    policies = load_policies(tuple(args.policies))
    if args.format == "json":
        json.dump({"rules": [rule_dict(p) for p in policies]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max(len(p.name) for p in policies)
    for p in policies:
        sys.stdout.write(text_line(f"{p.id}  {p.severity.value:<8}  {p.name:<{width}}  {p.title}") + "\n")
    return 0


def explain(args: argparse.Namespace) -> int:
    policies = {p.id: p for p in load_policies(tuple(args.policies))}
    wanted = args.rule_id.upper()
    policy = policies.get(wanted) or next((p for p in policies.values() if p.name == args.rule_id), None)
    if policy is None:  # `ctguard verify`'s CT95x results are documented in code, not in policy files
        from ctguard.verify.rules import policies as verify_rules

        policy = next((p for p in verify_rules() if wanted == p.id or p.name == args.rule_id), None)
    if policy is None:
        print(f"ctguard: error: no rule {args.rule_id!r}; `ctguard rules` lists them", file=sys.stderr)
        return 2
    if getattr(args, "source", False):
        return _source(policy, args.format)
    sys.stdout.write(text_lines(render_page(policy)))  # a --policies file is an input: its text is untrusted
    return 0


def _source(policy: Policy, fmt: str) -> int:
    from ctguard import rule_source

    found = rule_source.locate(policy)
    if fmt == "json":
        json.dump(rule_source.as_dict(found), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text_lines(rule_source.render(found)))
    return 0


def render_page(p: Policy) -> str:
    docs = p.docs
    out = [
        text_line(f"{p.id} {p.name}: {p.title}"),
        f"severity: {p.severity.value}   scope: {p.scope}   status: {p.status}",
        "",
    ]
    out += ["What it does", "  " + docs["what"].strip(), "", "Why it matters", "  " + docs["why"].strip(), ""]
    if docs.get("notes"):
        out += ["Notes", "  " + docs["notes"].strip(), ""]
    out.append("How to fix")
    for kind in ("cloudformation", "terraform", "cli"):
        out.append(f"  {kind}: {fill(str(docs['fix'][kind]))}")
    if p.references:
        out += ["", "References"]
        for key, title in _REF_TITLES.items():
            if p.references.get(key):
                out.append(f"  {title}: {', '.join(p.references[key])}")
    return "\n".join(out) + "\n"
