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
    "concatenate": (0, np.concatenate),
    "hstack": (0, np.hstack),
}
"""Callable names -> (number of arguments, implementation); 0: two to eight arguments."""
MAX_STACKED = 8

ALLOWED_SYNTAX = ("numbers, names, + - * / ** @, unary -, .T, slices such as W[:, 0:H], "
                  "parentheses and the functions " + ", ".join(FUNCTIONS))

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
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Slice: "a slice outside [...]",
}
_BOUND_OPS = (ast.Add, ast.Sub, ast.Mult)


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
        if arity == 0 and not 2 <= len(node.args) <= MAX_STACKED:
            raise ExprError(f"{func.id} takes 2 to {MAX_STACKED} arguments, got "
                            f"{len(node.args)}", column=_column(node))
        if arity and len(node.args) != arity:
            raise ExprError(f"{func.id} takes {arity} argument{'s' if arity > 1 else ''}, "
                            f"got {len(node.args)}", column=_column(node))
        return list(node.args)
    if isinstance(node, ast.Subscript):
        _check_slices(node, names)
        return [node.value]
    raise _refuse(node, _DESCRIBE.get(type(node), type(node).__name__))


def slice_parts(node: ast.Subscript) -> tuple[ast.Slice, ...]:
    """The slices of ``a[...]``, one per axis (``a[0:H]`` has one, ``a[:, H:2*H]`` two)."""
    index = node.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return tuple(p for p in parts if isinstance(p, ast.Slice))


def _check_slices(node: ast.Subscript, names: set[str]) -> None:
    """Only slices with integer bounds: ``a[0:H]``, ``a[:, 2*H:3*H]``, ``a[:n_a]``.
    A plain index (``a[0]``) would silently drop an axis, so it is refused."""
    index = node.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    if not parts or len(parts) > 2 or not all(isinstance(p, ast.Slice) for p in parts):
        raise ExprError("plain indexing (a[0]) is not allowed: use slices, one or two of "
                        "them, such as a[0:H] or W[:, 2*H:3*H] (sizes are names: H, D, ...)",
                        column=_column(node))
    for part in parts:
        assert isinstance(part, ast.Slice)
        for bound in (part.lower, part.upper, part.step):
            if bound is not None:
                _check_bound(bound, names)


def _check_bound(node: ast.expr, names: set[str]) -> None:
    """A slice bound: integers, size names, + - * and parentheses."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return
    if isinstance(node, ast.Name) and not node.id.startswith("_"):
        names.add(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check_bound(node.operand, names)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BOUND_OPS):
        _check_bound(node.left, names)
        _check_bound(node.right, names)
        return
    raise ExprError("a slice bound may use whole numbers, size names (H, D, ...), + - * and "
                    f"parentheses, not {ast.unparse(node)[:40]}", column=_column(node))


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

def evaluate(formula: Formula, env: Mapping[str, Array]) -> Array:
    """Evaluate on one instance in float64. Raises :class:`ShapeError` or
    :class:`ExprLimitError`. The batched evaluator (:mod:`verify.models.lstm.expr_eval`) does
    the work on a batch of one, so both paths share every rule.

    Floating-point warnings (overflow, log of a negative number) are silenced: they
    produce inf/nan, which simply never compare equal to the reference.
    """
    from verify.models.lstm.expr_eval import evaluate_batch

    batched = {name: np.asarray(value, dtype=np.float64)[None] for name, value in env.items()}
    return np.asarray(evaluate_batch(formula, batched)[0])
