"""Refresh ctguard/data/data_event_resource_types.json, the known data-event ``resources.type`` values.

AWS adds values to the user guide table "Data events supported by AWS CloudTrail" almost every
month, and botocore stopped listing them in December 2024, so the list is vendored with the date
it was read.  ctguard treats a value missing from it as a warning (CT305), never an error.

    python scripts/refresh_resource_types.py                      # fetch the user guide page
    python scripts/refresh_resource_types.py --source page.html   # a saved copy of that page
    python scripts/refresh_resource_types.py --source shared.json # {"types": [{"resources_type": ...}]}

Values already in the vendored file are kept (AWS rarely removes one; a removed value only
silences a warning).  The script prints what it added.  Run it, review the diff, commit.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
import urllib.request
from pathlib import Path

USER_GUIDE = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-events.html"
TARGET = Path(__file__).resolve().parent.parent / "ctguard" / "data" / "data_event_resource_types.json"
BASIC_TYPES = ("AWS::DynamoDB::Table", "AWS::Lambda::Function", "AWS::S3::Object")
_TYPE = re.compile(r"\bAWS::[A-Za-z0-9]+::[A-Za-z0-9]+\b")


def types_from_text(text: str) -> set[str]:
    """Every ``AWS::Service::Resource`` value in a page (HTML or Markdown) or a JSON list."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = json.loads(text)
        items = data.get("types", [])
        return {i["resources_type"] if isinstance(i, dict) else str(i) for i in items}
    # Only the data-events table: the page also names management-event resource types.
    start = text.find("Data events supported by")
    section = text[start:] if start >= 0 else text
    end = re.search(r"(?i)network activity events", section[200:])
    if end:
        section = section[: end.start() + 200]
    return set(_TYPE.findall(section))


def merge(existing: dict, found: set[str], source: str, today: str) -> tuple[dict, list[str]]:
    old = set(existing.get("types", []))
    added = sorted(found - old)
    merged = sorted(old | found)
    out = {
        "_about": existing.get("_about")
        or (
            "Data-event resources.type values CloudTrail accepts in advanced event selectors. "
            "Refreshed by scripts/refresh_resource_types.py; unknown values are warnings (CT305)."
        ),
        "source": source,
        "retrieved": today,
        "count": len(merged),
        "basic_types": list(BASIC_TYPES),
        "types": merged,
    }
    return out, added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="a saved user guide page or a JSON list instead of fetching")
    parser.add_argument("--target", default=str(TARGET))
    args = parser.parse_args(argv)
    if args.source:
        text = Path(args.source).read_text(encoding="utf-8")
        source = f"{Path(args.source).name} (local copy)"
    else:
        with urllib.request.urlopen(USER_GUIDE, timeout=30) as resp:
            text = resp.read().decode("utf-8", errors="replace")
        source = USER_GUIDE
    found = types_from_text(text)
    if len(found) < 50:
        print(f"only {len(found)} values found in {source}: the page layout may have changed", file=sys.stderr)
        return 1
    target = Path(args.target)
    existing = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    out, added = merge(existing, found, source, _dt.date.today().isoformat())
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"{out['count']} values ({len(added)} new): {', '.join(added) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
