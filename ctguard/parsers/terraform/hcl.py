"""Loading HCL files into a small body/block/attribute structure that keeps positions.

We build on python-hcl2 **8.x** (pin ``python-hcl2>=8.1,<9``) and read its raw Lark tree
(``hcl2.parses_to_tree``, public API) rather than its dict output, because:

* the requirement is that a finding points at the *attribute* when it exists; the dict output
  of v7 carries block lines only and v8's ``with_meta`` is an unwired stub, while the Lark tree
  (built with ``propagate_positions``) has line and column on every attribute and block;
* expressions stay structured, so ``tf_expr`` evaluates them instead of re-parsing the
  ``"${...}"`` strings the dict output flattens them into;
* v7's only fast tree entry point is private (``hcl2.parser.parser()``); its public ``parses``
  builds the grammar without the on-disk cache, ~0.9 s per process, too slow for pre-commit.
  Measured on a 323-line module: v8 tree parse 16-18 ms, v7 13 ms; v8 also fixes heredoc and
  quote bugs (#141, #262, #314).

The grammar's rule names (``attribute``, ``block``, ``get_attr_expr_term``...) are what we
depend on, hence the major-version pin. Lark's tree is the reference: with tree-sitter installed
the same ``Body`` (``tf_body``) is built from tree-sitter's tree (``tf_fastparse.parse_body``),
and a file it cannot promise that for is parsed by Lark (``tf_parsecache``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token, Tree

from ctguard.parsers.terraform.body import Attr, Block, Body, body_of, name_of
from ctguard.parsers.terraform.budget import ParseBudget
from ctguard.parsers.terraform.comments import blank_comments

__all__ = ["Attr", "Block", "Body", "HclError", "body_of", "name_of", "parse_expression", "parse_text"]


@dataclass(frozen=True, slots=True)
class HclError:
    file: str
    message: str
    line: int = 1
    column: int = 1


def parse_text(file: str, text: str) -> Body | HclError:
    """Parse one HCL file; every failure becomes an ``HclError`` with the best position we have."""
    from lark.exceptions import LarkError, UnexpectedInput

    from ctguard.parsers.terraform.parsecache import parse_body  # imported late: the prefilter must not pay for hcl2

    try:
        return parse_body(blank_comments(text), file)
    except ParseBudget as exc:
        return HclError(file, exc.message, exc.line, exc.column)
    except UnexpectedInput as exc:
        return HclError(file, _describe(exc), getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1)
    except LarkError as exc:
        return HclError(file, f"HCL syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    except RecursionError:
        return HclError(file, "HCL nesting too deep to parse")
    except Exception as exc:
        return HclError(file, f"HCL could not be parsed: {type(exc).__name__}: {exc}")


def _describe(exc: Exception) -> str:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedToken):
        token = exc.token
        text = str(token).strip().splitlines()[0][:30] if str(token).strip() else token.type
        shown = "end of file" if token.type == "$END" else repr(text)
        expected = sorted(exc.expected)[:6]
        hint = f" (expected one of {', '.join(expected)})" if expected else ""
        return f"HCL syntax error: unexpected {shown}{hint}"
    if isinstance(exc, UnexpectedCharacters):
        return f"HCL syntax error: unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF):
        return "HCL syntax error: unexpected end of file"
    return f"HCL syntax error: {str(exc).splitlines()[0]}"


def parse_expression(text: str) -> Tree[Token] | Token | None:
    """Parse a lone expression (a heredoc interpolation, a ``-var`` value); None when invalid."""
    body = parse_text("<expr>", f"__x = {text}\n")
    if isinstance(body, HclError) or "__x" not in body.attributes:
        return None
    return body.attributes["__x"].expr
