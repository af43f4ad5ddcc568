"""``model: cell``: verdicts on the shipped specs, hints, and spec errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import parse_text
from verify.models.cell.check import check_spec
from verify.outcome import Options, Outcome

FAST = Options(examples=30)
SPECS = Path(__file__).resolve().parents[3] / "specs" / "cell"


def check(text: str, name: str = "t.yaml") -> Outcome:
    return check_spec(parse_text(text, name), FAST)


def verdicts(outcome: Outcome) -> dict[str, str]:
    targets: dict[str, dict[str, Any]] = outcome.payload["claim"]["targets"]
    return {t: r["verdict"] for t, r in targets.items()}


@pytest.mark.parametrize("name", ["gru_correct.yaml", "gru_pytorch.yaml", "lstm_peephole.yaml",
                                  "lstm_sigmoid_candidate.yaml"])
def test_correct_cell_specs(name: str) -> None:
    outcome = check((SPECS / name).read_text(), name)
    assert outcome.exit_code is ExitCode.OK, outcome.text


def test_gru_mistakes() -> None:
    outcome = check((SPECS / "gru_mistakes.yaml").read_text())
    assert verdicts(outcome) == {"dz": "correct", "dW_h": "correct", "dh_prev": "incorrect",
                                 "dU_h": "incorrect", "dr": "incorrect"}
    assert "sign is flipped" in outcome.payload["claim"]["targets"]["dr"]["hint"]


def test_written_rnn_and_its_transposed_gradient() -> None:
    outcome = check((SPECS / "rnn_tanh.yaml").read_text())
    assert verdicts(outcome) == {"dh_prev": "correct", "dW": "correct", "db": "correct",
                                 "dU": "incorrect"}
    assert "transpose of dU" in outcome.payload["claim"]["targets"]["dU"]["hint"]


def test_scalar_lstm_forgotten_path_is_named() -> None:
    result = check((SPECS / "lstm_scalar.yaml").read_text()).payload["claim"]["targets"]
    assert result["dc_prev"]["verdict"] == "correct"
    assert result["dw_ih"]["verdict"] == "incorrect"
    assert "forgot a path" in result["dw_ih"]["hint"] and "dc_total" in result["dw_ih"]["hint"]


GRU_DZ = "dh * (h_prev - hbar)"


def test_slip_of_1e_9_is_incorrect_equal_form_correct() -> None:
    text = (f"model: cell\ncell: gru\nclaim:\n  dz: {GRU_DZ} * (1 + 1e-9)\n"
            "  dhbar: dh - dh * z\n")
    result = check(text).payload["claim"]["targets"]
    assert result["dz"]["verdict"] == "incorrect" and "50 digits" in result["dz"]["reason"]
    assert result["dhbar"]["verdict"] == "correct"


def test_a_term_alive_at_one_off_grid_value_is_caught() -> None:
    text = f"model: cell\ncell: gru\nclaim:\n  dz: {GRU_DZ} + exp(-1e300 * (dh - 0.25)**2)\n"
    assert check(text).payload["claim"]["targets"]["dz"]["verdict"] == "incorrect"


def test_large_hidden_size_term_is_caught() -> None:
    text = f"model: cell\ncell: gru\nclaim:\n  dz: {GRU_DZ} + (H - 1) * (H - 2) * (H - 3) * h\n"
    result = check(text).payload["claim"]["targets"]["dz"]
    assert result["verdict"] == "incorrect"
    assert result["counterexample"]["sizes"]["H"] == 4


@pytest.mark.parametrize(("text", "fragment", "key"), [
    ("model: cell\ncell: lstm2\nclaim:\n  dx: x\n", "unknown cell", "cell"),
    ("model: cell\nforward:\n  h: tanh(W @ x)\nclaim:\n  dx: x\n", "'inputs' is missing",
     "inputs"),
    (("model: cell\nforward:\n  h: tanh(W @ q)\ninputs: {x: [D]}\nparams: {W: [H, D]}\n"
     "outputs: [h]\nclaim:\n  dx: x\n"), "unknown name 'q'", "forward.h"),
    (("model: cell\nforward:\n  h: tanh(W @ x)\ninputs: {x: [D]}\nparams: {W: [H, D]}\n"
     "outputs: [y]\nclaim:\n  dx: x\n"), "not an equation", "outputs[0]"),
    ("model: cell\ncell: gru\nclaim:\n  dq: x\n", "unknown target 'dq'", "claim.dq"),
    ("model: cell\ncell: gru\nforward:\n  h: x\nclaim:\n  dx: x\n", "not both", "cell"),
])
def test_spec_errors(text: str, fragment: str, key: str) -> None:
    with pytest.raises(SpecError) as info:
        check(text)
    assert fragment in info.value.message and info.value.key == key


def test_nothing_checked_in_time_is_unknown_never_correct() -> None:
    outcome = check_spec(parse_text((SPECS / "gru_correct.yaml").read_text(), "g.yaml"),
                         Options(examples=30, timeout=1e-9))
    assert outcome.exit_code is ExitCode.UNKNOWN and outcome.status == "unknown"
    assert outcome.payload["examples"] == 0 and "time limit" in outcome.payload["reason"]
