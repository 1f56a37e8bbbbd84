"""The per account / region / trail summary of an audit report (for the table and for Markdown)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ctguard.findings import Status
from ctguard.report import Report
from ctguard.values import Known, Unknown

_COLUMNS = ("account", "region", "trail", "failed", "unknown", "passed")


@dataclass(frozen=True, slots=True)
class SummaryRow:
    account: str
    region: str  # the trail's home region ("" for account-level checks)
    trail: str  # trail name, or "(account)" for account and organization checks ("(account, not read)")
    failed: int = 0
    unknown: int = 0
    passed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in _COLUMNS}


def _text(value: Any, default: str = "") -> str:
    return str(value.value) if isinstance(value, Known) and value.value is not None else default


def summary_rows(report: Report) -> list[SummaryRow]:
    """One row per trail of every audited account (and one for account-level checks), sorted.

    Counts are of unsuppressed findings whose resource is that trail (or the account).
    """
    counts: dict[tuple[str, str], Counter[str]] = {}
    for finding in report.findings:
        if finding.suppression is None:
            kind = "trail" if finding.resource_kind == "trail" else "account"
            counts.setdefault((kind, finding.resource or finding.file), Counter())[finding.status.value] += 1
    rows: dict[tuple[str, str, str], SummaryRow] = {}
    for parsed in report.inputs:
        model = parsed.variants[0] if parsed.variants else None
        if model is None:
            continue
        account = _text(model.account_id, parsed.path)
        for trail in model.trails:
            owner = _text(trail.account_id)
            if owner and owner != account:
                continue  # an organization trail has its row under the account that owns it
            c = counts.get(("trail", trail.key), Counter())
            key = (account, _text(trail.home_region), _text(trail.name, trail.key))
            rows[key] = SummaryRow(
                *key, c[Status.FAIL.value] + c[Status.ERROR.value], c[Status.UNKNOWN.value], c[Status.PASS.value]
            )
        c = Counter()
        for (kind, resource), found in counts.items():
            if kind == "account" and account in resource:
                c.update(found)
        # An account whose trails were not all listed says so: its zero counts are not a clean bill.
        label = "(account, not read)" if isinstance(model.trail_listing, Unknown) else "(account)"
        rows[(account, "", label)] = SummaryRow(
            account,
            "",
            label,
            c[Status.FAIL.value] + c[Status.ERROR.value],
            c[Status.UNKNOWN.value],
            c[Status.PASS.value],
        )
    return [rows[k] for k in sorted(rows)]


def table_text(rows: Iterable[SummaryRow]) -> str:
    """A plain aligned table (rich renders its own on a terminal)."""
    from ctguard.formatters.neutralize import text_line

    # Account, region and trail names come from the account or a snapshot file: one printable line each.
    data = [list(_COLUMNS)] + [[text_line(str(v)) for v in r.as_dict().values()] for r in rows]
    widths = [max(len(row[i]) for row in data) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        )
        for row in data
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def table_markdown(rows: Iterable[SummaryRow]) -> str:
    """The same table as GitHub-flavoured Markdown, for reports handed on to auditors."""
    from ctguard.formatters.neutralize import markdown_code

    out = ["| account | region | trail | failed | unknown | passed |", "|---|---|---|---:|---:|---:|"]
    for r in rows:  # names from the account or a snapshot: code spans, so no link, mention, HTML or cell break
        out.append(
            f"| {markdown_code(r.account)} | {markdown_code(r.region) or '—'} | {markdown_code(r.trail)} "
            f"| {r.failed} | {r.unknown} | {r.passed} |"
        )
    return "\n".join(out) + "\n"
