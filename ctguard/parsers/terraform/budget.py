"""Work limits for one Terraform input: instances that count/for_each/dynamic/modules create,
and expression evaluation steps.

A few lines of HCL can ask for billions of instances (a module with ``count`` that calls a
module with ``count`` ...) or for an exponential evaluation (each local doubling the previous
one).  Limits per construct do not bound that; one budget shared by every module and evaluator
of the parse does.  When it runs out the parse goes on with what it has (further instances are
not created, further expressions are Unknown) and the input gets one CT002 naming the first
place that asked for too much and what to do (issue 22 bullet 3, issue 17 bullet 4).
"""

from __future__ import annotations

from dataclasses import dataclass

# A trail configuration needs a handful of instances; the limits leave room for real
# organizations' module trees and stop well before a second of work.
MAX_TOTAL_INSTANCES = 5_000
MAX_STEPS = 400_000
# AWS allows 5 trails per Region; an input that makes more than this many only multiplies the work
# (each trail meets every policy and the simulator).
MAX_TOTAL_TRAILS = 25


# Per file, before anything is built from the syntax tree. Real Terraform holds 250,000-400,000
# tree-sitter nodes per MB (the largest file of the real-world corpus: 7,237 nodes in 23 KB), so
# this is some 600 KB-1 MB of real code, 35 times that file. Reading costs about 5 us per node
# (translation and evaluation): 295,000 nodes of one list literal took 2.0 s, 880,000 nodes of
# nested object literals 2.6 s and 716 MB.
MAX_SYNTAX_NODES = 250_000
# The same bound for Terraform JSON (``*.tf.json``), counted in JSON values before loading: each
# becomes about four syntax nodes once its HCL text is parsed. CDK for Terraform writes indented
# JSON, some 40 values per KB, so a file under the 1 MiB limit holds fewer; 1 MB of compact JSON
# buckets holds 106,000 and took 2.3-2.5 s.
MAX_JSON_VALUES = 60_000
# Files the fast reader leaves to python-hcl2's Lark parser (a construct it cannot promise to
# rebuild exactly, or a syntax error whose message Lark words) take ~7 s per MB there.
MAX_EXACT_PARSE_CHARS = 256 * 1024


class ParseBudget(Exception):
    """A file ctguard does not read whole: said as CT001 at ``line``/``column``, what to do included."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(slots=True)
class Budget:
    instances_left: int = MAX_TOTAL_INSTANCES
    steps_left: int = MAX_STEPS
    trails_left: int = MAX_TOTAL_TRAILS
    # The first breach: (message, file, line, column); reported once as CT002.
    breach: tuple[str, str, int, int] | None = None

    def grant(self, wanted: int, what: str, file: str, line: int, column: int) -> int:
        """How many of ``wanted`` instances may be created; records the breach when not all."""
        granted = max(0, min(wanted, self.instances_left))
        self.instances_left -= granted
        if granted < wanted and self.breach is None:  # only the first breach is said: the others cost no text
            self.exceeded(
                f"{what} asks for {wanted:,} instances; the input's budget of {MAX_TOTAL_INSTANCES:,} "
                f"instances is spent, so ctguard checks only the instances created before it "
                f"(lower count/for_each, or check the module on its own)",
                file,
                line,
                column,
            )
        return granted

    def grant_trails(self, wanted: int, what: str, file: str, line: int, column: int) -> int:
        granted = max(0, min(wanted, self.trails_left))
        self.trails_left -= granted
        if granted < wanted:
            self.exceeded(
                f"{what} makes more than the {MAX_TOTAL_TRAILS} trails ctguard checks in one input "
                "(AWS allows 5 per Region); the others are not checked: lower count/for_each",
                file,
                line,
                column,
            )
        return granted

    def step(self) -> bool:
        """One evaluation step; False once the budget is spent."""
        self.steps_left -= 1
        return self.steps_left >= 0

    def exceeded(self, message: str, file: str, line: int, column: int) -> None:
        if self.breach is None:
            self.breach = (message, file, line, column)

    @property
    def steps_spent(self) -> bool:
        return self.steps_left < 0


__all__ = [
    "MAX_EXACT_PARSE_CHARS",
    "MAX_JSON_VALUES",
    "MAX_STEPS",
    "MAX_SYNTAX_NODES",
    "MAX_TOTAL_INSTANCES",
    "MAX_TOTAL_TRAILS",
    "Budget",
    "ParseBudget",
]
