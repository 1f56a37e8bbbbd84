"""The tree-sitter fast path gives python-hcl2's exact Lark tree and the Lark path's exact body
(``parse_body``: blocks, labels, attribute positions, expression trees), or declines and Lark decides."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Tree

from ctguard.parsers.terraform import fastparse as tf_fastparse
from ctguard.parsers.terraform import hcl as tf_hcl
from ctguard.parsers.terraform.body import body_of
from ctguard.parsers.terraform.comments import blank_comments
from ctguard.parsers.terraform.treediff import first_body_difference, first_difference

pytest.importorskip("tree_sitter_hcl")
hcl2 = pytest.importorskip("hcl2")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hardening"))
from mutators import mutate_hcl  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
TF_FILES = sorted(p for d in ("fixtures", "examples", "tests") for p in (REPO / d).rglob("*.tf") if p.is_file())

# Every construct the translator handles, written the ways python-hcl2's grammar places line breaks
# (the trailing new_line_or_comment an operation takes, newlines in tuples, objects, calls, for).
CONSTRUCTS = """
resource "aws_cloudtrail" "t" {
  count          = var.on ? 1 : 0
  for_each       = { for k, v in var.trails : k => v if v.enabled }
  name           = "trail-${var.env}-$${literal}-%%{x}"
  flag           = !var.off && (var.a == 1 || var.b != "x")
  sum            = 1 + 2 * 3 - 4 / 5 % 6
  cmp            = var.n >= 3
  neg            = -1
  neg_literal    = -18446744073709551617
  f              = 1.5e3
  ids            = aws_s3_bucket.b[*].id
  arns           = aws_s3_bucket.b.*.arn
  first          = aws_s3_bucket.b[0].id
  names          = [for b in var.buckets : upper(b.name)]
  merged         = merge(var.tags, {
    Name = "x"
    "k": true,
  }, local.more...)
  list           = [
    1,
    null,
    "three"
  ]
  policy         = <<EOF
{"Statement": [${jsonencode(var.s)}]}
EOF
  trimmed        = <<-EOT
    indented
  EOT
  dynamic "event_selector" {
    for_each = var.selectors
    content {
      read_write_type = event_selector.value
    }
  }
  empty {}
}
"""


def _both(text: str) -> tuple[object, object]:
    try:
        lark: object = hcl2.parses_to_tree(text)
    except Exception as exc:
        lark = exc
    try:
        fast: object = tf_fastparse.parse_tree(text)
    except tf_fastparse.Decline as exc:
        fast = exc
    return lark, fast


def _same_body(text: str, lark: object) -> None:
    """The body built straight from tree-sitter's tree is the body ``tf_hcl`` reads from Lark's."""
    assert isinstance(lark, Tree), lark
    direct = tf_fastparse.parse_body(text, "dir/main.tf")
    assert first_body_difference(body_of(lark.children[0], "dir/main.tf"), direct) is None


def test_the_constructs_are_translated_not_declined() -> None:
    lark, fast = _both(CONSTRUCTS)
    assert not isinstance(fast, Exception), fast
    assert first_difference(lark, fast) is None
    _same_body(CONSTRUCTS, lark)


@pytest.mark.parametrize(
    "text",
    [
        "a = 1\n",
        "a = x + y\n\n\nb = 2\n",
        "a = [x + y\n]\n",
        "a = f(\n  x,\n  y\n)\n",
        "a = (\n  1\n)\n",
        "a = {}\nb = []\nc = f()\n",
        "a = [-1, -12, -1.5, -1e3, - 3, x -1, -x]\n",
        'b "l" m {\n}\n',
        'b "l " " m" "  " {\n  a = " x "\n}\n',  # tree-sitter's template_literal leaves these blanks out
        "in = 1\nnull = 2\n",
        "a = x ? y : z + w\n",
        "a = var.a\n  ? 1\n  : 2\n",
        "a = 1\n  + 2\n",
    ],  # python-hcl2 merges these line breaks into the operator
)
def test_small_shapes_are_identical(text: str) -> None:
    lark, fast = _both(text)
    assert not isinstance(lark, Exception)
    if not isinstance(fast, Exception):
        assert first_difference(lark, fast) is None
        _same_body(text, lark)


def test_every_tf_file_of_the_repository_gives_the_same_tree() -> None:
    translated = 0
    declined: list[str] = []
    for path in TF_FILES:
        text = blank_comments(path.read_text(encoding="utf-8", errors="replace"))
        lark, fast = _both(text)
        if isinstance(fast, Exception):
            declined.append(path.name)
            continue
        assert not isinstance(lark, Exception), f"{path}: fast path accepted what Lark refuses ({lark})"
        assert first_difference(lark, fast) is None, f"{path}: {first_difference(lark, fast)}"
        _same_body(text, lark)
        translated += 1
    # Declining is always safe (Lark decides); the fast path must still carry nearly every file.
    # Fixtures that hold the shapes it declines on purpose (NUL bytes, nested conditionals)
    # grow with the tests, so the bound is a share, not a count.
    assert translated > 150 and len(declined) <= len(TF_FILES) // 20, (translated, declined)


@pytest.mark.parametrize(
    ("text", "invalid"),
    [
        ('resource "a" "b" {\n  x = \n}\n', True),
        ("a = [1, 2\n", True),
        ('a = "x\n', True),
        ("a = x -12\n", True),  # python-hcl2 lexes `-12` as one literal even after an operand
        ("a = 1 b = 2\n", False),
    ],  # python-hcl2 takes two attributes on one line; tree-sitter does not
)
def test_odd_hcl_is_declined_and_read_as_before(text: str, invalid: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(tf_fastparse.Decline):
        tf_fastparse.parse_tree(text)
    monkeypatch.setenv("XDG_CACHE_HOME", "/nonexistent/ctguard-test")
    default = tf_hcl.parse_text("main.tf", text)
    monkeypatch.setenv("CTGUARD_HCL_PARSER", "lark")
    assert tf_hcl.parse_text("main.tf", text) == default
    assert isinstance(default, tf_hcl.HclError) is invalid


def test_without_tree_sitter_the_fast_path_declines_and_lark_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tf_fastparse, "_LANGUAGE", None)
    monkeypatch.setattr(tf_fastparse, "_UNAVAILABLE", False)
    monkeypatch.setitem(sys.modules, "tree_sitter_hcl", None)  # import raises ImportError
    assert not tf_fastparse.available()
    with pytest.raises(tf_fastparse.Decline):
        tf_fastparse.parse_tree(CONSTRUCTS)
    monkeypatch.setenv("XDG_CACHE_HOME", "/nonexistent/ctguard-test")
    body = tf_hcl.parse_text("main.tf", CONSTRUCTS)
    assert isinstance(body, tf_hcl.Body) and body.blocks[0].labels == ("aws_cloudtrail", "t")


_BASES = [p.read_text(encoding="utf-8") for p in TF_FILES if "fuzz" not in p.parts][:40] + [CONSTRUCTS]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_BASES), st.randoms(use_true_random=False))
def test_mutated_hcl_is_identical_or_declined(base: str, rng: random.Random) -> None:
    _identical_or_declined(blank_comments(mutate_hcl(rng, base)))


def _identical_or_declined(text: str) -> None:
    lark, fast = _both(text)
    if isinstance(fast, Exception):
        return
    assert not isinstance(lark, Exception), f"fast path accepted what Lark refuses: {lark}"
    assert first_difference(lark, fast) is None
    _same_body(text, lark)


def test_a_conditional_in_the_false_branch_after_a_comparison_is_lark_shaped_or_declined() -> None:
    # Found by test_mutated_hcl_is_identical_or_declined: tree-sitter-hcl nested the second comparison's
    # conditional into the first condition; python-hcl2 (and HCL) nest it in the false branch.
    text = 'x = var.env == "prod" ? true : var.env == "dev" ? true : false\n'
    lark, fast = _both(text)
    assert not isinstance(lark, Exception)
    assert isinstance(fast, tf_fastparse.Decline) or first_difference(lark, fast) is None
    assert isinstance(tf_hcl.parse_text("main.tf", text), tf_hcl.Body)


# Lark counts characters, tree-sitter bytes: non-ASCII text is translated through a one-letter-per-
# character stand-in. Real files carry it in descriptions, tags and heredoc policies.
NON_ASCII_TRANSLATED = [
    'variable "v" {\n  description = "Résumé du journal — piste d\'audit"\n  default = "日本語"\n}\n',
    'resource "aws_cloudtrail" "t" {\n  name = "🙂-${var.env}-é"\n  tags = { Owner = "Zoë", "clé" = "x" }\n}\n',
    'locals {\n  policy = <<EOF\n{"Sid": "Ünïcödé 🙂"}\nEOF\n  after = "ß" == var.x ? "ok" : "ñ"\n}\n',
    'resource "aws_s3_bucket" "bücket" {\n  bucket = "b"\n}\n',  # a non-ASCII label: a string
    'a = "\u00e9 \\u00e9 ${"é"}"\nb = [\n  "α",\n  "β",\n]\n',
]
NON_ASCII_REFUSED_BY_LARK = [
    "é = 1\n",  # python-hcl2's NAME is ASCII only
    "a = var.é\n",
    'resource "x" "y" {\n  name\u00a0= "t"\n}\n',  # a no-break space is not blank to python-hcl2
    "a = f\u00e9(1)\n",
    "a = 1\u00a0\n",
]


@pytest.mark.parametrize("text", NON_ASCII_TRANSLATED)
def test_non_ascii_text_is_translated_with_character_positions(text: str) -> None:
    lark, fast = _both(text)
    assert not isinstance(fast, Exception), fast
    assert first_difference(lark, fast) is None
    _same_body(text, lark)


@pytest.mark.parametrize("text", NON_ASCII_REFUSED_BY_LARK)
def test_non_ascii_where_lark_refuses_it_is_declined(text: str) -> None:
    lark, fast = _both(text)
    assert isinstance(lark, Exception)
    assert isinstance(fast, tf_fastparse.Decline)


_NON_ASCII = ["é", "日本", "🙂", "\u00a0", "e\u0301", "\u2028", "ß", "\ufeff"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_BASES), st.randoms(use_true_random=False))
def test_mutated_hcl_with_non_ascii_characters_is_identical_or_declined(base: str, rng: random.Random) -> None:
    text = mutate_hcl(rng, base) if rng.random() < 0.5 else base
    for _ in range(rng.randint(1, 4)):  # anywhere: in strings and heredocs, names, between tokens
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(_NON_ASCII) + text[at:]
    _identical_or_declined(blank_comments(text))


@pytest.mark.skipif(not tf_fastparse.available(), reason="tree-sitter not installed")
def test_threads_parse_with_their_own_parser() -> None:
    """A tree-sitter parser keeps state between parses: the API's check() run from several threads
    of a host program must not share one."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    texts = [f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n' * 50 for i in range(8)]
    alone = [tf_fastparse.parse_body(t, "main.tf") for t in texts]
    met = threading.Barrier(4)

    def parser_of_a_thread(_: int) -> int:
        met.wait(timeout=10)  # four tasks at once: four threads
        return id(tf_fastparse._parser())

    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: tf_fastparse.parse_body(t, "main.tf"), texts * 4))
        parsers = set(pool.map(parser_of_a_thread, range(4)))
    assert together == alone * 4
    assert len(parsers) == 4 and id(tf_fastparse._parser()) not in parsers
