"""An LSTM over T time steps: fast forward pass and backpropagation through time (BPTT).

Stage: LSTM gradient checking (ground truth, and the benchmarked NumPy implementation).
Floating point, untrusted in the project's sense; tested against complex-step derivatives,
against chaining :func:`verify.lstm.cell.cell_backward`, and against torch.

Same equations and gate order as :mod:`verify.lstm.cell`; shapes ``xs`` (T, B, D),
``h0``/``c0`` (B, H). For speed the four gates are fused: the input projections of all
T steps are one (T*B, D) @ (D, 4H) product, each step does one (B, H) @ (H, 4H) product,
the weight gradients are one product each at the end, and element-wise work goes into
preallocated buffers with ``out=`` so the dtype (float32 stays float32) and memory stay put.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.lstm.cell import GATES, Array, LSTMParams


class SequenceWorkspace:
    """Reusable buffers for :func:`sequence_forward` and :func:`sequence_backward`.

    Passing the same workspace to repeated calls avoids reallocating (and page-faulting)
    tens of megabytes per call. The price: caches and gradients returned by a call share
    the workspace's memory, so the next call with that workspace overwrites them.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, Array] = {}

    def buffer(self, name: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Array:
        """An uninitialised array ``name`` of this shape and dtype, reused when it fits."""
        old = self._buffers.get(name)
        if old is not None and old.shape == shape and old.dtype == dtype:
            return old
        new = np.empty(shape, dtype)
        self._buffers[name] = new
        return new


@dataclass(frozen=True, eq=False)
class SequenceCache:
    """What BPTT needs. Arrays are owned by the cache; do not modify them."""

    xs: Array
    """(T, B, D) inputs (the caller's array, not a copy)."""
    hs_all: Array
    """(T+1, B, H): ``h0, h_1, ..., h_T``."""
    cs_all: Array
    """(T+1, B, H): ``c0, c_1, ..., c_T``."""
    gates: Array
    """(T, B, 4H) gate outputs ``i, f, o, cbar`` side by side."""
    tanh_c: Array
    """(T, B, H) ``tanh(c_t)``."""
    params: LSTMParams
    W_all: Array
    """(4H, D) stacked input weights (see :meth:`LSTMParams.stacked`)."""
    U_all: Array
    """(4H, H) stacked recurrent weights."""

    def gate(self, name: str) -> Array:
        """(T, B, H) view of one gate output: ``"i"``, ``"f"``, ``"o"`` or ``"c"`` (= cbar)."""
        k = GATES.index(name)
        hidden = self.params.hidden_size
        return self.gates[:, :, k * hidden:(k + 1) * hidden]


@dataclass(frozen=True, eq=False)
class SequenceGrads:
    """Gradients of L w.r.t. the inputs, initial state and parameters (summed over time and batch)."""

    dxs: Array
    dh0: Array
    dc0: Array
    dW: dict[str, Array]
    dU: dict[str, Array]
    db: dict[str, Array]

    def flat(self) -> dict[str, Array]:
        """``{"xs", "h0", "c0", "W_i", ..., "b_c"}`` -> gradient (names as in ``LSTMParams.flat``)."""
        out = {"xs": self.dxs, "h0": self.dh0, "c0": self.dc0}
        out.update({f"{kind}_{g}": getattr(self, "d" + kind)[g] for kind in ("W", "U", "b")
                    for g in GATES})
        return out


def _check_shapes(xs: Array, h0: Array, c0: Array, params: LSTMParams) -> None:
    if xs.ndim != 3 or xs.shape[0] < 1 or xs.shape[2] != params.input_size:
        raise ValueError(f"xs must have shape (T>=1, batch, input={params.input_size}), "
                         f"got {xs.shape}")
    want = (xs.shape[1], params.hidden_size)
    for name, arr in (("h0", h0), ("c0", c0)):
        if arr.shape != want:
            raise ValueError(f"{name} has shape {arr.shape}, expected (batch, hidden) = {want}")


def sequence_forward(xs: Array, h0: Array | None, c0: Array | None, params: LSTMParams, *,
                     workspace: SequenceWorkspace | None = None,
                     ) -> tuple[Array, tuple[Array, Array], SequenceCache]:
    """Run T steps; returns ``(hs, (h_T, c_T), cache)`` with ``hs`` (T, B, H), read-only.

    ``h0``/``c0`` default to zeros. Inputs are not modified. See :class:`SequenceWorkspace`
    for what ``workspace`` shares.
    """
    ws = SequenceWorkspace() if workspace is None else workspace
    xs = np.asarray(xs)
    steps, batch, inputs = xs.shape if xs.ndim == 3 else (0, 0, 0)
    hidden = params.hidden_size
    dtype = np.result_type(xs.dtype, params.dtype)
    h0 = np.zeros((batch, hidden), dtype) if h0 is None else np.asarray(h0)
    c0 = np.zeros((batch, hidden), dtype) if c0 is None else np.asarray(c0)
    _check_shapes(xs, h0, c0, params)
    dtype = np.result_type(dtype, h0.dtype, c0.dtype)
    W_all, U_all, b_all = params.stacked()
    # Sigmoid gates use sigma(z) = 0.5 + 0.5 tanh(z/2); folding the 1/2 into their weight
    # rows (exact in binary floating point) saves one pass over the (B, 3H) block per step.
    half = np.ones(4 * hidden, dtype)
    half[:3 * hidden] = 0.5
    WT_half = np.ascontiguousarray((W_all * half[:, None]).T)
    UT_half = np.ascontiguousarray((U_all * half[:, None]).T)

    gates = ws.buffer("gates", (steps, batch, 4 * hidden), dtype)
    np.matmul(xs.reshape(steps * batch, inputs), WT_half, out=gates.reshape(steps * batch, -1))
    gates += b_all * half
    hs_all = ws.buffer("hs_all", (steps + 1, batch, hidden), dtype)
    cs_all = ws.buffer("cs_all", (steps + 1, batch, hidden), dtype)
    hs_all[0], cs_all[0] = h0, c0
    tanh_c = ws.buffer("tanh_c", (steps, batch, hidden), dtype)
    recur = ws.buffer("recur", (batch, 4 * hidden), dtype)
    scratch = ws.buffer("scratch", (batch, hidden), dtype)
    H2, H3 = slice(hidden, 2 * hidden), slice(2 * hidden, 3 * hidden)
    for t in range(steps):
        g = gates[t]
        np.matmul(hs_all[t], UT_half, out=recur)
        g += recur
        np.tanh(g, out=g)
        s = g[:, :3 * hidden]
        s *= 0.5
        s += 0.5
        i, f, o, cbar = g[:, :hidden], g[:, H2], g[:, H3], g[:, 3 * hidden:]
        c = cs_all[t + 1]
        np.multiply(f, cs_all[t], out=c)
        np.multiply(i, cbar, out=scratch)
        c += scratch
        np.tanh(c, out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs_all[t + 1])
    cache = SequenceCache(xs=xs, hs_all=hs_all, cs_all=cs_all, gates=gates, tanh_c=tanh_c,
                          params=params, W_all=W_all, U_all=U_all)
    hs = hs_all[1:]
    hs.flags.writeable = False  # a view of the cache: BPTT would silently use edits
    return hs, (hs[-1], cs_all[-1]), cache


def _initial(name: str, value: Array | None, buffer: Array) -> Array:
    if value is None:
        buffer.fill(0)
    elif np.shape(value) != buffer.shape:
        raise ValueError(f"{name} has shape {np.shape(value)}, expected {buffer.shape}")
    else:
        buffer[...] = value
    return buffer


def sequence_backward(dhs: Array | None, cache: SequenceCache, *, dh_T: Array | None = None,
                      dc_T: Array | None = None,
                      workspace: SequenceWorkspace | None = None) -> SequenceGrads:
    """BPTT. ``dhs[t]`` (T, B, H) is dL/dh_t from outside the recurrence (e.g. a loss on every
    output); ``dh_T``/``dc_T`` are extra gradients on the final state. ``None`` means zero.
    """
    ws = SequenceWorkspace() if workspace is None else workspace
    steps, batch, hidden = cache.tanh_c.shape
    dtype = cache.gates.dtype
    state = (batch, hidden)
    if dhs is not None and np.shape(dhs) != cache.tanh_c.shape:
        raise ValueError(f"dhs has shape {np.shape(dhs)}, expected {cache.tanh_c.shape}")
    dh_next = _initial("dh_T", dh_T, ws.buffer("dh_next", state, dtype))
    dc = _initial("dc_T", dc_T, ws.buffer("dc", state, dtype))
    dh = ws.buffer("dh", state, dtype)
    scratch = ws.buffer("scratch", state, dtype)
    sig_deriv = ws.buffer("sig_deriv", (batch, 3 * hidden), dtype)
    dZ = ws.buffer("dZ", (steps, batch, 4 * hidden), dtype)
    H2, H3 = slice(hidden, 2 * hidden), slice(2 * hidden, 3 * hidden)
    U_all = cache.U_all
    for t in range(steps - 1, -1, -1):
        g, dz, tc = cache.gates[t], dZ[t], cache.tanh_c[t]
        i, f, o, cbar = g[:, :hidden], g[:, H2], g[:, H3], g[:, 3 * hidden:]
        if dhs is None:
            dh, dh_next = dh_next, dh
        else:
            np.add(dhs[t], dh_next, out=dh)
        # dc_total = dc (from c_{t+1}) + dh * o * (1 - tanh(c)^2): the path through h_t.
        np.multiply(tc, tc, out=scratch)
        np.subtract(1, scratch, out=scratch)
        scratch *= o
        scratch *= dh
        dc += scratch
        # Gradients w.r.t. i, f, o, then times sigma' = s (1 - s) in one pass over 3H columns.
        np.multiply(dc, cbar, out=dz[:, :hidden])
        np.multiply(dc, cache.cs_all[t], out=dz[:, H2])
        np.multiply(dh, tc, out=dz[:, H3])
        sig = g[:, :3 * hidden]
        np.subtract(1, sig, out=sig_deriv)
        sig_deriv *= sig
        dz[:, :3 * hidden] *= sig_deriv
        # Candidate: dc_total * i * (1 - cbar^2).
        dzc = dz[:, 3 * hidden:]
        np.multiply(cbar, cbar, out=dzc)
        np.subtract(1, dzc, out=dzc)
        dzc *= i
        dzc *= dc
        dc *= f
        np.matmul(dz, U_all, out=dh_next)
    flat_dz = dZ.reshape(steps * batch, 4 * hidden)
    dxs = ws.buffer("dxs", cache.xs.shape, dtype)
    np.matmul(flat_dz, cache.W_all, out=dxs.reshape(steps * batch, -1))
    dW_all = np.matmul(flat_dz.T, cache.xs.reshape(steps * batch, -1),
                       out=ws.buffer("dW_all", cache.W_all.shape, dtype))
    dU_all = np.matmul(flat_dz.T, cache.hs_all[:-1].reshape(steps * batch, hidden),
                       out=ws.buffer("dU_all", cache.U_all.shape, dtype))
    db_all = flat_dz.sum(axis=0, out=ws.buffer("db_all", (4 * hidden,), dtype))
    blocks = {g: slice(k * hidden, (k + 1) * hidden) for k, g in enumerate(GATES)}
    return SequenceGrads(dxs=dxs, dh0=dh_next, dc0=dc,
                         dW={g: dW_all[s] for g, s in blocks.items()},
                         dU={g: dU_all[s] for g, s in blocks.items()},
                         db={g: db_all[s] for g, s in blocks.items()})
