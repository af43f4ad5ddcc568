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

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.models.lstm.cell import GATES, LSTMParams, cell_backward, cell_forward
from verify.models.lstm.expr import Array
from verify.models.lstm.layouts import COLUMN, Layout

MAX_SIZE = 3  # grid instances (hypothesis, shrinking): input and hidden sizes 1..MAX_SIZE
WIDE_SIZE = 8  # continuous instances reach this size
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
                               "dh", "dc", "dc_next", "f_next", "H", "D")
assert BASE_NAMES == COLUMN.names and TARGETS == tuple(COLUMN.targets)


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


def close_batch(got: Array, want: Array) -> Array:
    """:func:`close` per instance of a batch (leading axis); shapes must already agree."""
    b = want.shape[0]
    got = np.broadcast_to(got, want.shape).reshape(b, -1)
    want = want.reshape(b, -1)
    with np.errstate(all="ignore"):
        atol = ATOL * (1.0 + np.max(np.abs(want), axis=1, initial=0.0))
        ok = np.abs(got - want) <= atol[:, None] + RTOL * np.abs(want)
    return np.asarray(np.all(ok & np.isfinite(got), axis=1))


def fit_shape(got_sample: tuple[int, ...], want_sample: tuple[int, ...],
              loose_vectors: bool) -> bool:
    """Whether a value of per-instance shape ``got_sample`` may stand for ``want_sample``:
    equal, or (in the row and column layouts) the same vector written (n,), (1, n) or (n, 1)."""
    if got_sample == want_sample:
        return True
    if not loose_vectors:
        return False
    squeeze_got = tuple(n for n in got_sample if n != 1)
    squeeze_want = tuple(n for n in want_sample if n != 1)
    return squeeze_got == squeeze_want and len(squeeze_want) <= 1


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
    layout: Layout = field(default=COLUMN)
    origin: str = "grid"  # grid | continuous | constants: where the values came from

    @classmethod
    def filled(cls, d: int, h: int, value: float, layout: Layout = COLUMN) -> Instance:
        return cls(d, h, {n: np.full(s, value) for n, s in _drawn_shapes(d, h).items()},
                   layout)

    @classmethod
    def random(cls, d: int, h: int, rng: np.random.Generator,
               layout: Layout = COLUMN) -> Instance:
        drawn = {n: rng.normal(size=s) for n, s in _drawn_shapes(d, h).items()}
        drawn.update(LSTMParams.random(d, h, rng=rng, scale=1.0).flat())
        drawn["f_next"] = rng.uniform(0.05, 0.95, size=h)
        return cls(d, h, drawn, layout)

    @classmethod
    def continuous(cls, d: int, h: int, rng: np.random.Generator, spread: float,
                   layout: Layout = COLUMN) -> Instance:
        """Values uniform in [-spread, spread] (f_next in (0.02, 0.98)): off any grid."""
        drawn = {n: rng.uniform(-spread, spread, size=s) for n, s in _drawn_shapes(d, h).items()}
        drawn["f_next"] = rng.uniform(0.02, 0.98, size=h)
        return cls(d, h, drawn, layout, "continuous")

    def with_layout(self, layout: Layout) -> Instance:
        return replace(self, layout=layout)

    @cached_property
    def column(self) -> tuple[dict[str, Array], dict[str, Array]]:
        """Environment and reference gradients in the column layout, one instance."""
        v = self.drawn
        params = LSTMParams.from_flat({n: v[n] for n in PARAM_NAMES})
        _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], params)
        dc = v["f_next"] * v["dc_next"]
        env = {**v, **{n: getattr(cache, n) for n in _DERIVED}, "dc": dc,
               "H": np.asarray(float(self.hidden_size)), "D": np.asarray(float(self.input_size))}
        g = cell_backward(v["dh"], dc, cache)
        ref = {"dx": g.dx, "dh_prev": g.dh_prev, "dc_prev": g.dc_prev, "dc_total": g.dc_total,
               **g.d_gates, **{f"d{k}_{gate}": getattr(g, "d" + k)[gate]
                               for k in ("W", "U", "b") for gate in GATES}}
        return env, ref

    @cached_property
    def _forward(self) -> tuple[dict[str, Array], dict[str, Array]]:
        env, ref = self.column
        if self.layout is COLUMN:
            return env, ref
        one = {k: v[None] for k, v in env.items()}
        return ({k: v[0] for k, v in self.layout.env(one).items()},
                {k: v[0] for k, v in self.layout.reference(
                    {k: v[None] for k, v in ref.items()}).items()})

    @property
    def environment(self) -> dict[str, Array]:
        return self._forward[0]

    @property
    def reference(self) -> dict[str, Array]:
        return self._forward[1]

    def shape_text(self, target: str) -> str:
        actual = str(tuple(int(n) for n in self.reference[target].shape))
        return f"{self.layout.shape_of(target)} = {actual}"

    def cut(self, d: int, h: int) -> Instance:
        """The same instance at smaller sizes (leading entries kept): for shrinking."""
        return replace(self, input_size=d, hidden_size=h,
                       drawn={n: _cut(n, v, d, h) for n, v in self.drawn.items()})


def _cut(name: str, value: Array, d: int, h: int) -> Array:
    if name.startswith("W_"):
        return value[:h, :d]
    if name.startswith("U_"):
        return value[:h, :h]
    return value[:d] if name == "x" else value[:h]


def stack(batch: list[Instance]) -> tuple[dict[str, Array], dict[str, Array]]:
    """Environment and reference of instances of equal sizes, stacked along a leading
    batch axis, in their (shared) layout."""
    layout = batch[0].layout
    env = {k: np.stack([inst.column[0][k] for inst in batch]) for k in batch[0].column[0]}
    ref = {k: np.stack([inst.column[1][k] for inst in batch]) for k in batch[0].column[1]}
    return layout.env(env), layout.reference(ref)


def _value(nibble: int) -> float:
    """0, 0.5, -0.5, 1, -1, ..., -3.5, 4: small nibbles (hypothesis shrinks to 0) are small."""
    return ((nibble + 1) // 2) * (1.0 if nibble % 2 else -1.0) / 2 + 0.0  # + 0.0: no "-0"


_VALUES = np.array([_value(k) for k in range(16)])
_LAYOUT = _drawn_shapes(MAX_SIZE, MAX_SIZE)
_LAYOUT_VALUES = sum(int(np.prod(s)) for s in _LAYOUT.values())
_LAYOUT_BYTES = (_LAYOUT_VALUES + 1) // 2


@st.composite
def instances(draw: st.DrawFn, layout: Layout = COLUMN) -> Instance:
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
        cut = _cut(name, block, d, h)
        # f_next is a forget gate value, in (0, 1)
        drawn[name] = (1 + cut % 9) / 10 if name == "f_next" else _VALUES[cut]
    return Instance(d, h, drawn, layout)


__all__ = [
    "ATOL",
    "BASE_NAMES",
    "GATE_DERIV",
    "GATE_OUT",
    "GATE_VAR",
    "MAX_SIZE",
    "PARAM_NAMES",
    "RTOL",
    "TARGETS",
    "TARGET_MEANING",
    "WIDE_SIZE",
    "Instance",
    "close",
    "close_batch",
    "fit_shape",
    "instances",
    "stack",
    "symbolic_shape",
    "to_json",
]
