"""The classic mistakes in backward code, as deliberately wrong reference gradients.

Stage: gradcheck (hints). Advice only, float64: untrusted, never part of a verdict.

A mistake is a wrong variant of the reference backward pass (a dropped gradient path,
an activation's derivative taken at the gate output, a gradient accumulated from one
time step only...). When the user's gradient equals a variant's on the counterexample
and on fixed random instances, that mistake is the hint. The variants are written out
here, apart from the references they imitate, because they must be wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np

from verify.gradcheck import rnn
from verify.gradcheck.cells import (
    Arrays,
    Cell,
    _lstm_params,
    bptt,
)
from verify.models.lstm.cell import GATES, Array, cell_forward

Backward = Callable[[Cell, Mapping[str, Array], Mapping[str, Array]], Arrays]


@dataclass(frozen=True)
class Mistake:
    name: str
    hint: str
    backward: Backward  # (cell, canonical inputs, upstream) -> canonical gradients


def _lstm_step_variant(v: Mapping[str, Array], out: Mapping[str, Array],
                       up: Mapping[str, Array], *, drop_h_path: bool = False,
                       deriv: Mapping[str, str] | None = None) -> Arrays:
    """LSTM step backward with ``drop_h_path`` (dc_total = dc) or, per gate, the derivative
    ``"output"`` (taken at the gate output: sigma'(i) for i = sigma(z)) or ``"none"``."""
    _, _, k = cell_forward(v["x"], v["h_prev"], v["c_prev"], _lstm_params(v))
    dh, dc = up["dh"], up["dc"]
    dc_total = dc if drop_h_path else dc + dh * k.o * (1 - k.tanh_c ** 2)
    outs = {"i": k.i, "f": k.f, "o": k.o, "c": k.cbar}
    d_out = {"i": dc_total * k.cbar, "f": dc_total * k.c_prev, "o": dh * k.tanh_c,
             "c": dc_total * k.i}
    dz = {}
    for g in GATES:
        y, how = outs[g], (deriv or {}).get(g, "pre")
        if how == "pre":
            factor = 1 - y * y if g == "c" else y * (1 - y)
        elif how == "output":
            s = np.tanh(y) if g == "c" else 0.5 + 0.5 * np.tanh(y / 2)
            factor = 1 - s * s if g == "c" else s * (1 - s)
        else:
            factor = 1.0
        dz[g] = d_out[g] * factor
    grads: Arrays = {"x": sum(dz[g] @ v[f"W_{g}"] for g in GATES),
                     "h_prev": sum(dz[g] @ v[f"U_{g}"] for g in GATES),
                     "c_prev": dc_total * k.f}
    for g in GATES:
        grads.update({f"W_{g}": dz[g].T @ v["x"], f"U_{g}": dz[g].T @ v["h_prev"],
                      f"b_{g}": dz[g].sum(axis=0)})
    return grads


def _step(variant: Callable[..., Arrays], **flags: object) -> Backward:
    def backward(cell: Cell, v: Mapping[str, Array], up: Mapping[str, Array]) -> Arrays:
        return variant(v, cell.step_forward(v), up, **flags)
    return backward


def _seq(**flags: object) -> Backward:
    def backward(cell: Cell, v: Mapping[str, Array], up: Mapping[str, Array]) -> Arrays:
        return bptt(cell, v, up, **flags)  # type: ignore[arg-type]
    return backward


def _seq_of(step: Callable[..., Arrays], **flags: object) -> Backward:
    def backward(cell: Cell, v: Mapping[str, Array], up: Mapping[str, Array]) -> Arrays:
        return bptt(cell, v, up, step_backward=partial(step, **flags))
    return backward


GATE_FORMS = {"i": ("i", "sigmoid"), "f": ("f", "sigmoid"), "o": ("o", "sigmoid"),
              "c": ("g", "tanh")}


def _deriv_hint(g: str, how: str) -> str:
    y, act = GATE_FORMS[g]
    right = f"1 - {y}**2" if act == "tanh" else f"{y} * (1 - {y})"
    if how == "output":
        wrong = f"1 - np.tanh({y})**2" if act == "tanh" else f"sigmoid({y}) * (1 - sigmoid({y}))"
        return (f"the derivative of gate {y} is taken at its output instead of its "
                f"pre-activation: {y} = {act}(a_{y}) is already activated, so "
                f"d{y}/da_{y} = {right}, not {wrong}")
    return (f"the activation's derivative is missing for gate {y}: the gradient at its "
            f"pre-activation is d{y} * ({right}), not d{y}")


DROPPED_H_PATH = ("the gradient reaching {c} through {h} is missing: the cell state's total "
                  "gradient is {dc} + {dh} * o * (1 - tanh({c})**2); use it everywhere {dc} "
                  "is used")
NO_CARRY_H = ("the hidden-state gradient from step t+1 is dropped: step t must receive the "
              "loss's gradient at h_t plus the gradient of h_t returned by step t+1's "
              "backward (in CS231n: dh[:, t] + dprev_h), not the loss's alone")
NO_CARRY_C = ("the cell-state gradient from step t+1 is dropped: pass the gradient of c_t "
              "returned by step t+1's backward (dprev_c) into step t's backward")
LAST_ONLY = ("the weight gradients come from one time step only (t=0, the last one the "
             "backward loop visits): accumulate them over all steps (dW += dW_t, not "
             "dW = dW_t)")
RNN_DERIV_AT_OUTPUT = ("the derivative of tanh is taken at its output: {h} = tanh(a) is "
                       "already activated, so d{h}/da = 1 - {h}**2, not 1 - np.tanh({h})**2")
FIRST_ONLY = ("the weight gradients come from one time step only (the last one, t=T-1): "
              "accumulate them over all steps")


def mistakes(cell: str, kind: str) -> list[Mistake]:
    """The variants worth trying for this cell and kind."""
    step: list[tuple[str, str, Callable[..., Arrays], dict[str, object]]] = []
    if cell == "lstm":
        step.append(("dropped h path", DROPPED_H_PATH, _lstm_step_variant,
                     {"drop_h_path": True}))
        for g in GATES:
            for how in ("output", "none"):
                step.append((f"derivative {how} {g}", _deriv_hint(g, how), _lstm_step_variant,
                             {"deriv": {g: how}}))
    elif cell == "rnn":
        step.append(("derivative output", RNN_DERIV_AT_OUTPUT, rnn.step_backward,
                     {"deriv_at_output": True}))
    if kind == "step":
        return [Mistake(n, h, _step(f, **flags)) for n, h, f, flags in step]
    found = [Mistake(n, h, _seq_of(f, **flags)) for n, h, f, flags in step]
    found += [Mistake("no carry h", NO_CARRY_H, _seq(carry=("c",) if cell == "lstm" else ())),
              Mistake("last step only", LAST_ONLY, _seq(accumulate="last")),
              Mistake("first step only", FIRST_ONLY, _seq(accumulate="first"))]
    if cell == "lstm":
        found.append(Mistake("no carry c", NO_CARRY_C, _seq(carry=("h",))))
    return found
