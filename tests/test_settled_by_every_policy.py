"""The settled-by-context count is exact over every policy's unknown fixtures.

Each fixture under ``fixtures/rules/CTxxx/unknown*`` is checked twice, without and with
``--account``/``--region``: an UNKNOWN counted as settled by them (``Finding.settled_by``) must
become PASS, FAIL or NOT_APPLICABLE with the context, and one not counted must stay UNKNOWN.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ctguard import api
from ctguard.findings import Finding, Status
from ctguard.parsers.context import ParseContext

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
CONTEXT = ParseContext(account_id="111122223333", region="us-east-1")


def _fixtures(policy_dir: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(policy_dir.glob("unknown*")):
        found.extend(sorted(entry.iterdir()) if entry.is_dir() else [entry])
    return found


POLICIES = sorted(d for d in RULES.iterdir() if d.is_dir() and _fixtures(d))


# Rules whose UNKNOWN the context may decide although it is not counted (a safe under-count),
# with why the count cannot see it. Never the other way: a counted result is always settled.
NOT_TRACED = {
    # Coverage goes through the simulator, whose verdicts keep the reason of an unknown selector
    # value as text, not the symbols it waits on.
    **dict.fromkeys(("CT201", "CT202", "CT203", "CT204", "CT310", "CT311", "CT707"), "simulated coverage"),
    # A filter on a log group named from the account may or may not be the trail's: whether the
    # context decides the item depends on the account given, so it is not counted.
    **{f"CT5{n:02d}": "depends on the value given" for n in range(1, 16)},
}


def _key(finding: Finding) -> tuple[object, ...]:
    # An account-scope finding is named after the account, which --account gives.
    resource = None if finding.resource_kind == "account" else finding.resource
    return finding.rule_id, finding.resource_kind, resource, finding.conditions


@cache
def _pairs(path: Path) -> tuple[tuple[Finding, tuple[str, ...]], ...]:
    """Every UNKNOWN of a default run with the statuses of the same results given the context."""
    before = api.check([path], jobs=1).findings
    after: dict[tuple[object, ...], list[str]] = {}
    for finding in api.check([path], jobs=1, context=CONTEXT).findings:
        after.setdefault(_key(finding), []).append(finding.status.value)
    return tuple((f, tuple(after.get(_key(f), ()))) for f in before if f.status is Status.UNKNOWN)


@pytest.mark.parametrize("policy_dir", POLICIES, ids=lambda d: d.name)
def test_counted_iff_the_context_decides_it(policy_dir: Path) -> None:
    wrong = []
    for path in _fixtures(policy_dir):
        for finding, statuses in _pairs(path):
            assert statuses, f"{path.name}: {finding.rule_id} has no counterpart with the context"
            decided = Status.UNKNOWN.value not in statuses
            if bool(finding.settled_by) != decided and not (decided and finding.rule_id in NOT_TRACED):
                counted = "counted" if finding.settled_by else "not counted"
                wrong.append(f"{path.relative_to(RULES)}: {finding.rule_id} {counted}, with the context {statuses}")
    assert not wrong, "\n".join(wrong)


def test_the_fixtures_hold_results_the_context_settles() -> None:
    # The exactness test above must see both kinds, or it could not fail.
    settled = [
        (path.name, f.rule_id)
        for policy_dir in POLICIES
        for path in _fixtures(policy_dir)
        for f, _ in _pairs(path)
        if f.settled_by
    ]
    rules = {rule for _, rule in settled}
    assert len(rules) >= 2, settled
