"""``model: cell-sequence``: BPTT by AD of a cell's equations, and the user's recursion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import parse_text
from verify.models.cell.builtins import BUILTINS
from verify.models.cell.check import drawn_shapes
from verify.models.cell.sequence import _draw, _envs, check_spec, plan_for, reference
from verify.models.cell.spec import _from_text
from verify.models.lstm.cell import LSTMParams
from verify.models.lstm.sequence import sequence_backward, sequence_forward
from verify.outcome import Options, Outcome

FAST = Options(examples=30)
SPECS = Path(__file__).resolve().parents[3] / "specs" / "cell_sequence"


def check(text: str) -> Outcome:
    return check_spec(parse_text(text, "t.yaml"), FAST)


def bptt(name: str, sizes: dict[str, int], t: int, seed: int):  # type: ignore[no-untyped-def]
    cell = _from_text(BUILTINS[name])
    plan = plan_for(cell)
    rng = np.random.default_rng(seed)
    inst = _draw(plan, drawn_shapes(cell), sizes, t, lambda s: rng.normal(size=s), "continuous")
    return plan, inst


def test_peephole_cell_without_peepholes_is_the_hand_written_lstm_bptt() -> None:
    plan, inst = bptt("lstm-peephole", {"D": 3, "H": 2}, 4, 1)
    v = {**inst.drawn, **{f"p_{g}": np.zeros(2) for g in "ifo"}}
    envs = _envs(plan, [type(inst)(inst.sizes, inst.t, v)], np.asarray)
    steps, total = reference(plan, envs)
    params = LSTMParams.from_flat({k: v[k] for k in v if k[:2] in ("W_", "U_", "b_")})
    _, _, cache = sequence_forward(v["x"][:, None], v["h_prev0"][None], v["c_prev0"][None],
                                   params)
    grads = sequence_backward(v["dh_loss"][:, None], cache)
    np.testing.assert_allclose(total["dW_f"][0], grads.dW["f"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(total["dU_o"][0], grads.dU["o"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(steps[-1]["dh_prev"][0], grads.dh0[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(steps[0]["dx"][0], grads.dxs[-1, 0], rtol=1e-10, atol=1e-13)


def test_gru_bptt_agrees_with_complex_step_through_the_whole_sequence() -> None:
    plan, inst = bptt("gru", {"D": 2, "H": 3}, 3, 2)
    envs = _envs(plan, [inst], np.asarray)
    steps, total = reference(plan, envs)
    step = 1e-30
    for name in ("U_r", "h_prev0"):
        want = np.zeros(inst.drawn[name].shape)
        for idx in np.ndindex(want.shape):
            drawn = {k: v.astype(complex) for k, v in inst.drawn.items()}
            drawn[name] = drawn[name].copy()
            drawn[name][idx] += step * 1j
            shifted = _envs(plan, [type(inst)(inst.sizes, inst.t, drawn)], np.asarray)
            loss = sum(np.sum(e["h"] * e["dh_loss"]) for e in shifted)
            want[idx] = np.imag(loss) / step
        got = total["dU_r"][0] if name == "U_r" else steps[-1]["dh_prev"][0]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def result(outcome: Outcome) -> dict[str, Any]:
    found: dict[str, Any] = outcome.payload["claim"]["targets"]["BPTT"]
    return found


def test_gru_sequence_specs() -> None:
    assert check((SPECS / "gru_bptt.yaml").read_text()).exit_code is ExitCode.OK
    wrong = result(check((SPECS / "gru_not_passed_back.yaml").read_text()))
    assert wrong["verdict"] == "incorrect"
    assert "state h is not passed back" in wrong["hint"]


def test_overwritten_weight_gradient_is_named_even_beside_a_right_one() -> None:
    found = result(check((SPECS / "lstm_scalar_bptt.yaml").read_text()))
    assert found["counterexample"]["first_wrong"]["target"] == "dw_ih"
    assert "one step only" in found["hint"]


def test_states_are_required() -> None:
    text = ("model: cell-sequence\nforward:\n  y: tanh(W @ x)\ninputs: {x: [D]}\n"
            "params: {W: [H, D]}\noutputs: [y]\nclaim:\n  dx: x\n")
    with pytest.raises(SpecError, match="states"):
        check(text)
    with pytest.raises(SpecError, match="recursion: dh_prev"):
        check("model: cell-sequence\ncell: rnn-tanh\nclaim:\n  dx: x\n")
