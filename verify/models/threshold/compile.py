"""Stage: model. Compile a step-RNN spec into one linear row per time step (untrusted).

For ``s_t = step(w1*x_t + w2*s_{t-1} + b)`` with the outputs known, ``s_{t-1}`` is known
too (``y_{t-1}``, or ``s0`` at t = 1), so step t requires

* ``y_t = 1``:   ``+(x_t, s_{t-1}, 1) . (w1, w2, b)  > 0``   (``>= 0`` for a non-strict step)
* ``y_t = 0``:   ``-(x_t, s_{t-1}, 1) . (w1, w2, b) >= 0``   (``> 0``  for a non-strict step)

Rows are kept as arrays, one entry per step, with their provenance (sequence, t), so a
10**6-step spec is one vectorised pass. A step whose ``s_{t-1}`` is a free ``s0`` has
``s_prev = -1`` here; the solve stage decides it case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.linear.system import Row
from verify.models.threshold.spec import RnnSpec, StepKind

FREE = -1


@dataclass(frozen=True)
class StepTable:
    """Every step of every sequence, concatenated. Index k is a *global step index*."""

    spec: RnnSpec
    seq: np.ndarray      # int32: sequence index of step k
    t: np.ndarray        # int64: 1-based time of step k within its sequence
    x_approx: np.ndarray  # float64 shadow of x_t (monotone in the exact value)
    x_ints: np.ndarray | None  # int64 x_t when every input is a modest integer
    s_prev: np.ndarray   # int8: s_{t-1} in {0, 1}, or FREE at t = 1 when s0 is free
    y: np.ndarray        # int8: y_t
    offsets: np.ndarray  # int64: global index of each sequence's first step

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def x_exact(self, k: int) -> Fraction:
        if self.x_ints is not None:
            return Fraction(int(self.x_ints[k]))
        j = int(self.seq[k])
        return self.spec.sequences[j].inputs.exact(int(self.t[k]) - 1)

    def index(self, sequence: int, t: int) -> int:
        return int(self.offsets[sequence]) + t - 1

    def strict_for(self, y: int) -> bool:
        """Is the row of a step with output ``y`` strict?"""
        return (y == 1) == (self.spec.step is StepKind.STRICT)

    def row(self, k: int, s_prev: int | None = None) -> Row:
        """The exact row step k requires (``s_prev`` overrides a free s0 at t = 1)."""
        s = int(self.s_prev[k]) if s_prev is None else s_prev
        if s == FREE:
            raise ValueError("the row of a free-s0 step needs a value for s0")
        y = int(self.y[k])
        sign = 1 if y == 1 else -1
        coeffs = (sign * self.x_exact(k), Fraction(sign * s), Fraction(sign))
        return Row(coeffs, self.strict_for(y))


def compile_spec(spec: RnnSpec) -> StepTable:
    lengths = np.array([len(s.outputs) for s in spec.sequences], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    seq = np.repeat(np.arange(len(spec.sequences), dtype=np.int32), lengths)
    t = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(offsets, lengths) + 1
    ys, sp, xa, xi = [], [], [], []
    all_ints = True
    for s in spec.sequences:
        y = np.asarray(s.outputs, dtype=np.int8)
        prev = np.empty_like(y)
        if len(y):
            prev[0] = FREE if s.s0 is None else s.s0
            prev[1:] = y[:-1]
        ys.append(y)
        sp.append(prev)
        xa.append(s.inputs.approx)
        all_ints = all_ints and s.inputs.ints is not None
        if s.inputs.ints is not None:
            xi.append(s.inputs.ints)
    return StepTable(
        spec=spec, seq=seq, t=t,
        x_approx=np.concatenate(xa) if xa else np.zeros(0),
        x_ints=(np.concatenate(xi) if xi else np.zeros(0, np.int64)) if all_ints else None,
        s_prev=np.concatenate(sp) if sp else np.zeros(0, np.int8),
        y=np.concatenate(ys) if ys else np.zeros(0, np.int8),
        offsets=offsets,
    )
