"""Hand-written cell backward == complex-step derivatives, for every input, parameter,
gate output, pre-activation and the total gradient at c_t."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from lstm_cases import GRADCHECK_EXAMPLES, CellCase, cell_cases
from lstm_gradcheck import assert_gradients_match, complex_step_gradient

from verify.models.lstm.cell import GATES, LSTMParams, cell_backward, cell_forward

Array = np.ndarray[Any, Any]


def cell_inputs(case: CellCase) -> dict[str, Array]:
    return {"x": case.x, "h_prev": case.h_prev, "c_prev": case.c_prev, **case.params.flat()}


def cell_loss(case: CellCase) -> Any:
    """L = sum(h * dh) + sum(c * dc), so dL/dh = dh and dL/dc (direct) = dc."""
    def loss(arrays: dict[str, Array]) -> complex:
        params = LSTMParams.from_flat({k: arrays[k] for k in case.params.flat()})
        h, c, _ = cell_forward(arrays["x"], arrays["h_prev"], arrays["c_prev"], params)
        return complex(np.sum(h * case.dh) + np.sum(c * case.dc))
    return loss


def numeric_cell_gradients(case: CellCase) -> dict[str, Array]:
    inputs = cell_inputs(case)
    return {name: complex_step_gradient(cell_loss(case), inputs, name) for name in inputs}


def _sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))  # independent of verify.models.lstm.cell.sigmoid on purpose


def numeric_gate_gradients(case: CellCase) -> dict[str, Array]:
    """Derivatives w.r.t. gate outputs, pre-activations and c_t, each taken with the
    other quantities held at their forward values (what d_gates and dc_total mean)."""
    p, dh, dc, c_prev = case.params, case.dh, case.dc, case.c_prev
    z = {g: case.x @ p.W[g].T + case.h_prev @ p.U[g].T + p.b[g] for g in GATES}
    acts = {"i": _sigmoid(z["i"]), "f": _sigmoid(z["f"]), "o": _sigmoid(z["o"]),
            "c": np.tanh(z["c"])}

    def from_gates(a: dict[str, Array]) -> complex:
        c = a["f"] * c_prev + a["i"] * a["c"]
        return complex(np.sum(a["o"] * np.tanh(c) * dh) + np.sum(c * dc))

    def from_preacts(zz: dict[str, Array]) -> complex:
        return from_gates({"i": _sigmoid(zz["i"]), "f": _sigmoid(zz["f"]),
                           "o": _sigmoid(zz["o"]), "c": np.tanh(zz["c"])})

    def from_c(arrays: dict[str, Array]) -> complex:
        c = arrays["c"]
        return complex(np.sum(acts["o"] * np.tanh(c) * dh) + np.sum(c * dc))

    c_value = acts["f"] * c_prev + acts["i"] * acts["c"]
    out = {f"d{'cbar' if g == 'c' else g}": complex_step_gradient(from_gates, acts, g)
           for g in GATES}
    out.update({f"dz_{g}": complex_step_gradient(from_preacts, z, g) for g in GATES})
    out["dc_total"] = complex_step_gradient(from_c, {"c": c_value}, "c")
    return out


@settings(max_examples=GRADCHECK_EXAMPLES, deadline=None)
@given(cell_cases())
def test_cell_backward_matches_complex_step_for_every_input_and_parameter(case: CellCase) -> None:
    _, _, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    grads = cell_backward(case.dh, case.dc, cache)
    assert_gradients_match(grads.flat(), numeric_cell_gradients(case), context="cell")


@settings(max_examples=GRADCHECK_EXAMPLES, deadline=None)
@given(cell_cases())
def test_gate_gradients_and_dc_total_match_complex_step(case: CellCase) -> None:
    _, _, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    grads = cell_backward(case.dh, case.dc, cache)
    analytic = {**grads.d_gates, "dc_total": grads.dc_total}
    assert_gradients_match(analytic, numeric_gate_gradients(case), context="cell gates")


@settings(max_examples=max(GRADCHECK_EXAMPLES // 3, 5), deadline=None)
@given(cell_cases(batched=False))
def test_unbatched_cell_matches_complex_step(case: CellCase) -> None:
    h, c, cache = cell_forward(case.x, case.h_prev, case.c_prev, case.params)
    assert h.shape == c.shape == case.h_prev.shape
    grads = cell_backward(case.dh, case.dc, cache)
    assert grads.dx.shape == case.x.shape
    assert_gradients_match(grads.flat(), numeric_cell_gradients(case), context="unbatched cell")


def test_dc_total_includes_the_path_through_h() -> None:
    """The docstring's convention, on numbers: dc_total = dc + dh * o * (1 - tanh(c)^2)."""
    rng = np.random.default_rng(3)
    params = LSTMParams.random(3, 2, rng=rng)
    x, h0, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    _, c, cache = cell_forward(x, h0, c0, params)
    dh, dc = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    grads = cell_backward(dh, dc, cache)
    expected = dc + dh * cache.o * (1 - np.tanh(c) ** 2)
    np.testing.assert_allclose(grads.dc_total, expected, rtol=1e-14)
    np.testing.assert_allclose(grads.dc_prev, expected * cache.f, rtol=1e-14)
    assert not np.allclose(grads.dc_total, dc)  # the h-path term is really there
