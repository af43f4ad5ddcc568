"""Stage: LSTM gradient checking (test instances). Draw LSTM cell instances and compute the
reference gradients a claimed formula is compared with.

An :class:`Instance` holds the sizes and drawn values of one test case; its environment
(every quantity a formula may name) and its reference gradients come from
:func:`verify.models.lstm.cell.cell_forward` and :func:`verify.models.lstm.cell.cell_backward`.
:func:`instances` is the hypothesis strategy that draws them. Float64, so untrusted in
the project's sense. Shapes are column-vector and unbatched: ``x`` is (D,), ``h_prev``
(H,), ``W_g`` (H, D).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.models.lstm.cell import GATES, LSTMParams, cell_backward, cell_forward
from verify.models.lstm.expr import Array

MAX_SIZE = 3  # input and hidden sizes are drawn from 1..MAX_SIZE
RTOL, ATOL = 1e-8, 1e-10  # float64 rounding of these small formulas stays far below

GATE_VAR = {"i": "i", "f": "f", "o": "o", "c": "cbar"}  # gate -> its output's name
GATE_OUT = {"i": "di", "f": "df", "o": "do", "c": "dcbar"}  # gate -> target at its output
GATE_DERIV = {"i": "i*(1-i)", "f": "f*(1-f)", "o": "o*(1-o)", "c": "(1-cbar**2)"}

TARGET_MEANING: dict[str, str] = {
    "dx": "dL/dx_t", "dh_prev": "dL/dh_{t-1}", "dc_prev": "dL/dc_{t-1}",
    "dc_total": "dL/dc_t, all paths (dc + the path through h_t)",
    **{GATE_OUT[g]: f"dL/d{GATE_VAR[g]}_t, at the gate output" for g in GATES},
    **{f"dz_{g}": f"dL/dz_{g}, at the pre-activation z_{g} = W_{g} x + U_{g} h_prev + b_{g}"
       for g in GATES},
    **{f"d{k}_{g}": f"dL/d{k}_{g}" for k in ("W", "U", "b") for g in GATES},
}
TARGETS: tuple[str, ...] = tuple(TARGET_MEANING)
_SYMBOLIC_SHAPE = {"dx": "(D,)", **{f"dW_{g}": "(H, D)" for g in GATES},
                   **{f"dU_{g}": "(H, H)" for g in GATES}}

_DERIVED = ("i", "f", "o", "cbar", "c", "h", "tanh_c")
PARAM_NAMES: tuple[str, ...] = tuple(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES)
BASE_NAMES: tuple[str, ...] = ("x", "h_prev", "c_prev", *_DERIVED, *PARAM_NAMES,
                               "dh", "dc", "dc_next", "f_next")


def symbolic_shape(target: str) -> str:
    """The shape of ``target`` in terms of D and H, e.g. ``(H, D)``."""
    return _SYMBOLIC_SHAPE.get(target, "(H,)")


def _drawn_shapes(d: int, h: int) -> dict[str, tuple[int, ...]]:
    """What an instance draws; ``dc = f_next * dc_next`` is derived, as in the seed."""
    return {"x": (d,), "h_prev": (h,), "c_prev": (h,),
            **{f"W_{g}": (h, d) for g in GATES}, **{f"U_{g}": (h, h) for g in GATES},
            **{f"b_{g}": (h,) for g in GATES}, "dh": (h,), "dc_next": (h,), "f_next": (h,)}


def close(got: Array, want: Array) -> bool:
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return False
    atol = ATOL * (1.0 + float(np.max(np.abs(want), initial=0.0)))
    return bool(np.all(np.abs(got - want) <= atol + RTOL * np.abs(want)))


def to_json(a: Array) -> Any:
    """Nested lists of floats; inf/nan as strings so the JSON stays standard."""
    if a.ndim == 0:
        v = float(a) + 0.0  # no "-0.0"
        return v if np.isfinite(v) else str(v)
    return [to_json(row) for row in a]


@dataclass(frozen=True, eq=False)
class Instance:
    """Sizes and drawn values of one test case; forward and reference computed lazily."""

    input_size: int
    hidden_size: int
    drawn: dict[str, Array]

    @classmethod
    def filled(cls, d: int, h: int, value: float) -> Instance:
        return cls(d, h, {n: np.full(s, value) for n, s in _drawn_shapes(d, h).items()})

    @classmethod
    def random(cls, d: int, h: int, rng: np.random.Generator) -> Instance:
        drawn = {n: rng.normal(size=s) for n, s in _drawn_shapes(d, h).items()}
        drawn.update(LSTMParams.random(d, h, rng=rng, scale=1.0).flat())
        drawn["f_next"] = rng.uniform(0.05, 0.95, size=h)
        return cls(d, h, drawn)

    @cached_property
    def _forward(self) -> tuple[dict[str, Array], dict[str, Array]]:
        v = self.drawn
        params = LSTMParams.from_flat({n: v[n] for n in PARAM_NAMES})
        _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], params)
        dc = v["f_next"] * v["dc_next"]
        env = {**v, **{n: getattr(cache, n) for n in _DERIVED}, "dc": dc}
        g = cell_backward(v["dh"], dc, cache)
        ref = {"dx": g.dx, "dh_prev": g.dh_prev, "dc_prev": g.dc_prev, "dc_total": g.dc_total,
               **g.d_gates, **{f"d{k}_{gate}": getattr(g, "d" + k)[gate]
                               for k in ("W", "U", "b") for gate in GATES}}
        return env, ref

    @property
    def environment(self) -> dict[str, Array]:
        return self._forward[0]

    @property
    def reference(self) -> dict[str, Array]:
        return self._forward[1]

    def shape_text(self, target: str) -> str:
        actual = str(tuple(int(n) for n in self.reference[target].shape))
        return f"{symbolic_shape(target)} = {actual}"


def _value(nibble: int) -> float:
    """0, 0.5, -0.5, 1, -1, ..., -3.5, 4: small nibbles (hypothesis shrinks to 0) are small."""
    return ((nibble + 1) // 2) * (1.0 if nibble % 2 else -1.0) / 2 + 0.0  # + 0.0: no "-0"


_VALUES = np.array([_value(k) for k in range(16)])
_LAYOUT = _drawn_shapes(MAX_SIZE, MAX_SIZE)
_LAYOUT_VALUES = sum(int(np.prod(s)) for s in _LAYOUT.values())
_LAYOUT_BYTES = (_LAYOUT_VALUES + 1) // 2


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """Sizes 1..MAX_SIZE (often different, so a transposition shows), values in
    {-3.5, ..., 4} step 1/2 (pre-activations reach tens: gates saturate too).

    Values are the nibbles of one byte string laid out for the largest sizes and cut down
    to the drawn ones: one short draw keeps generating and shrinking fast (hypothesis's
    cost grows with the number of choices), and shrinking a size keeps the surviving
    entries' values, so sizes and values both shrink well.
    """
    d = draw(st.integers(1, MAX_SIZE))
    h = draw(st.integers(1, MAX_SIZE))
    raw = np.frombuffer(draw(st.binary(min_size=_LAYOUT_BYTES, max_size=_LAYOUT_BYTES)),
                        dtype=np.uint8)
    nibbles = np.stack([raw & 15, raw >> 4], axis=1).reshape(-1)
    drawn: dict[str, Array] = {}
    pos = 0
    for name, shape in _LAYOUT.items():
        n = int(np.prod(shape))
        block = nibbles[pos:pos + n].reshape(shape)
        pos += n
        cut = block[:h, :d] if name.startswith("W_") else block[:h, :h] if name.startswith(
            "U_") else block[:d] if name == "x" else block[:h]
        # f_next is a forget gate value, in (0, 1)
        drawn[name] = (1 + cut % 9) / 10 if name == "f_next" else _VALUES[cut]
    return Instance(d, h, drawn)


__all__ = ["ATOL", "BASE_NAMES", "GATE_DERIV", "GATE_OUT", "GATE_VAR", "MAX_SIZE",
           "PARAM_NAMES", "RTOL", "TARGETS", "TARGET_MEANING", "Instance", "close",
           "instances", "symbolic_shape", "to_json"]
