"""The snapshot fixtures under fixtures/rules are what scripts/make_snapshot_fixtures.py writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_snapshot_fixtures", REPO / "scripts" / "make_snapshot_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_fixtures_match_the_generator() -> None:
    generator = _generator()
    stale = []
    for name in sorted(generator.CASES):
        body, expect = generator.render(name)
        path = REPO / "fixtures" / "rules" / f"{name}.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != body:
            stale.append(str(path))
        if path.with_suffix(".expect").read_text(encoding="utf-8") != expect:
            stale.append(str(path.with_suffix(".expect")))
    assert not stale, "run python scripts/make_snapshot_fixtures.py:\n" + "\n".join(stale)


def test_every_delivery_policy_and_the_monitoring_chain_have_snapshot_cases() -> None:
    cases = _generator().CASES
    rules = {name.split("/")[0] for name in cases}
    assert {f"CT4{n:02d}" for n in range(1, 18)} <= rules
    ct503 = {name.split("/", 1)[1] for name in cases if name.startswith("CT503/")}
    assert {
        "pass/snapshot-complete-chain",
        "pass/snapshot-eventbridge-rule",
        "unknown/snapshot-organization-trail-from-member",
    } <= ct503
    assert len([c for c in ct503 if c.startswith("fail/")]) >= 8
