"""Compare ctguard with a peer linter's CloudTrail test cases (KICS, trivy-checks, checkov), on a local copy.

usage: python scripts/peer_compare.py DIR [--json OUT]

DIR holds peer test inputs in one of three layouts (they may sit at any depth below DIR):
- KICS: ``<query>/test/positive*``/``negative*`` (``assets/queries/<platform>/aws/<query>/test/``);
- trivy-checks: ``<service>/<check>/<platform>-good-N/`` and ``-bad-N/`` folders (query ``service/check``);
- checkov: ``*-PASSED.*``/``*-FAILED.*`` files; other checkov inputs (a ``main.tf`` mixing passing and
  failing resources) carry no label and are counted for silence only.
Nothing is fetched. Each test file is checked alone (a ``.tf`` file as a Terraform module of its own,
in a temporary directory), as the peer scans it.

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

# Peer query -> the ctguard rule(s) that check the same thing (a query that bundles two checks maps to
# both; its verdict is the worst of them). Every KICS name was checked against the KICS tree
# (assets/queries/{terraform,cloudFormation}/aws/); the trivy and checkov names are their folders. A query
# missing here shows rule "-" in the table, so a misspelt name is seen, not miscounted.
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
    "cloudwatch_unauthorized_access_defined_alarm_missing": "CT501",
    "cloudwatch_management_console_sign_in_without_mfa_alarm_missing": "CT502",
    "cloudwatch_root_account_use_alarm_missing": "CT503",
    "cloudwatch_iam_policy_changes_alarm_missing": "CT504",
    "cloudwatch_cloudtrail_configuration_changes_alarm_missing": "CT505",
    "cloudwatch_management_console_auth_failed_alarm_missing": "CT506",
    "cloudwatch_disabling_or_scheduled_deletion_of_customer_created_cmk_alarm_missing": "CT507",
    "cloudwatch_s3_policy_change_alarm_missing": "CT508",
    "cloudwatch_aws_config_configuration_changes_alarm_missing": "CT509",
    "cloudwatch_security_group_changes_alarm_missing": "CT510",
    "cloudwatch_changes_to_nacl_alarm_missing": "CT511",
    "cloudwatch_network_gateways_changes_alarm_missing": "CT512",
    "cloudwatch_route_table_changes_alarm_missing": "CT513",
    "cloudwatch_vpc_changes_alarm_missing": "CT514",
    "cloudwatch_aws_organizations_changes_missing_alarm": "CT515",
    # trivy-checks (checks/cloud/aws/<service>/<check>)
    "cloudtrail/enable_all_regions": "CT101",
    "cloudtrail/enable_log_validation": "CT103",
    "cloudtrail/encryption_customer_key": "CT104",
    "cloudtrail/ensure_cloudwatch_integration": "CT105",
    "cloudtrail/no_public_log_access": "CT401",
    "cloudtrail/require_bucket_access_logging": "CT405",
    # checkov (tests/cloudformation/checks/resource/aws/example_<check>)
    "example_CloudtrailMultiRegion": "CT101",
    "example_CloudtrailLogValidation": "CT103",
    "example_CloudtrailEncryption": "CT104",
}

# What makes a file CloudTrail-related (issue 15), read from its text, not by ctguard: a trail or event data
# store, a grant to CloudTrail, an EventBridge pattern on CloudTrail events, or a metric-filter pattern on
# a CloudTrail record field (CIS 4.6 filters only on errorMessage, a no-MFA variant only on
# additionalEventData, so those fields count too).
ORACLE = re.compile(
    r"AWS::CloudTrail::|aws_cloudtrail|cloudtrail\.amazonaws\.com|aws\.cloudtrail|via CloudTrail|"
    r"\$\.\s*(eventName|errorCode|errorMessage|userIdentity|eventSource|eventType|additionalEventData|"
    r"sourceIPAddress|requestParameters)\b",
    re.IGNORECASE,
)
_PLATFORM_CASE = re.compile(r"^(?:terraform|cloudformation)-\d+$", re.IGNORECASE)
_TRIVY_CASE = re.compile(r"^(?:terraform|cloudformation)-(good|bad)-\d+$", re.IGNORECASE)
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

    @property
    def unknown(self) -> int:
        return self.verdicts["UNKNOWN"]


@dataclass(frozen=True)
class Case:
    """One peer test input: the query it belongs to and what the peer expects (None: no label)."""

    query: str
    path: str
    want: str | None


def _kics(directory: str, name: str) -> Case | None:
    if not name.startswith(("positive", "negative", "postive")) or "expected_result" in name:
        return None
    want = "PASS" if name.startswith("negative") else "FAIL"
    return Case(os.path.basename(os.path.dirname(directory)), os.path.join(directory, name), want)


def _trivy(directory: str, name: str) -> Case | None:
    label = _TRIVY_CASE.match(os.path.basename(directory))
    if label is None:
        return None
    check_dir = os.path.dirname(directory)
    query = f"{os.path.basename(os.path.dirname(check_dir))}/{os.path.basename(check_dir)}"
    return Case(query, os.path.join(directory, name), "PASS" if label.group(1).lower() == "good" else "FAIL")


def _checkov(directory: str, name: str) -> Case | None:
    """checkov's labelled files, and any other input (unlabelled: counted for silence only)."""
    if name.startswith("expected") or name.endswith("expected.yaml"):
        return None
    stem = name.upper()
    want = "PASS" if "-PASSED." in stem else "FAIL" if "-FAILED." in stem else None
    folder = os.path.basename(directory)
    if _PLATFORM_CASE.match(folder):  # trivy's documentation examples: docs-AWS-NNNN/Terraform-0/main.tf
        folder = os.path.basename(os.path.dirname(directory))
    return Case(folder, os.path.join(directory, name), want)


def test_cases(root: str) -> list[Case]:
    """Every peer test input below ``root``, in whichever of the three layouts it sits."""
    found = []
    for directory, _, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith(SUFFIXES):
                continue
            if os.path.basename(directory) == "test":
                case = _kics(directory, name)
            elif _TRIVY_CASE.match(os.path.basename(directory)):
                case = _trivy(directory, name)
            else:
                case = _checkov(directory, name)
            if case is not None:
                found.append(case)
    return sorted(found, key=lambda c: (c.query, c.path))


def test_files(root: str) -> list[tuple[str, str]]:
    """(query, path) of every peer test input below ``root``."""
    return [(c.query, c.path) for c in test_cases(root)]


def check_alone(path: str) -> list[Any]:
    """ctguard's findings for one test file, checked as the peer checks it: alone."""
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
    for case in test_cases(root):
        query, path = case.query, case.path
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
        if row.rule is None or case.want is None:
            continue
        mine = [status(f) for f in findings if f.rule_id in row.rule.split("+")]
        verdict = min(mine, key=_ORDER.index) if mine else "NONE"
        row.verdicts[verdict] += 1
        want = case.want
        if verdict == want:
            row.agree += 1
        elif verdict in ("FAIL", "PASS"):
            row.disagree.append(f"{os.path.relpath(path, root)}: peer {want}, ctguard {row.rule} {verdict}")
        elif verdict == "NONE" and not related:
            continue  # nothing CloudTrail-related to judge (e.g. a bucket no trail uses): the peer's wider scope
        elif verdict in ("NONE", "ERROR"):
            errors = [
                f"{f.rule_id} {f.message[:100]}"
                for f in findings
                if status(f) in ("ERROR", "FAIL") and f.rule_id in ("CT001", "CT004", "CT005")
            ]
            row.disagree.append(
                f"{os.path.relpath(path, root)}: peer {want}, ctguard {row.rule} {verdict} {'; '.join(errors)}"
            )
    return sorted(rows.values(), key=lambda r: r.query)


def table(rows: list[Row]) -> str:
    head = (
        "| query | rule | files | related | silent | ctguard verdicts | agree | disagree | UNKNOWN |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(r.verdicts.items())) or "-"
        wrong = sum(1 for d in r.disagree if not d.startswith("SILENT"))
        mapped = r.rule is not None
        lines.append(
            f"| {r.query} | {r.rule or '-'} | {r.files} | {r.related} | {r.silent} | {verdicts} | "
            f"{r.agree if mapped else '-'} | {wrong if mapped else '-'} | {r.unknown if mapped else '-'} |"
        )
    lines.append(
        f"| **total** | | {sum(r.files for r in rows)} | {sum(r.related for r in rows)} | "
        f"{sum(r.silent for r in rows)} | | {sum(r.agree for r in rows)} | "
        f"{sum(1 for r in rows for d in r.disagree if not d.startswith('SILENT'))} | "
        f"{sum(r.unknown for r in rows)} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="directory holding peer test inputs (KICS, trivy-checks or checkov layout)")
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
            json.dump(
                [{**asdict(r), "verdicts": dict(r.verdicts), "unknown": r.unknown} for r in rows], handle, indent=1
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
