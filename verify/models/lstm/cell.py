"""One LSTM cell: forward pass and hand-written backward pass (reference implementation).

Stage: LSTM gradient checking, the ground truth that claimed gradient formulas are
compared against. Untrusted in the sense of the project (floating point, no exact
verdicts); it is itself property-tested against complex-step derivatives and torch.

Notation follows the homework (column vectors, ``W_g x``), batched along a leading axis,
so the code computes ``x @ W_g.T``::

    i    = sigma(W_i x + U_i h_prev + b_i)
    f    = sigma(W_f x + U_f h_prev + b_f)
    o    = sigma(W_o x + U_o h_prev + b_o)
    cbar = tanh (W_c x + U_c h_prev + b_c)
    c    = f * c_prev + i * cbar
    h    = o * tanh(c)

Shapes: ``W_g`` is (H, D), ``U_g`` (H, H), ``b_g`` (H,); ``x`` is (B, D) or (D,),
``h_prev``/``c_prev`` (B, H) or (H,). Arithmetic stays in the arrays' dtype (float32 in,
float32 out); complex128 works too, which is what complex-step differentiation needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

GATES: tuple[str, str, str, str] = ("i", "f", "o", "c")
"""Gate names in stacking order; ``"c"`` is the candidate ``cbar``."""

PARAM_KINDS: tuple[str, str, str] = ("W", "U", "b")

Array = np.ndarray[Any, Any]


def sigmoid(z: Array) -> Array:
    """Logistic function via ``0.5 * (1 + tanh(z / 2))``.

    Identical to ``1 / (1 + exp(-z))`` but cannot overflow for large negative ``z``,
    keeps the dtype, and is holomorphic (valid for complex-step differentiation).
    """
    s: Array = np.tanh(z * 0.5)
    s *= 0.5
    s += 0.5
    return s


def _check_gate_dict(kind: str, arrays: Mapping[str, Array]) -> None:
    if tuple(sorted(arrays)) != tuple(sorted(GATES)):
        raise ValueError(f"{kind} must have exactly the gates {GATES}, got {tuple(arrays)!r}")


@dataclass(frozen=True, eq=False)
class LSTMParams:
    """Weights of one LSTM cell, one array per gate (``W[g]`` (H, D), ``U[g]`` (H, H), ``b[g]`` (H,))."""

    W: Mapping[str, Array]
    U: Mapping[str, Array]
    b: Mapping[str, Array]

    def __post_init__(self) -> None:
        for kind in PARAM_KINDS:
            _check_gate_dict(kind, getattr(self, kind))
            # A private dict of arrays: later edits to the caller's dict cannot reach us.
            object.__setattr__(self, kind, {g: np.asarray(getattr(self, kind)[g]) for g in GATES})
        hidden, inputs = np.shape(self.W["i"]) if np.ndim(self.W["i"]) == 2 else (-1, -1)
        if hidden < 1 or inputs < 1:
            raise ValueError(f"W['i'] must be a non-empty 2-D array, got shape {np.shape(self.W['i'])}")
        expected = {"W": (hidden, inputs), "U": (hidden, hidden), "b": (hidden,)}
        for name, array in self.flat().items():
            want = expected[name[0]]
            if np.shape(array) != want:
                raise ValueError(f"{name} must have shape {want} (hidden={hidden}, "
                                 f"input={inputs}), got {np.shape(array)}")
            if np.asarray(array).dtype != np.asarray(self.W["i"]).dtype:
                raise ValueError(f"{name} has dtype {np.asarray(array).dtype}, but W_i has "
                                 f"{np.asarray(self.W['i']).dtype}: all parameters share a dtype")

    @property
    def hidden_size(self) -> int:
        return int(self.W["i"].shape[0])

    @property
    def input_size(self) -> int:
        return int(self.W["i"].shape[1])

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(self.W["i"].dtype)

    @classmethod
    def random(cls, input_size: int, hidden_size: int, *, rng: np.random.Generator,
               dtype: DTypeLike = np.float64, scale: float | None = None) -> LSTMParams:
        """Uniform(-k, k) entries with ``k = scale`` or ``1/sqrt(hidden_size)`` (torch's init)."""
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size={input_size!r} and hidden_size={hidden_size!r} "
                             "must be at least 1")
        k = 1.0 / np.sqrt(hidden_size) if scale is None else float(scale)
        shapes = {"W": (hidden_size, input_size), "U": (hidden_size, hidden_size),
                  "b": (hidden_size,)}
        arrays = {kind: {g: rng.uniform(-k, k, size=shapes[kind]).astype(dtype) for g in GATES}
                  for kind in PARAM_KINDS}
        return cls(W=arrays["W"], U=arrays["U"], b=arrays["b"])

    def flat(self) -> dict[str, Array]:
        """``{"W_i": ..., "W_f": ..., ..., "U_i": ..., ..., "b_c": ...}`` (W, U, b; gates in GATES order)."""
        return {f"{kind}_{g}": getattr(self, kind)[g] for kind in PARAM_KINDS for g in GATES}

    @classmethod
    def from_flat(cls, arrays: Mapping[str, Array]) -> LSTMParams:
        """Inverse of :meth:`flat`."""
        return cls(**{kind: {g: arrays[f"{kind}_{g}"] for g in GATES} for kind in PARAM_KINDS})

    def replace(self, name: str, value: Array) -> LSTMParams:
        """A copy with the flat-named array ``name`` (e.g. ``"U_f"``) replaced by ``value``."""
        arrays = self.flat()
        if name not in arrays:
            raise KeyError(f"name={name!r} is not a parameter; expected one of {sorted(arrays)}")
        arrays[name] = value
        return LSTMParams.from_flat(arrays)

    def astype(self, dtype: DTypeLike) -> LSTMParams:
        """A copy with every array converted to ``dtype``."""
        return LSTMParams.from_flat({k: v.astype(dtype) for k, v in self.flat().items()})

    def stacked(self) -> tuple[Array, Array, Array]:
        """``(W_all (4H, D), U_all (4H, H), b_all (4H,))``, gate blocks in GATES order i, f, o, c."""
        return (np.concatenate([self.W[g] for g in GATES], axis=0),
                np.concatenate([self.U[g] for g in GATES], axis=0),
                np.concatenate([self.b[g] for g in GATES], axis=0))

    @classmethod
    def from_stacked(cls, W_all: Array, U_all: Array, b_all: Array) -> LSTMParams:
        """Inverse of :meth:`stacked` (the blocks are copied, not views)."""
        hidden = U_all.shape[1]
        if W_all.shape[0] != 4 * hidden or U_all.shape[0] != 4 * hidden or b_all.shape != (4 * hidden,):
            raise ValueError(f"stacked shapes {W_all.shape}, {U_all.shape}, {b_all.shape} do not "
                             f"have 4*hidden={4 * hidden} rows")
        blocks = {g: slice(k * hidden, (k + 1) * hidden) for k, g in enumerate(GATES)}
        return cls(W={g: W_all[s].copy() for g, s in blocks.items()},
                   U={g: U_all[s].copy() for g, s in blocks.items()},
                   b={g: b_all[s].copy() for g, s in blocks.items()})


@dataclass(frozen=True, eq=False)
class CellCache:
    """Everything the backward pass needs, and every quantity a gradient formula may name.

    Arrays have the batch shape of the call: (B, ...) when batched, 1-D when not.
    """

    x: Array
    h_prev: Array
    c_prev: Array
    i: Array
    f: Array
    o: Array
    cbar: Array
    c: Array
    h: Array
    tanh_c: Array
    params: LSTMParams

    def named_arrays(self) -> dict[str, Array]:
        """Activations and parameters by name: ``x, h_prev, ..., tanh_c, W_i, ..., b_c``."""
        names = ("x", "h_prev", "c_prev", "i", "f", "o", "cbar", "c", "h", "tanh_c")
        return {**{n: getattr(self, n) for n in names}, **self.params.flat()}


@dataclass(frozen=True, eq=False)
class CellGrads:
    """Gradients of L with respect to every input and parameter of one cell.

    ``dW``, ``dU``, ``db`` are summed over the batch. ``d_gates`` holds ``di, df, do, dcbar``
    (w.r.t. the gate outputs) and ``dz_i, dz_f, dz_o, dz_c`` (w.r.t. pre-activations).
    ``dc_total`` is the full gradient reaching ``c_t``: ``dc + dh * o * (1 - tanh(c)**2)``.
    """

    dx: Array
    dh_prev: Array
    dc_prev: Array
    dW: dict[str, Array]
    dU: dict[str, Array]
    db: dict[str, Array]
    d_gates: dict[str, Array]
    dc_total: Array

    def flat(self) -> dict[str, Array]:
        """``{"x", "h_prev", "c_prev", "W_i", ..., "b_c"}`` -> gradient, same names as the inputs."""
        return {"x": self.dx, "h_prev": self.dh_prev, "c_prev": self.dc_prev,
                **flat_param_grads(self.dW, self.dU, self.db)}


def flat_param_grads(dW: Mapping[str, Array], dU: Mapping[str, Array],
                     db: Mapping[str, Array]) -> dict[str, Array]:
    """Per-gate parameter gradients under the names of :meth:`LSTMParams.flat` (``"W_i"``, ...)."""
    by_kind = {"W": dW, "U": dU, "b": db}
    return {f"{kind}_{g}": by_kind[kind][g] for kind in PARAM_KINDS for g in GATES}


def _check_state(x: Array, h_prev: Array, c_prev: Array, params: LSTMParams) -> None:
    if x.ndim not in (1, 2):
        raise ValueError(f"x must be (batch, input) or (input,), got shape {x.shape}")
    batch = x.shape[:-1]
    want_x = batch + (params.input_size,)
    want_h = batch + (params.hidden_size,)
    if x.shape != want_x:
        raise ValueError(f"x has shape {x.shape}, expected {want_x} (input_size={params.input_size})")
    for name, arr in (("h_prev", h_prev), ("c_prev", c_prev)):
        if arr.shape != want_h:
            raise ValueError(f"{name} has shape {arr.shape}, expected {want_h} "
                             f"(hidden_size={params.hidden_size}, same batch as x)")


def cell_forward(x: Array, h_prev: Array, c_prev: Array,
                 params: LSTMParams) -> tuple[Array, Array, CellCache]:
    """One step: returns ``(h, c, cache)``. Accepts batched (B, D) or unbatched (D,) input.

    Inputs are not modified. The result dtype is numpy's promotion of the input dtypes, so
    float32 inputs with float32 parameters compute in float32 throughout.
    """
    x, h_prev, c_prev = np.asarray(x), np.asarray(h_prev), np.asarray(c_prev)
    _check_state(x, h_prev, c_prev, params)
    z = {g: x @ params.W[g].T + h_prev @ params.U[g].T + params.b[g] for g in GATES}
    i, f, o = sigmoid(z["i"]), sigmoid(z["f"]), sigmoid(z["o"])
    cbar = np.tanh(z["c"])
    c = f * c_prev + i * cbar
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = CellCache(x=x, h_prev=h_prev, c_prev=c_prev, i=i, f=f, o=o, cbar=cbar, c=c, h=h,
                      tanh_c=tanh_c, params=params)
    return h, c, cache


def _outer_sum(dz: Array, v: Array) -> Array:
    """``sum_b dz[b] v[b]^T``: the weight gradient, summed over the batch (if any)."""
    return np.outer(dz, v) if dz.ndim == 1 else dz.T @ v


def cell_backward(dh: Array, dc: Array, cache: CellCache) -> CellGrads:
    """Backward pass of :func:`cell_forward`.

    ``dh`` is dL/dh_t (everything that reaches h_t: the output loss and h_t's use in the
    next step). ``dc`` is dL/dc_t arriving *directly* from c_{t+1} only (``dc_{t+1} * f_{t+1}``),
    NOT including the path through h_t. The total gradient at c_t is therefore::

        dc_total = dc + dh * o * (1 - tanh(c)**2)

    Forgetting the second term, or adding it twice when ``dc`` already contains it, is the
    classic mistake. Both ``dh`` and ``dc`` have the shape of ``cache.h``.
    """
    dh, dc = np.asarray(dh), np.asarray(dc)
    if dh.shape != cache.h.shape or dc.shape != cache.c.shape:
        raise ValueError(f"dh {dh.shape} and dc {dc.shape} must have the shape of h {cache.h.shape}")
    i, f, o, cbar, tanh_c = cache.i, cache.f, cache.o, cache.cbar, cache.tanh_c
    dc_total = dc + dh * o * (1 - tanh_c * tanh_c)
    d_out = {"di": dc_total * cbar, "df": dc_total * cache.c_prev, "do": dh * tanh_c,
             "dcbar": dc_total * i}
    dz = {"i": d_out["di"] * i * (1 - i), "f": d_out["df"] * f * (1 - f),
          "o": d_out["do"] * o * (1 - o), "c": d_out["dcbar"] * (1 - cbar * cbar)}
    p = cache.params
    dx = sum((dz[g] @ p.W[g] for g in GATES[1:]), dz["i"] @ p.W["i"])
    dh_prev = sum((dz[g] @ p.U[g] for g in GATES[1:]), dz["i"] @ p.U["i"])
    d_gates = {**d_out, **{f"dz_{g}": dz[g] for g in GATES}}
    return CellGrads(
        dx=dx, dh_prev=dh_prev, dc_prev=dc_total * f,
        dW={g: _outer_sum(dz[g], cache.x) for g in GATES},
        dU={g: _outer_sum(dz[g], cache.h_prev) for g in GATES},
        db={g: dz[g] if dz[g].ndim == 1 else dz[g].sum(axis=0) for g in GATES},
        d_gates=d_gates, dc_total=dc_total,
    )
