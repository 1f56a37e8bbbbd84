"""Fixture-driven policy tests: one case per file under ``fixtures/rules/<ID>/<outcome>/``.

Each fixture declares what it expects, in leading ``# expect:`` comments (YAML) or in a
sibling ``<case>.expect`` file (JSON, binary files), one line per expected finding::

    # expect: CT103 FAIL line 12 column 7
    # expect: CT104 FAIL line 9 msg="alias/aws/cloudtrail"
    # expect: CT103 PASS

The test asserts that

* the folder's outcome holds for the folder's rule: the worst status among that rule's
  findings is PASS, FAIL, UNKNOWN or NOT_APPLICABLE as the folder says (for CT00x, ``fail`` means the
  parser-reported finding is present);
* every expect line is met by at least one finding (rule, status, line, column, message
  substring, ``when=`` conditions substring, ``resource=`` logical id);
* no finding of the folder's rule that is not PASS goes undeclared, so a fail fixture
  produces exactly the failures it names, at the lines it names;
* no parser problem (CT001-CT005) goes undeclared: fixtures are otherwise valid templates;
* nothing raises and no policy ends in ERROR (other than a declared CT001).

A fixture is a file (CloudFormation, plan or snapshot JSON) or a directory holding a Terraform
module (``*.tf`` / ``*.tf.json``; expect lines in the leading ``#``/``//`` comments of its
``.tf`` files). A ``# context: account=111122223333 region=eu-west-1`` line gives the deploy
context for that case.

The three templates under ``examples/cloudformation/`` are checked here as well.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from ctguard.api import Report, check
from ctguard.findings import Finding, Status
from ctguard.parsers.context import ParseContext

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
EXAMPLES = REPO / "examples" / "cloudformation"
OUTCOMES = {
    "pass": Status.PASS,
    "fail": Status.FAIL,
    "unknown": Status.UNKNOWN,
    "not_applicable": Status.NOT_APPLICABLE,
}
PARSER_RULES = frozenset({"CT001", "CT002", "CT003", "CT004", "CT005"})
_WORST_FIRST = (Status.ERROR, Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
_EXPECT = re.compile(r"^\s*(?:#|//)?\s*expect:\s*(?P<body>.+?)\s*$")
_SUFFIXES = {".yaml", ".yml", ".json", ".template"}
_CONTEXT = re.compile(r"^\s*(?:#|//)\s*context:\s*(?P<body>.+?)\s*$")


def _is_module_dir(path: Path) -> bool:
    return path.is_dir() and any(p.name.endswith((".tf", ".tf.json")) for p in path.iterdir())


def _comment_lines(fixture: Path) -> list[str]:
    """The leading comment block of a file, or of every .tf file of a module directory."""
    files = sorted(p for p in fixture.iterdir() if p.suffix == ".tf") if fixture.is_dir() else [fixture]
    lines: list[str] = []
    for file in files:
        for line in file.read_bytes().decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            if not line.lstrip().startswith(("#", "//")):
                break
            lines.append(line)
    return lines


def read_context(fixture: Path) -> ParseContext | None:
    sidecar = fixture.with_suffix(".expect")
    if fixture.is_file() and sidecar.is_file():
        lines = sidecar.read_text(encoding="utf-8").splitlines()
    else:
        lines = _comment_lines(fixture)
    for m in filter(None, map(_CONTEXT.match, lines)):
        values = dict(word.split("=", 1) for word in shlex.split(m["body"]))
        return ParseContext(account_id=values.get("account"), region=values.get("region"))
    return None


@dataclass(frozen=True)
class Expectation:
    rule_id: str
    status: Status
    line: int | None = None
    column: int | None = None
    message: str | None = None
    conditions: str | None = None
    resource: str | None = None
    source: str = ""

    def matches(self, f: Finding) -> bool:
        return (
            f.rule_id == self.rule_id
            and f.status == self.status
            and (self.line is None or f.line == self.line)
            and (self.column is None or f.column == self.column)
            and (self.message is None or self.message in f.message)
            and (self.conditions is None or self.conditions in (f.conditions or ""))
            and (self.resource is None or f.resource == self.resource)
        )


def parse_expectation(body: str) -> Expectation:
    """``CT103 FAIL line 12 column 7 msg="..." when="IsProd is false" resource=AuditTrail``"""
    words = shlex.split(body)
    if len(words) < 2:
        raise ValueError(f"expect line needs a rule id and a status: {body!r}")
    rule_id, status = words[0], Status(words[1].upper())
    fields: dict[str, object] = {}
    rest = words[2:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in ("line", "column") and i + 1 < len(rest):
            fields[word] = int(rest[i + 1])
            i += 2
            continue
        key, sep, value = word.partition("=")
        if sep and key == "msg":
            fields["message"] = value
        elif sep and key == "when":
            fields["conditions"] = value
        elif sep and key == "resource":
            fields["resource"] = value
        else:
            raise ValueError(f"cannot read {word!r} in expect line {body!r}")
        i += 1
    return Expectation(rule_id, status, source=body, **fields)  # type: ignore[arg-type]


def read_expectations(fixture: Path) -> list[Expectation]:
    sidecar = fixture.with_suffix(".expect")
    if fixture.is_file() and sidecar.is_file():
        lines = sidecar.read_text(encoding="utf-8").splitlines()
    else:
        lines = _comment_lines(fixture)
    return [parse_expectation(m["body"]) for m in map(_EXPECT.match, lines) if m]


# Fixtures that expose a bug outside this test (parser, engine, policy), as a strict xfail:
# when the bug is fixed the case XPASSes, the run fails, and the entry must be removed.
KNOWN_BUGS: dict[str, str] = {}


def fixture_params() -> list[object]:
    return [
        pytest.param(p, id=_case_id(p), marks=[pytest.mark.xfail(reason=KNOWN_BUGS[_case_id(p)], strict=True)])
        if _case_id(p) in KNOWN_BUGS
        else pytest.param(p, id=_case_id(p))
        for p in fixture_cases()
    ]


def fixture_cases() -> list[Path]:
    if not RULES.is_dir():
        return []
    return sorted(p for p in RULES.glob("*/*/*") if (p.is_file() and p.suffix in _SUFFIXES) or _is_module_dir(p))


def _case_id(path: Path) -> str:
    return str(path.relative_to(RULES))


def _worst(findings: list[Finding]) -> Status | None:
    statuses = {f.status for f in findings}
    return next((s for s in _WORST_FIRST if s in statuses), None)


def _show(findings: list[Finding]) -> str:
    return (
        "\n".join(
            f"  {f.rule_id} {f.status.value} line {f.line} column {f.column} [{f.resource}] {f.message}"
            + (f" (conditions: {f.conditions})" if f.conditions else "")
            for f in findings
        )
        or "  (no findings)"
    )


@pytest.mark.parametrize("fixture", fixture_params())
def test_fixture(fixture: Path) -> None:
    rule_id, outcome = fixture.parent.parent.name, fixture.parent.name
    assert outcome in OUTCOMES, f"{fixture}: folder must be one of {sorted(OUTCOMES)}"
    expectations = read_expectations(fixture)
    assert expectations, f"{fixture}: no `expect:` line (leading comment or sibling .expect file)"

    report = check([fixture], context=read_context(fixture))  # (c): must not raise
    findings = report.findings
    listing = _show(findings)

    # (b) every expect line holds
    for exp in expectations:
        assert any(exp.matches(f) for f in findings), f"expectation not met: {exp.source}\nfindings:\n{listing}"

    mine = [f for f in findings if f.rule_id == rule_id]
    # (a) the folder's outcome for the folder's rule
    if rule_id in PARSER_RULES:
        assert outcome == "fail", f"{fixture}: parser rules only have fail fixtures"
        assert mine, f"{rule_id} not reported\nfindings:\n{listing}"
        assert any(e.rule_id == rule_id for e in expectations), f"{fixture}: declare the {rule_id} finding"
    else:
        assert mine, f"{rule_id} produced no finding\nfindings:\n{listing}"
        assert _worst(mine) == OUTCOMES[outcome], (
            f"{rule_id}: expected {OUTCOMES[outcome].value}, got {_worst(mine).value}\nfindings:\n{listing}"
        )
        assert any(e.rule_id == rule_id and e.status == OUTCOMES[outcome] for e in expectations), (
            f"{fixture}: the expect lines must name {rule_id} {OUTCOMES[outcome].value}"
        )

    # nothing undeclared: the folder rule's non-PASS findings and every parser problem
    for f in findings:
        declared = any(e.matches(f) for e in expectations)
        if f.rule_id in PARSER_RULES or (f.rule_id == rule_id and f.status not in (Status.PASS, Status.NOT_APPLICABLE)):
            assert declared, f"undeclared finding: {_show([f])}\nall findings:\n{listing}"
        if f.status == Status.ERROR:
            assert f.rule_id == "CT001" and declared, f"ERROR finding: {_show([f])}"


def test_known_bugs_name_existing_fixtures() -> None:
    cases = {_case_id(p) for p in fixture_cases()}
    assert set(KNOWN_BUGS) <= cases, sorted(set(KNOWN_BUGS) - cases)


def test_fixture_tree_is_well_formed() -> None:
    """Folder names are policy ids and outcomes; every file is a fixture or a sidecar."""
    policy_ids = {p.name.split("-")[0] for p in (REPO / "policies").glob("*.yaml")}
    stems = [p.with_suffix("") for p in fixture_cases()]
    assert len(stems) == len(set(stems)), "two fixtures share a name (and so a .expect file)"
    for rule_dir in RULES.iterdir():
        assert rule_dir.name in policy_ids, f"{rule_dir}: no policy {rule_dir.name}"
        for outcome_dir in rule_dir.iterdir():
            assert outcome_dir.name in OUTCOMES, f"{outcome_dir}: expected pass, fail or unknown"
            for file in outcome_dir.iterdir():
                if file.is_dir():
                    assert _is_module_dir(file), f"{file}: a fixture directory must hold a Terraform module"
                    assert read_expectations(file), f"{file}: no `expect:` line in its .tf files"
                elif file.suffix == ".expect":
                    siblings = [file.with_suffix(s) for s in _SUFFIXES]
                    assert any(s.is_file() for s in siblings), f"{file}: no fixture beside it"
                else:
                    assert file.suffix in _SUFFIXES, f"{file}: unexpected file"
                    if file.suffix == ".json":
                        assert file.with_suffix(".expect").is_file(), f"{file}: JSON fixtures need a .expect file"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("CT103 PASS", Expectation("CT103", Status.PASS)),
        ("CT103 FAIL line 12", Expectation("CT103", Status.FAIL, 12)),
        ('CT104 FAIL line 9 column 7 msg="alias/aws"', Expectation("CT104", Status.FAIL, 9, 7, "alias/aws")),
        ("CT201 FAIL lines 3", None),
        ("CT201 MAYBE", None),
    ],
)
def test_expect_syntax(body: str, expected: Expectation | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            parse_expectation(body)
        return
    got = parse_expectation(body)
    assert (got.rule_id, got.status, got.line, got.column, got.message) == (
        expected.rule_id,
        expected.status,
        expected.line,
        expected.column,
        expected.message,
    )


# --- examples/ --------------------------------------------------------------------------

TRAIL_POLICIES = sorted(p.name.split("-")[0] for p in (REPO / "policies").glob("CT1*.yaml"))


def test_example_secure_trail_passes_everything() -> None:
    report = check([EXAMPLES / "secure-trail.yaml"])
    listing = _show(report.findings)
    # Without --account/--region the delivery checks (CT4xx) cannot evaluate policies that name
    # the account or region: they are UNKNOWN and say so. Everything else passes.
    deferred = [
        f
        for f in report.findings
        if f.status == Status.UNKNOWN and f.rule_id.startswith("CT4") and "deploy time" in f.message
    ]
    assert {f.rule_id for f in report.findings} >= set(TRAIL_POLICIES), listing
    assert all(f.status == Status.PASS for f in report.findings if f not in deferred and f.rule_id not in LIVE_ONLY), (
        listing
    )
    _assert_live_only_not_applicable(report)
    assert report.exit_code() == 0


def test_example_secure_trail_passes_everything_with_deploy_context() -> None:
    context = ParseContext(account_id="111122223333", region="eu-west-1")
    _assert_all_pass(check([EXAMPLES / "secure-trail.yaml"], context=context))


@pytest.mark.parametrize(
    "case",
    [
        "CT104/pass/getatt-key-arn.yaml",
        "CT104/pass/getatt-long-form.json",
        "CT105/pass/log-group-and-role.yaml",
        "CT105/pass/log-group-and-role-long-form.json",
    ],
)
def test_getatt_arn_fixtures_pass_with_deploy_context(case: str) -> None:
    """The GetAtt fixtures in KNOWN_BUGS are right: with a region and account they pass."""
    context = ParseContext(account_id="111122223333", region="eu-west-1")
    report = check([RULES / case], context=context)
    rule_id = case.split("/")[0]
    mine = [f for f in report.findings if f.rule_id == rule_id]
    assert mine and _worst(mine) == Status.PASS, _show(report.findings)


def _assert_all_pass(report: Report) -> None:
    listing = _show(report.findings)
    assert {f.rule_id for f in report.findings} >= set(TRAIL_POLICIES), listing
    assert all(f.status == Status.PASS for f in report.findings if f.rule_id not in LIVE_ONLY), listing
    _assert_live_only_not_applicable(report)
    assert report.exit_code() == 0


# What a template cannot show: every trail of the account, its enabled regions, its organization,
# and the trail's live status; and CIS monitoring (CT501-CT515) in a template that defines no metric
# filter, alarm or EventBridge rule. These rules do not run there, and do not pass there.
LIVE_ONLY = frozenset(
    {
        "CT601",
        "CT604",
        "CT605",
        "CT801",
        "CT802",
        "CT803",
        "CT804",
        "CT805",
        "CT806",
        "CT807",
        *(f"CT{n}" for n in range(501, 516)),
    }
)


def _assert_live_only_not_applicable(report: Report) -> None:
    not_applicable = {f.rule_id for f in report.findings if f.status == Status.NOT_APPLICABLE}
    assert not_applicable == LIVE_ONLY, _show(report.findings)


def test_example_weak_trail_fails_typical_mistakes() -> None:
    report = check([EXAMPLES / "weak-trail.yaml"])
    listing = _show(report.findings)
    failing = {f.rule_id for f in report.findings if f.status == Status.FAIL}
    assert {"CT101", "CT103", "CT104", "CT105", "CT201"} <= failing, listing
    assert not [f for f in report.findings if f.rule_id in PARSER_RULES], listing
    assert report.exit_code() == 1


def test_example_unrelated_template_is_silent() -> None:
    report = check([EXAMPLES / "unrelated-lambda.yaml"])
    assert report.findings == [], _show(report.findings)
    assert report.exit_code() == 0
