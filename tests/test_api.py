"""verify.check / verify.check_all: the library API and its typed step-RNN results."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import verify
from verify.errors import ExitCode

Q1B = {"model": "step-rnn", "input": "00010010", "output": "11100011"}


def test_a_claimed_witness_comes_back_typed(monkeypatch, tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("model: step-rnn\ninput: '0001010'\noutput: '0001111'\n"
                    "claim: {realizable: true, witness: {w1: 1, w2: 2, b: -1}}\n")
    out = verify.check(path)
    assert out.status == "realizable" and out.exit_code is ExitCode.CLAIM_INCORRECT
    assert out.answer.claim.verdict == "incorrect"
    assert out.answer.claim.trace.first_failure == (0, 4)
    w = out.answer.weights  # the tool's own witness must reproduce the outputs: by hand
    s, outs = 0, []
    for x in (0, 0, 0, 1, 0, 1, 0):
        s = int(w["w1"] * x + w["w2"] * s + w["b"] > 0)
        outs.append(s)
    assert outs == [0, 0, 0, 1, 1, 1, 1]


def test_a_mapping_gives_certificate_rows_that_add_up_to_zero():
    out = verify.check(Q1B, solver="exact")
    assert out.status == "unrealizable" and out.spec == "<mapping>"
    rows = out.answer.certificate_rows
    total = [sum(r.multiplier * r.coefficients[i] for r in rows) for i in range(3)]
    assert total == [0, 0, 0] and any(r.strict and r.multiplier > 0 for r in rows)
    assert {r.t for r in rows} == {1, 5}


def test_mapping_numbers_are_exact():
    spec = {"model": "step-rnn", "input": [Fraction(1, 3), 0.1, np.int64(2)],
            "output": [1, 0, 1]}
    out = verify.check(spec)
    xs = [out.answer.table.x_exact(k) for k in range(3)]
    assert xs == [Fraction(1, 3), Fraction(1, 10), 2]


def test_a_bad_spec_is_an_error_outcome_naming_the_key():
    out = verify.check({"model": "step-rnn", "input": [0, 1], "output": [0, 2]})
    assert out.status == "error" and out.exit_code is ExitCode.SPEC_ERROR
    assert out.payload["error"]["key"] == "output[1]"


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"solver": "cplex"}, "solver='cplex' must be one of z3, lp, exact"),
    ({"timeout": 0}, "timeout=0 must be a positive"),
    ({"examples": 0}, "examples=0 must be at least 1"),
])
def test_bad_arguments_raise_value_error_naming_them(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        verify.check(Q1B, **kwargs)


def test_a_directory_is_refused_by_check_and_searched_by_check_all(tmp_path):
    (tmp_path / "a.yaml").write_text("model: step-rnn\ninput: '01'\noutput: '01'\n")
    (tmp_path / ".hidden.yaml").write_text("not: a spec\n")
    with pytest.raises(ValueError, match="is a directory: use verify.check_all"):
        verify.check(tmp_path)
    outs = verify.check_all(tmp_path)
    assert [o.status for o in outs] == ["realizable"]


def test_the_readme_api_example_prints_what_the_readme_says(capsys, monkeypatch):
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    text = (root / "README.md").read_text()
    code, shown = re.search(r"```python\n(from fractions import Fraction\nimport verify\n.*?)```"
                            r"\n\nprints\n\n```text\n(.*?)```", text, flags=re.DOTALL).groups()
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    printed = capsys.readouterr().out
    assert printed == shown
    # and what it shows is right: Q1(a)'s claim fails at t=4; Q1(b)'s certificate is
    # [t=1: b > 0] + [t=5: -b >= 0], worked by hand in the seed example
    assert "incorrect (0, 4)" in printed
    assert "t=1 ['0', '0', '1'] > 1\nt=5 ['0', '0', '-1'] >= 1" in printed
