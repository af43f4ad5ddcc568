"""Stage: spec (LSTM formulas). A small, bounded evaluator for claimed gradient formulas.

Untrusted input meets trusted code here, so this module is written defensively: a formula
is parsed with :func:`ast.parse` (``mode="eval"``, nothing is ever compiled or executed)
and accepted only if every node is one of a short whitelist: numbers, names, ``+ - * /``,
``**`` with a small literal exponent, unary ``-``/``+``, ``@``, ``.T``, parentheses and
calls of the seven functions in :data:`FUNCTIONS`. Text length, node count and nesting
depth are bounded before anything is evaluated, and every array operation checks the
size of its result *before* computing it, so ``9**9**9**9`` or a tower of ``outer`` calls
is refused at once instead of exhausting memory.

Two kinds of failure are kept apart:

* :class:`ExprError` (and its :class:`ExprLimitError`): the formula is not acceptable
  at all. The caller turns it into a :class:`verify.errors.SpecError` (exit 2).
* :class:`ShapeError`: the formula is fine but its operands do not fit on a given
  instance (``W_i @ d_i`` when input and hidden sizes differ). That is a wrong claim,
  not a bad spec, and the caller reports it as "incorrect" with the shapes.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.models.lstm.cell import sigmoid

Array = np.ndarray[Any, Any]

MAX_TEXT = 2000          # characters in one formula
MAX_NODES = 400          # expression nodes after parsing
MAX_DEPTH = 64           # nesting of expression nodes
MAX_EXPONENT = 16        # |p| in ``a ** p``; p must be a literal number
MAX_ELEMENTS = 1 << 16   # elements of any intermediate array
MAX_MATMUL_WORK = 1 << 22  # multiply-adds of one ``@``

FUNCTIONS: dict[str, tuple[int, Callable[..., Array]]] = {
    "sigmoid": (1, sigmoid),
    "tanh": (1, np.tanh),
    "exp": (1, np.exp),
    "log": (1, np.log),
    "sqrt": (1, np.sqrt),
    "outer": (2, np.outer),
    "sum": (1, np.sum),
}
"""Callable names -> (number of arguments, implementation)."""

ALLOWED_SYNTAX = ("numbers, names, + - * / ** @, unary -, .T, parentheses and the functions "
                  + ", ".join(FUNCTIONS))

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@",
}
_DESCRIBE: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing or slicing (a[...])", ast.Lambda: "lambda",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.List: "lists", ast.Tuple: "tuples (a, b)", ast.Dict: "dicts", ast.Set: "sets",
    ast.NamedExpr: "assignment (:=)", ast.Starred: "*unpacking", ast.JoinedStr: "f-strings",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


class ExprError(ValueError):
    """The formula is refused (syntax, construct or bound); ``column`` is 1-based if known."""

    def __init__(self, message: str, *, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (at character {self.column} of the formula)"


class ExprLimitError(ExprError):
    """An intermediate result would be larger than the evaluator allows."""


class ShapeError(Exception):
    """Operands do not fit together on this instance (a wrong formula, not a bad spec)."""


@dataclass(frozen=True)
class Formula:
    """A parsed and whitelisted formula. ``names`` are the free variables it reads."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def segment(self, node: ast.AST) -> str:
        """The source text of a sub-expression (for messages)."""
        return ast.get_source_segment(self.text, node) or ast.unparse(node)


def _column(node: ast.AST) -> int | None:
    offset = getattr(node, "col_offset", None)
    return None if offset is None else int(offset) + 1


def _refuse(node: ast.AST, what: str) -> ExprError:
    return ExprError(f"{what} is not allowed; a formula may use {ALLOWED_SYNTAX}",
                     column=_column(node))


def _literal_number(node: ast.expr) -> float | None:
    """The value of ``3``, ``0.5``, ``-2`` or ``+2``, else None."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)):
        try:
            return sign * float(node.value)
        except OverflowError:
            return None
    return None


def _check_node(node: ast.expr, names: set[str]) -> list[ast.expr]:
    """Check one node against the whitelist; return its child expressions."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _refuse(node, f"the constant {value!r}")
        if _literal_number(node) is None or not math.isfinite(float(value)):
            raise ExprError("a number is too large (it must be a finite float64)",
                            column=_column(node))
        return []
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExprError(f"names starting with '_' are not allowed ({node.id!r})",
                            column=_column(node))
        if node.id in FUNCTIONS:
            raise ExprError(f"{node.id} is a function: write {node.id}(...)",
                            column=_column(node))
        names.add(node.id)
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise _refuse(node, f"the operator {type(node.op).__name__}")
        if isinstance(node.op, ast.Pow):
            p = _literal_number(node.right)
            if p is None or abs(p) > MAX_EXPONENT:
                raise ExprError(f"the exponent of ** must be a literal number between "
                                f"-{MAX_EXPONENT} and {MAX_EXPONENT} (as in tanh(c)**2), "
                                f"not {ast.unparse(node.right)[:40]}", column=_column(node))
            return [node.left]
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _refuse(node, f"the operator {type(node.op).__name__}")
        return [node.operand]
    if isinstance(node, ast.Attribute):
        if node.attr != "T":
            error = _refuse(node, f"the attribute .{node.attr[:40]} (only .T)")
            if node.end_col_offset is not None:  # point at the attribute, not its owner
                error.column = node.end_col_offset - len(node.attr) + 1
            raise error
        return [node.value]
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            raise ExprError(f"only these functions may be called: {', '.join(FUNCTIONS)}; "
                            f"not {ast.unparse(func)[:40]}", column=_column(node))
        if node.keywords:
            raise _refuse(node, "a keyword argument")
        arity = FUNCTIONS[func.id][0]
        if len(node.args) != arity:
            raise ExprError(f"{func.id} takes {arity} argument{'s' if arity > 1 else ''}, "
                            f"got {len(node.args)}", column=_column(node))
        return list(node.args)
    raise _refuse(node, _DESCRIBE.get(type(node), type(node).__name__))


def parse(text: str) -> Formula:
    """Parse and whitelist a formula; raise :class:`ExprError` with a reason otherwise."""
    if len(text) > MAX_TEXT:
        raise ExprError(f"the formula is {len(text)} characters long; at most {MAX_TEXT} "
                        "are allowed (use 'define:' for parts)")
    if not text.strip():
        raise ExprError("the formula is empty")
    try:
        # Python's own warnings ("invalid decimal literal" for 1if, invalid escapes) concern
        # constructs we refuse below anyway; the user should read our message, not theirs.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}", column=exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError(f"the formula is nested too deeply (at most {MAX_DEPTH} levels)") from None
    names: set[str] = set()
    count = 0
    stack: list[tuple[ast.expr, int]] = [(tree.body, 1)]
    while stack:  # iterative, so hostile nesting cannot exhaust the Python stack here
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ExprError(f"the formula is nested too deeply (at most {MAX_DEPTH} levels)",
                            column=_column(node))
        if count > MAX_NODES:
            raise ExprError(f"the formula has more than {MAX_NODES} parts; split it with "
                            "'define:'")
        stack.extend((child, depth + 1) for child in _check_node(node, names))
    return Formula(text.strip(), tree.body, frozenset(names))


# -- evaluation ---------------------------------------------------------------------------

def _shape(a: Array) -> str:
    return "scalar" if a.ndim == 0 else str(tuple(int(n) for n in a.shape))


def _limit(size: int, what: str) -> None:
    if size > MAX_ELEMENTS:
        raise ExprLimitError(f"{what} would have {size} elements; at most {MAX_ELEMENTS} "
                             "are allowed")


def _matmul(a: Array, b: Array, text: str) -> Array:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"{text}: @ needs vectors or matrices, got shapes "
                         f"{_shape(a)} and {_shape(b)} (use * for a scalar)")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(f"{text}: shapes {_shape(a)} @ {_shape(b)} do not fit "
                         f"({inner_a} != {inner_b})")
    rows = a.shape[0] if a.ndim == 2 else 1
    cols = b.shape[-1] if b.ndim == 2 else 1
    _limit(rows * cols, text)
    if rows * cols * inner_a > MAX_MATMUL_WORK:
        raise ExprLimitError(f"{text}: the product is too large to compute")
    return np.asarray(np.matmul(a, b))


def _elementwise(op: ast.operator, a: Array, b: Array, text: str) -> Array:
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"{text}: shapes {_shape(a)} and {_shape(b)} do not match "
                         f"for {_BINOPS[type(op)]}") from None
    _limit(math.prod(shape), text)
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    return a / b


class _Evaluator:
    def __init__(self, formula: Formula, env: Mapping[str, Array]) -> None:
        self.formula = formula
        self.env = env

    def eval(self, node: ast.expr) -> Array:
        # Recursion is safe: parse() bounded the depth to MAX_DEPTH.
        if isinstance(node, ast.Constant):
            number = _literal_number(node)
            assert number is not None  # guaranteed by parse()
            return np.asarray(number)
        if isinstance(node, ast.Name):
            try:
                return np.asarray(self.env[node.id], dtype=np.float64)
            except KeyError:
                raise ExprError(f"unknown name {node.id!r}", column=_column(node)) from None
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Attribute):  # only .T passes the whitelist
            return np.asarray(self.eval(node.value).T)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise ExprError(f"cannot evaluate {type(node).__name__}")  # unreachable after parse

    def _binop(self, node: ast.BinOp) -> Array:
        text = self.formula.segment(node)
        left = self.eval(node.left)
        if isinstance(node.op, ast.Pow):
            p = _literal_number(node.right)
            assert p is not None  # guaranteed by parse()
            return np.asarray(np.power(left, p))
        right = self.eval(node.right)
        if isinstance(node.op, ast.MatMult):
            return _matmul(left, right, text)
        return np.asarray(_elementwise(node.op, left, right, text))

    def _call(self, node: ast.Call) -> Array:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.eval(arg) for arg in node.args]
        if name == "outer":
            _limit(args[0].size * args[1].size, self.formula.segment(node))
        return np.asarray(FUNCTIONS[name][1](*args), dtype=np.float64)


def evaluate(formula: Formula, env: Mapping[str, Array]) -> Array:
    """Evaluate in float64. Raises :class:`ShapeError` or :class:`ExprLimitError`.

    Floating-point warnings (overflow, log of a negative number) are silenced: they
    produce inf/nan, which simply never compare equal to the reference.
    """
    with np.errstate(all="ignore"):
        return _Evaluator(formula, env).eval(formula.tree)
