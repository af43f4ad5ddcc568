"""Stage: cell gradient checking (reference). Reverse-mode differentiation of a cell's
forward equations, written in the formula language.

The equations ``name: expression`` are evaluated in order by the batched evaluator
(:mod:`verify.models.lstm.expr_eval`), which records every node's value; then, given the
upstream gradients of the outputs, gradients flow back through the equations in reverse,
node by node, to every input, parameter and intermediate. Each rule is the textbook one
for its operation *per instance* (the leading batch axis is carried along), and works in
any dtype the evaluator does: float64, complex (so the tests can compare it with
complex-step derivatives), and ``mpmath`` objects (the 50-digit confirmation). Untrusted:
floating point, tested against complex-step derivatives on random cells.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np

from verify.models.lstm.expr import Array, Formula, _literal_number, slice_parts
from verify.models.lstm.expr_eval import _BatchEvaluator, _sample

Equation = tuple[str, Formula]


class _Recorder(_BatchEvaluator):
    """The batched evaluator, keeping every node's value for the backward pass."""

    def __init__(self, formula: Formula, env: Mapping[str, Array]) -> None:
        super().__init__(formula, env)
        self.values: dict[int, Array] = {}

    def eval(self, node: ast.expr) -> Array:
        value = super().eval(node)
        self.values[id(node)] = value
        return value


def _unbroadcast(g: Array, like: Array) -> Array:
    """Sum ``g`` down to the (batch, sample) shape of ``like`` (undo broadcasting)."""
    sample = _sample(like)
    extra = g.ndim - 1 - len(sample)
    if extra > 0:
        g = g.sum(axis=tuple(range(1, 1 + extra)))
    axes = tuple(1 + k for k, n in enumerate(sample) if n == 1 and g.shape[1 + k] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if like.shape[0] == 1 and g.shape[0] != 1:
        g = g.sum(axis=0, keepdims=True)
    return g


def _t(a: Array) -> Array:
    return np.swapaxes(a, -1, -2)


class _Backward:
    def __init__(self, rec: _Recorder, grads: dict[str, Array]) -> None:
        self.rec = rec
        self.grads = grads  # name -> accumulated gradient

    def value(self, node: ast.expr) -> Array:
        return self.rec.values[id(node)]

    def run(self, node: ast.expr, g: Array) -> None:
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.Name):
            self.grads[node.id] = self.grads[node.id] + g if node.id in self.grads else g
            return
        if isinstance(node, ast.UnaryOp):
            self.run(node.operand, -g if isinstance(node.op, ast.USub) else g)
            return
        if isinstance(node, ast.Attribute):
            self.run(node.value, _t(g) if g.ndim == 3 else g)
            return
        if isinstance(node, ast.BinOp):
            self._binop(node, g)
            return
        if isinstance(node, ast.Call):
            self._call(node, g)
            return
        if isinstance(node, ast.Subscript):
            self._subscript(node, g)
            return
        raise TypeError(f"cannot differentiate {type(node).__name__}")  # unreachable

    def _binop(self, node: ast.BinOp, g: Array) -> None:
        a = self.value(node.left)
        if isinstance(node.op, ast.Pow):
            exponent = _exponent(node)
            self.run(node.left, g * exponent * _power(a, exponent - 1))
            return
        b = self.value(node.right)
        if isinstance(node.op, ast.MatMult):
            ga, gb = _matmul_grads(a, b, g)
            self.run(node.left, ga)
            self.run(node.right, gb)
            return
        n = g.ndim - 1
        ea, eb = _expand(a, n), _expand(b, n)
        if isinstance(node.op, ast.Add):
            ga, gb = g, g
        elif isinstance(node.op, ast.Sub):
            ga, gb = g, -g
        elif isinstance(node.op, ast.Mult):
            ga, gb = g * eb, g * ea
        else:
            ga, gb = g / eb, -g * ea / (eb * eb)
        self.run(node.left, _unbroadcast(ga, a))
        self.run(node.right, _unbroadcast(gb, b))

    def _call(self, node: ast.Call, g: Array) -> None:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.value(arg) for arg in node.args]
        out = self.value(node)
        if name == "sigmoid":
            self.run(node.args[0], g * out * (1 - out))
        elif name == "tanh":
            self.run(node.args[0], g * (1 - out * out))
        elif name == "exp":
            self.run(node.args[0], g * out)
        elif name == "log":
            self.run(node.args[0], g / args[0])
        elif name == "sqrt":
            self.run(node.args[0], g / (2 * out))
        elif name == "sum":
            a = args[0]
            self.run(node.args[0], np.broadcast_to(
                g.reshape((g.shape[0],) + (1,) * (a.ndim - 1)), a.shape))
        elif name == "outer":
            a, b = args
            fa, fb = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
            ga = np.matmul(g, fb[:, :, None])[:, :, 0].reshape(a.shape)
            gb = np.matmul(fa[:, None, :], g)[:, 0, :].reshape(b.shape)
            self.run(node.args[0], _unbroadcast(ga, a))
            self.run(node.args[1], _unbroadcast(gb, b))
        else:  # concatenate, hstack
            axis = (out.ndim - 1) if name == "hstack" else 1
            start = 0
            for arg, value in zip(node.args, args):
                width = value.shape[axis]
                part = np.take(g, range(start, start + width), axis=axis)
                self.run(arg, _unbroadcast(part, value))
                start += width

    def _subscript(self, node: ast.Subscript, g: Array) -> None:
        value = self.value(node.value)
        parts = slice_parts(node)
        index = tuple(slice(self.rec._bound(p.lower), self.rec._bound(p.upper),
                            self.rec._bound(p.step)) for p in parts)
        full = np.zeros(value.shape, dtype=g.dtype)  # object zeros are int 0: fine with mpf
        full[(slice(None), *index)] = full[(slice(None), *index)] + g
        self.run(node.value, full)


def _exponent(node: ast.BinOp) -> float:
    p = _literal_number(node.right)
    assert p is not None
    return p


def _power(a: Array, p: float) -> Array:
    if a.dtype == object:
        return np.asarray(np.frompyfunc(lambda v: v ** (int(p) if float(p).is_integer() else p),
                                        1, 1)(a), dtype=object)
    return np.asarray(np.power(a, p))


def _expand(a: Array, ndim: int) -> Array:
    missing = ndim - (a.ndim - 1)
    return a.reshape((a.shape[0],) + (1,) * missing + a.shape[1:]) if missing > 0 else a


def _matmul_grads(a: Array, b: Array, g: Array) -> tuple[Array, Array]:
    """Gradients of ``a @ b`` (per instance; vectors as numpy treats them)."""
    va, vb = a.ndim == 2, b.ndim == 2
    if va and vb:  # (k) @ (k) -> scalar
        return g[:, None] * b, g[:, None] * a
    if not va and vb:  # (m, k) @ (k) -> (m)
        return g[:, :, None] * b[:, None, :], np.matmul(_t(a), g[:, :, None])[:, :, 0]
    if va and not vb:  # (k) @ (k, n) -> (n)
        return np.matmul(b, g[:, :, None])[:, :, 0], a[:, :, None] * g[:, None, :]
    return np.matmul(g, _t(b)), np.matmul(_t(a), g)


def forward(equations: tuple[Equation, ...], env: Mapping[str, Array]
            ) -> tuple[dict[str, Array], list[_Recorder]]:
    """Evaluate the equations in order; the environment grows by each equation's name."""
    scope = dict(env)
    tapes = []
    with np.errstate(all="ignore"):
        for name, formula in equations:
            rec = _Recorder(formula, scope)
            scope[name] = rec.eval(formula.tree)
            tapes.append(rec)
    return scope, tapes


def gradients(equations: tuple[Equation, ...], env: Mapping[str, Array],
              upstream: Mapping[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
    """Forward values (``env`` and every equation) and the gradients of
    ``L = sum(upstream[out] * out)`` with respect to every name, intermediates included
    (the *total* gradient at each, through every path)."""
    scope, tapes = forward(equations, env)
    grads: dict[str, Array] = {n: np.array(v) for n, v in upstream.items()}
    with np.errstate(all="ignore"):
        for (name, formula), rec in zip(reversed(equations), reversed(tapes)):
            if name not in grads:
                continue  # nothing downstream reads it
            g = np.broadcast_to(grads[name], scope[name].shape)
            _Backward(rec, grads).run(formula.tree, g)
    return scope, grads


__all__ = ["Equation", "forward", "gradients"]
