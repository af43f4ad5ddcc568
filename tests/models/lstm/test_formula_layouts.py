"""Layouts: the names CS231n, deeplearning.ai, PyTorch and the seed's row notation use,
judged against the same reference; wrong slices and transpositions named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import parse_text
from verify.models.lstm.formula import check_spec
from verify.models.lstm.instance import Instance
from verify.models.lstm.layouts import CS231N, DLAI, PYTORCH, SEED
from verify.outcome import Options, Outcome

FAST = Options(examples=30)
SPECS = Path(__file__).resolve().parents[3] / "specs"


def check_file(path: Path) -> Outcome:
    return check_spec(parse_text(path.read_text(), str(path)), FAST)


def targets(outcome: Outcome) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = outcome.payload["claim"]["targets"]
    return result


def test_seed_row_notation_gets_the_column_versions_verdicts() -> None:
    rows = targets(check_file(SPECS / "lstm_layouts" / "seed_answer2_rows.yaml"))
    column = targets(check_file(SPECS / "lstm" / "seed_answer2.yaml"))
    assert {t: r["verdict"] for t, r in rows.items()} == {
        t: r["verdict"] for t, r in column.items()}
    assert rows["dx"]["verdict"] == "correct" and rows["df"]["verdict"] == "incorrect"
    assert "this is dz_f" in rows["df"]["hint"]


@pytest.mark.parametrize("name", ["cs231n_step_backward.yaml", "dlai_cell_backward.yaml",
                                  "pytorch_cell_backward.yaml"])
def test_correct_course_solutions_are_correct(name: str) -> None:
    outcome = check_file(SPECS / "lstm_layouts" / name)
    assert outcome.exit_code is ExitCode.OK, outcome.text


def test_cs231n_mistakes_are_caught_and_named() -> None:
    found = targets(check_file(SPECS / "lstm_layouts" / "cs231n_mistakes.yaml"))
    assert {t: r["verdict"] for t, r in found.items()} == {
        "da": "correct", "dprev_c": "correct", "dWx": "correct", "dx": "incorrect",
        "dprev_h": "incorrect", "dWh": "incorrect"}
    assert "wrongly sliced blocks" in found["dx"]["hint"]
    assert "gate o" in found["dx"]["hint"] and "i, f, o, g" in found["dx"]["hint"]
    assert "off by a transposition" in found["dprev_h"]["hint"]
    assert "transpose of dWh" in found["dWh"]["hint"]


def test_dlai_wrong_slices_are_named() -> None:
    found = targets(check_file(SPECS / "lstm_layouts" / "dlai_wrong_slices.yaml"))
    assert found["dc_prev"]["verdict"] == "correct"
    for target in ("da_prev", "dxt"):
        assert found[target]["verdict"] == "incorrect"
        assert "a_prev and xt parts" in found[target]["hint"]


def test_layout_names_are_the_reference_cell_rearranged() -> None:
    """Independent of the maps: rebuild CS231n's Wx, PyTorch's W_ih and dlai's Wf from the
    column weights by hand and compare."""
    inst = Instance.random(3, 2, np.random.default_rng(5))
    v = inst.drawn
    cs = inst.with_layout(CS231N).environment
    np.testing.assert_array_equal(cs["Wx"][:, 2:4], v["W_f"].T)  # block 1 of i, f, o, g
    np.testing.assert_array_equal(cs["Wh"][:, 6:8], v["U_c"].T)  # g last
    a = v["x"] @ cs["Wx"] + inst.environment["h_prev"] @ cs["Wh"] + cs["b"]
    np.testing.assert_allclose(1 / (1 + np.exp(-a[4:6])), cs["o"][0])
    pt = inst.with_layout(PYTORCH).environment
    np.testing.assert_array_equal(pt["W_ih"][4:6], v["W_c"])  # i, f, g, o: g third
    dl = inst.with_layout(DLAI).environment
    np.testing.assert_array_equal(dl["Wf"], np.hstack([v["U_f"], v["W_f"]]))
    np.testing.assert_array_equal(dl["concat"][:, 0], np.concatenate([v["h_prev"], v["x"]]))
    seed = inst.with_layout(SEED)
    np.testing.assert_array_equal(seed.environment["W_i"], v["W_i"].T)
    np.testing.assert_allclose(seed.reference["dW_o"], inst.reference["dW_o"].T)


def test_unknown_layout_is_a_spec_error() -> None:
    text = "model: lstm-cell\nlayout: keras\nclaim:\n  dx: x\n"
    with pytest.raises(SpecError) as info:
        check_spec(parse_text(text, "t.yaml"), FAST)
    assert info.value.key == "layout" and "cs231n" in info.value.message


def test_layout_targets_and_names_are_checked() -> None:
    text = "model: lstm-cell\nlayout: cs231n\nclaim:\n  dW_i: x\n"
    with pytest.raises(SpecError, match="Claimable targets: dx, dprev_h"):
        check_spec(parse_text(text, "t.yaml"), FAST)
    text = "model: lstm-cell\nlayout: cs231n\nclaim:\n  dx: W_i\n"
    with pytest.raises(SpecError, match="unknown name 'W_i'"):
        check_spec(parse_text(text, "t.yaml"), FAST)
