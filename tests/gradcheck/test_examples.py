"""The shipped CS231n-style examples: the correct ones pass, each buggy copy is caught
with the right gradient, entry and hint (in process, for speed; see test_gradcheck_cli
for the child process)."""

from __future__ import annotations

import pytest
from gradcheck_helpers import EXAMPLES, check_in_process

from verify.gradcheck.check import Report, Request, check
from verify.gradcheck.judge import Finding
from verify.gradcheck.layouts import layout
from verify.gradcheck.usercode import load_code


def findings(report: Report) -> list[Finding]:
    return [f for group in report.groups for f in group.findings]


@pytest.mark.parametrize("function", ["lstm_step_backward", "lstm_backward"])
def test_the_correct_lstm_passes(function: str) -> None:
    report = check_in_process(f"{EXAMPLES / 'lstm_layers.py'}:{function}")
    assert (report.status, report.checked, report.groups) == ("correct", 40, ())


def assert_values_located(f: Finding) -> None:
    """The wrong entry is named; the reference value there agrees with the independent
    finite differences of the (correct) forward, and the returned value does not."""
    d = f.details
    assert d["entry"] and d["canonical"]
    assert d["expected"] == pytest.approx(d["finite_difference"], rel=1e-5, abs=1e-7)
    assert d["got"] != pytest.approx(d["expected"], rel=1e-5, abs=1e-7)


def test_dropped_state_gradient_path() -> None:
    report = check_in_process(f"{EXAMPLES / 'bug_dropped_state_path.py'}:lstm_backward")
    found = findings(report)
    assert report.status == "incorrect" and found
    assert {f.kind for f in found} == {"gradient"}
    assert "dh0" in {f.name for f in found}  # the initial state never hears of later steps
    for f in found:
        assert_values_located(f)
        assert "dprev_h" in (f.hint or "")


def test_last_step_only_accumulation() -> None:
    report = check_in_process(f"{EXAMPLES / 'bug_last_step_only.py'}:lstm_backward")
    found = findings(report)
    assert found and {f.name for f in found} <= {"dWx", "dWh", "db"}  # dx and dh0 are right
    for f in found:
        assert_values_located(f)
        assert "summed" in f.details
        assert "accumulate them over all steps" in (f.hint or "")


def test_derivative_at_the_gate_output() -> None:
    report = check_in_process(f"{EXAMPLES / 'bug_gate_output_derivative.py'}:lstm_step_backward")
    found = findings(report)
    assert found and {f.kind for f in found} == {"gradient"}
    for f in found:
        assert_values_located(f)
        assert "sigmoid(i) * (1 - sigmoid(i))" in (f.hint or "")
    assert {f.details["gate"] for f in found if "gate" in f.details} == {"i"}


def test_transposed_weight_gradient() -> None:
    report = check_in_process(
        f"{EXAMPLES / 'bug_transposed_weight_gradient.py'}:lstm_step_backward")
    [f] = findings(report)
    assert (f.kind, f.name) == ("shape", "dWx")
    d = f.details
    assert d["got_shape"] == d["expected_shape"][::-1]
    assert "transposed" in (f.hint or "")


def test_wrong_gate_order_is_blamed_on_the_forward() -> None:
    report = check_in_process(f"{EXAMPLES / 'bug_wrong_gate_order.py'}:lstm_step_backward")
    found = findings(report)
    # the backward is consistent with its own forward: only the forward is reported
    assert found and {f.kind for f in found} == {"forward"}
    assert {f.name for f in found} <= {"next_h", "next_c"}
    for f in found:
        assert "order i, f, g, o" in (f.hint or "")


def test_inplace_mutation_of_an_input() -> None:
    report = check_in_process(f"{EXAMPLES / 'bug_inplace_mutation.py'}:lstm_step_backward")
    [f] = findings(report)
    assert (f.kind, f.name) == ("mutation", "dnext_c")
    assert f.function.endswith("lstm_step_backward")
    assert f.details["before"] != f.details["after"]


def test_the_wrong_gate_order_is_right_under_its_own_gate_order() -> None:
    """--gate-order i,f,g,o: the same code is correct in torch's order."""
    target = f"{EXAMPLES / 'bug_wrong_gate_order.py'}:lstm_step_backward"
    lay = layout("cs231n", "lstm", "step", ["i", "f", "g", "o"])
    report = check(Request(target, lay, "lstm_step_forward", 30, 60.0),
                   code=load_code(target, "lstm_step_forward"))
    assert report.status == "correct"


@pytest.mark.parametrize("body, kind, words", [
    ("return (*_b(dnext_h, dnext_c, cache)[:5],)", "returned", "returned 5 values; expected 6"),
    ("g = list(_b(dnext_h, dnext_c, cache)); g[3] = g[3] * np.nan; return g", "nan",
     "dWx[0, 0] is nan"),
    ("g = list(_b(dnext_h, dnext_c, cache)); g[5] = None; return g", "returned",
     "returned None for db"),
])
def test_malformed_results_are_findings(tmp_path, body: str, kind: str, words: str) -> None:
    (tmp_path / "mine.py").write_text(
        "import numpy as np\nimport sys\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "from lstm_layers import lstm_step_forward, lstm_step_backward as _b\n\n"
        f"def lstm_step_backward(dnext_h, dnext_c, cache):\n    {body}\n")
    [f] = findings(check_in_process(f"{tmp_path / 'mine.py'}:lstm_step_backward"))
    assert f.kind == kind and words in f.message
