"""Hypothesis strategies for LSTM test cases: small sizes (sides of 1 included), bounded
elements, weights scaled by 1/sqrt(hidden), input size != hidden size so that a transposed
weight cannot pass by accident."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verify.models.lstm.cell import GATES, LSTMParams

Array = np.ndarray[Any, Any]

GRADCHECK_EXAMPLES = int(os.environ.get("LSTM_GRADCHECK_EXAMPLES", "30"))
"""Examples per complex-step gradient property (raise it to soak-test: 200 in the report)."""


def _values(bound: float) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def draw_array(draw: st.DrawFn, shape: tuple[int, ...], bound: float) -> Array:
    return np.asarray(draw(hnp.arrays(np.float64, shape, elements=_values(bound))))


def draw_params(draw: st.DrawFn, input_size: int, hidden_size: int) -> LSTMParams:
    # Bound 1.5/sqrt(H) rather than torch's 1/sqrt(H): some examples reach saturation.
    bound = 1.5 / np.sqrt(hidden_size)
    shapes = {"W": (hidden_size, input_size), "U": (hidden_size, hidden_size),
              "b": (hidden_size,)}
    return LSTMParams.from_flat({f"{kind}_{g}": draw_array(draw, shape, bound)
                                 for kind, shape in shapes.items() for g in GATES})


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int, int]:
    """(batch, input, hidden) with input != hidden."""
    hidden = draw(st.integers(1, 4))
    inputs = draw(st.integers(1, 4).map(lambda d: d if d < hidden else d + 1))  # 1..5, != H
    return draw(st.integers(1, 3)), inputs, hidden


@dataclass(frozen=True, eq=False)
class CellCase:
    x: Array
    h_prev: Array
    c_prev: Array
    params: LSTMParams
    dh: Array
    dc: Array


@st.composite
def cell_cases(draw: st.DrawFn, *, batched: bool = True) -> CellCase:
    batch, inputs, hidden = draw(sizes())
    lead = (batch,) if batched else ()
    return CellCase(x=draw_array(draw, lead + (inputs,), 2.0),
                    h_prev=draw_array(draw, lead + (hidden,), 1.0),
                    c_prev=draw_array(draw, lead + (hidden,), 2.0),
                    params=draw_params(draw, inputs, hidden),
                    dh=draw_array(draw, lead + (hidden,), 1.0),
                    dc=draw_array(draw, lead + (hidden,), 1.0))


@dataclass(frozen=True, eq=False)
class SequenceCase:
    xs: Array
    h0: Array
    c0: Array
    params: LSTMParams
    dhs: Array
    dh_T: Array | None
    dc_T: Array | None


@st.composite
def sequence_cases(draw: st.DrawFn, *, max_steps: int = 4) -> SequenceCase:
    batch, inputs, hidden = draw(sizes())
    steps = draw(st.integers(1, max_steps))
    state = (batch, hidden)
    final = [draw_array(draw, state, 1.0) if draw(st.booleans()) else None for _ in range(2)]
    return SequenceCase(xs=draw_array(draw, (steps, batch, inputs), 2.0),
                        h0=draw_array(draw, state, 1.0), c0=draw_array(draw, state, 2.0),
                        params=draw_params(draw, inputs, hidden),
                        dhs=draw_array(draw, (steps, batch, hidden), 1.0),
                        dh_T=final[0], dc_T=final[1])
