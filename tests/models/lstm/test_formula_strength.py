"""Verdicts a slip cannot pass: the 50-digit confirmation, sizes beyond 3, continuous values,
the formula's own constants; and equal forms of a correct formula stay correct."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest

from verify.input.yamldoc import parse_text
from verify.models.lstm.cell import LSTMParams, cell_backward, cell_forward
from verify.models.lstm.formula import check_spec
from verify.models.lstm.instance import Instance
from verify.models.lstm.precision import DIGITS, column_precise
from verify.models.lstm.render import digits_to_differ
from verify.outcome import Options

FAST = Options(examples=30)
DZO = "dh * tanh(c) * o * (1 - o)"


def verdicts(claims: dict[str, str]) -> dict[str, dict[str, Any]]:
    text = "model: lstm-cell\nclaim:\n" + "".join(f"  {k}: {v}\n" for k, v in claims.items())
    outcome = check_spec(parse_text(text, "t.yaml"), FAST)
    result: dict[str, dict[str, Any]] = outcome.payload["claim"]["targets"]
    return result


def test_a_factor_one_plus_1e_9_is_incorrect_and_an_equal_form_stays_correct() -> None:
    found = verdicts({"do": "dh * tanh(c) * (1 + 1e-9)",
                      "dc_total": "dc + dh * o * (1 - tanh(c)) * (1 + tanh(c))",
                      "db_o": "dh * tanh(c) * o - dh * tanh(c) * o**2",
                      "dz_o": "dh * tanh(c) * sigmoid(log(o / (1 - o))) * (1 - o)"})
    assert found["do"]["verdict"] == "incorrect"
    assert "50 digits" in found["do"]["reason"]
    for target in ("dc_total", "db_o", "dz_o"):
        assert found[target] == {"verdict": "correct", "line": found[target]["line"]}


@pytest.mark.parametrize(("formula", "why"), [
    (f"{DZO} + (H - 1) * (H - 2) * (H - 3) * h", "hidden size above 3"),
    (f"{DZO} + (sum(1 + 0 * h) - 1) * (sum(1 + 0 * h) - 2) * (sum(1 + 0 * h) - 3) * h",
     "hidden size above 3, counted by the formula"),
    (f"{DZO} + exp(-1e300 * (dh - 0.25)**2)", "only at dh = 0.25, off the grid"),
    (f"{DZO} + sqrt((dh - 4.5)**2) + (dh - 4.5)", "only for dh > 4.5"),
])
def test_adversarial_formulas_are_incorrect(formula: str, why: str) -> None:
    result = verdicts({"dz_o": formula})["dz_o"]
    assert result["verdict"] == "incorrect", why
    assert "wrong value" in result["reason"]


def test_float64_overflow_off_the_grid_does_not_make_a_correct_formula_incorrect() -> None:
    # exp(130 c) overflows for the continuous instances' |c| > 5.4 (inf * 0 = nan in
    # float64), never on the grid; at 50 digits the product is exactly 1
    found = verdicts({"do": "dh * tanh(c) * exp(130 * c) * exp(-130 * c)"})["do"]
    assert found == {"verdict": "correct", "line": found["line"]}


def test_a_wrong_term_for_large_sizes_shrinks_to_the_smallest_size_that_shows_it() -> None:
    result = verdicts({"db_o": f"{DZO} + (H - 1) * (H - 2) * (H - 3) * h"})["db_o"]
    assert result["counterexample"]["hidden_size"] == 4  # the smallest H where it matters


def test_precise_reference_matches_the_hand_written_backward_pass() -> None:
    rng = np.random.default_rng(3)
    inst = Instance.continuous(4, 3, rng, 3.0)
    env, ref = column_precise(inst.drawn, 4, 3)
    v = inst.drawn
    params = LSTMParams.from_flat({k: v[k] for k in v if k[:2] in ("W_", "U_", "b_")})
    _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], params)
    grads = cell_backward(v["dh"], v["f_next"] * v["dc_next"], cache)
    with mpmath.workdps(DIGITS):
        gate = env["i"][0, 0]  # carries digits beyond float64: computed at 50 digits
        assert isinstance(gate, mpmath.mpf) and gate != mpmath.mpf(float(gate))
        got_dx = np.array([float(a) for a in ref["dx"][0]])
        got_dw = np.array([[float(a) for a in row] for row in ref["dW_f"][0]])
    np.testing.assert_allclose(got_dx, grads.dx, rtol=1e-12)
    np.testing.assert_allclose(got_dw, grads.dW["f"], rtol=1e-12, atol=1e-15)


def test_six_digit_difference_is_printed_with_enough_digits() -> None:
    assert digits_to_differ([1.234561, 2.0], [1.234569, 2.0], [0]) == 6
    assert digits_to_differ([[0.5]], [[0.5000001]], [0, 0]) == 7
    assert digits_to_differ([3.0], [4.0], [0]) == 4


def test_dropped_term_shows_the_inputs_it_reads() -> None:
    cex = verdicts({"dc_prev": "dc * f"})["dc_prev"]["counterexample"]
    assert set(cex["values"]) == {"dc", "f"}
    assert {"dh", "o", "c"} <= set(cex["reference_reads"])
