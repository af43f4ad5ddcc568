"""Stage: LSTM gradient checking (confirmation). Recompute an instance with 50 significant
digits and compare a claimed formula with the reference there.

The float64 screen (:mod:`verify.models.lstm.batch`) accepts agreement to ~1e-8 relative:
a formula off by a factor 1 + 1e-9 passes it. Here the drawn values (float64 numbers, so
exact binary fractions) are taken exactly into ``mpmath`` at :data:`DIGITS` digits, the
forward pass and the reference gradients are recomputed from the cell's equations
(:data:`FORWARD`, :data:`BACKWARD`: the textbook backward pass, tested against the
hand-written NumPy one), the claim is evaluated by the same batched evaluator on object
arrays, and the two must agree to :data:`RTOL` relative to the largest reference entry.
A correct formula written differently (``(1 - t) * (1 + t)`` for ``1 - t**2``) agrees to
~45 digits; a slip of 1e-9 fails by 21 orders of magnitude. Untrusted (floating point at
high precision), and said so in every verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import numpy as np

from verify.models.lstm.cell import GATES
from verify.models.lstm.expr import Array, parse
from verify.models.lstm.expr_eval import evaluate_batch

DIGITS = 50  # working precision, significant decimal digits
RTOL = 1e-30  # a claim must agree to this, relative to the largest reference entry

FORWARD: tuple[tuple[str, str], ...] = (
    *((g, f"sigmoid(W_{g} @ x + U_{g} @ h_prev + b_{g})") for g in ("i", "f", "o")),
    ("cbar", "tanh(W_c @ x + U_c @ h_prev + b_c)"),
    ("c", "f * c_prev + i * cbar"),
    ("tanh_c", "tanh(c)"),
    ("h", "o * tanh_c"),
    ("dc", "f_next * dc_next"),
)
"""The LSTM cell's forward equations in the column layout (the seed's)."""

BACKWARD: tuple[tuple[str, str], ...] = (
    ("dc_total", "dc + dh * o * (1 - tanh_c**2)"),
    ("di", "dc_total * cbar"), ("df", "dc_total * c_prev"), ("do", "dh * tanh_c"),
    ("dcbar", "dc_total * i"),
    ("dz_i", "di * i * (1 - i)"), ("dz_f", "df * f * (1 - f)"), ("dz_o", "do * o * (1 - o)"),
    ("dz_c", "dcbar * (1 - cbar**2)"),
    ("dx", " + ".join(f"W_{g}.T @ dz_{g}" for g in GATES)),
    ("dh_prev", " + ".join(f"U_{g}.T @ dz_{g}" for g in GATES)),
    ("dc_prev", "dc_total * f"),
    *((f"dW_{g}", f"outer(dz_{g}, x)") for g in GATES),
    *((f"dU_{g}", f"outer(dz_{g}, h_prev)") for g in GATES),
    *((f"db_{g}", f"dz_{g}") for g in GATES),
)
"""The reference backward pass, one formula per target (reads forward names and dh, dc)."""

_FORWARD = tuple((n, parse(t)) for n, t in FORWARD)
_BACKWARD = tuple((n, parse(t)) for n, t in BACKWARD)


def reads(target: str) -> frozenset[str]:
    """The column names the reference formula of ``target`` reads, through the others."""
    formulas = dict(BACKWARD)
    seen: set[str] = set()
    todo = [target]
    while todo:
        for name in parse(formulas[todo.pop()]).names:
            if name not in seen:
                seen.add(name)
                if name in formulas:
                    todo.append(name)
    return frozenset(n for n in seen if n not in formulas)


def to_mp(values: Array) -> Array:
    """A float array as an object array of exact ``mpf`` values."""
    out = np.empty(values.shape, dtype=object)
    flat = out.reshape(-1)
    for k, v in enumerate(np.asarray(values, dtype=np.float64).reshape(-1)):
        flat[k] = mpmath.mpf(float(v))
    return out


def column_precise(drawn: Mapping[str, Array], d: int, h: int
                   ) -> tuple[dict[str, Array], dict[str, Array]]:
    """Column environment and reference of one instance (batch axis of 1), at DIGITS."""
    with mpmath.workdps(DIGITS):
        env: dict[str, Array] = {n: to_mp(np.asarray(v)[None]) for n, v in drawn.items()}
        env["H"], env["D"] = to_mp(np.array([float(h)])), to_mp(np.array([float(d)]))
        for name, formula in _FORWARD:
            env[name] = evaluate_batch(formula, env)
        ref: dict[str, Array] = {}
        scope = dict(env)
        for name, formula in _BACKWARD:
            scope[name] = ref[name] = evaluate_batch(formula, scope)
    return env, ref


def agree(got: Array, want: Array) -> tuple[bool, float]:
    """Whether ``got`` equals ``want`` to RTOL (relative to the largest entry of ``want``),
    and the worst relative difference found, as a float."""
    with mpmath.workdps(DIGITS):
        g = np.broadcast_to(got, want.shape).reshape(-1)
        w = want.reshape(-1)
        scale = 1 + max((abs(v) for v in w), default=mpmath.mpf(0))
        worst = mpmath.mpf(0)
        for a, b in zip(g, w):
            if not isinstance(a, mpmath.mpf) or not mpmath.isfinite(a):
                return False, float("inf")
            worst = max(worst, abs(a - b) / scale)
        return bool(worst <= RTOL), float(worst)


__all__ = ["BACKWARD", "DIGITS", "FORWARD", "RTOL", "agree", "column_precise", "reads", "to_mp"]
