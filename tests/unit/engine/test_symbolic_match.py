"""``matches`` on strings with deploy-time symbols: decided only when every deployment agrees."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ctguard.engine.symbolic_match import symbolic_search
from ctguard.symbols import CLASSES, SHAPES
from ctguard.values import Symbol, Symbolic

AWS_MANAGED = "(^|:)alias/aws/"  # CT104's pattern


def _value(*parts: str | tuple[str, str]) -> Symbolic:
    """Literal strings, and (name, shape) pairs for symbols."""
    return Symbolic("deploy time", tuple(p if isinstance(p, str) else Symbol(p[0], p[1]) for p in parts))


REGION = ("AWS::Region", "region")
ACCOUNT = ("AWS::AccountId", "account")
PARTITION = ("AWS::Partition", "partition")
TEXT = ("KeyAlias", "text")


def test_key_arn_from_region_and_account_is_never_an_aws_managed_alias() -> None:
    key = _value("arn:aws:kms:", REGION, ":", ACCOUNT, ":key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert symbolic_search(AWS_MANAGED, key) is False


def test_aws_managed_alias_written_out_is_always_one() -> None:
    alias = _value("arn:", PARTITION, ":kms:", REGION, ":", ACCOUNT, ":alias/aws/cloudtrail")
    assert symbolic_search(AWS_MANAGED, alias) is True
    assert symbolic_search(AWS_MANAGED, _value("alias/aws/", TEXT)) is True  # ^ at the real start


def test_a_free_text_symbol_keeps_it_open() -> None:
    assert symbolic_search(AWS_MANAGED, _value("arn:aws:kms:us-east-1:", ACCOUNT, ":alias/", TEXT)) is None
    # A region is letters, digits and hyphens: it could spell "alias" but never the slash.
    assert symbolic_search("alias/", _value(REGION, "/x")) is None
    assert symbolic_search("alias/", _value(ACCOUNT, "/x")) is False


def test_anchors_and_lookarounds_are_not_claimed_at_a_parts_edge() -> None:
    # "^key" holds in the literal ":key/..." only if nothing came before: never claimed.
    assert symbolic_search("^key/", _value(ACCOUNT, "key/1")) is not True
    assert symbolic_search("key/$", _value("key/", ACCOUNT)) is not True
    assert symbolic_search(r"\bkey", _value(REGION, "key")) is None
    assert symbolic_search("(?=key)key", _value(REGION, ":key")) is None
    assert symbolic_search("(?i)ALIAS/", _value(ACCOUNT, ":alias/")) is None
    # A match may not lean on a neighbouring symbol's character: that symbol may be empty.
    assert symbolic_search("k.", _value("k", TEXT)) is None
    assert symbolic_search("k.", _value("k", ACCOUNT)) is None
    assert symbolic_search("k.", _value("kk", TEXT)) is True


# --- soundness against expansions ------------------------------------------------------------

_ALPHABET = "al:/s1-k"
_SHAPES = ["account", "region", "partition", "decimal", "uuid", "text"]
_PATTERNS = st.sampled_from(
    [AWS_MANAGED, "alias/", "^arn:", "s/$", ":k", "a.s", "(a|l)/", "[0-9]{3}/", "l-", "^a", "1$", ".k", "k.", "[^a]k"]
)


def _expansion(rng: random.Random, parts: tuple[str | Symbol, ...]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        shape = SHAPES[part.shape]
        allowed = [c for c in _ALPHABET + "abcdefghijklmnopqrstuvwxyz0123456789-./:" if CLASSES[shape.chars](c)]
        high = shape.high if shape.high is not None else shape.low + 6
        out.append("".join(rng.choice(allowed) for _ in range(rng.randint(shape.low, high))))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.text(alphabet=_ALPHABET, min_size=1, max_size=6), st.sampled_from(_SHAPES)), min_size=1, max_size=4
    ),
    pattern=_PATTERNS,
    seed=st.integers(0, 2**32),
)
def test_decisions_hold_for_every_sampled_deployment(parts: list[str], pattern: str, seed: int) -> None:
    value = _value(*[(p, p) if p in _SHAPES else p for p in parts])
    decided = symbolic_search(pattern, value)
    if decided is None:
        return
    rng = random.Random(seed)
    regex = re.compile(pattern)
    for _ in range(40):
        text = _expansion(rng, value.parts)
        assert (regex.search(text) is not None) is decided, (pattern, value.parts, text)
