"""Each built-in layout accepts correct code written by hand in its convention (plain
NumPy, tests/gradcheck/impls), and catches a small change to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradcheck_helpers import EXAMPLES

from verify.gradcheck.check import Request, check
from verify.gradcheck.layouts import layout
from verify.gradcheck.usercode import load_code

IMPLS = Path(__file__).resolve().parent / "impls" / "other_layouts.py"

CASES = [  # layout, cell, kind, backward, forward
    ("cs231n", "rnn", "step", f"{EXAMPLES / 'rnn_layers.py'}:rnn_step_backward", "rnn_step_forward"),
    ("cs231n", "rnn", "sequence", f"{EXAMPLES / 'rnn_layers.py'}:rnn_backward", "rnn_forward"),
    ("pytorch", "lstm", "step", f"{IMPLS}:lstm_cell_backward", "lstm_cell_forward"),
    ("pytorch", "gru", "step", f"{IMPLS}:gru_cell_backward", "gru_cell_forward"),
    ("seed", "lstm", "step", f"{IMPLS}:seed_lstm_cell_backward", "seed_lstm_cell_forward"),
    ("column", "lstm", "step", f"{IMPLS}:column_lstm_step_backward", "column_lstm_step_forward"),
    ("dlai", "lstm", "step", f"{IMPLS}:dlai_lstm_cell_backward", "dlai_lstm_cell_forward"),
    ("dlai", "rnn", "step", f"{IMPLS}:dlai_rnn_cell_backward", "dlai_rnn_cell_forward"),
    ("dlai", "rnn", "sequence", f"{IMPLS}:dlai_rnn_backward", "dlai_rnn_forward"),
    ("pytorch", "lstm", "sequence", f"{IMPLS}:lstm_backward", "lstm_forward"),
    ("column", "lstm", "sequence", f"{IMPLS}:column_lstm_backward", "column_lstm_forward"),
    ("cs231n", "gru", "step", f"{IMPLS}:gru_step_backward", "gru_step_forward"),
    ("dlai", "lstm", "sequence", f"{IMPLS}:dlai_lstm_backward", "dlai_lstm_forward"),
    ("seed", "lstm", "sequence", f"{IMPLS}:seed_lstm_backward", "seed_lstm_forward"),
]


@pytest.mark.parametrize("name, cell, kind, target, forward", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_correct_code_in_each_layout_passes(name: str, cell: str, kind: str, target: str,
                                            forward: str) -> None:
    lay = layout(name, cell, kind)
    report = check(Request(target, lay, forward, 25, 60.0), code=load_code(target, forward))
    assert report.status == "correct", [f.message for g in report.groups for f in g.findings]


def test_a_wrong_bias_gradient_in_the_pytorch_layout_is_named(tmp_path: Path) -> None:
    """torch's two biases get the same gradient; returning zeros for b_hh is wrong."""
    user = tmp_path / "mine.py"
    user.write_text(f"import sys\nsys.path.insert(0, {str(IMPLS.parent)!r})\n"
                    "from other_layouts import lstm_cell_forward, lstm_cell_backward as _b\n"
                    "def lstm_cell_backward(*args):\n"
                    "    *rest, db_hh = _b(*args)\n    return (*rest, 0 * db_hh)\n")
    lay = layout("pytorch", "lstm", "step")
    target = f"{user}:lstm_cell_backward"
    report = check(Request(target, lay, "lstm_cell_forward", 25, 60.0, shrink_seconds=1.0),
                   code=load_code(target, "lstm_cell_forward"))
    names = {f.name for g in report.groups for f in g.findings}
    assert report.status == "incorrect" and names == {"grad_b_hh"}
