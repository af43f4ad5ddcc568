"""A bad assignment is refused before anything is graded, naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.errors import SpecError
from verify.grading.assignment import load_assignment

SEED = Path(__file__).resolve().parents[2] / "specs" / "seed"


def _load(tmp_path: Path, text: str):
    path = tmp_path / "assignment.yaml"
    path.write_text(text)
    return load_assignment(str(path))


def test_credit_must_add_up_to_the_points(tmp_path) -> None:
    with pytest.raises(SpecError, match=r"the credit add up to 5, but the question has 6") as e:
        _load(tmp_path, f"questions:\n  q1b:\n    points: 6\n    spec: {SEED}/q1b.yaml\n"
                        "    expect: argument\n    credit: {verdict: 2, argument: 3}\n")
    assert e.value.line == 6


def test_a_witness_question_needs_a_realizable_spec(tmp_path) -> None:
    with pytest.raises(SpecError, match="expects a witness, but the spec is unrealizable"):
        _load(tmp_path, f"questions:\n  q1b:\n    points: 6\n    spec: {SEED}/q1b.yaml\n"
                        "    expect: witness\n")


def test_the_spec_must_not_carry_a_claim(tmp_path) -> None:
    with pytest.raises(SpecError, match="has a 'claim:'; answers come from the submissions"):
        _load(tmp_path, f"questions:\n  q:\n    points: 1\n    spec: "
                        f"{SEED}/q1a_seed_answer.yaml\n    expect: witness\n")


def test_credited_components_must_be_judged(tmp_path) -> None:
    with pytest.raises(SpecError, match="nothing called 'witness' is judged"):
        _load(tmp_path, f"questions:\n  q:\n    points: 2\n    spec: {SEED}/q1b.yaml\n"
                        "    expect: argument\n    credit: {verdict: 1, witness: 1}\n")


def test_unknown_model_names_the_known_kinds(tmp_path) -> None:
    with pytest.raises(SpecError, match="no question kind grades model 'gru'; known: "
                                        "lstm-cell, step-rnn"):
        _load(tmp_path, "questions:\n  q:\n    points: 2\n    spec: {model: gru}\n"
                        "    expect: verdict\n")


def test_inline_spec_and_defaults(tmp_path) -> None:
    a = _load(tmp_path, "name: A\nquestions:\n  q:\n    points: 3\n    spec: {model: step-rnn, "
                        "input: '0110', output: '0011', s0: 1}\n    expect: verdict\n")
    (q,) = a.questions
    assert (a.feedback, q.config.credit, q.realizable) == ("category", (("verdict", 3),), False)
