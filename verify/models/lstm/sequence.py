"""An LSTM over T time steps: fast forward pass and backpropagation through time (BPTT).

Stage: LSTM gradient checking (ground truth, and the benchmarked NumPy implementation).
Floating point, untrusted in the project's sense; tested against complex-step derivatives,
against chaining :func:`verify.models.lstm.cell.cell_backward`, and against torch.

Same equations and gate order as :mod:`verify.models.lstm.cell`; shapes ``xs`` (T, B, D),
``h0``/``c0`` (B, H). For speed the four gates are fused and state is kept hidden-major
(each example a column, as in the math): the input projections of all T steps are one
(4H, D) @ (D, T*B) product, each step does one (4H, H) @ (H, B) product (this orientation
is markedly faster in OpenBLAS than (B, H) @ (H, 4H)), the weight gradients are one product
each at the end, and element-wise work runs on contiguous (H, B) blocks of preallocated
buffers with ``out=``, so the dtype (float32 stays float32) and memory stay put. Results in
the caller's (T, B, H) layout are returned as read-only transposed views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.models.lstm.cell import GATES, Array, LSTMParams, flat_param_grads


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


def _read_only(view: Array) -> Array:
    """Views of the cache are handed out read-only: BPTT would silently use any edit."""
    view.flags.writeable = False
    return view


@dataclass(frozen=True, eq=False)
class SequenceCache:
    """What BPTT needs, stored hidden-major (column vectors side by side, as in the math).

    Arrays are owned by the cache (or its workspace); do not modify them.
    """

    xs: Array
    """(T, B, D) inputs (the caller's array, not a copy)."""
    h_cols: Array
    """(H+1, T+1, B): column ``h_cols[:H, t, b]`` is h_t of example b (t = 0 is h0); row H
    is all ones, so that one product with ``[U | b]`` also adds the bias (and one product
    with dZ also sums the bias gradient)."""
    c_cols: Array
    """(T+1, H, B): ``c_cols[t]`` holds c_t as columns (t = 0 is c0)."""
    gate_cols: Array
    """(T, 4H, B): gate outputs i, f, o, cbar of step t+1 stacked in rows."""
    tanh_c: Array
    """(T, H, B): tanh(c_t) of step t+1."""
    params: LSTMParams
    W_all: Array
    """(4H, D) stacked input weights (see :meth:`LSTMParams.stacked`)."""
    U_all: Array
    """(4H, H) stacked recurrent weights."""

    @property
    def hs(self) -> Array:
        """(T, B, H) read-only view of h_1 ... h_T."""
        return _read_only(self.h_cols[:-1, 1:, :].transpose(1, 2, 0))

    def gate(self, name: str) -> Array:
        """(T, B, H) view of one gate output: ``"i"``, ``"f"``, ``"o"`` or ``"c"`` (= cbar)."""
        k = GATES.index(name)
        hidden = self.params.hidden_size
        return _read_only(self.gate_cols[:, k * hidden:(k + 1) * hidden, :].transpose(0, 2, 1))


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
        return {"xs": self.dxs, "h0": self.dh0, "c0": self.dc0,
                **flat_param_grads(self.dW, self.dU, self.db)}


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
    """Run T steps; returns ``(hs, (h_T, c_T), cache)``, ``hs`` (T, B, H), all read-only views.

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
    # rows (exact in binary floating point) saves one pass over the (3H, B) block per step.
    half = np.ones((4 * hidden, 1), dtype)
    half[:3 * hidden] = 0.5
    Ub_half = (np.concatenate([U_all, b_all[:, None]], axis=1) * half).astype(dtype)

    # All input projections at once, hidden-major: column (t, b) of W x.
    proj = ws.buffer("proj", (4 * hidden, steps * batch), dtype)
    np.matmul(W_all * half, xs.reshape(steps * batch, inputs).T, out=proj)
    proj_steps = proj.reshape(4 * hidden, steps, batch)
    gate_cols = ws.buffer("gate_cols", (steps, 4 * hidden, batch), dtype)
    h_cols = ws.buffer("h_cols", (hidden + 1, steps + 1, batch), dtype)
    c_cols = ws.buffer("c_cols", (steps + 1, hidden, batch), dtype)
    tanh_c = ws.buffer("tanh_c", (steps, hidden, batch), dtype)
    recur = ws.buffer("recur", (4 * hidden, batch), dtype)
    scratch = ws.buffer("scratch", (hidden, batch), dtype)
    h_cols[:hidden, 0, :] = h0.T
    h_cols[hidden] = 1
    c_cols[0] = c0.T
    H2, H3 = 2 * hidden, 3 * hidden
    for t in range(steps):
        g = gate_cols[t]
        # (4H, H) @ (H, B): this orientation runs faster in BLAS than (B, H) @ (H, 4H).
        np.matmul(Ub_half, h_cols[:, t, :], out=recur)  # U h + b
        np.add(recur, proj_steps[:, t, :], out=g)
        np.tanh(g, out=g)
        s = g[:H3]
        s *= 0.5
        s += 0.5
        c = c_cols[t + 1]
        np.multiply(g[hidden:H2], c_cols[t], out=c)
        np.multiply(g[:hidden], g[H3:], out=scratch)
        c += scratch
        np.tanh(c, out=tanh_c[t])
        np.multiply(g[H2:H3], tanh_c[t], out=h_cols[:hidden, t + 1, :])
    cache = SequenceCache(xs=xs, h_cols=h_cols, c_cols=c_cols, gate_cols=gate_cols,
                          tanh_c=tanh_c, params=params, W_all=W_all, U_all=U_all)
    hs = cache.hs
    return hs, (hs[-1], _read_only(c_cols[steps].T)), cache


def _initial(name: str, value: Array | None, buffer: Array) -> Array:
    """Fill the (H, B) ``buffer`` with the (B, H) ``value``, or zeros for None."""
    if value is None:
        buffer.fill(0)
    elif np.shape(value) != buffer.T.shape:
        raise ValueError(f"{name} has shape {np.shape(value)}, expected {buffer.T.shape}")
    else:
        buffer[...] = np.asarray(value).T
    return buffer


def sequence_backward(dhs: Array | None, cache: SequenceCache, *, dh_T: Array | None = None,
                      dc_T: Array | None = None,
                      workspace: SequenceWorkspace | None = None) -> SequenceGrads:
    """BPTT. ``dhs[t]`` (T, B, H) is dL/dh_t from outside the recurrence (e.g. a loss on every
    output); ``dh_T``/``dc_T`` (B, H) are extra gradients on the final state. ``None`` means
    zero. The gradients w.r.t. weights are summed over time and batch.
    """
    ws = SequenceWorkspace() if workspace is None else workspace
    steps, hidden, batch = cache.tanh_c.shape
    dtype = cache.gate_cols.dtype
    state = (hidden, batch)
    if dhs is not None and np.shape(dhs) != (steps, batch, hidden):
        raise ValueError(f"dhs has shape {np.shape(dhs)}, expected {(steps, batch, hidden)}")
    dh_next = _initial("dh_T", dh_T, ws.buffer("dh_next", state, dtype))
    dc = _initial("dc_T", dc_T, ws.buffer("dc", state, dtype))
    dh = ws.buffer("dh", state, dtype)
    scratch = ws.buffer("scratch", state, dtype)
    sig_deriv = ws.buffer("sig_deriv", (3 * hidden, batch), dtype)
    dz = ws.buffer("dz", (4 * hidden, batch), dtype)
    # Columns (t, b) side by side so that the weight gradients are single products.
    dZ = ws.buffer("dZ", (4 * hidden, steps, batch), dtype)
    UT = ws.buffer("UT", (hidden, 4 * hidden), dtype)
    UT[...] = cache.U_all.T
    H2, H3 = 2 * hidden, 3 * hidden
    for t in range(steps - 1, -1, -1):
        g, tc = cache.gate_cols[t], cache.tanh_c[t]
        i, f, o, cbar = g[:hidden], g[hidden:H2], g[H2:H3], g[H3:]
        if dhs is None:
            dh, dh_next = dh_next, dh
        else:
            np.add(dhs[t].T, dh_next, out=dh)
        # dc_total = dc (from c_{t+1}) + dh * o * (1 - tanh(c)^2): the path through h_t.
        np.multiply(tc, tc, out=scratch)
        np.subtract(1, scratch, out=scratch)
        scratch *= o
        scratch *= dh
        dc += scratch
        # Gradients w.r.t. i, f, o, then times sigma' = s (1 - s) in one pass over 3H rows.
        np.multiply(dc, cbar, out=dz[:hidden])
        np.multiply(dc, cache.c_cols[t], out=dz[hidden:H2])
        np.multiply(dh, tc, out=dz[H2:H3])
        np.subtract(1, g[:H3], out=sig_deriv)
        sig_deriv *= g[:H3]
        dz[:H3] *= sig_deriv
        # Candidate: dc_total * i * (1 - cbar^2).
        dzc = dz[H3:]
        np.multiply(cbar, cbar, out=dzc)
        np.subtract(1, dzc, out=dzc)
        dzc *= i
        dzc *= dc
        dc *= f
        np.matmul(UT, dz, out=dh_next)
        dZ[:, t, :] = dz
    flat_dz = dZ.reshape(4 * hidden, steps * batch)
    inputs = cache.xs.shape[2]  # explicit, not -1: a batch of 0 leaves -1 undetermined
    xs_flat = cache.xs.reshape(steps * batch, inputs)
    dxs = ws.buffer("dxs", cache.xs.shape, dtype)
    np.matmul(flat_dz.T, cache.W_all, out=dxs.reshape(steps * batch, inputs))
    dW_all = np.matmul(flat_dz, xs_flat, out=ws.buffer("dW_all", cache.W_all.shape, dtype))
    h_prev = cache.h_cols[:, :steps, :].reshape(hidden + 1, steps * batch)  # with ones row
    dUb_all = np.matmul(flat_dz, h_prev.T,
                        out=ws.buffer("dUb_all", (4 * hidden, hidden + 1), dtype))
    dU_all, db_all = dUb_all[:, :hidden], dUb_all[:, hidden]
    blocks = {g: slice(k * hidden, (k + 1) * hidden) for k, g in enumerate(GATES)}
    return SequenceGrads(dxs=dxs, dh0=dh_next.T, dc0=dc.T,
                         dW={g: dW_all[s] for g, s in blocks.items()},
                         dU={g: dU_all[s] for g, s in blocks.items()},
                         db={g: db_all[s] for g, s in blocks.items()})
