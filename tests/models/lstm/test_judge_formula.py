"""The grader's entry point: prepare once per question, judge many formula texts."""

from __future__ import annotations

from verify.models.lstm.batch import prepare
from verify.models.lstm.formula import judge_formula
from verify.models.lstm.layouts import COLUMN, CS231N
from verify.outcome import Options

DCF = "dc + dh * o * (1 - tanh(c)**2)"


def test_one_prepared_set_judges_many_answers() -> None:
    prepared = prepare(COLUMN, Options(examples=30))
    right = judge_formula(prepared, "dc_prev", f"({DCF}) * f")
    assert (right.verdict, right.reason, right.counterexample) == ("correct", None, None)
    wrong = judge_formula(prepared, "dc_prev", "dc * f")
    assert wrong.verdict == "incorrect" and "forgot the path through h_t" in (wrong.hint or "")
    assert wrong.counterexample is not None and wrong.counterexample["hidden_size"] == 1
    with_define = judge_formula(prepared, "dz_o", "g * o * (1 - o)", {"g": "dh * tanh(c)"})
    assert with_define.verdict == "correct"
    slip = judge_formula(prepared, "do", "dh * tanh(c) * (1 + 1e-9)")
    assert slip.verdict == "incorrect" and "50 digits" in (slip.reason or "")


def test_unusable_answers_are_errors_not_exceptions() -> None:
    prepared = prepare(COLUMN, Options(examples=10))
    for target, text in (("dx", "x +"), ("dx", "W_q @ x"), ("dq", "x"), ("dx", "__import__")):
        verdict = judge_formula(prepared, target, text)
        assert verdict.verdict == "error" and verdict.reason
    bad_define = judge_formula(prepared, "dx", "x", {"tanh": "x"})
    assert bad_define.verdict == "error" and "already a function" in (bad_define.reason or "")


def test_layout_answers_are_judged_in_their_names() -> None:
    prepared = prepare(CS231N, Options(examples=20))
    assert judge_formula(prepared, "dprev_c", "(dnext_c + dnext_h * o * (1 - tanh(next_c)**2)) * f"
                         ).verdict == "correct"
    assert judge_formula(prepared, "dprev_c", "dnext_c * f").verdict == "incorrect"


def test_greedy_shrinking_gives_the_same_verdicts() -> None:
    prepared = prepare(COLUMN, Options(examples=30))
    for target, text in (("dc_prev", "dc * f"), ("dc_prev", f"({DCF}) * f"),
                         ("dz_f", f"({DCF}) * c_prev"), ("dW_f", "outer(x, dc)")):
        slow = judge_formula(prepared, target, text)
        fast = judge_formula(prepared, target, text, shrink="greedy")
        assert (fast.verdict, fast.hint) == (slow.verdict, slow.hint)
    fast = judge_formula(prepared, "dc_prev", "dc * f", shrink="greedy")
    assert fast.counterexample is not None and fast.counterexample["hidden_size"] == 1
