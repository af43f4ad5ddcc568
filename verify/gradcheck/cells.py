"""The reference cells gradcheck compares people's code with, in one canonical layout.

Stage: gradcheck (ground truth). Floating point, untrusted in the project's sense.

Canonical arrays are batched rows, as in :mod:`verify.models.lstm.cell`: a step takes
``x`` (B, D), ``h_prev`` (B, H) (and ``c_prev`` for the LSTM) and the parameters
(``W_*`` (H, D), ``U_*`` (H, H), ``b_*`` (H,)), returns ``h`` (and ``c``), and its backward
pass takes the upstream gradients ``dh`` (and ``dc``). A sequence takes ``xs`` (T, B, D),
``h0`` (and ``c0``), returns ``hs`` (and ``cs``), all (T, B, H), and takes ``dhs``.

A backward pass returns the gradient of ``sum(upstream * output)`` with respect to every
input, keyed by the input's name. The LSTM is :mod:`verify.models.lstm` (the project's
reference, reused); the tanh RNN and the GRU are :mod:`.rnn` and :mod:`.gru`. Sequences of
the RNN and GRU are backpropagated through time by :func:`bptt` from their steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from verify.gradcheck import gru, rnn
from verify.models.lstm.cell import (
    GATES as LSTM_GATES,
)
from verify.models.lstm.cell import (
    Array,
    LSTMParams,
    cell_backward,
    cell_forward,
    flat_param_grads,
)
from verify.models.lstm.sequence import sequence_backward, sequence_forward

Kind = Literal["step", "sequence"]
KINDS: tuple[str, str] = ("step", "sequence")
Arrays = dict[str, Array]
StepForward = Callable[[Mapping[str, Array]], Arrays]
StepBackward = Callable[[Mapping[str, Array], Mapping[str, Array], Mapping[str, Array]], Arrays]


@dataclass(frozen=True)
class Sizes:
    batch: int
    input: int
    hidden: int
    steps: int = 1  # T; 1 for a step

    def text(self, kind: str) -> str:
        seq = f", T={self.steps}" if kind == "sequence" else ""
        return f"batch B={self.batch}, input D={self.input}, hidden H={self.hidden}{seq}"


# The state names of one step and their names in a sequence.
SEQ_IN = {"x": "xs", "h_prev": "h0", "c_prev": "c0"}
SEQ_OUT = {"h": "hs", "c": "cs"}


@dataclass(frozen=True)
class Cell:
    name: str  # lstm | gru | rnn
    gates: tuple[str, ...]  # stacking order of the canonical gate blocks ("" for the RNN)
    states: tuple[str, ...]  # ("h", "c") or ("h",)
    param_shapes: Callable[[int, int], dict[str, tuple[int, ...]]]
    step_forward: StepForward
    step_backward: StepBackward

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.param_shapes(1, 1))

    def inputs(self, kind: str, s: Sizes) -> dict[str, tuple[int, ...]]:
        """Canonical input names and shapes (data, initial state, parameters)."""
        state = {f"{n}_prev": (s.batch, s.hidden) for n in self.states}
        data: dict[str, tuple[int, ...]]
        if kind == "step":
            data = {"x": (s.batch, s.input), **state}
        else:
            data = {"xs": (s.steps, s.batch, s.input), **{SEQ_IN[k]: v for k, v in state.items()}}
        return {**data, **self.param_shapes(s.input, s.hidden)}

    def outputs(self, kind: str, s: Sizes) -> dict[str, tuple[int, ...]]:
        if kind == "step":
            return {n: (s.batch, s.hidden) for n in self.states}
        return {SEQ_OUT[n]: (s.steps, s.batch, s.hidden) for n in self.states}

    def upstream(self, kind: str, s: Sizes) -> dict[str, tuple[int, ...]]:
        """Upstream gradients the backward pass takes (a sequence takes ``dhs`` only)."""
        outs = self.outputs(kind, s)
        return {"d" + n: shape for n, shape in outs.items() if kind == "step" or n == "hs"}

    def forward(self, kind: str, v: Mapping[str, Array]) -> Arrays:
        if kind == "step":
            return self.step_forward(v)
        if self.name == "lstm":
            return _lstm_sequence_forward(v)
        return sequence_forward_by_steps(self, v)[0]

    def backward(self, kind: str, v: Mapping[str, Array], up: Mapping[str, Array]) -> Arrays:
        """Gradient of ``sum(up * outputs)`` w.r.t. every input, by input name."""
        if kind == "step":
            return self.step_backward(v, self.step_forward(v), up)
        if self.name == "lstm":
            return _lstm_sequence_backward(v, up)
        return bptt(self, v, up)


def _lstm_params(v: Mapping[str, Array]) -> LSTMParams:
    return LSTMParams.from_flat({f"{k}_{g}": v[f"{k}_{g}"] for k in "WUb" for g in LSTM_GATES})


def _lstm_step_forward(v: Mapping[str, Array]) -> Arrays:
    h, c, _ = cell_forward(v["x"], v["h_prev"], v["c_prev"], _lstm_params(v))
    return {"h": h, "c": c}


def _lstm_step_backward(v: Mapping[str, Array], out: Mapping[str, Array],
                        up: Mapping[str, Array]) -> Arrays:
    _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], _lstm_params(v))
    g = cell_backward(up["dh"], up["dc"], cache)
    return {"x": g.dx, "h_prev": g.dh_prev, "c_prev": g.dc_prev,
            **flat_param_grads(g.dW, g.dU, g.db)}


def _lstm_sequence_forward(v: Mapping[str, Array]) -> Arrays:
    hs, _, cache = sequence_forward(v["xs"], v["h0"], v["c0"], _lstm_params(v))
    return {"hs": np.array(hs), "cs": cache.c_cols[1:].transpose(0, 2, 1).copy()}


def _lstm_sequence_backward(v: Mapping[str, Array], up: Mapping[str, Array]) -> Arrays:
    _, _, cache = sequence_forward(v["xs"], v["h0"], v["c0"], _lstm_params(v))
    flat = sequence_backward(up["dhs"], cache).flat()
    return {k: np.array(a) for k, a in flat.items()}


def _lstm_param_shapes(d: int, h: int) -> dict[str, tuple[int, ...]]:
    shapes = {"W": (h, d), "U": (h, h), "b": (h,)}
    return {f"{k}_{g}": shapes[k] for k in "WUb" for g in LSTM_GATES}


CELLS: dict[str, Cell] = {
    "lstm": Cell("lstm", LSTM_GATES, ("h", "c"), _lstm_param_shapes, _lstm_step_forward,
                 _lstm_step_backward),
    "gru": Cell("gru", gru.GATES, ("h",), gru.param_shapes, gru.step_forward, gru.step_backward),
    "rnn": Cell("rnn", ("",), ("h",), rnn.param_shapes, rnn.step_forward, rnn.step_backward),
}


def _step_inputs(cell: Cell, v: Mapping[str, Array], t: int,
                 state: Mapping[str, Array]) -> Arrays:
    return {"x": v["xs"][t], **{f"{n}_prev": state[n] for n in cell.states},
            **{p: v[p] for p in cell.params}}


def sequence_forward_by_steps(cell: Cell, v: Mapping[str, Array]
                              ) -> tuple[Arrays, list[Arrays], list[Arrays]]:
    """Outputs ``{"hs", ("cs")}``, and each step's inputs and outputs (for BPTT)."""
    state = {n: v[SEQ_IN[f"{n}_prev"]] for n in cell.states}
    step_in: list[Arrays] = []
    step_out: list[Arrays] = []
    for t in range(v["xs"].shape[0]):
        inputs = _step_inputs(cell, v, t, state)
        state = cell.step_forward(inputs)
        step_in.append(inputs)
        step_out.append(state)
    outs = {SEQ_OUT[n]: np.stack([o[n] for o in step_out]) for n in cell.states}
    return outs, step_in, step_out


def bptt(cell: Cell, v: Mapping[str, Array], up: Mapping[str, Array], *,
         step_backward: StepBackward | None = None, carry: tuple[str, ...] | None = None,
         accumulate: Literal["all", "first", "last"] = "all") -> Arrays:
    """Backpropagation through time from a step's backward pass.

    ``carry`` (default: every state) names the state gradients passed back from step t+1
    to step t; ``accumulate`` ``"first"``/``"last"`` keeps the parameter gradients of the
    first/last step processed only (t = T-1 / t = 0). The defaults are the correct BPTT;
    the others reproduce classic mistakes, for hints.
    """
    backward = step_backward or cell.step_backward
    carried = cell.states if carry is None else carry
    _, step_in, step_out = sequence_forward_by_steps(cell, v)
    steps = len(step_in)
    d_state = {n: np.zeros_like(step_out[0][n]) for n in cell.states}
    dxs: list[Array] = [np.empty(0)] * steps
    dparams: Arrays = {}
    for t in range(steps - 1, -1, -1):
        local = {"dh": up["dhs"][t] + (d_state["h"] if "h" in carried else 0)}
        if "c" in cell.states:
            local["dc"] = d_state["c"] if "c" in carried else np.zeros_like(d_state["c"])
        g = backward(step_in[t], step_out[t], local)
        dxs[t] = g["x"]
        d_state = {n: g[f"{n}_prev"] for n in cell.states}
        keep = accumulate == "all" or (accumulate == "first" and t == steps - 1) or (
            accumulate == "last" and t == 0)
        for p in cell.params:
            if keep:
                dparams[p] = dparams[p] + g[p] if p in dparams and accumulate == "all" else g[p]
            elif p not in dparams:
                dparams[p] = np.zeros_like(g[p])
    return {"xs": np.stack(dxs), **{SEQ_IN[f"{n}_prev"]: d_state[n] for n in cell.states},
            **dparams}
