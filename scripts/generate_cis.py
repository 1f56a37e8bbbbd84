"""Write the CIS-derived fields of policies/CT501-CT515 from ctguard/data/cis_monitoring.json.

The data file is the one place the 15 CIS monitoring items are written down (item numbers per
benchmark version, Security Hub control, the benchmark's filter pattern, the CT5xx rule id). Each
policy repeats some of it for readers of the YAML and for the SARIF tags; this script rewrites
those lines so they cannot drift:

- ``title``: the ``(CIS 4.1/5.1)`` suffix, from the item numbers in ``label_versions``;
- ``params.item``: the item key;
- ``references.cis`` and ``references.security_hub``;
- ``docs.notes``: ``CIS pattern: <pattern>``.

The fix snippets quote the pattern in CloudFormation, Terraform and CLI syntax; the script does not
rewrite prose, it only reports a snippet that no longer contains the data file's pattern.

Usage: python scripts/generate_cis.py [--check]
``--check`` writes nothing and exits 1 naming every out-of-date policy (tests/test_cis_generated.py
runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "ctguard" / "data" / "cis_monitoring.json"
POLICIES = REPO / "policies"

_TITLE = re.compile(r'^(title: ".*) \(CIS [^)]*\)"$')


def load(data: Path = DATA) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    return doc


def policy_path(rule: str, policies: Path = POLICIES) -> Path:
    found = sorted(policies.glob(f"{rule}-*.yaml"))
    if len(found) != 1:
        raise SystemExit(f"{policies}: expected one policy file for {rule}, found {len(found)}")
    return found[0]


def _flow_list(values: list[str], quote: bool) -> str:
    return "[" + ", ".join(json.dumps(v) if quote else v for v in values) + "]"


def label_numbers(item: dict[str, Any], label_versions: list[str]) -> str:
    numbers = [item["cis"][v] for v in label_versions if v in item["cis"]]
    return "/".join(dict.fromkeys(numbers))


def render(text: str, item: dict[str, Any], label_versions: list[str]) -> str:
    """The policy text with its CIS-derived lines rewritten from ``item``."""
    cis_line = "  cis: " + _flow_list([f"{v} {n}" for v, n in item["cis"].items()], quote=True)
    hub = item.get("security_hub")
    hub_line = f"  security_hub: [{hub}]" if hub else None
    out: list[str] = []
    section = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.split(":", 1)[0]
        title = _TITLE.match(line)
        if title:
            line = f'{title.group(1)} (CIS {label_numbers(item, label_versions)})"'
        elif section == "params" and line.startswith("  item:"):
            line = f"  item: {item['key']}"
        elif section == "docs" and line.startswith("    CIS pattern:"):
            line = f"    CIS pattern: {item['pattern']}"
        elif section == "references" and line.startswith("  security_hub:"):
            continue  # written after the cis line, or dropped when the item has no control
        elif section == "references" and line.startswith("  cis:"):
            out.append(cis_line)
            if hub_line:
                out.append(hub_line)
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def stale_snippets(text: str, item: dict[str, Any]) -> list[str]:
    """Fix snippets that do not quote the item's pattern (the script does not rewrite prose)."""
    pattern = item["pattern"]
    forms = {"cloudformation": pattern, "terraform": pattern.replace('"', '\\"'), "cli": pattern}
    # The snippets are folded YAML scalars: compare with line breaks folded to spaces.
    folded = re.sub(r"\n\s+", " ", text)
    return [kind for kind, form in forms.items() if form not in folded]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a policy is out of date")
    args = ap.parse_args(argv)
    doc = load()
    problems: list[str] = []
    for item in doc["items"]:
        path = policy_path(item["rule"])
        text = path.read_text(encoding="utf-8")
        new = render(text, item, doc["label_versions"])
        if new != text:
            if args.check:
                problems.append(f"{path.relative_to(REPO)}: out of date, run python scripts/generate_cis.py")
            else:
                path.write_text(new, encoding="utf-8")
                print(f"wrote {path.relative_to(REPO)}")
        for kind in stale_snippets(new, item):
            problems.append(f"{path.relative_to(REPO)}: the {kind} fix snippet does not quote the CIS pattern")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
