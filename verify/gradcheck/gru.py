"""Reference GRU cell (torch's equations): one step forward and backward, in NumPy.

Stage: gradcheck (ground truth for people's own backward code). Floating point, untrusted
in the project's sense; tested against complex-step derivatives (tests/gradcheck).

Canonical layout, batched rows; gates ``r`` (reset), ``z`` (update), ``n`` (candidate)::

    r = sigma(x @ W_r.T + h_prev @ U_r.T + b_r)
    z = sigma(x @ W_z.T + h_prev @ U_z.T + b_z)
    n = tanh (x @ W_n.T + b_n + r * (h_prev @ U_n.T + bh_n))
    h = (1 - z) * n + z * h_prev

``bh_n`` is the hidden-side bias of the candidate, which (unlike the other hidden-side
biases) cannot be folded into ``b_n`` because ``r`` multiplies it; layouts with a single
bias leave it at zero. Works in any float or complex dtype.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from verify.models.lstm.cell import Array, sigmoid

GATES: tuple[str, str, str] = ("r", "z", "n")
PARAMS: tuple[str, ...] = (*(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES), "bh_n")


def param_shapes(d: int, h: int) -> dict[str, tuple[int, ...]]:
    shapes = {"W": (h, d), "U": (h, h), "b": (h,)}
    return {**{f"{k}_{g}": shapes[k] for k in ("W", "U", "b") for g in GATES}, "bh_n": (h,)}


def _gates(v: Mapping[str, Array]) -> dict[str, Array]:
    x, h_prev = v["x"], v["h_prev"]
    r = sigmoid(x @ v["W_r"].T + h_prev @ v["U_r"].T + v["b_r"])
    z = sigmoid(x @ v["W_z"].T + h_prev @ v["U_z"].T + v["b_z"])
    a_n = h_prev @ v["U_n"].T + v["bh_n"]
    n = np.tanh(x @ v["W_n"].T + v["b_n"] + r * a_n)
    return {"r": r, "z": z, "n": n, "a_n": a_n}


def step_forward(v: Mapping[str, Array]) -> dict[str, Array]:
    """``{"h": h}`` from ``x, h_prev`` and the parameters."""
    g = _gates(v)
    return {"h": (1 - g["z"]) * g["n"] + g["z"] * v["h_prev"]}


def step_backward(v: Mapping[str, Array], out: Mapping[str, Array],
                  up: Mapping[str, Array]) -> dict[str, Array]:
    """Gradients of ``sum(dh * h)`` w.r.t. every input and parameter."""
    g = _gates(v)
    x, h_prev, dh = v["x"], v["h_prev"], up["dh"]
    r, z, n = g["r"], g["z"], g["n"]
    dz_n = dh * (1 - z) * (1 - n * n)
    dz_z = dh * (h_prev - n) * z * (1 - z)
    dz_r = dz_n * g["a_n"] * r * (1 - r)
    da_n = dz_n * r  # gradient at h_prev @ U_n.T + bh_n
    dz = {"r": dz_r, "z": dz_z, "n": dz_n}
    hidden_side = {"r": dz_r, "z": dz_z, "n": da_n}
    grads = {"x": sum((dz[k] @ v[f"W_{k}"] for k in GATES[1:]), dz["r"] @ v["W_r"]),
             "h_prev": dh * z + sum(hidden_side[k] @ v[f"U_{k}"] for k in GATES),
             "bh_n": da_n.sum(axis=0)}
    for k in GATES:
        grads[f"W_{k}"] = dz[k].T @ x
        grads[f"U_{k}"] = hidden_side[k].T @ h_prev
        grads[f"b_{k}"] = dz[k].sum(axis=0)
    return grads
