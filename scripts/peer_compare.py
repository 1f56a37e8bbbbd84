"""Compare ctguard with a peer linter's CloudTrail test cases (KICS layout), on a local copy.

usage: python scripts/peer_compare.py DIR [--json OUT]

DIR holds KICS query folders, each with a ``test/`` folder of ``positive*``/``negative*`` inputs
(``assets/queries/<platform>/aws/<query>/test/`` in the KICS repository; the folders may sit at
any depth below DIR). Nothing is fetched. Each test file is checked alone (a ``.tf`` file as a
Terraform module of its own, in a temporary directory), as KICS scans it.

Per query it reports: files, how many are CloudTrail-related (an oracle of regexes independent of
ctguard's detection), how many of those end with no verdict and no error ("silent", target 0),
and, where the query overlaps a ctguard rule (``OVERLAP``), ctguard's verdict on that rule against
KICS's label: a positive file is expected to FAIL, a negative one to PASS. UNKNOWN and NOT
APPLICABLE are counted apart: neither agrees nor disagrees. Disagreements are listed for judging
by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

# KICS query -> the ctguard rule(s) that check the same thing (a query that bundles two checks maps to
# both; its verdict is the worst of them). Names checked against the KICS tree: the cloudtrail_* ones and
# cloudwatch_{root_account_use,cloudtrail_configuration_changes,iam_policy_changes,changes_to_nacl,
# vpc_changes,s3_policy_change}; the other CIS names follow KICS's pattern unverified. A query missing here
# shows rule "-" in the table, so a misspelt name is seen, not miscounted.
OVERLAP: dict[str, str] = {
    "cloudtrail_multi_region_disabled": "CT101+CT107",  # KICS also wants global events on multi-region trails
    "cloudtrail_logging_disabled": "CT102",
    "cloudtrail_log_file_validation_disabled": "CT103",
    "cloudtrail_log_files_not_encrypted_with_kms": "CT104",
    "cloudtrail_log_files_not_encrypted_with_cmk": "CT104",
    "cloudtrail_not_integrated_with_cloudwatch": "CT105",
    "cloudtrail_sns_topic_name_undefined": "CT108",
    "cloudtrail_log_files_s3_bucket_is_publicly_accessible": "CT401",
    "cloudtrail_log_files_s3_bucket_with_logging_disabled": "CT405",
    "cloudwatch_unauthorized_access_alarm_missing": "CT501",
    "cloudwatch_management_console_sign_in_without_mfa_alarm_missing": "CT502",
    "cloudwatch_root_account_use_alarm_missing": "CT503",
    "cloudwatch_iam_policy_changes_alarm_missing": "CT504",
    "cloudwatch_cloudtrail_configuration_changes_alarm_missing": "CT505",
    "cloudwatch_console_authentication_failed_alarm_missing": "CT506",
    "cloudwatch_disabling_or_scheduled_deletion_of_customer_created_cmk_alarm_missing": "CT507",
    "cloudwatch_s3_policy_change_alarm_missing": "CT508",
    "cloudwatch_aws_config_configuration_changes_alarm_missing": "CT509",
    "cloudwatch_security_group_changes_alarm_missing": "CT510",
    "cloudwatch_changes_to_nacl_alarm_missing": "CT511",
    "cloudwatch_network_gateways_changes_alarm_missing": "CT512",
    "cloudwatch_route_table_changes_alarm_missing": "CT513",
    "cloudwatch_vpc_changes_alarm_missing": "CT514",
    "cloudwatch_aws_organizations_changes_missing_alarm": "CT515",
}

# What makes a file CloudTrail-related (issue 15), read from its text, not by ctguard.
ORACLE = re.compile(
    r"AWS::CloudTrail::|aws_cloudtrail|cloudtrail\.amazonaws\.com|aws\.cloudtrail|via CloudTrail|"
    r"\$\.\s*(eventName|errorCode|userIdentity|eventSource)",
    re.IGNORECASE,
)
SUFFIXES = (".tf", ".tf.json", ".json", ".yaml", ".yml", ".template")
_ORDER = ("FAIL", "ERROR", "UNKNOWN", "PASS", "NOT_APPLICABLE")


@dataclass
class Row:
    query: str
    rule: str | None
    files: int = 0
    related: int = 0
    silent: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    agree: int = 0
    disagree: list[str] = field(default_factory=list)


def test_files(root: str) -> list[tuple[str, str]]:
    """(query, path) of every KICS test input below ``root``."""
    found = []
    for directory, _, names in os.walk(root):
        if os.path.basename(directory) != "test":
            continue
        query = os.path.basename(os.path.dirname(directory))
        for name in sorted(names):
            if (
                name.startswith(("positive", "negative", "postive"))
                and name.endswith(SUFFIXES)
                and "expected_result" not in name
            ):
                found.append((query, os.path.join(directory, name)))
    return sorted(found)


def expected(path: str) -> str:
    return "PASS" if os.path.basename(path).startswith("negative") else "FAIL"


def check_alone(path: str) -> list[Any]:
    """ctguard's findings for one test file, checked as KICS checks it: alone."""
    from ctguard.api import check

    with tempfile.TemporaryDirectory(prefix="peer-") as tmp:
        copy = os.path.join(tmp, os.path.basename(path))
        shutil.copyfile(path, copy)
        report = check([tmp if path.endswith((".tf", ".tf.json")) else copy], jobs=1)
        return list(report.findings)


def status(finding: Any) -> str:
    value = getattr(finding.status, "value", finding.status)
    return str(value).upper()


def compare(root: str) -> list[Row]:
    rows: dict[str, Row] = {}
    for query, path in test_files(root):
        row = rows.setdefault(query, Row(query, OVERLAP.get(query)))
        row.files += 1
        with open(path, encoding="utf-8", errors="replace") as handle:
            related = bool(ORACLE.search(handle.read()))
        findings = check_alone(path)
        said = [f for f in findings if status(f) != "NOT_APPLICABLE"]
        if related:
            row.related += 1
            if not said:
                row.silent += 1
                row.disagree.append(f"SILENT {path}")
        if row.rule is None:
            continue
        mine = [status(f) for f in findings if f.rule_id in row.rule.split("+")]
        verdict = min(mine, key=_ORDER.index) if mine else "NONE"
        row.verdicts[verdict] += 1
        want = expected(path)
        if verdict == want:
            row.agree += 1
        elif verdict in ("FAIL", "PASS"):
            row.disagree.append(f"{os.path.relpath(path, root)}: KICS {want}, ctguard {row.rule} {verdict}")
        elif verdict in ("NONE", "ERROR"):
            errors = [
                f"{f.rule_id} {f.message[:100]}"
                for f in findings
                if status(f) in ("ERROR", "FAIL") and f.rule_id in ("CT001", "CT004", "CT005")
            ]
            row.disagree.append(
                f"{os.path.relpath(path, root)}: KICS {want}, ctguard {row.rule} {verdict} {'; '.join(errors)}"
            )
    return sorted(rows.values(), key=lambda r: r.query)


def table(rows: list[Row]) -> str:
    head = "| query | rule | files | related | silent | ctguard verdicts | agree | disagree |\n|---|---|---|---|---|---|---|---|"
    lines = [head]
    for r in rows:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(r.verdicts.items())) or "-"
        wrong = sum(1 for d in r.disagree if not d.startswith("SILENT"))
        lines.append(
            f"| {r.query} | {r.rule or '-'} | {r.files} | {r.related} | {r.silent} | {verdicts} | "
            f"{r.agree if r.rule else '-'} | {wrong if r.rule else '-'} |"
        )
    total = Row("total", None)
    for r in rows:
        total.files, total.related, total.silent = (
            total.files + r.files,
            total.related + r.related,
            total.silent + r.silent,
        )
        total.agree += r.agree
    lines.append(
        f"| **total** | | {total.files} | {total.related} | {total.silent} | | {total.agree} | "
        f"{sum(1 for r in rows for d in r.disagree if not d.startswith('SILENT'))} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="directory holding KICS query folders with test/ inputs")
    parser.add_argument("--json", help="write the rows as JSON to this file")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.root):
        print(f"peer_compare: {args.root} is not a directory", file=sys.stderr)
        return 2
    rows = compare(args.root)
    print(table(rows))
    for r in rows:
        for line in r.disagree:
            print(f"  {r.query}: {line}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([{**asdict(r), "verdicts": dict(r.verdicts)} for r in rows], handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
