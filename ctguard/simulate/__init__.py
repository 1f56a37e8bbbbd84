"""Selector simulator: would these trails record this CloudTrail event?  See docs/simulator.md.

ctx = SimContext(account_id="111111111111", region="us-east-1")
trail = compile_trail(model_trail, ctx)           # once per trail
verdict = trail.evaluate(Event.from_record(rec))  # per record
print(render_text(verdict, event))
"""

from __future__ import annotations

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
from ctguard.simulate.explain import render_text, verdict_to_dict
from ctguard.simulate.normalize import Normalized, normalize_basic, normalize_trail
from ctguard.simulate.policy import DEFAULT_POLICY, SimPolicy
from ctguard.simulate.replay import Replay, Shape
from ctguard.simulate.report import summarize

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
