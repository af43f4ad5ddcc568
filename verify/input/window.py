"""Stage: spec. The window-formula grammar of ``behaviour: {output: ...}``.

Trusted (the product exploration in ``verify.trusted.product`` evaluates what is parsed
here). A formula says what a network must output at step t from a bounded window of
recent inputs, e.g. ``x[t] xor x[t-1]`` (running XOR of the last two inputs) or
``x[t][0] and not x[t-2][1]``. Parsed by hand, never by ``eval``: a tokenizer and a
recursive-descent parser; a stray word or symbol is a :class:`WindowError` naming its
column.

Grammar (precedence, tightest first: ``not``, ``and``, ``xor``, ``or``)::

    formula := xor ("or" xor)*
    xor     := and ("xor" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | atom
    atom    := "0" | "1" | "(" formula ")" | ref
    ref     := "x" "[" "t" ("-" INT)? "]" ("[" INT "]")?

``x[t-j]`` is the input j steps back (``x[t]`` the current one); ``x[t-j][i]`` its entry i
(0-based). Before the first step, ``x[t-j]`` is the zero vector. Inputs are read as bits.

The bound: ``j <= MAX_WINDOW`` (8). A formula is turned into a machine whose states are
the last j inputs, so its size grows like |alphabet|^j; 8 keeps that at most 4^8 = 65,536
states for the 2-input alphabet of binary addition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_WINDOW = 8       # largest j in x[t-j]; see the module docstring
MAX_LENGTH = 10_000  # a formula is one line; this bounds the parser's work
MAX_DEPTH = 100      # nesting of parentheses and ``not``; far from Python's recursion limit

_TOKEN = re.compile(r"(?P<space>\s+)|(?P<int>\d+)|(?P<word>[A-Za-z_]\w*)|(?P<op>[\[\]()\-+])",
                    re.ASCII)
_KEYWORDS = ("and", "or", "xor", "not")


class WindowError(ValueError):
    """A formula that does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Const:
    value: int


@dataclass(frozen=True)
class Ref:
    lag: int            # j in x[t-j]
    index: int | None   # i in x[t-j][i]; None: the whole (1-entry) input


@dataclass(frozen=True)
class Not:
    arg: Formula


@dataclass(frozen=True)
class BinOp:
    op: str             # "and" | "xor" | "or"
    left: Formula
    right: Formula


Formula = Const | Ref | Not | BinOp


@dataclass(frozen=True)
class _Token:
    kind: str   # int | word | op | end
    text: str
    column: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise WindowError(f"unexpected character {text[pos]!r}; a formula uses and, or, "
                              "xor, not, parentheses, 0, 1 and x[t-j] / x[t-j][i]", pos + 1)
        kind = m.lastgroup or ""
        if kind != "space":
            out.append(_Token(kind, m.group(), pos + 1))
        pos = m.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.toks[self.pos]

    def take(self) -> _Token:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str, what: str) -> _Token:
        tok = self.take()
        if tok.text != text:
            found = f"{tok.text!r}" if tok.kind != "end" else "the end"
            raise WindowError(f"expected {what}, found {found}", tok.column)
        return tok

    def binary(self, level: int) -> Formula:
        ops = ("or", "xor", "and")
        if level == len(ops):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind == "word" and self.peek().text == ops[level]:
            self.take()
            left = BinOp(ops[level], left, self.binary(level + 1))
        return left

    def nested(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise WindowError(f"nested more than {MAX_DEPTH} deep", column)

    def unary(self) -> Formula:
        tok = self.peek()
        if tok.kind == "word" and tok.text == "not":
            self.take()
            self.nested(tok.column)
            arg = self.unary()
            self.depth -= 1
            return Not(arg)
        return self.atom()

    def atom(self) -> Formula:
        tok = self.take()
        if tok.kind == "int":
            if tok.text not in ("0", "1"):
                raise WindowError(f"{tok.text!r}: the only constants are 0 and 1", tok.column)
            return Const(int(tok.text))
        if tok.text == "(":
            self.nested(tok.column)
            inner = self.binary(0)
            self.depth -= 1
            self.expect(")", "')'")
            return inner
        if tok.kind == "word" and tok.text == "x":
            return self.ref(tok)
        if tok.kind == "end":
            raise WindowError("the formula ends where a value was expected", tok.column)
        hint = " (operators go between values)" if tok.text in _KEYWORDS else ""
        raise WindowError(f"unexpected {tok.text!r}{hint}; expected 0, 1, '(', 'not' or "
                          "x[t-j]", tok.column)

    def ref(self, x: _Token) -> Ref:
        self.expect("[", "'[' after x (write x[t] or x[t-1])")
        self.expect("t", "'t' (write x[t] or x[t-1])")
        lag = 0
        sign = self.take()
        if sign.text == "+":
            raise WindowError("x[t+j] looks into the future; a window only reaches back "
                              "(x[t-j])", sign.column)
        if sign.text == "-":
            num = self.take()
            if num.kind != "int":
                raise WindowError("expected a whole number after 't-'", num.column)
            lag = int(num.text)
            if lag > MAX_WINDOW:
                raise WindowError(f"x[t-{lag}] reaches past the window bound: at most "
                                  f"{MAX_WINDOW} steps back", num.column)
            sign = self.take()
        if sign.text != "]":
            raise WindowError("expected ']' (write x[t] or x[t-j])", sign.column)
        index = None
        if self.peek().text == "[":
            self.take()
            num = self.take()
            if num.kind != "int":
                raise WindowError("expected an entry number (0-based) in x[t-j][i]", num.column)
            index = int(num.text)
            self.expect("]", "']'")
        return Ref(lag, index)


def parse(text: str) -> Formula:
    """Parse a window formula; raise :class:`WindowError` (with a column) otherwise."""
    if len(text) > MAX_LENGTH:
        raise WindowError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(text)
    formula = parser.binary(0)
    tok = parser.peek()
    if tok.kind != "end":
        raise WindowError(f"unexpected {tok.text!r} after a complete formula (join parts "
                          "with and, or, xor)", tok.column)
    return formula


def refs(f: Formula) -> list[Ref]:
    """Every input reference of the formula, left to right."""
    if isinstance(f, Ref):
        return [f]
    if isinstance(f, Not):
        return refs(f.arg)
    if isinstance(f, BinOp):
        return refs(f.left) + refs(f.right)
    return []


def depth(f: Formula) -> int:
    """The largest j in the formula's x[t-j] (0 without references)."""
    return max((r.lag for r in refs(f)), default=0)


def evaluate(f: Formula, window: Sequence[Sequence[int]]) -> int:
    """The formula's bit at step t; ``window[j]`` is x[t-j] as bits (zeros before step 1)."""
    if isinstance(f, Const):
        return f.value
    if isinstance(f, Ref):
        return int(window[f.lag][0 if f.index is None else f.index])
    if isinstance(f, Not):
        return 1 - evaluate(f.arg, window)
    a, b = evaluate(f.left, window), evaluate(f.right, window)
    return {"and": a & b, "xor": a ^ b, "or": a | b}[f.op]
