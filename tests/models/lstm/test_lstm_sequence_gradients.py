"""Fused BPTT == complex-step derivatives for every input and parameter, and == chaining
the cell's backward step by step."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from lstm_cases import GRADCHECK_EXAMPLES, SequenceCase, sequence_cases
from lstm_gradcheck import assert_gradients_match, complex_step_gradient

from verify.models.lstm.cell import LSTMParams, cell_backward, cell_forward
from verify.models.lstm.sequence import SequenceGrads, sequence_backward, sequence_forward

Array = np.ndarray[Any, Any]


def sequence_inputs(case: SequenceCase) -> dict[str, Array]:
    return {"xs": case.xs, "h0": case.h0, "c0": case.c0, **case.params.flat()}


def sequence_loss(case: SequenceCase) -> Any:
    """L = sum_t <h_t, dhs[t]> + <h_T, dh_T> + <c_T, dc_T>."""
    def loss(arrays: dict[str, Array]) -> complex:
        params = LSTMParams.from_flat({k: arrays[k] for k in case.params.flat()})
        hs, (h_T, c_T), _ = sequence_forward(arrays["xs"], arrays["h0"], arrays["c0"], params)
        total = np.sum(hs * case.dhs)
        if case.dh_T is not None:
            total = total + np.sum(h_T * case.dh_T)
        if case.dc_T is not None:
            total = total + np.sum(c_T * case.dc_T)
        return complex(total)
    return loss


def run_bptt(case: SequenceCase) -> SequenceGrads:
    _, _, cache = sequence_forward(case.xs, case.h0, case.c0, case.params)
    return sequence_backward(case.dhs, cache, dh_T=case.dh_T, dc_T=case.dc_T)


def chained_cell_backward(case: SequenceCase) -> dict[str, Array]:
    """BPTT written the slow, obvious way: cell_forward T times, cell_backward T times."""
    h, c, caches = case.h0, case.c0, []
    for x in case.xs:
        h, c, cache = cell_forward(x, h, c, case.params)
        caches.append(cache)
    dh_next = np.zeros_like(h) if case.dh_T is None else case.dh_T
    dc = np.zeros_like(c) if case.dc_T is None else case.dc_T
    totals = {name: np.zeros_like(v) for name, v in case.params.flat().items()}
    dxs = np.zeros_like(case.xs)
    for t in reversed(range(len(caches))):
        step = cell_backward(case.dhs[t] + dh_next, dc, caches[t])
        dh_next, dc, dxs[t] = step.dh_prev, step.dc_prev, step.dx
        step_grads = step.flat()
        totals = {name: total + step_grads[name] for name, total in totals.items()}
    return {"xs": dxs, "h0": dh_next, "c0": dc, **totals}


@settings(max_examples=GRADCHECK_EXAMPLES, deadline=None)
@given(sequence_cases())
def test_bptt_matches_complex_step_for_every_input_and_parameter(case: SequenceCase) -> None:
    inputs = sequence_inputs(case)
    numeric = {name: complex_step_gradient(sequence_loss(case), inputs, name) for name in inputs}
    assert_gradients_match(run_bptt(case).flat(), numeric, context="sequence BPTT")


@settings(max_examples=2 * GRADCHECK_EXAMPLES, deadline=None)
@given(sequence_cases(max_steps=6))
def test_bptt_equals_chaining_cell_backward(case: SequenceCase) -> None:
    assert_gradients_match(run_bptt(case).flat(), chained_cell_backward(case), rtol=1e-12,
                           atol=1e-13, context="fused BPTT vs chained cell_backward")


@settings(max_examples=GRADCHECK_EXAMPLES, deadline=None)
@given(sequence_cases(max_steps=6))
def test_sequence_forward_equals_chaining_cell_forward(case: SequenceCase) -> None:
    hs, (h_T, c_T), _ = sequence_forward(case.xs, case.h0, case.c0, case.params)
    h, c = case.h0, case.c0
    for t, x in enumerate(case.xs):
        h, c, _ = cell_forward(x, h, c, case.params)
        np.testing.assert_allclose(hs[t], h, rtol=1e-13, atol=1e-15, err_msg=f"h at t={t}")
    np.testing.assert_allclose(h_T, h, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(c_T, c, rtol=1e-13, atol=1e-15)


def test_empty_batch_runs_forward_and_backward() -> None:
    """A batch of 0 examples is accepted by the forward pass, so BPTT must accept it too:
    no input gradients, and zero (not missing) parameter gradients."""
    params = LSTMParams.random(3, 2, rng=np.random.default_rng(0))
    hs, (h_T, c_T), cache = sequence_forward(np.zeros((4, 0, 3)), None, None, params)
    assert hs.shape == (4, 0, 2) and h_T.shape == c_T.shape == (0, 2)
    grads = sequence_backward(np.zeros((4, 0, 2)), cache)
    assert grads.dxs.shape == (4, 0, 3)
    assert grads.dh0.shape == grads.dc0.shape == (0, 2)
    for name, grad in grads.flat().items():
        if name not in ("xs", "h0", "c0"):
            assert grad.shape == params.flat()[name].shape, name
            assert not np.any(grad), name
