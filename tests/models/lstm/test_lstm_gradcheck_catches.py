"""The gradient checker itself is tested: deliberately broken backward passes must fail it,
and its report must name the right tensor, gate, index and time step."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from lstm_cases import CellCase, SequenceCase
from lstm_gradcheck import (
    assert_gradients_match,
    complex_step_gradient,
    find_mismatches,
    worst_mismatch,
)
from test_lstm_cell_gradients import numeric_cell_gradients
from test_lstm_sequence_gradients import sequence_inputs, sequence_loss

from verify.models.lstm.cell import CellCache, CellGrads, LSTMParams, cell_backward, cell_forward

Array = np.ndarray[Any, Any]


def fixed_cell_case(batch: int = 2, inputs: int = 3, hidden: int = 4) -> CellCase:
    rng = np.random.default_rng(7)
    return CellCase(x=rng.normal(size=(batch, inputs)), h_prev=rng.normal(size=(batch, hidden)),
                    c_prev=rng.normal(size=(batch, hidden)),
                    params=LSTMParams.random(inputs, hidden, rng=rng, scale=1.0),
                    dh=rng.normal(size=(batch, hidden)), dc=rng.normal(size=(batch, hidden)))


def backward_without_h_path(dh: Array, dc: Array, cache: CellCache) -> CellGrads:
    """The classic mistake: dc_total = dc, forgetting + dh * o * (1 - tanh(c)^2)."""
    return cell_backward(dh, dc - dh * cache.o * (1 - cache.tanh_c ** 2), cache)


def test_worst_mismatch_finds_the_single_wrong_entry() -> None:
    numeric = np.arange(24, dtype=float).reshape(2, 3, 4)
    analytic = numeric.copy()
    analytic[1, 2, 0] += 1e-3
    analytic[0, 0, 1] += 1e-12  # within tolerance
    found = worst_mismatch("xs", analytic, numeric, rtol=1e-8, atol=1e-10)
    assert found is not None
    assert found.index == (1, 2, 0)
    assert found.numeric == numeric[1, 2, 0] and found.analytic == analytic[1, 2, 0]
    assert "time step t=1" in str(found) and "tensor xs" in str(found)
    assert worst_mismatch("xs", numeric, numeric, rtol=1e-8, atol=1e-10) is None


def test_nan_gradient_is_a_mismatch() -> None:
    analytic = np.array([1.0, np.nan])
    found = worst_mismatch("b_i", analytic, np.array([1.0, 2.0]), rtol=1e-8, atol=1e-10)
    assert found is not None and found.index == (1,)


def test_dropping_the_h_path_term_is_reported() -> None:
    case = fixed_cell_case()
    _, _, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    broken = backward_without_h_path(case.dh, case.dc, cache).flat()
    numeric = numeric_cell_gradients(case)
    with pytest.raises(AssertionError) as failure:
        assert_gradients_match(broken, numeric)
    failing = {m.tensor for m in find_mismatches(broken, numeric)}
    # The term feeds i, f, cbar and c_prev but not the output gate's own gradient.
    assert {"c_prev", "x", "h_prev", "W_i", "W_f", "W_c", "U_c", "b_f"} <= failing
    assert failing.isdisjoint({"W_o", "U_o", "b_o"})
    message = str(failure.value)
    assert "analytic" in message and "numeric" in message and "index (" in message
    assert "tensor c_prev" in message and "candidate cbar" in message


def test_transposed_recurrent_weight_gradient_is_pinned_to_its_gate() -> None:
    case = fixed_cell_case()
    _, _, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    grads = cell_backward(case.dh, case.dc, cache)
    broken = dataclasses.replace(grads, dU={**grads.dU, "f": grads.dU["f"].T})
    mismatches = find_mismatches(broken.flat(), numeric_cell_gradients(case))
    assert [m.tensor for m in mismatches] == ["U_f"]
    (only,) = mismatches
    row, col = only.index
    assert only.analytic == pytest.approx(grads.dU["f"][col, row])
    assert only.numeric == pytest.approx(grads.dU["f"][row, col], rel=1e-9)
    assert "forget gate f" in str(only)


def test_bptt_that_forgets_to_carry_dc_is_reported_with_its_time_step() -> None:
    rng = np.random.default_rng(11)
    steps, batch, inputs, hidden = 4, 2, 3, 2
    case = SequenceCase(xs=rng.normal(size=(steps, batch, inputs)),
                        h0=rng.normal(size=(batch, hidden)), c0=rng.normal(size=(batch, hidden)),
                        params=LSTMParams.random(inputs, hidden, rng=rng, scale=1.0),
                        dhs=rng.normal(size=(steps, batch, hidden)), dh_T=None, dc_T=None)
    h, c, caches = case.h0, case.c0, []
    for x in case.xs:
        h, c, cache = cell_forward(x, h, c, case.params)
        caches.append(cache)
    dxs, dh_next = np.zeros_like(case.xs), np.zeros_like(h)
    for t in reversed(range(steps)):
        step = cell_backward(case.dhs[t] + dh_next, np.zeros_like(c), caches[t])  # bug: dc=0
        dh_next, dxs[t] = step.dh_prev, step.dx
    numeric = complex_step_gradient(sequence_loss(case), sequence_inputs(case), "xs")
    found = worst_mismatch("xs", dxs, numeric, rtol=1e-8, atol=1e-10)
    assert found is not None
    assert found.index[0] < steps - 1  # the last step has no carried dc to lose
    assert f"time step t={found.index[0]}" in str(found)
    np.testing.assert_allclose(dxs[-1], numeric[-1], rtol=1e-8, atol=1e-10)
