"""Reference vanilla (tanh) RNN cell: one step forward and backward, in NumPy.

Stage: gradcheck (ground truth for people's own backward code). Floating point, untrusted
in the project's sense; tested against complex-step derivatives (tests/gradcheck).

Canonical layout, batched rows as in :mod:`verify.models.lstm.cell`::

    h = tanh(x @ W.T + h_prev @ U.T + b)      x (B, D), h_prev (B, H), W (H, D), U (H, H), b (H,)

Works in any float or complex dtype (complex-step tests need complex128).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from verify.models.lstm.cell import Array

PARAMS: tuple[str, ...] = ("W", "U", "b")


def param_shapes(d: int, h: int) -> dict[str, tuple[int, ...]]:
    return {"W": (h, d), "U": (h, h), "b": (h,)}


def step_forward(v: Mapping[str, Array]) -> dict[str, Array]:
    """``{"h": h}`` from ``x, h_prev, W, U, b``."""
    return {"h": np.tanh(v["x"] @ v["W"].T + v["h_prev"] @ v["U"].T + v["b"])}


def step_backward(v: Mapping[str, Array], out: Mapping[str, Array],
                  up: Mapping[str, Array], *, deriv_at_output: bool = False) -> dict[str, Array]:
    """Gradients of ``sum(dh * h)`` w.r.t. every input. ``deriv_at_output`` is the classic
    mistake (tanh' evaluated at the output h instead of the pre-activation), for hints."""
    h = out["h"]
    deriv = 1 - np.tanh(h) ** 2 if deriv_at_output else 1 - h * h
    dz = up["dh"] * deriv
    return {"x": dz @ v["W"], "h_prev": dz @ v["U"], "W": dz.T @ v["x"],
            "U": dz.T @ v["h_prev"], "b": dz.sum(axis=0)}
