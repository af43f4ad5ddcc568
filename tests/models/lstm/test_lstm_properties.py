"""Metamorphic properties of the cell and the sequence: linearity of backward in the
upstream gradient, zero in gives zero out, batch = sum of examples, no mutation of inputs,
determinism, dtype preservation, and input validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lstm_cases import CellCase, SequenceCase, cell_cases, sequence_cases
from lstm_gradcheck import assert_gradients_match

from verify.models.lstm.cell import LSTMParams, cell_backward, cell_forward
from verify.models.lstm.sequence import SequenceWorkspace, sequence_backward, sequence_forward

Array = np.ndarray[Any, Any]
EXAMPLES = 25


def cell_grads(case: CellCase, dh: Array, dc: Array) -> dict[str, Array]:
    _, _, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    return cell_backward(dh, dc, cache).flat()


def seq_grads(case: SequenceCase, dhs: Array, dh_T: Array | None = None,
              dc_T: Array | None = None) -> dict[str, Array]:
    _, _, cache = sequence_forward(case.xs, case.h0, case.c0, case.params)
    return sequence_backward(dhs, cache, dh_T=dh_T, dc_T=dc_T).flat()


@settings(max_examples=EXAMPLES, deadline=None)
@given(cell_cases(), st.floats(-3, 3), st.floats(-3, 3))
def test_cell_backward_is_linear_in_upstream_gradient(case: CellCase, a: float, b: float) -> None:
    rng = np.random.default_rng(0)
    dh2, dc2 = np.asarray(rng.normal(size=case.dh.shape)), np.asarray(rng.normal(size=case.dc.shape))
    combined = cell_grads(case, np.asarray(a * case.dh + b * dh2), np.asarray(a * case.dc + b * dc2))
    g1, g2 = cell_grads(case, case.dh, case.dc), cell_grads(case, dh2, dc2)
    expected = {k: a * g1[k] + b * g2[k] for k in g1}
    assert_gradients_match(combined, expected, rtol=1e-9, atol=1e-11, context="linearity")


@settings(max_examples=EXAMPLES, deadline=None)
@given(sequence_cases(), st.floats(-3, 3))
def test_bptt_is_linear_in_upstream_gradient(case: SequenceCase, a: float) -> None:
    rng = np.random.default_rng(1)
    dhs2 = np.asarray(rng.normal(size=case.dhs.shape))
    combined = seq_grads(case, np.asarray(a * case.dhs + dhs2))
    g1, g2 = seq_grads(case, case.dhs), seq_grads(case, dhs2)
    expected = {k: a * g1[k] + g2[k] for k in g1}
    assert_gradients_match(combined, expected, rtol=1e-9, atol=1e-11, context="linearity")


@settings(max_examples=EXAMPLES, deadline=None)
@given(cell_cases(), sequence_cases())
def test_zero_upstream_gives_exactly_zero_gradients(cell: CellCase, seq: SequenceCase) -> None:
    for name, grad in cell_grads(cell, np.zeros_like(cell.dh), np.zeros_like(cell.dc)).items():
        assert not np.any(grad), f"cell gradient {name} is not zero"
    for name, grad in seq_grads(seq, np.zeros_like(seq.dhs)).items():
        assert not np.any(grad), f"sequence gradient {name} is not zero"
    for name, grad in seq_grads(seq, None).items():  # type: ignore[arg-type]
        assert not np.any(grad), f"sequence gradient {name} (dhs=None) is not zero"


@settings(max_examples=EXAMPLES, deadline=None)
@given(cell_cases())
def test_batch_gradient_is_sum_of_per_example_gradients(case: CellCase) -> None:
    batch = cell_grads(case, case.dh, case.dc)
    per_example = [
        cell_grads(CellCase(case.x[k], case.h_prev[k], case.c_prev[k], case.params,
                            case.dh[k], case.dc[k]), case.dh[k], case.dc[k])
        for k in range(case.x.shape[0])]
    expected = {name: (np.stack([g[name] for g in per_example])
                       if name in ("x", "h_prev", "c_prev")
                       else np.sum([g[name] for g in per_example], axis=0))
                for name in batch}
    assert_gradients_match(batch, expected, rtol=1e-12, atol=1e-14, context="batch sum")


@settings(max_examples=EXAMPLES, deadline=None)
@given(sequence_cases())
def test_sequence_batch_gradient_is_sum_over_examples(case: SequenceCase) -> None:
    full = seq_grads(case, case.dhs)
    parts = [seq_grads(SequenceCase(case.xs[:, k:k + 1], case.h0[k:k + 1], case.c0[k:k + 1],
                                    case.params, case.dhs[:, k:k + 1], None, None),
                       case.dhs[:, k:k + 1]) for k in range(case.xs.shape[1])]
    expected = {"xs": np.concatenate([p["xs"] for p in parts], axis=1),
                "h0": np.concatenate([p["h0"] for p in parts]),
                "c0": np.concatenate([p["c0"] for p in parts]),
                **{n: np.sum([p[n] for p in parts], axis=0) for n in case.params.flat()}}
    assert_gradients_match(full, expected, rtol=1e-11, atol=1e-13, context="batch sum")


def _snapshot(*arrays: Any) -> list[Array]:
    return [np.array(a, copy=True) for a in arrays]


@settings(max_examples=EXAMPLES, deadline=None)
@given(cell_cases(), sequence_cases())
def test_inputs_are_not_mutated(cell: CellCase, seq: SequenceCase) -> None:
    cell_inputs = [cell.x, cell.h_prev, cell.c_prev, cell.dh, cell.dc,
                   *cell.params.flat().values()]
    before = _snapshot(*cell_inputs)
    cell_grads(cell, cell.dh, cell.dc)
    for old, new in zip(before, cell_inputs, strict=True):
        np.testing.assert_array_equal(old, new)
    seq_inputs = [seq.xs, seq.h0, seq.c0, seq.dhs, *seq.params.flat().values()]
    seq_inputs += [a for a in (seq.dh_T, seq.dc_T) if a is not None]
    before = _snapshot(*seq_inputs)
    seq_grads(seq, seq.dhs, seq.dh_T, seq.dc_T)
    for old, new in zip(before, seq_inputs, strict=True):
        np.testing.assert_array_equal(old, new)


@settings(max_examples=EXAMPLES, deadline=None)
@given(sequence_cases())
def test_same_call_twice_gives_identical_results(case: SequenceCase) -> None:
    workspace = SequenceWorkspace()
    results = []
    for ws in (None, workspace, workspace):  # fresh buffers, then reused buffers
        hs, (h_T, c_T), cache = sequence_forward(case.xs, case.h0, case.c0, case.params,
                                                 workspace=ws)
        grads = sequence_backward(case.dhs, cache, dh_T=case.dh_T, dc_T=case.dc_T,
                                  workspace=ws)
        results.append({"hs": hs.copy(), "h_T": h_T.copy(), "c_T": c_T.copy(),
                        **{k: v.copy() for k, v in grads.flat().items()}})
    for other in results[1:]:
        for name, value in results[0].items():
            np.testing.assert_array_equal(value, other[name], err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype: type) -> None:
    rng = np.random.default_rng(5)
    params = LSTMParams.random(3, 2, rng=rng, dtype=dtype)
    xs: Array = rng.normal(size=(4, 2, 3)).astype(dtype)
    h0: Array = np.zeros((2, 2), dtype)
    hs, (h_T, c_T), cache = sequence_forward(xs, h0, h0, params)
    grads = sequence_backward(np.ones_like(hs), cache)
    _, _, cell_cache = cell_forward(xs[0], h0, h0, params)
    cell = cell_backward(h0 + 1, h0, cell_cache)
    arrays = [hs, h_T, c_T, *grads.flat().values(), *cell.flat().values(), cell_cache.h,
              *cell.d_gates.values()]
    assert {a.dtype for a in arrays} == {np.dtype(dtype)}


def test_unbatched_cell_equals_batch_of_one() -> None:
    rng = np.random.default_rng(6)
    params = LSTMParams.random(3, 2, rng=rng)
    x, h, c = rng.normal(size=3), rng.normal(size=2), rng.normal(size=2)
    h1, c1, cache1 = cell_forward(x, h, c, params)
    hb, cb, cacheb = cell_forward(x[None], h[None], c[None], params)
    np.testing.assert_allclose(h1, hb[0], rtol=1e-15)
    np.testing.assert_allclose(c1, cb[0], rtol=1e-15)
    g1 = cell_backward(np.ones(2), np.ones(2), cache1).flat()
    gb = cell_backward(np.ones((1, 2)), np.ones((1, 2)), cacheb).flat()
    for name in g1:
        want = gb[name][0] if name in ("x", "h_prev", "c_prev") else gb[name]
        np.testing.assert_allclose(g1[name], want, rtol=1e-14, err_msg=name)


def test_bad_shapes_are_rejected_with_the_argument_name() -> None:
    rng = np.random.default_rng(8)
    params = LSTMParams.random(3, 2, rng=rng)
    with pytest.raises(ValueError, match="h_prev"):
        cell_forward(np.zeros((1, 3)), np.zeros((1, 3)), np.zeros((1, 2)), params)
    with pytest.raises(ValueError, match="x has shape"):
        cell_forward(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)), params)
    with pytest.raises(ValueError, match="xs"):
        sequence_forward(np.zeros((2, 1, 2)), None, None, params)
    _, _, cache = sequence_forward(np.zeros((2, 1, 3)), None, None, params)
    with pytest.raises(ValueError, match="dc_T"):
        sequence_backward(None, cache, dc_T=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="U_f"):
        params.replace("U_f", np.zeros((2, 3)))
    with pytest.raises(ValueError, match="gates"):
        LSTMParams(W={"i": params.W["i"]}, U=params.U, b=params.b)


def test_params_round_trips_and_random_bounds() -> None:
    rng = np.random.default_rng(9)
    params = LSTMParams.random(5, 3, rng=rng)
    assert (params.input_size, params.hidden_size, params.dtype) == (5, 3, np.dtype(np.float64))
    assert all(np.abs(v).max() <= 1 / np.sqrt(3) for v in params.flat().values())
    again = LSTMParams.from_stacked(*params.stacked())
    for name, value in params.flat().items():
        np.testing.assert_array_equal(again.flat()[name], value)
    assert list(params.flat())[:4] == ["W_i", "W_f", "W_o", "W_c"]


def test_sequence_outputs_are_read_only_views_of_the_cache() -> None:
    rng = np.random.default_rng(10)
    params = LSTMParams.random(3, 2, rng=rng)
    hs, (h_T, c_T), cache = sequence_forward(rng.normal(size=(4, 2, 3)), None, None, params)
    for name, view in (("hs", hs), ("h_T", h_T), ("c_T", c_T), ("cache.hs", cache.hs),
                       ("gate f", cache.gate("f"))):
        with pytest.raises(ValueError, match="read-only"):
            view[...] = 0
        assert view.base is not None, name
    np.testing.assert_array_equal(h_T, hs[-1])
