"""The conditions under which a finding holds, in short form.

A finding that holds in some variants of a template names the conditions of those variants. Listed
in full that is one conjunction of every condition per variant (a 16-term disjunction for a
16-variant template). Instead each variant's conjunction keeps only the literals needed to tell it
from the variants where the finding does not hold, and conjunctions implied by others are dropped:
"when UseKms is false" rather than every combination that includes it.
"""

from __future__ import annotations

Assignment = tuple[tuple[str, bool], ...]


def simplified(hit: list[Assignment], every: list[Assignment]) -> str | None:
    """Text true on the ``hit`` variants and false on the other variants of ``every``."""
    hits = list(dict.fromkeys(hit))
    hit_set = set(hits)
    misses = [dict(a) for a in every if a not in hit_set]
    spread = _spread(hits)
    terms: list[dict[str, bool]] = []
    for assignment in hits:
        term = dict(assignment)
        for name in sorted(term, key=spread.__getitem__, reverse=True):
            trial = {k: v for k, v in term.items() if k != name}
            if trial and not any(_may_match(trial, m) for m in misses):
                term = trial
        terms.append(term)
    unique = [t for i, t in enumerate(terms) if t not in terms[:i]]
    kept = [t for t in unique if not any(o != t and o.items() <= t.items() for o in unique)]
    text = " or ".join(
        " and ".join(f"{n} is {'true' if v else 'false'}" for n, v in sorted(t.items())) for t in kept if t
    )
    return text or None


def _spread(hits: list[Assignment]) -> dict[str, int]:
    """How many values each condition takes among the hits: one that varies there is dropped first.
    Computed once for all names (per name and per hit it was cubic: 1 s for a 30-condition template)."""
    as_dicts = [dict(a) for a in hits]
    names = {name for d in as_dicts for name in d}
    return {name: len({d.get(name) for d in as_dicts}) for name in names}


def _may_match(term: dict[str, bool], variant: dict[str, bool]) -> bool:
    # A variant that does not record a condition (undecided there) may have either value.
    return all(variant.get(k, v) == v for k, v in term.items())
