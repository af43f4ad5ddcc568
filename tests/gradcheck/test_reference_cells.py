"""The reference cells gradcheck trusts: the tanh RNN and GRU (written for gradcheck) and
BPTT composed from steps, against complex-step derivatives; the LSTM's step-composed
BPTT against the project's fast sequence backward; the mistake variants really differ."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lstm_gradcheck import assert_gradients_match, complex_step_gradient

from verify.gradcheck.cells import CELLS, Sizes, bptt
from verify.gradcheck.mistakes import _lstm_step_variant, mistakes

Array = np.ndarray[Any, Any]


@st.composite
def canonical(draw: st.DrawFn, cell: str, kind: str) -> tuple[dict[str, Array], dict[str, Array]]:
    hidden = draw(st.integers(1, 3))
    inputs = draw(st.integers(1, 3).map(lambda d: d if d != hidden else d + 1))
    sizes = Sizes(draw(st.integers(1, 2)), inputs, hidden, draw(st.integers(1, 3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([0.5, 1.5, 4.0]))  # 4.0: saturated gates
    c = CELLS[cell]
    values = {n: rng.uniform(-1, 1, s) * (scale if n in c.params else 1.0)
              for n, s in c.inputs(kind, sizes).items()}
    up = {n: rng.uniform(-1, 1, s) for n, s in c.upstream(kind, sizes).items()}
    return values, up


def numeric(cell: str, kind: str, values: dict[str, Array], up: dict[str, Array]) -> dict[str, Array]:
    c = CELLS[cell]

    def loss(arrays: dict[str, Array]) -> complex:
        outs = c.forward(kind, arrays)
        return complex(sum(np.sum(outs[n[1:]] * u) for n, u in up.items()))

    return {n: complex_step_gradient(loss, values, n) for n in values}


@pytest.mark.parametrize("kind", ["step", "sequence"])
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_rnn_and_gru_backward_match_complex_step(cell: str, kind: str) -> None:
    @settings(max_examples=15, deadline=None)
    @given(canonical(cell, kind))
    def check(case: tuple[dict[str, Array], dict[str, Array]]) -> None:
        values, up = case
        ours = CELLS[cell].backward(kind, values, up)
        assert set(ours) == set(values)
        assert_gradients_match(ours, numeric(cell, kind, values, up), rtol=1e-9, atol=1e-11,
                               context=f"{cell} {kind}")
    check()


def test_gru_uses_torch_equations_by_hand() -> None:
    """One GRU step on numbers small enough to follow by hand (H = D = 1)."""
    v = {"x": np.array([[1.0]]), "h_prev": np.array([[0.5]]),
         **{f"{k}_{g}": np.array([[0.0]]) if k != "b" else np.array([0.0])
            for k in "WUb" for g in "rzn"}, "bh_n": np.array([2.0])}
    v["W_n"] = np.array([[1.0]])
    # r = z = sigmoid(0) = 1/2; n = tanh(1*1 + 0 + 1/2 * (0 + 2)) = tanh(2); h = n/2 + 1/4
    h = CELLS["gru"].step_forward(v)["h"]
    assert h[0, 0] == pytest.approx(np.tanh(2.0) / 2 + 0.25, abs=1e-15)


def test_lstm_bptt_by_steps_equals_the_fast_sequence_backward() -> None:
    @settings(max_examples=15, deadline=None)
    @given(canonical("lstm", "sequence"))
    def check(case: tuple[dict[str, Array], dict[str, Array]]) -> None:
        values, up = case
        lstm = CELLS["lstm"]
        assert_gradients_match(bptt(lstm, values, up), lstm.backward("sequence", values, up),
                               rtol=1e-10, atol=1e-12)
    check()


@settings(max_examples=10, deadline=None)
@given(canonical("lstm", "step"))
def test_lstm_variant_without_mistakes_is_the_reference(
        case: tuple[dict[str, Array], dict[str, Array]]) -> None:
    values, up = case
    lstm = CELLS["lstm"]
    plain = _lstm_step_variant(values, lstm.step_forward(values), up)
    assert_gradients_match(plain, lstm.backward("step", values, up), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cell,kind", [("lstm", "step"), ("lstm", "sequence"),
                                       ("rnn", "step"), ("rnn", "sequence"),
                                       ("gru", "sequence")])
def test_every_mistake_differs_from_the_reference(cell: str, kind: str) -> None:
    rng = np.random.default_rng(5)
    c = CELLS[cell]
    sizes = Sizes(2, 3, 2, 3)
    values = {n: rng.uniform(-1, 1, s) for n, s in c.inputs(kind, sizes).items()}
    up = {n: rng.uniform(-1, 1, s) for n, s in c.upstream(kind, sizes).items()}
    right = c.backward(kind, values, up)
    for m in mistakes(cell, kind):
        wrong = m.backward(c, values, up)
        assert any(not np.allclose(wrong[n], right[n]) for n in right), m.name
