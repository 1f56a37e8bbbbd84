"""One self-contained HTML page for audits and large repositories (``--format html``).

Everything is inline (CSS, a small script, an SVG chart) and a Content-Security-Policy forbids
any fetch, so the page needs no network when it is opened.  Every string that comes from an input
(file names, resource names, messages, suppression reasons) goes through ``html.escape``; the
script reads only ``data-`` attributes ctguard writes from fixed vocabularies (severity, status).

Layout: the counts (the JSON summary's), filters by severity and status, a chart of findings by
area, one section per account/region (live audits, snapshots) or per file (IaC) holding a matrix
of rules by resource, then the findings with their reasons (suppressed and UNKNOWN included).
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from ctguard.findings import Finding, Severity, Status
from ctguard.formatters import rule_info
from ctguard.formatters.headline import split
from ctguard.formatters.summary import summarize
from ctguard.repo import is_file_location, repo_relative
from ctguard.report import Report
from ctguard.version import __version__

# Rule families by the hundreds digit of the id: the areas of the chart.
AREAS = {
    "0": "input",
    "1": "trail settings",
    "2": "coverage",
    "3": "selectors",
    "4": "delivery",
    "5": "monitoring (CIS)",
    "6": "account",
    "7": "event data stores",
    "8": "live health",
    "9": "other",
}
STATUSES = ("FAIL", "ERROR", "UNKNOWN", "SUPPRESSED", "PASS", "NOT_APPLICABLE")
_SYMBOL = {"FAIL": "✗", "ERROR": "!", "UNKNOWN": "?", "SUPPRESSED": "s", "PASS": "✓", "NOT_APPLICABLE": "–"}
_SHOWN_BY_DEFAULT = {"FAIL", "ERROR", "UNKNOWN", "SUPPRESSED"}


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def area(rule_id: str) -> str:
    digits = rule_id[2:] if rule_id.upper().startswith("CT") else ""
    return AREAS.get(digits[:1], "other") if len(digits) == 3 and digits.isdigit() else "other"


def status_of(f: Finding) -> str:
    return "SUPPRESSED" if f.suppression is not None else f.status.value


def group_of(f: Finding) -> str:
    """Account / region for AWS findings, the repository-relative file otherwise."""
    from ctguard.live_locations import SCHEME, parts_of

    if f.file.startswith(SCHEME):
        account, region = parts_of(f.file)
        return f"account {account}" + (f" / {region}" if region else "")
    parts = (f.resource or "").split(":", 5)
    if f.source_kind in ("snapshot", "aws-snapshot", "aws-cli") and len(parts) == 6 and parts[0] == "arn":
        return f"account {parts[4] or '?'}" + (f" / {parts[3]}" if parts[3] else "")
    return repo_relative(f.file) if is_file_location(f.file) else f.file


def render(report: Report, options: dict[str, Any]) -> str:
    s = summarize(report)
    policies = rule_info.policies_by_id(report)
    body = [
        _header(s),
        _filters(),
        _chart(report.findings),
        *_groups(report.findings, policies),
        _findings_table(_listed(report.findings, options), policies),
        _fixes(report.findings, policies),
        _warnings(report.warnings),
    ]
    return _PAGE.format(version=esc(__version__), css=_CSS, script=_SCRIPT, body="\n".join(body))


def _listed(findings: list[Finding], options: dict[str, Any]) -> list[Finding]:
    """Rows of the results table: everything that needs a look; passes too with --show-passed
    (the matrix shows every result either way)."""
    if options.get("show_passed"):
        return findings
    return [f for f in findings if f.suppression is not None or f.status not in (Status.PASS, Status.NOT_APPLICABLE)]


def _header(s: dict[str, Any]) -> str:
    cells = "".join(
        f'<div class="count"><span class="n" id="count-{esc(k)}">{int(v)}</span>'
        f'<span class="k">{esc(k.replace("_", " "))}</span></div>'
        for k, v in s.items()
    )
    return f'<section id="summary"><h2>Summary</h2><div class="counts">{cells}</div></section>'


def _filters() -> str:
    sev = "".join(
        f'<label><input type="checkbox" data-filter="severity" value="{s.value}" checked> {s.value}</label>'
        for s in reversed(Severity)
    )
    st = "".join(
        f'<label><input type="checkbox" data-filter="status" value="{s}"'
        f"{' checked' if s in _SHOWN_BY_DEFAULT else ''}> {s.replace('_', ' ').lower()}</label>"
        for s in STATUSES
    )
    return (
        f'<section id="filters"><h2>Filters</h2><div>Severity: {sev}</div><div>Status: {st}</div>'
        f'<p>Showing <span id="visible-count">0</span> of <span id="total-count">0</span> results.</p>'
        f'<p id="js-counts" hidden></p></section>'
    )


def _chart(findings: list[Finding]) -> str:
    failed: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for f in findings:
        if f.suppression is not None:
            continue
        if f.is_failure:
            failed[area(f.rule_id)] += 1
        elif f.status is Status.UNKNOWN:
            unknown[area(f.rule_id)] += 1
    areas = [a for a in AREAS.values() if failed[a] or unknown[a]]
    if not areas:
        return '<section id="chart"><h2>Findings by area</h2><p>No failed or unknown results.</p></section>'
    top = max(failed[a] + unknown[a] for a in areas)
    width, bar_h, label_w = 640, 22, 150
    rows = []
    for i, a in enumerate(areas):
        y = i * (bar_h + 6)
        fw = (width - label_w - 80) * failed[a] / top
        uw = (width - label_w - 80) * unknown[a] / top
        rows.append(
            f'<g class="bar" data-area="{esc(a)}"><text x="0" y="{y + 15}">{esc(a)}</text>'
            f'<rect class="fail" x="{label_w}" y="{y}" width="{fw:.1f}" height="{bar_h}"><title>{failed[a]} failed'
            f'</title></rect><rect class="unknown" x="{label_w + fw:.1f}" y="{y}" width="{uw:.1f}" '
            f'height="{bar_h}"><title>{unknown[a]} unknown</title></rect>'
            f'<text x="{label_w + fw + uw + 6:.1f}" y="{y + 15}">{failed[a]} / {unknown[a]}</text></g>'
        )
    height = len(areas) * (bar_h + 6)
    return (
        f'<section id="chart"><h2>Findings by area</h2><p class="legend"><span class="sw fail"></span> failed '
        f'<span class="sw unknown"></span> unknown (suppressed not counted)</p>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="failed and unknown results by area">{"".join(rows)}</svg></section>'
    )


def _groups(findings: list[Finding], policies: dict[str, Any]) -> Iterable[str]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[group_of(f)].append(f)
    yield f'<section id="groups"><h2>By {"account and region" if _live(groups) else "file"} ({len(groups)})</h2>'
    for name in sorted(groups):
        yield _matrix(name, groups[name], policies)
    yield "</section>"


def _live(groups: dict[str, list[Finding]]) -> bool:
    return bool(groups) and all(name.startswith("account ") for name in groups)


def _matrix(name: str, findings: list[Finding], policies: dict[str, Any]) -> str:
    rules = sorted({f.rule_id for f in findings})
    resources = sorted({f.resource_name or f.resource or "(input)" for f in findings})
    cells: dict[tuple[str, str], Finding] = {}
    order = {s: i for i, s in enumerate(STATUSES)}
    for f in findings:
        key = (f.resource_name or f.resource or "(input)", f.rule_id)
        if key not in cells or order[status_of(f)] < order[status_of(cells[key])]:
            cells[key] = f
    bad = sum(1 for f in findings if f.suppression is None and (f.is_failure or f.status is Status.UNKNOWN))
    head = "".join(f'<th title="{esc(rule_info.title(r, policies.get(r)))}">{esc(r)}</th>' for r in rules)
    rows = []
    for resource in resources:
        tds = []
        for rule in rules:
            cell = cells.get((resource, rule))
            if cell is None:
                tds.append("<td></td>")
                continue
            st = status_of(cell)
            tds.append(
                f'<td class="cell {st.lower()}" data-status="{st}" data-severity="{cell.severity.value}" '
                f'title="{esc(rule)} {esc(st)}">{_SYMBOL[st]}</td>'
            )
        rows.append(f'<tr><th class="res">{esc(resource)}</th>{"".join(tds)}</tr>')
    return (
        f'<details class="group"{" open" if bad else ""}><summary>{esc(name)} '
        f'<span class="badge">{bad} failed or unknown</span></summary><div class="scroll">'
        f'<table class="matrix"><thead><tr><th>resource</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def _reason(f: Finding) -> str:
    if f.suppression is not None:
        until = f" (until {f.suppression.expires})" if f.suppression.expires else ""
        return f"suppressed by {f.suppression.source}: {f.suppression.justification}{until}"
    if f.status is Status.UNKNOWN:
        return "cannot be verified (see the message)"
    if f.status is Status.NOT_APPLICABLE:
        return "did not run on this input (see the message)"
    return ""


def _message(message: str) -> str:
    head, evidence = split(message)
    if not evidence:
        return esc(head)
    return f"<details><summary>{esc(head)}</summary>{esc(evidence)}</details>"


def _findings_table(findings: list[Finding], policies: dict[str, Any]) -> str:
    rows = []
    for f in sorted(findings, key=lambda f: (STATUSES.index(status_of(f)), -f.severity.rank, f.sort_key())):
        st = status_of(f)
        where = f"{repo_relative(f.file)}:{f.line}" if is_file_location(f.file) else f.file
        url = rule_info.rule_url(policies.get(f.rule_id))
        rows.append(
            f'<tr class="finding" data-status="{st}" data-severity="{f.severity.value}">'
            f'<td class="sev {f.severity.value}">{f.severity.value}</td><td class="st {st.lower()}">{esc(st)}</td>'
            f'<td><a href="{esc(url)}">{esc(f.rule_id)}</a></td><td class="loc">{esc(where)}</td>'
            f"<td>{esc(f.resource_name or f.resource or '')}</td><td>{_message(f.message)}</td>"
            f'<td class="reason">{esc(_reason(f))}</td></tr>'
        )
    return (
        '<section id="findings"><h2>Results</h2><table class="results"><thead><tr><th>severity</th>'
        "<th>status</th><th>rule</th><th>location</th><th>resource</th><th>message</th>"
        f"<th>reason</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _fixes(findings: list[Finding], policies: dict[str, Any]) -> str:
    fixes: dict[str, str] = {}
    for f in findings:
        if f.suppression is None and f.status is Status.FAIL and f.remediation:
            fixes.setdefault(f.rule_id, f.remediation)
    if not fixes:
        return ""
    items = "".join(
        f"<dt>{esc(r)} {esc(rule_info.title(r, policies.get(r)))}</dt><dd><pre>{esc(fixes[r])}</pre></dd>"
        for r in sorted(fixes)
    )
    return f'<section id="fixes"><h2>How to fix</h2><dl>{items}</dl></section>'


def _warnings(warnings: list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return f'<section id="warnings"><h2>Warnings ({len(warnings)})</h2><ul>{items}</ul></section>'


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ctguard report</title><style>{css}</style></head>
<body><h1>ctguard report</h1>
{body}
<footer>ctguard {version}</footer>
<script>{script}</script></body></html>
"""

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}
.counts{display:flex;flex-wrap:wrap;gap:.5em}.count{border:1px solid #ccc;border-radius:4px;padding:.4em .8em;
text-align:center}.count .n{display:block;font-size:1.4em;font-weight:bold}.count .k{color:#555}
#filters label{margin-right:1em}
svg text{font-size:12px}rect.fail,.sw.fail{fill:#c62828;background:#c62828}
rect.unknown,.sw.unknown{fill:#f9a825;background:#f9a825}.sw{display:inline-block;width:1em;height:1em}
.group{margin:.4em 0;border:1px solid #ddd;border-radius:4px;padding:.3em .6em}
.badge{color:#555;font-size:.9em;margin-left:.5em}.scroll{overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top}
.matrix td{text-align:center;min-width:1.5em}.matrix th.res{text-align:left;font-weight:normal}
.cell.fail,.cell.error{background:#ffcdd2}.cell.unknown{background:#fff3c4}.cell.pass{background:#e8f5e9}
.cell.suppressed{background:#eceff1}.cell.not_applicable{color:#999}
.cell.off{opacity:.15}.results td.loc{font-family:monospace;white-space:nowrap}
.st.fail,.st.error{color:#b71c1c;font-weight:bold}.st.unknown{color:#8d6e00}.st.suppressed{color:#607d8b}
tr.finding.off{display:none}pre{white-space:pre-wrap;margin:0}footer{margin-top:2em;color:#777;font-size:.9em}
"""

# Static code: reads only the data- attributes and checkbox values written above.
_SCRIPT = """
(function () {
  "use strict";
  function chosen(kind) {
    var out = {};
    document.querySelectorAll('input[data-filter="' + kind + '"]').forEach(function (box) {
      if (box.checked) { out[box.value] = true; }
    });
    return out;
  }
  function apply() {
    var sev = chosen("severity"), st = chosen("status"), visible = 0;
    var rows = document.querySelectorAll("tr.finding");
    rows.forEach(function (row) {
      var on = sev[row.dataset.severity] && st[row.dataset.status];
      row.classList.toggle("off", !on);
      if (on) { visible += 1; }
    });
    document.querySelectorAll("td.cell").forEach(function (cell) {
      cell.classList.toggle("off", !(sev[cell.dataset.severity] && st[cell.dataset.status]));
    });
    document.getElementById("visible-count").textContent = String(visible);
    document.getElementById("total-count").textContent = String(rows.length);
  }
  function tally() {
    var counts = {};
    document.querySelectorAll("tr.finding").forEach(function (row) {
      counts[row.dataset.status] = (counts[row.dataset.status] || 0) + 1;
    });
    var out = document.getElementById("js-counts");
    out.textContent = Object.keys(counts).sort().map(function (k) { return k + "=" + counts[k]; }).join(" ");
    out.dataset.ready = "1";
  }
  document.querySelectorAll("input[data-filter]").forEach(function (box) {
    box.addEventListener("change", apply);
  });
  tally();
  apply();
}());
"""
