"""``model: lstm-sequence``: a step's formulas run through time, against the reference BPTT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import parse_text
from verify.models.lstm.cell import LSTMParams
from verify.models.lstm.sequence import sequence_backward, sequence_forward
from verify.models.lstm.sequence_formula import _draw, _steps, check_spec, reference
from verify.outcome import Options, Outcome

FAST = Options(examples=30)
SPECS = Path(__file__).resolve().parents[3] / "specs" / "lstm_sequence"


def check(text: str) -> Outcome:
    return check_spec(parse_text(text, "t.yaml"), FAST)


def result(outcome: Outcome) -> dict[str, Any]:
    found: dict[str, Any] = outcome.payload["claim"]["targets"]["BPTT"]
    return found


def test_reference_bptt_matches_the_hand_written_sequence_backward() -> None:
    rng = np.random.default_rng(9)
    inst = _draw(3, 4, 5, lambda s: rng.normal(size=s), "continuous")
    envs, _ = _steps([inst], np.asarray)
    steps, total = reference(envs)
    v = inst.drawn
    params = LSTMParams.from_flat({k: v[k] for k in v if k[:2] in ("W_", "U_", "b_")})
    _, _, cache = sequence_forward(v["xs"][:, None, :], v["h0"][None], v["c0"][None], params)
    grads = sequence_backward(v["dh_loss"][:, None, :], cache)
    for k, step in enumerate(reversed(steps)):
        np.testing.assert_allclose(step["dx"][0], grads.dxs[k, 0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(steps[-1]["dh_prev"][0], grads.dh0[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(steps[-1]["dc_prev"][0], grads.dc0[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(total["dW_f"][0], grads.dW["f"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(total["dU_c"][0], grads.dU["c"], rtol=1e-10, atol=1e-13)


def test_correct_bptt_is_correct() -> None:
    outcome = check((SPECS / "correct_bptt.yaml").read_text())
    assert outcome.exit_code is ExitCode.OK, outcome.text


@pytest.mark.parametrize(("name", "where", "hint"), [
    ("state_not_passed_back.yaml", ("t=1", "dh"), "state gradient is not passed back"),
    ("future_cell_path_dropped.yaml", ("t=1", "dc"), "future-cell path is dropped"),
    ("last_step_only.yaml", ("the end (after t=1)", "dW_f"), "from one step only"),
])
def test_each_classic_time_mistake_is_caught_and_named(name: str, where: tuple[str, str],
                                                       hint: str) -> None:
    outcome = check((SPECS / name).read_text())
    found = result(outcome)
    assert outcome.exit_code is ExitCode.CLAIM_INCORRECT
    first = found["counterexample"]["first_wrong"]
    assert (first["where"], first["target"]) == where
    assert hint in found["hint"]


@pytest.mark.parametrize("slip", ["1e-9", "1e-13"])
def test_a_tiny_slip_through_time_is_incorrect(slip: str) -> None:
    text = (SPECS / "correct_bptt.yaml").read_text().replace(
        "  dc_prev: dc_t * f", f"  dc_prev: dc_t * f * (1 + {slip})")
    found = result(check(text))
    assert found["verdict"] == "incorrect"
    assert "at t=" in found["reason"]  # float64 sees it grow over time, or 50 digits do


def test_the_recursion_is_required() -> None:
    with pytest.raises(SpecError, match="dh_prev"):
        check("model: lstm-sequence\nclaim:\n  dc_prev: dc_next * f\n")


def test_nothing_checked_in_time_is_unknown_never_correct() -> None:
    text = (SPECS / "correct_bptt.yaml").read_text()
    outcome = check_spec(parse_text(text, "s.yaml"), Options(examples=30, timeout=1e-9))
    assert outcome.exit_code is ExitCode.UNKNOWN and result(outcome)["verdict"] == "unknown"
    assert "time limit" in outcome.payload["reason"]
