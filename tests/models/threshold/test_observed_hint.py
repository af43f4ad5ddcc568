"""Observed states, long real-valued sequences: the float hints (all units together), the
shared per-step helpers, and the clash search that runs only when a hint fails.

Oracles are written from the model's definition: every row of a unit is re-derived from
the spec's data and evaluated in Fractions; group extremes by a plain loop.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network_helpers import make_spec
from verify.input.vectors import OutputTable, VectorSeries
from verify.models.threshold import observed_hint
from verify.models.threshold.network import Domain, NetSequence, StepKind
from verify.models.threshold.network_pipeline import check_refutation
from verify.models.threshold.observed import (
    UnitSolver,
    build_steps,
    group_extremes,
    solve_observed,
)
from verify.models.threshold.observed_hint import blocked_product, float_hints


def real_spec(X, S, *, step="strict", weights=None, bias=None, fixed=None):
    """An observed-states spec over one real-valued sequence (X: (T, d), S: (T, k))."""
    d, k = X.shape[1], S.shape[1]
    x0, y0 = "0" * d, "0" * k  # a placeholder step ("a,b": two d-vectors), replaced below
    spec = make_spec([(f"{x0},{x0}", f"{y0},{y0}")], units=k, step=step, weights=weights,
                     bias=bias, fixed=fixed)
    seq = NetSequence(VectorSeries.from_floats(X), OutputTable(np.asarray(S, dtype=np.int8)),
                      (0,) * k, 1)
    return spec.__class__(**{**spec.__dict__, "sequences": (seq,)})


def planted(T, d, k, seed, step="strict"):
    rng = np.random.default_rng(seed)
    W, U, b = rng.integers(-3, 4, (k, d)), rng.integers(-3, 4, (k, k)), rng.integers(-3, 4, k)
    X = rng.normal(size=(T, d))
    s, S = np.zeros(k), np.zeros((T, k), dtype=np.int8)
    for t in range(T):
        z = W @ X[t] + U @ s + b
        s = (z > 0 if step == "strict" else z >= 0).astype(float)
        S[t] = s
    return X, S


def unit_rows_hold(spec, i, weights):
    """Every step's row of unit i under ``weights`` (W[i], U[i], b[i]), in Fractions."""
    strict = spec.step is StepKind.STRICT
    d, k = spec.shape.inputs, spec.shape.units
    w = [Fraction(v) for v in weights]
    for seq in spec.sequences:
        prev = seq.s0
        for x, y in zip(seq.inputs, seq.outputs):
            z = (sum((a * Fraction(v) for a, v in zip(w[:d], x)), Fraction(0))
                 + sum((a * v for a, v in zip(w[d:d + k], prev)), Fraction(0)) + w[-1])
            if y[i] != int(z > 0 if strict else z >= 0):
                return False
            prev = y
    return True


def solvers(spec):
    steps = build_steps(spec)
    return steps, [UnitSolver(steps, i, "lp", None, []) for i in range(spec.shape.units)]


# -- shared helpers ----------------------------------------------------------------------

@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3)), min_size=1, max_size=40))
def test_group_extremes_are_each_groups_first_min_and_first_max(pairs):
    group = np.array([g for g, _ in pairs])
    along = np.array([float(v) for _, v in pairs])
    want = set()
    for g in set(group.tolist()):
        where = [n for n, h in enumerate(group.tolist()) if h == g]
        want.add(min(where, key=lambda n: (along[n], n)))
        want.add(min(where, key=lambda n: (-along[n], n)))
    got = group_extremes(group, along)
    assert got.tolist() == sorted(want)


def test_group_extremes_numbers_sparse_codes_densely():
    group = np.array([10**12, 5, 10**12, 5])
    assert group_extremes(group, np.array([1.0, 2.0, 0.0, 3.0])).tolist() == [0, 1, 2, 3]


@settings(max_examples=30)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1,
                max_size=20))
def test_l1_bound_bounds_every_row(rows):
    """The scalar the hints' full pass clears steps with must bound each row's
    |x_t|_1 + |s_(t-1)|_1 + 1 (inputs far below zero included)."""
    X = np.array(rows)
    S = (np.arange(len(rows)) % 2).reshape(-1, 1).astype(np.int8)
    steps = build_steps(real_spec(X, S))
    for r, x in enumerate(rows):
        prev = 0 if r == 0 else int(S[r - 1, 0])
        assert steps.l1_bound >= abs(x[0]) + abs(x[1]) + prev + 1


def test_blocked_product_matches_the_plain_product(monkeypatch):
    monkeypatch.setattr(observed_hint, "BLOCK", 3)  # blocks that do not divide the rows
    rng = np.random.default_rng(0)
    a = rng.integers(-5, 6, (11, 4)).astype(float)  # small integers: products exact
    w = rng.integers(-5, 6, (4, 2)).astype(float)
    assert np.array_equal(blocked_product(a, w), a @ w)
    assert np.array_equal(blocked_product(a, w[:, 0]), a @ w[:, 0])


# -- the hints -----------------------------------------------------------------------------

def test_the_margin_lp_finds_a_margin_or_says_there_is_none():
    import highspy

    inf = np.array([np.inf])
    lp = observed_hint.MarginLP(highspy, -inf, inf)
    lp.add(np.array([[1.0], [2.0]]))  # θ >= δ, 2θ >= δ
    theta, delta = lp.solve()
    assert delta == pytest.approx(1.0) and theta[0] >= 1 - 1e-9
    lp.add(np.array([[-1.0]]))  # and -θ >= δ: only δ = 0 remains
    assert lp.solve() is None


@pytest.mark.parametrize("sample", [observed_hint.SAMPLE_ROWS, 150])
@pytest.mark.parametrize("step", ["strict", "nonstrict"])
def test_hints_fit_every_step_exactly(step, sample, monkeypatch):
    """With a small sample, the sampled fit misses steps and the passes over every step
    must find and fix them (with the default, 3000 steps are all in the sample)."""
    monkeypatch.setattr(observed_hint, "SAMPLE_ROWS", sample)
    X, S = planted(3000, 3, 3, seed=5, step=step)
    spec = real_spec(X, S, step=step)
    steps, units = solvers(spec)
    hints = float_hints(steps, units)
    assert sorted(hints) == [0, 1, 2]
    for i, theta in hints.items():
        assert units[i].homog and len(theta) == steps.width  # no bounds: no τ
        assert unit_rows_hold(spec, i, theta)


def test_a_wrong_hint_would_be_caught_by_this_oracle():
    """The oracle above can fail: the hint with one weight nudged breaks some step."""
    X, S = planted(3000, 2, 1, seed=9)
    spec = real_spec(X, S)
    steps, units = solvers(spec)
    theta = list(float_hints(steps, units)[0])
    theta[-2] += 10**6  # b[0]: now every step says 1
    assert not unit_rows_hold(spec, 0, theta[:steps.width])


def test_hints_meet_boxes_and_non_dyadic_fixed_entries_exactly():
    X, S = planted(3000, 2, 2, seed=11)
    third = Fraction(1, 3)  # no binary float is 1/3: the rounded hint must snap to it
    spec = real_spec(X, S, weights=Domain(Fraction(-10**6), Fraction(10**6)),
                     fixed={("U", (1, 0)): third})
    steps, units = solvers(spec)
    hints = float_hints(steps, units)
    assert 1 in hints and hints[1][-1] == 1  # bounds: τ last, 1
    w1 = hints[1][:-1]
    assert w1[2] == third  # U[1][0] (after W[1][0], W[1][1])
    assert all(-10**6 <= v <= 10**6 for v in w1)
    assert unit_rows_hold(spec, 1, w1)


def test_a_unit_with_no_margin_gets_no_hint_and_the_exact_loop_answers():
    """b and U fixed to 0, non-strict: the steps with x = 0 hold only with z = 0 exactly,
    so no float margin exists; the exact loop still finds w > 0."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2500, 1))
    X[::7] = 0.0
    S = (X >= 0).astype(np.int8)
    spec = real_spec(X, S, step="nonstrict",
                     fixed={("U", (0, 0)): Fraction(0), ("b", (0,)): Fraction(0)})
    steps, units = solvers(spec)
    assert float_hints(steps, units) == {}
    result = solve_observed(spec, "lp")
    assert result.status == "realizable"
    assert result.stats["units"][0]["float_hint"] is False
    assert result.network.W[0][0] > 0


def test_a_clash_in_long_real_data_is_still_found():
    """Same (x, s_prev) twice with different outputs: the hint for that unit fails, so
    the clash search runs and names the later step."""
    X, S = planted(3000, 2, 2, seed=4)
    t1 = 100
    t2 = next(t for t in range(2000, 3000) if (S[t - 1] == S[t1 - 1]).all())
    X[t2] = X[t1]
    S[t2] = S[t1]
    S[t2, 1] = 1 - S[t1, 1]
    spec = real_spec(X, S)
    result = solve_observed(spec, "lp")
    assert result.status == "unrealizable"
    assert result.certificate["proof"] == {"clash": {"sequence": 0, "t": t2 + 1, "output": 1}}
    check_refutation(spec, result.certificate)


def test_violated_among_some_steps_agrees_with_the_exact_rows():
    X, S = planted(300, 2, 1, seed=3)
    spec = real_spec(X, S)
    steps, units = solvers(spec)
    rng = np.random.default_rng(8)
    theta = tuple(Fraction(int(v), 4) for v in rng.integers(-8, 9, steps.width))
    among = np.sort(rng.choice(300, 60, replace=False))
    got = set(units[0].violated(theta, among).tolist())
    strict = spec.step is StepKind.STRICT
    want = set()
    for r in among.tolist():
        prev = (0,) if r == 0 else tuple(S[r - 1])
        z = sum((Fraction(float(a)) * w for a, w in zip((*X[r], *prev, 1), theta)),
                Fraction(0))
        if int(S[r, 0]) != int(z > 0 if strict else z >= 0):
            want.add(r)
    assert got == want and want
