"""A fast path to python-hcl2's Lark tree: tree-sitter-hcl parses, we rebuild the same tree.

python-hcl2's LALR parser (Lark, pure Python, ``propagate_positions``) costs about 8 s for a 1 MB
``.tf``; tree-sitter's C parser reads the same file in a fraction of that. Everything downstream
(``tf_hcl._body``, ``tf_expr``, ``tf_declared``) reads python-hcl2's tree, so this module rebuilds
*exactly* that tree (rule names, token types and values, every position, ``meta`` including the
container fields) from tree-sitter's concrete syntax tree and the text between its tokens.

The translation is conservative: any error node, any construct it does not know, any newline or
character where python-hcl2's grammar would not take one raises ``Decline`` and the caller parses
with Lark, so error messages for bad HCL and every tree we cannot reproduce stay as they were.
``tf_treediff`` compares both trees over the fixtures, the real-world corpus and generated HCL.

``parse_body`` goes one step further for ``tf_hcl``: it builds the ``Body``/``Block``/``Attr``
structure directly and python-hcl2's trees only for the attribute expressions, which is what
every consumer reads.
"""

from __future__ import annotations

import codecs
import re
from _thread import get_ident
from bisect import bisect_right
from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from ctguard.gcpause import collector_paused
from ctguard.parsers.terraform.body import Attr, Block, Body, name_of
from ctguard.parsers.terraform.budget import MAX_SYNTAX_NODES, ParseBudget

_LANGUAGE: Any = None
# One tree-sitter parser per thread (a parser keeps state between parses; the API's check() may
# run in several threads of a host program). Keyed by _thread's ident, not threading.local:
# importing threading would cost every Terraform check the quick exit (ctguard.cli).
_PARSERS: dict[int, Any] = {}
_UNAVAILABLE = False


_new_str = str.__new__
_new_meta = Meta.__new__


def _spanning(
    line: int | None,
    column: int | None,
    start: int | None,
    end_line: int | None,
    end_column: int | None,
    end: int | None,
) -> Meta:
    """The Meta Lark gives a tree from (line, column, start) to (end_line, end_column, end), set
    in one assignment of its attribute dict: what propagate_positions writes one by one."""
    meta = _new_meta(Meta)
    meta.__dict__ = {
        "empty": False,
        "line": line,
        "column": column,
        "start_pos": start,
        "container_line": line,
        "container_column": column,
        "container_start_pos": start,
        "end_line": end_line,
        "end_column": end_column,
        "end_pos": end,
        "container_end_line": end_line,
        "container_end_column": end_column,
        "container_end_pos": end,
    }
    return meta


class Decline(Exception):
    """The fast path cannot promise python-hcl2's tree for this text."""

    # Where tree-sitter found a syntax error (line, column), when that is why it declines.
    error_at: tuple[int, int] | None = None


def available() -> bool:
    """tree-sitter and its HCL grammar are installed (an optional dependency)."""
    return _parser() is not None


def _parser() -> Any:
    global _LANGUAGE, _UNAVAILABLE
    if _LANGUAGE is None and not _UNAVAILABLE:
        try:
            import tree_sitter
            import tree_sitter_hcl
        except ImportError:
            _UNAVAILABLE = True
            return None
        _LANGUAGE = tree_sitter.Language(tree_sitter_hcl.language())
    if _UNAVAILABLE:
        return None
    ident = get_ident()
    parser = _PARSERS.get(ident)
    if parser is None:
        import tree_sitter

        parser = _PARSERS[ident] = tree_sitter.Parser(_LANGUAGE)
    return parser


def parse_tree(text: str) -> Tree[Token]:
    """python-hcl2's ``parses_to_tree(text)``, or ``Decline`` (the reference shape of ``parse_body``)."""
    full, root = _syntax_tree(text)
    # Tens of thousands of new containers and no cycles: the collector would run for nothing.
    with collector_paused():
        try:
            return _Builder(full).start(root)
        except RecursionError as exc:
            raise Decline("nesting too deep") from exc


def parse_body(text: str, file: str) -> Body:
    """``hcl._body`` of python-hcl2's tree of ``text``, built without that tree's body, block,
    attribute and layout nodes (expressions are still python-hcl2's exact trees), or ``Decline``."""
    full, root = _syntax_tree(text)
    with collector_paused():
        try:
            return _BodyBuilder(full, file).start_body(root)
        except RecursionError as exc:
            raise Decline("nesting too deep") from exc


def _placeholder(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return "x" * (error.end - error.start), error.end


codecs.register_error("ctguard-one-byte-per-character", _placeholder)


def _syntax_tree(text: str) -> tuple[str, Any]:
    """The text as python-hcl2 parses it and tree-sitter's syntax tree of it.

    tree-sitter counts bytes, Lark characters: a non-ASCII character goes to tree-sitter as one
    ASCII letter, so every byte offset tree-sitter gives is the character offset in ``text``. Lark
    takes non-ASCII characters only inside strings, heredocs (where a letter stands for any of
    them) and comments (blanked before parsing); everywhere else the translator reads names and
    gaps from the real text, finds them invalid and declines, as Lark refuses them.
    """
    parser = _parser()
    if parser is None:
        raise Decline("tree-sitter not installed")
    full = text + "\n"  # python-hcl2 appends a line break before parsing
    source = full.encode("ascii") if full.isascii() else full.encode("ascii", "ctguard-one-byte-per-character")
    root = parser.parse(source).root_node
    if root.descendant_count > MAX_SYNTAX_NODES:
        line = _line_past_budget(root)
        raise ParseBudget(
            f"the file holds {root.descendant_count:,} syntax nodes (the limit was passed at line {line}); "
            f"ctguard reads at most {MAX_SYNTAX_NODES:,} per file, more than real Terraform holds in the "
            "1 MiB it reads: split the file",
            line,
        )
    if root.has_error:
        declined = Decline("tree-sitter reports an error")
        declined.error_at = _first_error(root)
        raise declined
    return full, root


def _line_past_budget(root: Any) -> int:
    """The line of the top-level item whose nodes take the count past ``MAX_SYNTAX_NODES``."""
    total, node = 0, root
    while node.child_count == 1:  # config_file -> body
        node = node.children[0]
    for child in node.children:
        total += child.descendant_count
        if total > MAX_SYNTAX_NODES:
            return int(child.start_point[0]) + 1
    return 1


def _first_error(root: Any) -> tuple[int, int]:
    """Line and column of the first ERROR or MISSING node, following only branches that hold one."""
    node = root
    while True:
        if node.is_error or node.is_missing:
            break
        inner = next((c for c in node.children if c.has_error or c.is_missing), None)
        if inner is None:
            break
        node = inner
    row, column = node.start_point
    return int(row) + 1, int(column) + 1


_KEYWORDS = {
    "in": "IN",
    "for": "FOR",
    "if": "IF",
    "for_each": "FOR_EACH",
    "else": "ELSE",
    "endif": "ENDIF",
    "endfor": "ENDFOR",
}
_LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*\Z")
_INT = re.compile(r"[0-9]+\Z")
_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)\Z")
_STRING_CHARS = re.compile(r'(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^"\\]|\\.|(?:\$(?!\$?\{))|(?:%(?!%?\{)))+', re.S)
_ESCAPED_INTERPOLATION = re.compile(r"\$\$\{[^}]*\}")
_ESCAPED_DIRECTIVE = re.compile(r"%%\{[^}]*\}")
_HEREDOC = re.compile(r"<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc)\r?\n")
_HEREDOC_TRIM = re.compile(
    r"<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc_trim)\r?\n"
)
_TEMPLATE_SIGNS = re.compile(r"[$%\\]")
_NL = re.compile(r"\n[ \t]*")
_GAP = re.compile(r"[ \t\r\n]*\Z")
_BLANKS = re.compile(r"[ \t]*\Z")
_NEXT = re.compile(r"[^ \t\r\n]")
_BINARY = {
    "||": "DOUBLE_PIPE",
    "&&": "DOUBLE_AMP",
    "==": "DOUBLE_EQ",
    "!=": "NEQ",
    "<": "LT",
    ">": "GT",
    "<=": "LEQ",
    ">=": "GEQ",
    "+": "PLUS",
    "-": "MINUS",
    "*": "ASTERISK",
    "/": "SLASH",
    "%": "PERCENT",
}
_UNARY = {"-": "MINUS", "!": "NOT"}
_PRIMARIES = frozenset(
    ("literal_value", "variable_expr", "collection_value", "template_expr", "function_call", "for_expr")
)
_GLUED_NUMBER = re.compile(r"-(?:[0-9]{2}|[0-9]+(?:\.[0-9]|[eE][+-]?[0-9]))")
_NEG_INT = re.compile(r"-[0-9][0-9]+\Z")
_NEG_FLOAT = re.compile(r"-[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)\Z")


class _Span:
    """Start and end of a token that no single tree-sitter node spans."""

    def __init__(self, start: int, end: int) -> None:
        self.start_byte, self.end_byte = start, end


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.pos = 0  # end of the last token emitted: the gaps between tokens are read from the text
        self.line, self.line_start, self.next_start = 1, 0, -1  # the line of the last token, as a cache

    # ---- tokens, trees, positions -------------------------------------------------------------

    def token(self, kind: str, start: int, end: int) -> Token:
        value = self.text[start:end]
        if self.line_start <= start < self.next_start:  # most tokens share the line of the one before
            line, column = self.line, start - self.line_start + 1
        else:
            starts = self.starts
            line = bisect_right(starts, start)
            self.line, self.line_start = line, starts[line - 1]
            self.next_start = starts[line] if line < len(starts) else len(self.text) + 1
            column = start - self.line_start + 1
        if "\n" in value:
            end_line = bisect_right(self.starts, end)
            end_column = end - self.starts[end_line - 1] + 1
        else:
            end_line, end_column = line, column + end - start
        self.pos = end
        # Token._future_new, inlined: the commonest object we make (a third of a Python call saved)
        token = _new_str(Token, value)
        token.type, token.start_pos, token.value, token.line, token.column = kind, start, value, line, column
        token.end_line, token.end_column, token.end_pos = end_line, end_column, end
        return token

    def tree(self, data: str, children: list[Any]) -> Tree[Token]:
        first, last = children[0] if children else None, children[-1] if children else None
        if type(first) is Token and type(last) is Token:
            line, column, start = first.line, first.column, first.start_pos
            end_line, end_column, end = last.end_line, last.end_column, last.end_pos
        else:
            for child in children:
                if type(child) is Token:
                    line, column, start = child.line, child.column, child.start_pos
                    break
                m = child._meta
                if not m.empty:
                    line, column, start = m.line, m.column, m.start_pos
                    break
            else:
                meta = _new_meta(Meta)
                meta.empty = True
                return Tree(data, children, meta)
            for child in reversed(children):
                if type(child) is Token:
                    end_line, end_column, end = child.end_line, child.end_column, child.end_pos
                    break
                m = child._meta
                if not m.empty:
                    end_line, end_column, end = m.end_line, m.end_column, m.end_pos
                    break
        return Tree(data, children, _spanning(line, column, start, end_line, end_column, end))

    def leaf_tree(self, data: str, token: Token) -> Tree[Token]:
        """``tree(data, [token])``, the commonest rule shape, without the search for first and last."""
        meta = _spanning(token.line, token.column, token.start_pos, token.end_line, token.end_column, token.end_pos)
        return Tree(data, [token], meta)

    def wrap(self, data: str, child: Tree[Token]) -> Tree[Token]:
        """``tree(data, [child])``: a rule around one rule spans what that rule spans."""
        meta = _new_meta(Meta)
        meta.__dict__ = child._meta.__dict__.copy()  # every tree we build has a meta
        return Tree(data, [child], meta)

    def gap(self, upto: int) -> str:
        between = self.text[self.pos : upto]
        if between and between.strip(" \t\r\n"):
            raise Decline(f"unexpected text at {self.pos}")
        return between

    def nl(self, upto: int, out: list[Any]) -> None:
        """The optional ``new_line_or_comment`` before position ``upto``, appended to ``out``."""
        base = self.pos
        between = self.text[base:upto]
        if not between:
            return
        if between.strip(" \t\r\n"):
            raise Decline(f"unexpected text at {base}")
        if "\n" in between:
            tokens = [self.token("NL_OR_COMMENT", base + m.start(), base + m.end()) for m in _NL.finditer(between)]
            out.append(self.tree("new_line_or_comment", tokens))
            self.pos = upto

    def same_line(self, upto: int) -> None:
        between = self.text[self.pos : upto]
        if between and (between.strip(" \t\r") or "\n" in between):
            raise Decline(f"line break or text at {self.pos} where the grammar takes none")
        self.pos = upto

    def leaf(self, kind: str, node: Any) -> Token:
        start = node.start_byte
        between = self.text[self.pos : start]
        if between and between.strip(" \t\r"):
            raise Decline(f"line break or text at {self.pos} where the grammar takes none")
        return self.token(kind, start, node.end_byte)

    def glued(self, kind: str, char: str, node: Any) -> Token:
        """EQ and COLON: their pattern takes the blanks before them (``[ \\t]*=``)."""
        if node.type != char:
            raise Decline(f"expected {char!r}")
        if not _BLANKS.match(self.text, self.pos, node.start_byte):
            raise Decline("line break before '=' or ':'")
        return self.token(kind, self.pos, node.end_byte)

    # ---- structure ----------------------------------------------------------------------------

    def start(self, root: Any) -> Tree[Token]:
        if root.type != "config_file":
            raise Decline(root.type)
        children = root.children
        out: list[Any] = []
        if children:
            if len(children) != 1 or children[0].type != "body":
                raise Decline("config_file")
            out = self.body_items(children[0])
        self.nl(len(self.text), out)
        if not out:
            raise Decline("empty file")
        return self.tree("start", [self.tree("body", out)])

    def body_items(self, body: Any) -> list[Any]:
        out: list[Any] = []
        previous_end = -1
        for item in body.children:
            if previous_end >= 0 and self.text.find("\n", previous_end, item.start_byte) < 0:
                raise Decline("two body items on one line")
            previous_end = item.end_byte
            self.nl(item.start_byte, out)
            if item.type == "attribute":
                out.append(self.attribute(item))
            elif item.type == "block":
                out.append(self.block(item))
            else:
                raise Decline(item.type)
        return out

    def attr_name(self, node: Any) -> Tree[Token]:
        if node.type != "identifier":
            raise Decline(node.type)
        name = self.text[node.start_byte : node.end_byte]
        if name in _KEYWORDS:
            return self.leaf_tree("keyword", self.leaf(_KEYWORDS[name], node))
        if name in _LITERALS:
            return self.leaf_tree("literal_value", self.leaf(_LITERALS[name], node))
        return self.identifier(node)

    def identifier(self, node: Any) -> Tree[Token]:
        if node.type != "identifier":
            raise Decline(node.type)
        name = self.text[node.start_byte : node.end_byte]
        if not _NAME.match(name) or name in _KEYWORDS or name in _LITERALS:
            raise Decline(f"identifier {name!r}")
        return self.leaf_tree("identifier", self.leaf("NAME", node))

    def attribute(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) != 3:
            raise Decline("attribute")
        name = self.attr_name(kids[0])
        eq = self.glued("EQ", "=", kids[1])
        return self.tree("attribute", [name, eq, self.expression(kids[2])])

    def block(self, node: Any) -> Tree[Token]:
        kids = node.children
        out: list[Any] = [self.attr_name(kids[0])]
        i = 1
        while kids[i].type in ("identifier", "string_lit"):
            label = kids[i]
            out.append(self.attr_name(label) if label.type == "identifier" else self.string_lit(label))
            i += 1
        if kids[i].type != "block_start" or kids[-1].type != "block_end":
            raise Decline("block")
        self.nl(kids[i].start_byte, out)
        out.append(self.token("LBRACE", kids[i].start_byte, kids[i].end_byte))
        items: list[Any] = []
        for inner in kids[i + 1 : -1]:
            if inner.type != "body":
                raise Decline(inner.type)
            items = self.body_items(inner)
        self.nl(kids[-1].start_byte, items)
        out.append(self.tree("body", items))
        out.append(self.token("RBRACE", kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("block", out)

    # ---- expressions --------------------------------------------------------------------------

    def expression(self, node: Any) -> Any:
        """What python-hcl2's ``expression`` gives: an ``expr_term``, ``binary_op``, ``unary_op`` or ``conditional``."""
        kind = node.type
        while kind == "expression":
            kids = node.children
            if len(kids) != 1:
                return self.term_chain(kids)
            node = kids[0]
            kind = node.type
        if kind in _PRIMARIES:  # the commonest: what term_chain does for a lone primary
            return self.wrap("expr_term", self.primary(node))
        if kind == "conditional":
            return self.conditional(node)
        if kind == "operation":
            return self.expression(node.children[0])
        if kind == "binary_operation":
            return self.binary(node)
        if kind == "unary_operation":
            return self.unary(node)
        return self.term_chain([node])

    def conditional(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) != 5 or kids[1].type != "?" or kids[3].type != ":":
            raise Decline("conditional")
        if _holds_conditional(kids[0]):
            # tree-sitter-hcl nests `a == b ? t : c == d ? t : f` to the left, python-hcl2 to the right
            raise Decline("conditional inside a condition")
        out: list[Any] = [self.expression(kids[0])]
        out.append(self.leaf("QMARK", kids[1]))
        self.nl(kids[2].start_byte, out)
        out.append(self.expression(kids[2]))
        self.nl(kids[3].start_byte, out)  # the blanks before ':' belong to COLON, newlines here
        out.append(self.glued("COLON", ":", kids[3]))
        self.nl(kids[4].start_byte, out)
        out.append(self.expression(kids[4]))
        return self.tree("conditional", out)

    def operand(self, nodes: list[Any]) -> Any:
        return self.expression(nodes[0]) if len(nodes) == 1 else self.term_chain(nodes)

    def binary(self, node: Any) -> Tree[Token]:
        kids = node.children
        at = next((i for i, k in enumerate(kids) if not k.is_named and k.type in _BINARY), None)
        if at is None or at == 0 or at == len(kids) - 1:
            raise Decline("binary operation")
        left = self.operand(kids[:at])
        if _GLUED_NUMBER.match(self.text, kids[at].start_byte):
            raise Decline("python-hcl2 lexes this minus into a negative literal (and refuses it here)")
        op = self.leaf(_BINARY[kids[at].type], kids[at])
        operator = self.leaf_tree("binary_operator", op)
        term: list[Any] = [operator]
        self.nl(kids[at + 1].start_byte, term)
        right = self.operand(kids[at + 1 :])
        term.append(right)
        out = [left, self.tree("binary_term", term)]
        if not (isinstance(right, Tree) and right.data == "binary_op"):
            # python-hcl2's ``binary_op`` ends with an optional new_line_or_comment and LALR shifts:
            # the line breaks after an operation belong to its innermost operation on the right.
            ahead = _NEXT.search(self.text, self.pos)
            self.nl(ahead.start() if ahead else len(self.text), out)
        return self.tree("binary_op", out)

    def unary(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) < 2 or kids[0].type not in _UNARY:
            raise Decline("unary operation")
        if kids[0].type == "-" and kids[1].start_byte == kids[0].end_byte and kids[1].type == "literal_value":
            # python-hcl2's INT_LITERAL/FLOAT_LITERAL take a minus glued to the number when they match
            # more than MINUS does: `-12` and `-1.5` are one literal, `-1` is unary_op(MINUS, 1).
            end = kids[1].end_byte
            number = self.text[kids[0].start_byte : end]
            kind = "FLOAT_LITERAL" if _NEG_FLOAT.match(number) else "INT_LITERAL" if _NEG_INT.match(number) else ""
            if kind and len(kids) > 2:
                raise Decline("negative literal with a postfix")
            if kind:
                token = self.leaf(kind, _Span(kids[0].start_byte, end))
                return self.wrap("expr_term", self.leaf_tree("float_lit" if kind[0] == "F" else "int_lit", token))
        op = self.leaf(_UNARY[kids[0].type], kids[0])
        operand = self.operand(kids[1:])
        if not isinstance(operand, Tree) or operand.data != "expr_term":
            raise Decline("unary operand")
        return self.tree("unary_op", [op, operand])

    def term_chain(self, kids: list[Any]) -> Tree[Token]:
        """A primary followed by ``.attr``, ``[index]`` and splats, nested as python-hcl2 nests them."""
        if kids[0].type == "(":
            if len(kids) < 3 or kids[2].type != ")":
                raise Decline("parentheses")
            inner: list[Any] = [self.leaf("LPAR", kids[0])]
            self.nl(kids[1].start_byte, inner)
            inner.append(self.expression(kids[1]))
            self.nl(kids[2].start_byte, inner)
            inner.append(self.token("RPAR", kids[2].start_byte, kids[2].end_byte))
            term = self.tree("expr_term", inner)
            kids = kids[2:]
        else:
            term = self.wrap("expr_term", self.primary(kids[0]))
        for post in kids[1:]:
            kind = post.type
            if kind == "splat":
                term = self.wrap("expr_term", self.splat(post.children[0], term))
            elif kind == "get_attr":
                term = self.wrap("expr_term", self.tree("get_attr_expr_term", [term, self.get_attr(post)]))
            elif kind == "index":
                term = self.wrap("expr_term", self.tree("index_expr_term", [term, self.index(post)]))
            else:
                raise Decline(kind)
        return term

    def splat(self, node: Any, term: Tree[Token]) -> Tree[Token]:
        kids = node.children
        if node.type == "attr_splat" and kids[0].type == ".*":
            out: list[Any] = [self.leaf("ATTR_SPLAT", kids[0])]
            rule = "attr_splat"
        elif node.type == "full_splat" and kids[0].type == "[*]":
            out = [self.leaf("FULL_SPLAT_START", kids[0])]
            rule = "full_splat"
        else:
            raise Decline("splat")
        for post in kids[1:]:
            if post.type == "get_attr":
                out.append(self.get_attr(post))
            elif post.type == "index":
                out.append(self.index(post))
            else:
                raise Decline(post.type)
        return self.tree(rule + "_expr_term", [term, self.tree(rule, out)])

    def get_attr(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) != 2 or kids[0].type != ".":
            raise Decline("get_attr")
        return self.tree("get_attr", [self.leaf("DOT", kids[0]), self.identifier(kids[1])])

    def index(self, node: Any) -> Tree[Token]:
        inner = node.children[0]
        kids = inner.children
        if inner.type == "new_index" and len(kids) == 3:
            out: list[Any] = [self.leaf("LSQB", kids[0])]
            self.nl(kids[1].start_byte, out)
            out.append(self.expression(kids[1]))
            self.nl(kids[2].start_byte, out)
            out.append(self.token("RSQB", kids[2].start_byte, kids[2].end_byte))
            return self.tree("braces_index", out)
        raise Decline(inner.type)

    def primary(self, node: Any) -> Any:
        kind = node.type
        if kind == "literal_value":
            return self.literal(node.children[0])
        if kind == "variable_expr":
            return self.identifier(node.children[0])
        if kind == "collection_value":
            inner = node.children[0]
            return self.tuple(inner) if inner.type == "tuple" else self.object(inner)
        if kind == "template_expr":
            inner = node.children[0]
            if inner.type == "quoted_template":
                return self.string_lit(inner)
            if inner.type == "heredoc_template":
                return self.heredoc(inner)
            raise Decline(inner.type)
        if kind == "function_call":
            return self.function_call(node)
        if kind == "for_expr":
            return self.for_expr(node.children[0])
        raise Decline(kind)

    def for_expr(self, node: Any) -> Tree[Token]:
        kids = node.children
        if node.type == "for_tuple_expr" and kids[0].type == "tuple_start" and kids[-1].type == "tuple_end":
            out: list[Any] = [self.leaf("LSQB", kids[0])]
            close = "RSQB"
        elif node.type == "for_object_expr" and kids[0].type == "object_start" and kids[-1].type == "object_end":
            out = [self.leaf("LBRACE", kids[0])]
            close = "RBRACE"
        else:
            raise Decline(node.type)
        if kids[1].type != "for_intro":
            raise Decline("for_intro")
        self.nl(kids[1].start_byte, out)
        out.append(self.for_intro(kids[1], kids[2].start_byte))
        arrow = False
        for kid in kids[2:-1]:
            kind = kid.type
            if kind == "=>" and close == "RBRACE" and not arrow:
                out.append(self.leaf("FOR_OBJECT_ARROW", kid))
                arrow = True
                continue
            self.nl(kid.start_byte, out)
            if kind == "for_cond":
                cond = kid.children
                if len(cond) != 2 or cond[0].type != "if":
                    raise Decline("for_cond")
                inner: list[Any] = [self.leaf("IF", cond[0])]
                self.nl(cond[1].start_byte, inner)
                inner.append(self.expression(cond[1]))
                out.append(self.tree("for_cond", inner))
            elif kind == "ellipsis" and arrow:
                out.append(self.token("ELLIPSIS", kid.start_byte, kid.end_byte))
            elif kind == "expression":
                out.append(self.expression(kid))
            else:
                raise Decline(kind)
        if close == "RBRACE" and not arrow:
            raise Decline("for object without =>")
        self.nl(kids[-1].start_byte, out)
        out.append(self.token(close, kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("for_tuple_expr" if close == "RSQB" else "for_object_expr", out)

    def for_intro(self, node: Any, after: int) -> Tree[Token]:
        kids = node.children
        if kids[0].type != "for" or kids[-1].type != ":" or kids[-2].type != "expression" or kids[-3].type != "in":
            raise Decline("for_intro")
        out: list[Any] = [self.leaf("FOR", kids[0])]
        self.nl(kids[1].start_byte, out)
        out.append(self.identifier(kids[1]))
        names = kids[2:-3]
        if names:
            if len(names) != 2 or names[0].type != ",":
                raise Decline("for_intro names")
            out.append(self.leaf("COMMA", names[0]))
            self.same_line(names[1].start_byte)
            out.append(self.identifier(names[1]))
        self.nl(kids[-3].start_byte, out)
        out.append(self.token("IN", kids[-3].start_byte, kids[-3].end_byte))
        self.nl(kids[-2].start_byte, out)
        out.append(self.expression(kids[-2]))
        self.nl(kids[-1].start_byte, out)
        out.append(self.glued("COLON", ":", kids[-1]))
        self.nl(after, out)
        return self.tree("for_intro", out)

    def literal(self, node: Any) -> Tree[Token]:
        kind = node.type
        if kind == "numeric_lit":
            text = self.text[node.start_byte : node.end_byte]
            if _INT.match(text):
                return self.leaf_tree("int_lit", self.leaf("INT_LITERAL", node))
            if _FLOAT.match(text):
                return self.leaf_tree("float_lit", self.leaf("FLOAT_LITERAL", node))
            raise Decline(f"number {text!r}")
        if kind in ("bool_lit", "null_lit"):
            word = self.text[node.start_byte : node.end_byte]
            if word not in _LITERALS:
                raise Decline(word)
            return self.leaf_tree("literal_value", self.leaf(_LITERALS[word], node))
        if kind == "string_lit":
            return self.string_lit(node)
        raise Decline(kind)

    def string_lit(self, node: Any) -> Tree[Token]:
        """``"..."``: python-hcl2 lexes the characters between the quotes itself, so we do too."""
        kids = node.children
        if len(kids) < 2 or kids[0].type != "quoted_template_start" or kids[-1].type != "quoted_template_end":
            raise Decline("string")
        out: list[Any] = [self.leaf("DBLQUOTE", kids[0])]
        close = kids[-1].start_byte
        content = self.text[self.pos : close]
        if len(kids) == 3 and kids[1].type == "template_literal" and not _TEMPLATE_SIGNS.search(content):
            # The common case: no escape, no `$` or `%`, so python-hcl2 lexes one STRING_CHARS.
            out.append(self.leaf_tree("string_part", self.token("STRING_CHARS", self.pos, close)))
            out.append(self.token("DBLQUOTE", close, kids[-1].end_byte))
            return self.tree("string", out)
        for part in kids[1:-1]:
            if part.type in ("template_literal", "escape_sequence"):
                continue  # python-hcl2 lexes these characters itself: chars() below
            if part.type == "template_interpolation":
                self.chars(self.pos, part.start_byte, out)
                out.append(self.wrap("string_part", self.interpolation(part)))
            else:
                raise Decline(part.type)
        self.chars(self.pos, kids[-1].start_byte, out)
        out.append(self.token("DBLQUOTE", kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("string", out)

    def chars(self, start: int, end: int, out: list[Any]) -> None:
        if start != self.pos:
            self.chars(self.pos, start, out)
        text = self.text
        at = start
        while at < end:
            for kind, pattern in (  # noqa: B007 - the loop breaks on a match and kind is used after it
                ("STRING_CHARS", _STRING_CHARS),
                ("ESCAPED_INTERPOLATION", _ESCAPED_INTERPOLATION),
                ("ESCAPED_DIRECTIVE", _ESCAPED_DIRECTIVE),
            ):  # never two at one position
                m = pattern.match(text, at)
                if m:
                    break
            else:
                raise Decline("string characters")
            if m.end() > end:
                raise Decline("string characters run past the literal")
            out.append(self.leaf_tree("string_part", self.token(kind, at, m.end())))
            at = m.end()
        self.pos = max(self.pos, end)

    def interpolation(self, node: Any) -> Tree[Token]:
        kids = node.children
        if (
            len(kids) != 3
            or kids[0].type != "template_interpolation_start"
            or kids[2].type != "template_interpolation_end"
        ):
            raise Decline("interpolation")
        if (
            node.end_byte - node.start_byte < 3
            or self.text[kids[0].start_byte : kids[0].end_byte] != "${"
            or self.text[kids[2].start_byte : kids[2].end_byte] != "}"
        ):
            raise Decline("strip marker")
        out: list[Any] = [self.leaf("INTERP_START", kids[0])]
        out.append(self.expression(kids[1]))
        out.append(self.leaf("RBRACE", kids[2]))
        return self.tree("interpolation", out)

    def heredoc(self, node: Any) -> Tree[Token]:
        start = node.start_byte
        self.same_line(start)
        trim = self.text.startswith("<<-", start)
        m = (_HEREDOC_TRIM if trim else _HEREDOC).match(self.text, start)
        if (
            not m
            or m.end() < node.end_byte
            or not _GAP.match(self.text, node.end_byte, m.end())
            or self.text.count("\n", node.end_byte, m.end()) != 1
        ):
            raise Decline("heredoc")
        if trim:
            return self.leaf_tree("heredoc_template_trim", self.token("HEREDOC_TEMPLATE_TRIM", start, m.end()))
        return self.leaf_tree("heredoc_template", self.token("HEREDOC_TEMPLATE", start, m.end()))

    def tuple(self, node: Any) -> Tree[Token]:
        kids = node.children
        if kids[0].type != "tuple_start" or kids[-1].type != "tuple_end":
            raise Decline("tuple")
        out: list[Any] = [self.leaf("LSQB", kids[0])]
        for kid in kids[1:-1]:
            self.nl(kid.start_byte, out)
            if kid.type == ",":
                out.append(self.token("COMMA", kid.start_byte, kid.end_byte))
            else:
                out.append(self.expression(kid))
        self.nl(kids[-1].start_byte, out)
        out.append(self.token("RSQB", kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("tuple", out)

    def object(self, node: Any) -> Tree[Token]:
        kids = node.children
        if kids[0].type != "object_start" or kids[-1].type != "object_end":
            raise Decline("object")
        out: list[Any] = [self.leaf("LBRACE", kids[0])]
        previous = "start"
        for kid in kids[1:-1]:
            before = len(out)
            self.nl(kid.start_byte, out)
            if kid.type == ",":
                out.append(self.token("COMMA", kid.start_byte, kid.end_byte))
            elif kid.type == "object_elem":
                if previous == "elem" and len(out) == before:
                    raise Decline("object elements on one line without a comma")
                out.append(self.object_elem(kid))
            else:
                raise Decline(kid.type)
            previous = "elem" if kid.type == "object_elem" else ","
        self.nl(kids[-1].start_byte, out)
        out.append(self.token("RBRACE", kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("object", out)

    def object_elem(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) != 3:
            raise Decline("object_elem")
        key = self.expression(kids[0])
        sep = self.glued("EQ", "=", kids[1]) if kids[1].type == "=" else self.glued("COLON", ":", kids[1])
        return self.tree("object_elem", [self.wrap("object_elem_key", key), sep, self.expression(kids[2])])

    def function_call(self, node: Any) -> Tree[Token]:
        kids = node.children
        if len(kids) < 3 or kids[0].type != "identifier" or kids[1].type != "(" or kids[-1].type != ")":
            raise Decline("function call")
        out: list[Any] = [self.identifier(kids[0]), self.leaf("LPAR", kids[1])]
        if len(kids) == 4:
            args = kids[2]
            if args.type != "function_arguments":
                raise Decline(args.type)
            self.nl(args.start_byte, out)
            items: list[Any] = []
            for arg in args.children:
                if arg.type == ",":
                    self.nl(arg.start_byte, items)
                    items.append(self.token("COMMA", arg.start_byte, arg.end_byte))
                elif arg.type == "ellipsis":
                    self.same_line(arg.start_byte)
                    items.append(self.token("ELLIPSIS", arg.start_byte, arg.end_byte))
                else:
                    self.nl(arg.start_byte, items)
                    items.append(self.expression(arg))
            self.nl(kids[-1].start_byte, items)
            out.append(self.tree("arguments", items))
        elif len(kids) != 3:
            raise Decline("function call")
        self.nl(kids[-1].start_byte, out)
        out.append(self.token("RPAR", kids[-1].start_byte, kids[-1].end_byte))
        return self.tree("function_call", out)


def _holds_conditional(node: Any) -> bool:
    return bool(node.type == "conditional" or any(_holds_conditional(kid) for kid in node.children))


class _BodyBuilder(_Builder):
    """``tf_hcl.Body`` straight from tree-sitter's tree: the body, block and attribute rules and
    their line breaks are checked as ``_Builder`` checks them, but no Lark node is made for them."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file

    def position(self, start: int) -> tuple[int, int]:
        """Line and column of ``start`` (what ``token`` computes, without making the token)."""
        if self.line_start <= start < self.next_start:
            return self.line, start - self.line_start + 1
        starts = self.starts
        line = bisect_right(starts, start)
        self.line, self.line_start = line, starts[line - 1]
        self.next_start = starts[line] if line < len(starts) else len(self.text) + 1
        return line, start - self.line_start + 1

    def skip_nl(self, upto: int) -> bool:
        """``nl`` without its tree: True when a ``new_line_or_comment`` stands before ``upto``."""
        between = self.text[self.pos : upto]
        if not between:
            return False
        if between.strip(" \t\r\n"):
            raise Decline(f"unexpected text at {self.pos}")
        if "\n" in between:
            self.pos = upto
            return True
        return False

    def skip_leaf(self, node: Any) -> None:
        between = self.text[self.pos : node.start_byte]
        if between and between.strip(" \t\r"):
            raise Decline(f"line break or text at {self.pos} where the grammar takes none")
        self.pos = node.end_byte

    def start_body(self, root: Any) -> Body:
        if root.type != "config_file":
            raise Decline(root.type)
        children = root.children
        body = Body()
        items = 0
        if children:
            if len(children) != 1 or children[0].type != "body":
                raise Decline("config_file")
            items = self.body_into(children[0], body)
        if not self.skip_nl(len(self.text)) and not items:
            raise Decline("empty file")
        return body

    def body_into(self, node: Any, body: Body) -> int:
        """Fill ``body`` from a tree-sitter ``body``; the number of items, layout included."""
        items = 0
        previous_end = -1
        text = self.text
        for item in node.children:
            if previous_end >= 0 and text.find("\n", previous_end, item.start_byte) < 0:
                raise Decline("two body items on one line")
            previous_end = item.end_byte
            items += self.skip_nl(item.start_byte)
            kind = item.type
            if kind == "attribute":
                kids = item.children
                if len(kids) != 3:
                    raise Decline("attribute")
                line, column = self.position(kids[0].start_byte)
                name = self.name(kids[0])
                self.glued("EQ", "=", kids[1])
                body.attributes[name] = Attr(name, self.expression(kids[2]), self.file, line, column)
            elif kind == "block":
                body.blocks.append(self.block_of(item))
            else:
                raise Decline(kind)
            items += 1
        return items

    def name(self, node: Any) -> str:
        """The text of what ``attr_name`` builds: an identifier, a keyword or a literal name."""
        if node.type != "identifier":
            raise Decline(node.type)
        name = self.text[node.start_byte : node.end_byte]
        if name not in _KEYWORDS and name not in _LITERALS and not _NAME.match(name):
            raise Decline(f"identifier {name!r}")
        self.skip_leaf(node)
        return name

    def label(self, node: Any) -> str:
        if node.type == "identifier":
            return self.name(node)
        kids = node.children
        if len(kids) == 3 and kids[1].type == "template_literal":
            # Between the quotes, not the template_literal's span: tree-sitter leaves blanks next
            # to a quote out of it, python-hcl2's STRING_CHARS takes them.
            content = self.text[kids[0].end_byte : kids[2].start_byte]
            if not _TEMPLATE_SIGNS.search(content):  # one STRING_CHARS, no escape to read
                self.skip_leaf(kids[0])
                self.pos = node.end_byte
                return content
        return name_of(self.string_lit(node))

    def block_of(self, node: Any) -> Block:
        kids = node.children
        line, column = self.position(kids[0].start_byte)
        kind = self.name(kids[0])
        labels: list[str] = []
        i = 1
        while kids[i].type in ("identifier", "string_lit"):
            labels.append(self.label(kids[i]))
            i += 1
        if kids[i].type != "block_start" or kids[-1].type != "block_end":
            raise Decline("block")
        self.skip_nl(kids[i].start_byte)
        self.pos = kids[i].end_byte
        body = Body()
        for inner in kids[i + 1 : -1]:
            if inner.type != "body":
                raise Decline(inner.type)
            body = Body()
            self.body_into(inner, body)
        self.skip_nl(kids[-1].start_byte)
        self.pos = kids[-1].end_byte
        return Block(kind, tuple(labels), body, self.file, line, column)
