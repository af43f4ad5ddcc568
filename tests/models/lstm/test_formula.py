"""Tests of the LSTM formula checker: verdicts, counterexamples, hints and spec errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import parse_text
from verify.models.lstm.cell import LSTMParams, cell_backward, cell_forward
from verify.models.lstm.expr import MAX_ELEMENTS
from verify.models.lstm.formula import MAX_SIZE, check_spec
from verify.outcome import Options, Outcome

FAST = Options(examples=30)
SPECS = Path(__file__).resolve().parents[3] / "specs" / "lstm"

DEFINES = {
    "dcf": "dc + dh * o * (1 - tanh(c)**2)",
    "dzi": "dcf * cbar * i * (1 - i)",
    "dzf": "dcf * c_prev * f * (1 - f)",
    "dzo": "dh * tanh(c) * o * (1 - o)",
    "dzc": "dcf * i * (1 - cbar**2)",
}
CORRECT = {
    "dc_total": "dcf",
    "di": "dcf * cbar",
    "dz_f": "dzf",
    "dx": "W_i.T @ dzi + W_f.T @ dzf + W_o.T @ dzo + W_c.T @ dzc",
    "dh_prev": "U_i.T @ dzi + U_f.T @ dzf + U_o.T @ dzo + U_c.T @ dzc",
    "dc_prev": "dcf * f",
    "dW_f": "outer(dzf, x)",
    "dU_c": "outer(dzc, h_prev)",
    "db_o": "dzo",
}


def spec_text(claims: dict[str, str], defines: dict[str, str] = DEFINES) -> str:
    lines = ["model: lstm-cell", "define:"]
    lines += [f"  {k}: {v}" for k, v in defines.items()]
    lines += ["claim:"] + [f"  {k}: {v}" for k, v in claims.items()]
    return "\n".join(lines) + "\n"


def check(text: str, options: Options = FAST) -> Outcome:
    return check_spec(parse_text(text, "t.yaml"), options)


def targets(outcome: Outcome) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = outcome.payload["claim"]["targets"]
    return result


def test_correct_spec_is_correct() -> None:
    outcome = check(spec_text(CORRECT))
    assert outcome.status == "checked" and outcome.exit_code is ExitCode.OK
    assert outcome.payload["claim"]["verdict"] == "correct"
    assert {t: r["verdict"] for t, r in targets(outcome).items()} == dict.fromkeys(
        CORRECT, "correct")
    # the summary line ends in CORRECT; "CORRECT" alone would also match "INCORRECT"
    assert outcome.text.splitlines()[1].endswith(": CORRECT")
    assert "INCORRECT" not in outcome.text


# Each mutation changes one claim of CORRECT; that claim, and only that one, must be judged
# wrong, with the expected reason and (where a common mistake explains it) hint.
MUTATIONS = [
    ("dx", "W_i.T @ dzi + W_f.T @ dzf + W_o.T @ dzo", None, None),  # dropped term
    ("dx", "W_i @ dzi + W_f.T @ dzf + W_o.T @ dzo + W_c.T @ dzc", "shape mismatch",
     None),  # one matrix not transposed: caught on sizes that differ
    ("dh_prev", "U_i.T @ dzi + U_f.T @ dzi + U_o.T @ dzo + U_c.T @ dzc", None,
     None),  # wrong gate
    ("dh_prev", "U_i @ dzi + U_f @ dzf + U_o @ dzo + U_c @ dzc", None,
     "off by a transposition"),
    ("dc_prev", "dc * f", None, "forgot the path through h_t"),
    ("dz_f", "dc * c_prev * f * (1 - f)", None, "forgot the path through h_t"),
    ("dz_f", "dcf * c_prev", None, "this is df"),  # forgot sigma'
    ("di", "dcf * cbar * i * (1 - i)", None, "this is dz_i"),  # sigma' that does not belong
    ("dW_f", "outer(x, dzf)", "shape mismatch", "transpose of dW_f"),
    ("dU_c", "outer(dzc, h_prev) + 0 * x", "shape mismatch", None),  # silent broadcasting
    ("db_o", "-dzo", None, "sign is flipped"),
    ("dc_total", "dc + dh * (1 - tanh(c)**2)", None, None),  # dropped o
]


@pytest.mark.parametrize(("target", "formula", "reason", "hint"), MUTATIONS)
def test_single_mutation_is_incorrect_named_and_explained(
        target: str, formula: str, reason: str | None, hint: str | None) -> None:
    outcome = check(spec_text({**CORRECT, target: formula}))
    assert outcome.exit_code is ExitCode.CLAIM_INCORRECT
    assert outcome.payload["claim"]["verdict"] == "incorrect"
    wrong = [t for t, r in targets(outcome).items() if r["verdict"] == "incorrect"]
    assert wrong == [target]
    result = targets(outcome)[target]
    assert (reason or "wrong value") in result["reason"]
    assert "counterexample" in result and f"{target}" in outcome.text
    if hint is None:
        assert "hint" not in result
    else:
        assert hint in result["hint"] and hint in outcome.text


def test_gate_output_gradient_in_a_define_is_explained() -> None:
    defines = {**DEFINES, "gi": "dcf * cbar"}  # dL/di_t, not dL/dz_i
    text = spec_text({"dx": "W_i.T @ gi + W_f.T @ dzf + W_o.T @ dzo + W_c.T @ dzc"}, defines)
    result = targets(check(text))["dx"]
    assert result["verdict"] == "incorrect"
    assert "gi (= di, needs * i*(1-i))" in result["hint"]


def _arrays(values: dict[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}


def test_counterexample_is_small_and_recomputable() -> None:
    outcome = check(spec_text({"dz_f": "dcf * c_prev * f"}))
    cex = targets(outcome)["dz_f"]["counterexample"]
    assert cex["input_size"] <= 2 and cex["hidden_size"] <= 2
    v = _arrays(cex["instance"])
    params = LSTMParams.from_flat({k: v[k] for k in v if k[:2] in ("W_", "U_", "b_")})
    _, _, cache = cell_forward(v["x"], v["h_prev"], v["c_prev"], params)
    grads = cell_backward(v["dh"], v["f_next"] * v["dc_next"], cache)
    np.testing.assert_allclose(cex["expected"], grads.d_gates["dz_f"])
    dcf = grads.dc_total
    np.testing.assert_allclose(cex["got"], dcf * cache.c_prev * cache.f)
    entry = tuple(cex["entry"])
    assert not np.isclose(np.asarray(cex["got"])[entry], np.asarray(cex["expected"])[entry])


def test_verdicts_are_deterministic() -> None:
    text = spec_text({**CORRECT, "dW_f": "outer(dzf, h_prev)", "dx": "W_i.T @ dzi"})
    first, second = check(text), check(text)
    assert first.payload == second.payload and first.text == second.text


def test_shipped_specs_give_the_verdicts_their_comments_state() -> None:
    seed = check_spec(parse_text((SPECS / "seed_answer2.yaml").read_text(), "seed"), FAST)
    verdicts = {t: r["verdict"] for t, r in targets(seed).items()}
    assert verdicts == {"dc_total": "correct", "df": "incorrect", "di": "incorrect",
                        "dcbar": "incorrect", "do": "incorrect", "dx": "correct",
                        "dh_prev": "correct"}
    for target, dz in (("df", "dz_f"), ("di", "dz_i"), ("dcbar", "dz_c"), ("do", "dz_o")):
        assert f"this is {dz}" in targets(seed)[target]["hint"]
    correct = check_spec(parse_text((SPECS / "correct_cell.yaml").read_text(), "ok"), FAST)
    assert correct.exit_code is ExitCode.OK
    # the specs' first lines promise what verify prints: hold them to it
    assert (SPECS / "seed_answer2.yaml").read_text().startswith(
        "# verify check gives: INCORRECT (exit 1)")
    assert (SPECS / "correct_cell.yaml").read_text().startswith(
        "# verify check gives: CORRECT (exit 0)")


@pytest.mark.parametrize(("claims", "defines", "fragment", "key"), [
    ({"dW_x": "x"}, {}, "unknown target 'dW_x' (did you mean", "claim.dW_x"),
    ({"dx": "W_i.T @ dzz"}, DEFINES, "unknown name 'dzz' (did you mean", "claim.dx"),
    ({"dx": "W_i.T @ later"}, {}, "unknown name 'later'", "claim.dx"),
    ({"dx": "__import__('os')"}, {}, "only these functions", "claim.dx"),
    ({"dx": "x.__class__"}, {}, "not allowed", "claim.dx"),
    ({"dx": "9**9**9**9"}, {}, "exponent", "claim.dx"),
    ({"dx": "x"}, {"x": "h"}, "already a given quantity", "define.x"),
    ({"dx": "x"}, {"tanh": "h"}, "already a function", "define.tanh"),
    ({"dx": "x"}, {"a": "b", "b": "x"}, "unknown name 'b'", "define.a"),
    ({"dx": "\"'text'\""}, {}, "constant", "claim.dx"),
])
def test_spec_errors_name_line_and_key(claims: dict[str, str], defines: dict[str, str],
                                       fragment: str, key: str) -> None:
    with pytest.raises(SpecError) as info:
        check(spec_text(claims, defines))
    assert fragment in info.value.message
    assert info.value.key == key and info.value.line is not None and info.value.line > 1


def test_oversized_intermediate_is_a_spec_error() -> None:
    nest, elements = "x", MAX_SIZE
    while elements <= MAX_ELEMENTS:  # fine at D = 1, too large at the largest size
        nest, elements = f"outer({nest}, {nest})", elements ** 2
    with pytest.raises(SpecError) as info:
        check(spec_text({"dx": f"sum({nest}) * x"}, {}))
    assert info.value.key == "claim.dx" and "elements" in info.value.message


@pytest.mark.parametrize("text", [
    "model: lstm-cell\n",
    "model: lstm-cell\nclaim: {}\n",
    "model: lstm-cell\nclaim:\n  dx:\n",
    "model: lstm-cell\nclaim:\n  dx: x\nextra: 1\n",
    "model: lstm-cell\nclaim:\n  dx: [1, 2]\n",
])
def test_malformed_specs_are_spec_errors(text: str) -> None:
    with pytest.raises(SpecError):
        check(text)
