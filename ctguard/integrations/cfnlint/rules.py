"""cfn-lint rule classes generated from ctguard's policy catalogue (see the package docstring).

cfn-lint instantiates every class in this module whose ancestry includes its
``CloudFormationLintRule``; the shared behaviour lives in a mixin so that no abstract base is
instantiated as a rule.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from ctguard.engine.policy import load_policies
from ctguard.fix_text import fill
from ctguard.integrations.cfnlint._runner import findings_for, rule_id, template_path


class _CtguardRule:
    policy_id = ""

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for finding in findings_for(getattr(cfn, "filename", None)):
            if finding.rule_id == self.policy_id:
                path = template_path(cfn.template, finding)
                matches.append(RuleMatch(path, f"[{finding.rule_id}] {finding.message}"))
        return matches


def _rule_class(policy: Any) -> type:
    fix = fill(((policy.docs or {}).get("fix") or {}).get("cloudformation") or "")
    attributes = {
        "id": rule_id(policy.id, policy.severity),
        "policy_id": policy.id,
        "shortdesc": f"ctguard {policy.id}: {policy.title}",
        "description": " ".join(str((policy.docs or {}).get("what", policy.title)).split())
        + (f" Fix: {fix}" if fix else ""),
        "source_url": f"https://github.com/ctguard/ctguard/blob/main/policies/{policy.file.rsplit('/', 1)[-1]}",
        "tags": ["cloudtrail", "security", "ctguard"],
        "__module__": __name__,
    }
    return type(f"Ctguard{policy.id}", (_CtguardRule, CloudFormationLintRule), attributes)


for _policy in load_policies():
    if not _policy.id.startswith("CT00"):
        globals()[f"Ctguard{_policy.id}"] = _rule_class(_policy)
del _policy
