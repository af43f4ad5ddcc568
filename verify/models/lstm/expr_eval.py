"""Stage: spec (gradient formulas). The batched evaluator of parsed formulas.

A formula is written for one instance (``W_i.T @ d_i``); it is evaluated here on a whole
batch of instances at once: every array in the environment carries a leading batch axis
(size B, or 1 to broadcast), and every operation acts on the *sample* axes behind it, with
the meaning it has on one instance. Shapes, error messages and size limits are those of
one instance, so a batch of one behaves exactly like :func:`verify.models.lstm.expr.evaluate`.

The same code runs in float64 (the screen) and on object arrays of ``mpmath.mpf`` (the
high-precision confirmation, :mod:`verify.models.lstm.precision`): the functions dispatch
on the dtype, and literal numbers become ``mpf`` of their decimal text, so ``0.1`` is one
tenth to every digit. Untrusted (floating point); whitelisted and bounded by
:func:`verify.models.lstm.expr.parse`, never ``eval``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np

from verify.models.lstm.cell import sigmoid
from verify.models.lstm.expr import (
    _BINOPS,
    MAX_ELEMENTS,
    MAX_MATMUL_WORK,
    Array,
    ExprError,
    ExprLimitError,
    Formula,
    ShapeError,
    _column,
    _literal_number,
    slice_parts,
)


def _shape(sample: tuple[int, ...]) -> str:
    return "scalar" if not sample else str(tuple(int(n) for n in sample))


def _limit(size: int, what: str) -> None:
    if size > MAX_ELEMENTS:
        raise ExprLimitError(f"{what} would have {size} elements; at most {MAX_ELEMENTS} "
                             "are allowed")


def _mp_real(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An mpmath function that gives nan where the real one is undefined (log(-1)), as
    float64 does, instead of a complex number or an exception."""
    def safe(v: Any) -> Any:
        try:
            out = fn(v)
        except (ValueError, ZeroDivisionError, OverflowError):
            return mpmath.mpf("nan")
        return out if isinstance(out, mpmath.mpf) else mpmath.mpf("nan")
    return safe


_MP_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "sigmoid": _mp_real(lambda v: 1 / (1 + mpmath.exp(-v))),
    "tanh": _mp_real(mpmath.tanh), "exp": _mp_real(mpmath.exp),
    "log": _mp_real(mpmath.log), "sqrt": _mp_real(mpmath.sqrt),
}
_F64_FUNCTIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid, "tanh": np.tanh, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
}


def _sample(a: Array) -> tuple[int, ...]:
    return tuple(int(n) for n in a.shape[1:])


def _expand(a: Array, ndim: int) -> Array:
    """Pad the sample axes on the left to ``ndim`` (numpy broadcasting, per sample)."""
    missing = ndim - (a.ndim - 1)
    return a.reshape((a.shape[0],) + (1,) * missing + a.shape[1:]) if missing > 0 else a


class _BatchEvaluator:
    def __init__(self, formula: Formula, env: Mapping[str, Array]) -> None:
        self.formula = formula
        self.env = env
        self.high = any(np.asarray(v).dtype == object for v in env.values())

    def eval(self, node: ast.expr) -> Array:
        # Recursion is safe: parse() bounded the depth.
        if isinstance(node, ast.Constant):
            number = _literal_number(node)
            assert number is not None  # guaranteed by parse()
            return self.constant(number, node)
        if isinstance(node, ast.Name):
            try:
                value = np.asarray(self.env[node.id])
            except KeyError:
                raise ExprError(f"unknown name {node.id!r}", column=_column(node)) from None
            if value.dtype == object or np.iscomplexobj(value):
                return value  # 50-digit confirmation, complex-step derivatives
            return value.astype(np.float64, copy=False)
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Attribute):  # only .T passes the whitelist
            value = self.eval(node.value)
            return np.swapaxes(value, -1, -2) if value.ndim == 3 else value
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        raise ExprError(f"cannot evaluate {type(node).__name__}")  # unreachable after parse

    def constant(self, number: float, node: ast.expr) -> Array:
        if not self.high:
            return np.asarray([number], dtype=np.float64)
        # the decimal the user wrote, to every digit: 0.1 is one tenth, not its float64
        text = self.formula.segment(node).strip().lstrip("+")
        try:
            value = mpmath.mpf(text)
        except (ValueError, TypeError):
            value = mpmath.mpf(repr(number))
        out = np.empty(1, dtype=object)
        out[0] = value
        return out

    def _binop(self, node: ast.BinOp) -> Array:
        text = self.formula.segment(node)
        left = self.eval(node.left)
        if isinstance(node.op, ast.Pow):
            p = _literal_number(node.right)
            assert p is not None  # guaranteed by parse()
            exponent: Any = int(p) if float(p).is_integer() else p
            if self.high and not isinstance(exponent, int):
                exponent = mpmath.mpf(repr(p))
            return _power(left, exponent)
        right = self.eval(node.right)
        if isinstance(node.op, ast.MatMult):
            return _matmul(left, right, text)
        return _elementwise(node.op, left, right, text)

    def _call(self, node: ast.Call) -> Array:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.eval(arg) for arg in node.args]
        text = self.formula.segment(node)
        if name == "outer":
            a, b = args
            sa, sb = math.prod(_sample(a)), math.prod(_sample(b))
            _limit(sa * sb, text)
            return a.reshape(a.shape[0], sa, 1) * b.reshape(b.shape[0], 1, sb)
        if name == "sum":
            a = args[0]
            return np.asarray(a.reshape(a.shape[0], -1).sum(axis=1))
        if name in ("concatenate", "hstack"):
            return _concat(args, text, along_last=name == "hstack")
        a = args[0]
        if a.dtype == object:
            return np.asarray(np.frompyfunc(_MP_FUNCTIONS[name], 1, 1)(a), dtype=object)
        return np.asarray(_F64_FUNCTIONS[name](a))

    def _bound(self, node: ast.expr | None) -> int | None:
        """A slice bound's integer value, the same on every instance of the batch."""
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int)  # guaranteed by parse()
            return node.value
        if isinstance(node, ast.Name):
            value = np.real(np.asarray(self.eval(node))).astype(np.float64).reshape(-1)
            if value.size == 0 or not np.all(value == value[0]) or not float(
                    value[0]).is_integer():
                raise ShapeError(f"{node.id} is not a whole number, so it cannot bound a slice")
            return int(value[0])
        if isinstance(node, ast.UnaryOp):
            inner = self._bound(node.operand)
            assert inner is not None
            return -inner
        assert isinstance(node, ast.BinOp)  # guaranteed by parse()
        left, right = self._bound(node.left), self._bound(node.right)
        assert left is not None and right is not None
        op = type(node.op)
        return left + right if op is ast.Add else left - right if op is ast.Sub else left * right

    def _subscript(self, node: ast.Subscript) -> Array:
        value = self.eval(node.value)
        parts = slice_parts(node)
        sample = _sample(value)
        if len(parts) > len(sample):
            raise ShapeError(f"{self.formula.segment(node)}: {len(parts)} slices for a value "
                             f"of shape {_shape(sample)}")
        index = tuple(slice(self._bound(p.lower), self._bound(p.upper), self._bound(p.step))
                      for p in parts)
        if any(s.step == 0 for s in index):
            raise ShapeError(f"{self.formula.segment(node)}: a slice step cannot be 0")
        out = value[(slice(None), *index)]
        if 0 in _sample(out):
            raise ShapeError(f"{self.formula.segment(node)}: the slice is empty on a value "
                             f"of shape {_shape(sample)}")
        return out


def _power(a: Array, exponent: Any) -> Array:
    if a.dtype == object:
        return np.asarray(np.frompyfunc(_mp_real(lambda v: v ** exponent), 1, 1)(a),
                          dtype=object)
    return np.asarray(np.power(a, float(exponent)))


def _matmul(a: Array, b: Array, text: str) -> Array:
    sa, sb = _sample(a), _sample(b)
    if not sa or not sb:
        raise ShapeError(f"{text}: @ needs vectors or matrices, got shapes "
                         f"{_shape(sa)} and {_shape(sb)} (use * for a scalar)")
    if len(sa) > 2 or len(sb) > 2:
        raise ShapeError(f"{text}: @ needs vectors or matrices, got shapes "
                         f"{_shape(sa)} and {_shape(sb)}")
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        raise ShapeError(f"{text}: shapes {_shape(sa)} @ {_shape(sb)} do not fit "
                         f"({inner_a} != {inner_b})")
    rows = sa[0] if len(sa) == 2 else 1
    cols = sb[-1] if len(sb) == 2 else 1
    _limit(rows * cols, text)
    if rows * cols * inner_a > MAX_MATMUL_WORK:
        raise ExprLimitError(f"{text}: the product is too large to compute")
    # per sample: a vector is a row on the left and a column on the right, as in numpy
    left = a[:, None, :] if len(sa) == 1 else a
    right = b[:, :, None] if len(sb) == 1 else b
    out = np.matmul(left, right)
    if len(sb) == 1:
        out = out[..., 0]
    if len(sa) == 1:
        out = out[:, 0] if len(sb) == 1 else out[:, 0, :]
    return np.asarray(out)


def _elementwise(op: ast.operator, a: Array, b: Array, text: str) -> Array:
    sa, sb = _sample(a), _sample(b)
    try:
        shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ShapeError(f"{text}: shapes {_shape(sa)} and {_shape(sb)} do not match "
                         f"for {_BINOPS[type(op)]}") from None
    _limit(math.prod(shape), text)
    a, b = _expand(a, len(shape)), _expand(b, len(shape))
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if a.dtype == object or b.dtype == object:
        return np.asarray(np.frompyfunc(_mp_divide, 2, 1)(a, b), dtype=object)
    return a / b


def _mp_divide(a: Any, b: Any) -> Any:
    try:
        return a / b
    except ZeroDivisionError:
        return mpmath.mpf("nan")


def _concat(args: list[Array], text: str, along_last: bool) -> Array:
    """``concatenate``: along the first axis (vectors end to end, matrices stacked as rows, as
    ``[a_prev; xt]``); ``hstack``: along the last axis (rows side by side, as numpy's)."""
    samples = [_sample(a) for a in args]
    first = samples[0]
    axis = len(first) - 1 if along_last else 0
    fits = all(len(s) == len(first) for s in samples) and first and all(
        s[:axis] + s[axis + 1:] == first[:axis] + first[axis + 1:] for s in samples)
    if not fits:
        raise ShapeError(f"{text}: cannot stack shapes "
                         f"{', '.join(_shape(s) for s in samples)} along their "
                         f"{'last' if along_last else 'first'} axis")
    _limit(sum(math.prod(s) for s in samples), text)
    batch = max(a.shape[0] for a in args)
    full = [np.broadcast_to(a, (batch,) + a.shape[1:]) for a in args]
    return np.concatenate(full, axis=1 + axis)


def evaluate_batch(formula: Formula, env: Mapping[str, Array]) -> Array:
    """Evaluate on a batch: every ``env`` array has a leading batch axis (size B or 1), and
    so has the result. Raises :class:`ShapeError` (per-instance shapes do not fit) or
    :class:`ExprLimitError`; float64 trouble is inf/nan, never an exception."""
    with np.errstate(all="ignore"):
        return _BatchEvaluator(formula, env).eval(formula.tree)


__all__ = ["evaluate_batch"]
