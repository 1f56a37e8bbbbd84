"""Selector simulator: would these trails record this CloudTrail event?  See docs/simulator.md.

ctx = SimContext(account_id="111111111111", region="us-east-1")
trail = compile_trail(model_trail, ctx)           # once per trail
verdict = trail.evaluate(Event.from_record(rec))  # per record
print(render_text(verdict, event))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctguard.simulate.evaluate import (
    CompiledTrail,
    DecidedBy,
    SimContext,
    Verdict,
    captured_by_any,
    compile_trail,
    evaluate,
    evaluate_trails,
)
from ctguard.simulate.events import Event, Resource
from ctguard.simulate.normalize import Normalized, normalize_basic, normalize_trail
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy

if TYPE_CHECKING:
    from ctguard.simulate.explain import render_text, verdict_to_dict
    from ctguard.simulate.replay import Replay, Shape
    from ctguard.simulate.report import summarize


def __getattr__(name: str) -> Any:
    # The archive replay and its report are for ``ctguard simulate``; a check imports this
    # package for the evaluator only, so they are imported on first use (issue 21, start-up).
    if name in ("Replay", "Shape"):
        from ctguard.simulate import replay

        return getattr(replay, name)
    if name == "summarize":
        from ctguard.simulate.report import summarize

        return summarize
    if name in ("render_text", "verdict_to_dict"):  # the explanations, for simulate and reports
        from ctguard.simulate import explain

        return getattr(explain, name)
    raise AttributeError(f"module 'ctguard.simulate' has no attribute {name!r}")


__all__ = [
    "DEFAULT_POLICY",
    "CompiledTrail",
    "DecidedBy",
    "Event",
    "Normalized",
    "Replay",
    "Resource",
    "Shape",
    "SimContext",
    "SimPolicy",
    "Verdict",
    "captured_by_any",
    "compile_trail",
    "evaluate",
    "evaluate_trails",
    "normalize_basic",
    "normalize_trail",
    "render_text",
    "summarize",
    "verdict_to_dict",
]
