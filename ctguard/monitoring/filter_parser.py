"""Parsers for the three filter pattern syntaxes: JSON ``{...}``, space-delimited ``[...]``, terms.

Grammar (precedence "() > && > ||", FilterAndPatternSyntax.md "JSON Compound Conditions"):

    json    := '{' or '}'
    or      := and ('||' and)*
    and     := unary ('&&' unary)*
    unary   := '(' or ')' | SELECTOR cmp
    cmp     := OP value | IS NULL | IS TRUE | IS FALSE | NOT EXISTS
"""

from __future__ import annotations

from ctguard.monitoring.filter_ast import (
    BoolOp,
    Comparison,
    FilterPatternError,
    Node,
    Slot,
    Term,
    Value,
)
from ctguard.monitoring.filter_lexer import Token, is_number, read_quoted, read_regex, tokenize

MAX_LENGTH = 1024  # API_MetricFilter filterPattern: "Maximum length of 1024"
MAX_DEPTH = 64  # deep nesting only guards the recursive parser; AWS states no limit
MAX_REGEX = 2  # "the regex limit is 2 per filter pattern" for JSON and space-delimited patterns
_NUMERIC_OPS = {"<", ">", "<=", ">="}
_POSTFIX = {("IS", "NULL"), ("IS", "TRUE"), ("IS", "FALSE"), ("NOT", "EXISTS")}


def _col(tok: Token) -> int:
    return tok.pos + 1


class _TokenParser:
    def __init__(self, tokens: list[Token], space: bool) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.regexes = 0
        self.space = space

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str, what: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            found = "end of pattern" if tok.kind == "EOF" else repr(tok.text)
            raise FilterPatternError(f"expected {what}, found {found}", _col(tok))
        self.i += 1
        return tok

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.tok.kind == "OR":
            self.i += 1
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else BoolOp("||", tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_unary()]
        while self.tok.kind == "AND":
            self.i += 1
            operands.append(self.parse_unary())
        return operands[0] if len(operands) == 1 else BoolOp("&&", tuple(operands))

    def parse_unary(self) -> Node:
        tok = self.tok
        if tok.kind == "LPAREN":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterPatternError("parentheses nested too deeply", _col(tok))
            self.i += 1
            node = self.parse_or()
            self.take("RPAREN", "')'")
            self.depth -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        tok = self.tok
        if self.space:
            if tok.kind != "WORD" or not tok.text.replace("_", "").replace("-", "").isalnum():
                raise FilterPatternError("expected a field name", _col(tok))
            path: tuple[str | int, ...] = (tok.text,)
        else:
            if tok.kind != "SELECTOR":
                raise FilterPatternError("expected a selector starting with '$.'", _col(tok))
            path = tok.path
        self.i += 1
        nxt = self.tok
        if nxt.kind == "WORD" and nxt.text.upper() in ("IS", "NOT") and not self.space:
            second = self.tokens[self.i + 1]
            pair = (nxt.text.upper(), second.text.upper())
            if second.kind != "WORD" or pair not in _POSTFIX:
                raise FilterPatternError("expected IS NULL, IS TRUE, IS FALSE or NOT EXISTS", _col(nxt))
            self.i += 2
            return Comparison(path, " ".join(pair))
        op = self.take("OP", "a comparison operator (=, !=, <, >, <=, >=)")
        value = self.parse_value(op)
        return Comparison(path, op.text, value, space=self.space)

    def parse_value(self, op: Token) -> Value:
        tok = self.tok
        if tok.kind in ("WORD", "STRING"):
            self.i += 1
            text = tok.text
        elif tok.kind == "REGEX":
            self.i += 1
            self.regexes += 1
            if self.regexes > MAX_REGEX:
                raise FilterPatternError("at most 2 regular expressions per filter pattern", _col(tok))
            if op.text in _NUMERIC_OPS:
                raise FilterPatternError("a regular expression needs = or !=", _col(tok))
            return Value("regex", tok.text)
        else:
            found = "end of pattern" if tok.kind == "EOF" else repr(tok.text)
            raise FilterPatternError(f"expected a value, found {found}", _col(tok))
        if tok.kind == "WORD" and is_number(text):
            return Value("number", text, float(text))
        if op.text in _NUMERIC_OPS:
            raise FilterPatternError(f"operator {op.text} needs a number", _col(tok))
        if text == "*":
            return Value("any", "*")
        return Value("string", text)


def parse_json(text: str, start: int, end: int) -> Node:
    tokens = tokenize(text, start, end)
    parser = _TokenParser(tokens, space=False)
    parser.take("LBRACE", "'{'")
    node = parser.parse_or()
    parser.take("RBRACE", "'}' or an operator (&&, ||)")
    parser.take("EOF", "end of pattern after '}'")
    return node


def parse_space(text: str, start: int, end: int) -> tuple[Slot, ...]:
    tokens = tokenize(text, start, end)
    parser = _TokenParser(tokens, space=True)
    parser.take("LBRACK", "'['")
    slots: list[Slot] = []
    ellipsis_seen = False
    while True:
        tok = parser.tok
        if tok.kind == "ELLIPSIS":
            if ellipsis_seen:
                raise FilterPatternError("only one '...' is allowed", _col(tok))
            ellipsis_seen = True
            parser.i += 1
            slots.append(Slot("..."))
        elif tok.kind in ("COMMA", "RBRACK"):
            # An empty slot is an unnamed field; the documented example "[..., request=*.html*,
            # status_code=4*,]" extracts it as "$7".
            slots.append(Slot(None))
        elif tok.kind == "WORD" and parser.tokens[parser.i + 1].kind != "OP":
            parser.i += 1
            slots.append(Slot(tok.text))
        else:
            cond = parser.parse_or()
            first = cond
            while isinstance(first, BoolOp):
                first = first.operands[0]
            slots.append(Slot(str(first.path[0]), cond))
        if parser.tok.kind == "COMMA":
            parser.i += 1
            continue
        parser.take("RBRACK", "',' or ']'")
        break
    parser.take("EOF", "end of pattern after ']'")
    return tuple(slots)


def parse_terms(text: str, start: int, end: int) -> tuple[tuple[Term, ...], ...]:
    """Groups of terms: OR across groups, AND inside a group.

    A ``?term`` starts a new group and plain terms join the current one; that is how aws-cdk
    renders anyTermGroup (``?"ERROR" "MainThread" ?"WARN" "Deadlock"``, aws-cdk-lib
    aws-logs/lib/pattern.ts TextLogPattern).
    """
    groups: list[list[Term]] = [[]]
    saw_or = False
    i = start
    while i < end:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        optional = exclude = False
        if ch == "?":
            optional = True
            i += 1
        elif ch == "-":
            exclude = True
            i += 1
            while i < end and text[i] in " \t":
                i += 1  # the documented example writes "ERROR" - "Exiting"
        if i >= end or text[i] in " \t\r\n":
            raise FilterPatternError(f"{ch!r} must be followed by a term", i)
        if text[i] == '"':
            body, i = read_quoted(text[:end], i)
            term = Term(body, exclude=exclude)
        elif text[i] == "%":
            body, i = read_regex(text[:end], i)
            term = Term(body, regex=True, exclude=exclude)
        else:
            j = i
            while j < end and text[j] not in ' \t\r\n"':
                j += 1
            term = Term(text[i:j], exclude=exclude)
            i = j
        if optional:
            if saw_or or groups[0]:
                groups.append([])  # plain terms before the first ?term form their own group
            saw_or = True
        groups[-1].append(term)
    return tuple(tuple(g) for g in groups if g)
