"""Stage: spec (part 4). Parse the linear inequalities of a claim's ``because:`` list.

Trusted (a claim is judged by what is parsed here); untrusted input, parsed by hand: a tokenizer and a recursive-descent parser over
linear expressions in the parameter names, with exact rational numbers. Nothing is
ever evaluated by Python (no ``eval``); a non-linear term, an unknown name or a stray
symbol is a :class:`SpecError` naming its column.

Grammar::

    inequality := expr REL expr              REL: < <= > >= (also the signs ≤ ≥)
    expr       := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*  at most one factor may hold a name;
                                              a divisor must be a non-zero number
    unary      := ("+" | "-") unary | atom
    atom       := NUMBER | NAME | "(" expr ")"

``2w1`` is refused (write ``2*w1``): implicit products hide typos such as ``2b1``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from verify.errors import SpecError
from verify.input.exact import parse_number

RELATIONS = ("<", "<=", ">", ">=")
MAX_LENGTH = 10_000  # an inequality is one line; this bounds the parser's work
MAX_DEPTH = 100  # parentheses; keeps the recursive descent far from Python's limit

# Unicode spellings people paste from papers, mapped to the ASCII operator.
_ALIASES = {"≤": "<=", "≥": ">=", "−": "-", "·": "*", "⋅": "*", "×": "*"}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      |(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<op><=|>=|==|=<|=>|!=|[-+*/()<>=≤≥−·⋅×])""",
    re.VERBOSE | re.ASCII,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number | name | op | end
    text: str
    column: int  # 1-based


class _Linear:
    """``sum coefficients[name] * name + constant`` (a value of the parser)."""

    __slots__ = ("coefficients", "constant")

    def __init__(self, coefficients: dict[str, Fraction], constant: Fraction) -> None:
        self.coefficients = coefficients
        self.constant = constant

    @property
    def is_constant(self) -> bool:
        return not any(self.coefficients.values())

    def plus(self, other: _Linear, sign: int) -> _Linear:
        coeffs = dict(self.coefficients)
        for name, c in other.coefficients.items():
            coeffs[name] = coeffs.get(name, Fraction(0)) + sign * c
        return _Linear(coeffs, self.constant + sign * other.constant)

    def scaled(self, factor: Fraction) -> _Linear:
        return _Linear({n: c * factor for n, c in self.coefficients.items()},
                       self.constant * factor)


class _ParseError(Exception):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column



@dataclass(frozen=True)
class Inequality:
    """A parsed inequality ``lhs REL rhs`` over parameter names, moved to one side.

    ``coefficients . theta + constant  relation  0`` where relation is one of
    ``>``, ``>=``, ``<``, ``<=``.
    """

    text: str
    coefficients: dict[str, Fraction]
    constant: Fraction
    relation: str
    line: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            latex = re.match(r"\\[A-Za-z]+", text[pos:])
            if latex:
                raise _ParseError(f"unexpected {latex.group()} (LaTeX): write the relation as "
                                  "<, <=, > or >= and products with *", pos + 1)
            raise _ParseError(f"unexpected character {_quoted(text[pos])}", pos + 1)
        kind = m.lastgroup or "op"
        if kind != "space":
            if kind == "name" and tokens and tokens[-1].kind == "number" \
                    and tokens[-1].column + len(tokens[-1].text) == pos + 1:
                prev = tokens[-1].text
                raise _ParseError(f"write {prev}*{m.group()} (with '*'), not "
                                  f"{prev}{m.group()}", tokens[-1].column)
            op = _ALIASES.get(m.group(), m.group())
            tokens.append(_Token(kind, op, pos + 1))
        pos = m.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, params: Sequence[str]) -> None:
        if len(text) > MAX_LENGTH:
            raise _ParseError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
        self.tokens = _tokenize(text)
        self.index = 0
        self.params = tuple(params)
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        tok = self.tokens[self.index]
        self.index += 1
        return tok

    def expect_end(self, what: str) -> None:
        tok = self.current
        if tok.kind != "end":
            raise _ParseError(f"unexpected {tok.text!r} after {what}", tok.column)

    def expr(self) -> _Linear:
        value = self.term()
        while self.current.text in ("+", "-") and self.current.kind == "op":
            sign = 1 if self.advance().text == "+" else -1
            value = value.plus(self.term(), sign)
        return value

    def term(self) -> _Linear:
        value = self.unary()
        while self.current.text in ("*", "/") and self.current.kind == "op":
            op = self.advance()
            right_tok = self.current
            right = self.unary()
            if op.text == "*":
                if value.is_constant:
                    value = right.scaled(value.constant)
                elif right.is_constant:
                    value = value.scaled(right.constant)
                else:
                    raise _ParseError("non-linear term: a product of two parameter "
                                      "expressions; the claim must be linear", op.column)
            else:
                if not right.is_constant:
                    raise _ParseError("division by a parameter expression is not linear",
                                      right_tok.column)
                if right.constant == 0:
                    raise _ParseError("division by zero", right_tok.column)
                value = value.scaled(1 / right.constant)
        return value

    def unary(self) -> _Linear:
        tok = self.current
        if tok.kind == "op" and tok.text in ("+", "-"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _ParseError("too many nested signs or parentheses", tok.column)
            inner = self.unary()
            self.depth -= 1
            return inner if tok.text == "+" else inner.scaled(Fraction(-1))
        return self.atom()

    def atom(self) -> _Linear:
        tok = self.advance()
        if tok.kind == "number":
            try:
                return _Linear({}, parse_number(tok.text))
            except ValueError as exc:
                raise _ParseError(str(exc), tok.column) from None
        if tok.kind == "name":
            if tok.text not in self.params:
                known = ", ".join(self.params)
                raise _ParseError(f"unknown name {tok.text!r}; the parameters are {known}",
                                  tok.column)
            return _Linear({tok.text: Fraction(1)}, Fraction(0))
        if tok.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _ParseError("too many nested parentheses", tok.column)
            inner = self.expr()
            self.depth -= 1
            close = self.advance()
            if close.text != ")":
                raise _ParseError(f"expected ')' to close the '(' at column {tok.column}",
                                  close.column)
            return inner
        if tok.kind == "end":
            raise _ParseError("expression ends too early: a number, a parameter or '(' "
                              "is missing", tok.column)
        raise _ParseError(f"unexpected {tok.text!r}: expected a number, a parameter or '('",
                          tok.column)


def _coefficients(value: _Linear, params: Sequence[str]) -> dict[str, Fraction]:
    return {name: value.coefficients.get(name, Fraction(0)) for name in params}


def parse_linear(text: str, *, params: Sequence[str]) -> tuple[dict[str, Fraction], Fraction]:
    """A linear expression as (coefficient of every param, constant); SpecError if not."""
    try:
        parser = _Parser(text, params)
        value = parser.expr()
        if parser.current.kind == "op" and parser.current.text in (*RELATIONS, "=", "=="):
            raise _ParseError("a relation is not allowed in an expression",
                              parser.current.column)
        parser.expect_end("the expression")
    except _ParseError as err:
        raise SpecError(_message(text, err)) from None
    return _coefficients(value, params), value.constant


def parse_inequality(text: str, *, params: Sequence[str], line: int = 0,
                     path: str | None = None, key: str | None = None) -> Inequality:
    """Parse ``lhs REL rhs`` into ``coefficients . params + constant REL 0``.

    ``line``, ``path`` and ``key`` say where the text came from (for the SpecError).
    """
    try:
        parser = _Parser(text, params)
        lhs = parser.expr()
        rel = parser.current
        if rel.kind != "op" or rel.text not in RELATIONS:
            if rel.text in ("=", "=="):
                raise _ParseError("equalities are not supported: write two inequalities "
                                  "(<= and >=)", rel.column)
            if rel.text in ("=<", "=>", "!="):
                raise _ParseError(f"unknown relation {rel.text!r}; use <, <=, > or >=",
                                  rel.column)
            if rel.kind == "end":
                raise _ParseError("no relation: an inequality needs one of <, <=, > or >=",
                                  rel.column)
            raise _ParseError(f"unexpected {rel.text!r}: expected an operator or a "
                              "relation (<, <=, >, >=)", rel.column)
        parser.advance()
        rhs = parser.expr()
        nxt = parser.current
        if nxt.kind == "op" and nxt.text in (*RELATIONS, "=", "==", "=<", "=>", "!="):
            raise _ParseError("a second relation: give one inequality per entry "
                              "(split 'a < b < c' into two)", nxt.column)
        parser.expect_end("the inequality")
    except _ParseError as err:
        raise SpecError(_message(text, err), path=path, line=line or None,
                        key=key) from None
    diff = lhs.plus(rhs, -1)
    return Inequality(text=text, coefficients=_coefficients(diff, params),
                      constant=diff.constant, relation=rel.text, line=line)


def _quoted(text: str) -> str:
    """'w1 \\le 0' as the user wrote it: repr() would double the backslash; it is kept
    only where the text holds something unprintable."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _message(text: str, err: _ParseError) -> str:
    shown = text if len(text) <= 200 else text[:200] + "..."
    return f"in {_quoted(shown)}, column {err.column}: {err.message}"
