"""Backends agree, every verdict passes the trusted checker, certificates are minimal."""

from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rnn_helpers import make_spec, realizable_specs, specs

from verify.errors import InternalError
from verify.input.exact import Series
from verify.linear import backends as backend
from verify.linear.result import Certificate, Split, Verdict
from verify.models.threshold import render as report
from verify.models.threshold.compile import compile_spec
from verify.models.threshold.pipeline import recheck
from verify.models.threshold.reduce import reduce_table
from verify.models.threshold.solve import solve
from verify.models.threshold.spec import RnnSpec, Sequence, StepKind
from verify.trusted import checker

BACKENDS = [b for b in backend.names() if b in backend.available()]
# every known backend, those not installed here skipped with a reason (not silently dropped)
EVERY_BACKEND = [pytest.param(b, marks=pytest.mark.skipif(
    b not in backend.available(), reason=f"backend {b!r} is not installed here"))
    for b in backend.names()]


def verdicts(spec: RnnSpec) -> dict[str, Verdict]:
    red = reduce_table(compile_spec(spec))
    out = {}
    for name in BACKENDS:
        result = solve(red, name)
        recheck(spec, result)  # raises InternalError if the checker disagrees
        out[name] = result.verdict
    return out


@settings(max_examples=60)
@given(specs())
def test_backends_agree_and_every_verdict_is_checked(spec):
    found = verdicts(spec)
    assert len(set(found.values())) == 1, found
    assert Verdict.UNKNOWN not in found.values()


@settings(max_examples=40)
@given(realizable_specs())
def test_specs_made_by_simulation_are_realizable(case):
    spec, _ = case
    assert set(verdicts(spec).values()) == {Verdict.REALIZABLE}


def _leaves(proof):
    if isinstance(proof, Certificate):
        yield proof, {}
    else:
        for value, sub in proof.cases:
            for leaf, assigned in _leaves(sub):
                yield leaf, {proof.sequence: value, **assigned}


@settings(max_examples=60)
@given(specs(), st.data())
def test_corrupted_certificates_are_rejected(spec, data):
    result = solve(reduce_table(compile_spec(spec)), "exact")
    if result.verdict is not Verdict.UNREALIZABLE:
        return
    for leaf, assigned in _leaves(result.proof):
        rows = list(leaf.rows)
        checker.check_certificate(spec, rows, assigned)
        i = data.draw(st.integers(0, len(rows) - 1))
        changed = rows.copy()
        changed[i] = dataclasses.replace(rows[i], multiplier=rows[i].multiplier * 2)
        if len(rows) > 1:
            with pytest.raises(checker.CheckFailure):
                checker.check_certificate(spec, changed, assigned)
        with pytest.raises(checker.CheckFailure):
            checker.check_certificate(spec, rows[:i] + rows[i + 1:], assigned)
        seq = spec.sequences[rows[i].sequence]
        other = data.draw(st.integers(1, len(seq.outputs)))
        derived = checker.derive_row(spec, rows[i].sequence, other, assigned) if (
            other > 1 or seq.s0 is not None or rows[i].sequence in assigned) else None
        if derived is not None and derived != (rows[i].coefficients, rows[i].strict):
            moved = rows.copy()
            moved[i] = dataclasses.replace(rows[i], t=other)
            with pytest.raises(checker.CheckFailure):
                checker.check_certificate(spec, moved, assigned)


def test_wrong_answers_from_a_backend_become_internal_errors():
    spec = make_spec([([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])])
    result = solve(reduce_table(compile_spec(spec)), "exact")
    assert result.verdict is Verdict.REALIZABLE and result.witness is not None
    bad = dataclasses.replace(result, witness=dataclasses.replace(
        result.witness, values={"w1": F(1), "w2": F(2), "b": F(-1)}))
    with pytest.raises(InternalError, match="t=4"):
        recheck(spec, bad)


@pytest.mark.parametrize("name", EVERY_BACKEND)
def test_seed_q1b_has_the_two_row_certificate_and_names_the_conflict(name):
    spec = make_spec([([0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0, 1, 1])])
    result = solve(reduce_table(compile_spec(spec)), name)
    assert isinstance(result.proof, Certificate)
    assert [(r.t, r.relation, r.multiplier) for r in result.proof.rows] == [
        (1, ">", 1), (5, ">=", 1)]
    assert result.conflict == ((0, 1), (0, 5))


@pytest.mark.parametrize("name", EVERY_BACKEND)
def test_free_s0_split_when_both_values_are_needed(name):
    # Sequence 0 (s0 = 0, inputs 0 0, outputs 1 1) requires b > 0 (t=1) and w2 + b > 0
    # (t=2). Sequence 1 (free s0, input 0, output 0) requires -(w2*s0 + b) >= 0 at t=1:
    # -b >= 0 when s0 = 0, contradicting t=1 of sequence 0; -(w2 + b) >= 0 when s0 = 1,
    # contradicting t=2. Each case needs its own row: only a split proves it.
    spec = make_spec([([0, 0], [1, 1]), ([0], [0])], s0s=[0, None])
    result = solve(reduce_table(compile_spec(spec)), name)
    recheck(spec, result)
    assert result.verdict is Verdict.UNREALIZABLE and isinstance(result.proof, Split)
    assert result.proof.sequence == 1
    cases = dict(result.proof.cases)
    assert sorted(cases) == [0, 1]
    cited = {v: sorted((r.sequence, r.t) for r in cases[v].rows) for v in (0, 1)}
    assert cited == {0: [(0, 1), (1, 1)], 1: [(0, 2), (1, 1)]}


def test_reduction_is_bounded_whatever_the_length():
    rng = np.random.default_rng(0)
    n = 200_000
    x = rng.integers(-5, 6, n)
    y = rng.integers(0, 2, n).astype(np.int8)
    spec = RnnSpec("t", None, "step-rnn", StepKind.STRICT,
                   (Sequence(Series.from_ints(x), y, 0, 1),), None)
    red = reduce_table(compile_spec(spec))
    assert len(red.fixed) <= 10
    xr = rng.standard_normal(n)
    spec_r = dataclasses.replace(spec, sequences=(Sequence(Series.from_floats(xr), y, 0, 1),))
    red_r = reduce_table(compile_spec(spec_r))
    assert len(red_r.fixed) <= 10
    for rr in red_r.fixed:  # every kept row is exactly the row of the step it cites
        j, t = int(red_r.table.seq[rr.step]), int(red_r.table.t[rr.step])
        assert checker.derive_row(spec_r, j, t, {}) == (rr.row.coefficients, rr.row.strict)


def test_split_tree_is_checked_and_rendered():
    # each sequence alone is fine for one s0 value only; s0 free needs a real split
    found_split = False
    for bits in range(64):
        out = [(bits >> i) & 1 for i in range(3)]
        out2 = [(bits >> (3 + i)) & 1 for i in range(3)]
        spec = make_spec([([0, 1, 0], out), ([1, 1, 0], out2)], s0=None)
        table = compile_spec(spec)
        result = solve(reduce_table(table), "exact")
        recheck(spec, result)
        if isinstance(result.proof, Split):
            found_split = True
            j = result.proof.sequence
            assert f"case s0 of sequence {j} = 0:" in report.to_text(spec, table, result, None)
            cert = report.to_json(spec, table, result, None)["certificate"]
            assert cert["split"] == {"sequence": j, "var": "s0"}
            assert [c["value"] for c in cert["cases"]] == [0, 1]
    assert found_split
