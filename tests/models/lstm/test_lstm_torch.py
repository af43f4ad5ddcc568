"""Forward values and every gradient agree with torch.nn.LSTM / LSTMCell in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from lstm_cases import CellCase, SequenceCase, cell_cases, sequence_cases
from lstm_gradcheck import assert_gradients_match

from verify.models.lstm.cell import LSTMParams, cell_backward, cell_forward
from verify.models.lstm.sequence import sequence_backward, sequence_forward

torch = pytest.importorskip("torch", reason="torch is optional: pip install 'verify[torch]'")
from verify.models.lstm.torch_convert import (
    from_torch,
    grads_from_torch,
    to_torch_lstm,
    to_torch_lstm_cell,
)

Array = np.ndarray[Any, Any]
EXAMPLES = 20


def leaf(array: Array) -> Any:
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


@settings(max_examples=EXAMPLES, deadline=None)
@given(cell_cases())
def test_cell_agrees_with_torch_lstm_cell(case: CellCase) -> None:
    module = to_torch_lstm_cell(case.params)
    x, h_prev, c_prev = leaf(case.x), leaf(case.h_prev), leaf(case.c_prev)
    h_t, c_t = module(x, (h_prev, c_prev))
    (h_t * torch.from_numpy(case.dh) + c_t * torch.from_numpy(case.dc)).sum().backward()
    h, c, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    np.testing.assert_allclose(h, h_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c, c_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours = cell_backward(case.dh, case.dc, cache).flat()
    theirs = {"x": x.grad.numpy(), "h_prev": h_prev.grad.numpy(),
              "c_prev": c_prev.grad.numpy(), **grads_from_torch(module)}
    assert_gradients_match(ours, theirs, rtol=1e-10, atol=1e-12, context="vs torch LSTMCell")


@settings(max_examples=EXAMPLES, deadline=None)
@given(sequence_cases())
def test_sequence_agrees_with_torch_lstm(case: SequenceCase) -> None:
    module = to_torch_lstm(case.params)
    xs, h0, c0 = leaf(case.xs), leaf(case.h0[None]), leaf(case.c0[None])
    out, (h_n, c_n) = module(xs, (h0, c0))
    loss = (out * torch.from_numpy(case.dhs)).sum()
    if case.dh_T is not None:
        loss = loss + (h_n[0] * torch.from_numpy(case.dh_T)).sum()
    if case.dc_T is not None:
        loss = loss + (c_n[0] * torch.from_numpy(case.dc_T)).sum()
    loss.backward()
    hs, (h_T, c_T), cache = sequence_forward(case.xs, case.h0, case.c0, case.params)
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_T, h_n[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_T, c_n[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    ours = sequence_backward(case.dhs, cache, dh_T=case.dh_T, dc_T=case.dc_T).flat()
    theirs = {"xs": xs.grad.numpy(), "h0": h0.grad.numpy()[0], "c0": c0.grad.numpy()[0],
              **grads_from_torch(module)}
    assert_gradients_match(ours, theirs, rtol=1e-10, atol=1e-12, context="vs torch LSTM")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conversion_round_trips(dtype: type) -> None:
    params = LSTMParams.random(3, 5, rng=np.random.default_rng(2), dtype=dtype)
    for module in (to_torch_lstm(params), to_torch_lstm_cell(params)):
        again = from_torch(module)
        assert again.dtype == np.dtype(dtype)
        for name, value in params.flat().items():
            np.testing.assert_array_equal(again.flat()[name], value, err_msg=name)


def test_from_torch_adds_the_two_biases_and_reorders_gates() -> None:
    torch.manual_seed(0)
    module = torch.nn.LSTM(2, 3, dtype=torch.float64)
    params = from_torch(module)
    hidden = 3
    bias = (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy()
    # torch order i, f, g, o: our "o" is torch's 4th block, our "c" its 3rd.
    np.testing.assert_array_equal(params.b["o"], bias[3 * hidden:])
    np.testing.assert_array_equal(params.b["c"], bias[2 * hidden:3 * hidden])
    np.testing.assert_array_equal(params.U["f"],
                                  module.weight_hh_l0.detach().numpy()[hidden:2 * hidden])


def test_from_torch_rejects_what_is_not_one_cell() -> None:
    with pytest.raises(ValueError, match="num_layers"):
        from_torch(torch.nn.LSTM(2, 3, num_layers=2))
    with pytest.raises(TypeError):
        from_torch(torch.nn.GRU(2, 3))
    params = from_torch(torch.nn.LSTM(2, 3, bias=False))
    assert not any(np.any(b) for b in params.b.values())


def test_grads_from_torch_rejects_what_from_torch_rejects() -> None:
    """A two-layer LSTM has more than one cell's gradients: layer 0's alone are not its."""
    module = torch.nn.LSTM(2, 3, num_layers=2, dtype=torch.float64)
    module(torch.ones(1, 1, 2, dtype=torch.float64))[0].sum().backward()
    with pytest.raises(ValueError, match="num_layers"):
        grads_from_torch(module)
    with pytest.raises(TypeError):
        grads_from_torch(torch.nn.GRU(2, 3))


def test_grads_from_torch_without_bias_says_so() -> None:
    module = torch.nn.LSTMCell(2, 3, bias=False, dtype=torch.float64)
    module(torch.ones(1, 2, dtype=torch.float64))[0].sum().backward()
    with pytest.raises(ValueError, match="bias=False"):
        grads_from_torch(module)
    lstm = torch.nn.LSTM(2, 3, bias=False, dtype=torch.float64)
    lstm(torch.ones(1, 1, 2, dtype=torch.float64))[0].sum().backward()
    with pytest.raises(ValueError, match="bias=False"):
        grads_from_torch(lstm)
