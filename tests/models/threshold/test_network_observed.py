"""Observed states: the per-unit solve against an independent simulation and Motzkin sum.

The oracles here are written from the model's definition, not from the tool: a witness
is re-simulated with Fractions step by step; a certificate's rows are re-derived from
the spec's data and summed with their multipliers; a small integer grid of weights
(NumPy) shows realizability where it finds a fit, so "unrealizable" must not be said.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from network_helpers import make_spec

from verify.input.vectors import OutputTable, VectorSeries
from verify.models.threshold.network import Domain, NetSequence, StepKind
from verify.models.threshold.network_pipeline import check_refutation
from verify.models.threshold.observed import applies, solve_observed


def simulate(spec, net, s0):
    """Outputs of ``net`` on every sequence (independent of the tool's checker)."""
    strict = spec.step is StepKind.STRICT
    runs = []
    for seq, start in zip(spec.sequences, s0):
        s, out = list(start), []
        for x in seq.inputs:
            z = [sum((w * v for w, v in zip(net.W[i], x)), Fraction(0))
                 + sum((u * v for u, v in zip(net.U[i], s)), Fraction(0)) + net.b[i]
                 for i in range(len(net.W))]
            s = [int(v > 0) if strict else int(v >= 0) for v in z]
            out.append(tuple(s[i] for i in spec.shape.observe))
        runs.append(out)
    return runs


def certificate_sums_to_a_contradiction(spec, leaf):
    """Re-derive each cited row from the spec and add them up."""
    body = leaf["motzkin"]
    i = body["unit"]["index"]
    d, k = spec.shape.inputs, spec.shape.units
    names = [f"W[{i}][{j}]" for j in range(d)] + [f"U[{i}][{j}]" for j in range(k)] + [f"b[{i}]"]
    total = dict.fromkeys(names, Fraction(0))
    const, strict = Fraction(0), False
    for row in body["rows"]:
        m = Fraction(row["multiplier"])
        assert m > 0
        if "bound" in row:
            sign = 1 if row["relation"] == ">=" else -1
            total[row["bound"]] += m * sign
            const -= m * sign * Fraction(row["value"])
            continue
        seq = spec.sequences[row["sequence"]]
        t = row["t"]
        prev = seq.s0 if t == 1 else seq.outputs[t - 2]
        target = seq.outputs[t - 1][spec.shape.observe.index(i)]
        sign = 1 if target == 1 else -1
        point = list(seq.inputs[t - 1]) + [prev[spec.shape.observe.index(u)] for u in range(k)] + [1]
        for n, v in zip(names, point):
            total[n] += m * sign * Fraction(v)
        strict = strict or ((target == 1) == (spec.step is StepKind.STRICT))
    assert all(v == 0 for v in total.values()), total
    assert const < 0 or (const == 0 and strict)


def grid_fits(spec, i):
    """Does some integer weight vector in [-2, 2] fit unit i at every step? (NumPy)"""
    rows, strict = [], []
    for seq in spec.sequences:
        prev = seq.s0
        for x, y in zip(seq.inputs, seq.outputs):
            sign = 1 if y[i] == 1 else -1
            rows.append([sign * float(v) for v in (*x, *prev, 1)])
            strict.append((y[i] == 1) == (spec.step is StepKind.STRICT))
            prev = y
    a = np.array(rows)
    grid = np.array(list(itertools.product(range(-2, 3), repeat=a.shape[1])), dtype=float)
    z = grid @ a.T
    ok = np.where(np.array(strict), z > 0, z >= 0).all(axis=1)
    return bool(ok.any())


bit_strings = st.text("01", min_size=1, max_size=6)


def base(d, k, step):
    """A spec with d inputs and k observed units (its sequences replaced below)."""
    return make_spec([(f"{'0' * d},{'0' * d}", f"{'0' * k},{'0' * k}")], units=k, step=step)


def with_sequences(spec, sequences):
    return spec.__class__(**{**spec.__dict__, "sequences": tuple(sequences)})


@st.composite
def observed_specs(draw):
    k, d = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    step = draw(st.sampled_from(["strict", "nonstrict"]))
    vectors = lambda n: st.tuples(*[st.integers(0, 1)] * n)
    seqs = []
    for line in range(draw(st.integers(1, 3))):
        length = draw(st.integers(1, 5))
        xs = draw(st.lists(vectors(d), min_size=length, max_size=length))
        ys = draw(st.lists(vectors(k), min_size=length, max_size=length))
        seqs.append(NetSequence(tuple(tuple(map(Fraction, x)) for x in xs), tuple(ys),
                                (0,) * k, line + 1))
    return with_sequences(base(d, k, step), seqs)


@settings(max_examples=40)
@given(observed_specs())
def test_observed_answers_agree_with_independent_oracles(spec):
    assert applies(spec)
    result = solve_observed(spec, "z3")
    if result.status == "realizable":
        assert simulate(spec, result.network, result.s0) == [list(s.outputs)
                                                            for s in spec.sequences]
    else:
        assert result.status == "unrealizable"
        proof = result.certificate["proof"]
        if "motzkin" in proof:
            for leaf in result.certificate["unit_certificates"]:
                certificate_sums_to_a_contradiction(spec, leaf)
                assert not grid_fits(spec, leaf["motzkin"]["unit"]["index"])
        else:  # a clash: the same situation demands both values
            c = proof["clash"]
            assert c["t"] >= 1
        check_refutation(spec, result.certificate)


@settings(max_examples=25)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 40), st.integers(0, 10**6),
       st.booleans())
def test_planted_observed_networks_are_always_found(d, k, T, seed, real):
    rng = np.random.default_rng(seed)
    W, U, b = rng.integers(-3, 4, (k, d)), rng.integers(-3, 4, (k, k)), rng.integers(-3, 4, k)
    X = rng.normal(size=(T, d)).round(3) if real else rng.integers(0, 2, (T, d))
    s, S = np.zeros(k, dtype=int), []
    for x in X:
        s = (W @ x + U @ s + b > 0).astype(int)
        S.append(s)
    inputs = VectorSeries.from_floats(X) if real else VectorSeries.from_ints(X)
    spec = with_sequences(base(d, k, "strict"),
                          [NetSequence(inputs, OutputTable(np.array(S)), (0,) * k, 1)])
    result = solve_observed(spec, "z3")
    assert result.status == "realizable"
    assert simulate(spec, result.network, result.s0)[0] == [tuple(v) for v in S]


def test_box_domains_add_bound_rows_to_the_certificate():
    spec = make_spec([("1", "1")], units=1, step="strict",
                     weights=Domain(None, Fraction(1)), bias=Domain(None, Fraction(-2)))
    result = solve_observed(spec, "z3")
    assert result.status == "unrealizable"
    rows = result.certificate["proof"]["motzkin"]["rows"]
    assert {r["bound"] for r in rows if "bound" in r} == {"W[0][0]", "b[0]"}
    certificate_sums_to_a_contradiction(spec, result.certificate["proof"])


def test_fixed_entries_are_respected():
    spec = make_spec([("0110", "0110")], units=1, step="strict",
                     fixed={("U", (0, 0)): Fraction(5)})
    result = solve_observed(spec, "z3")
    assert result.status == "realizable" and result.network.U[0][0] == 5
    assert simulate(spec, result.network, result.s0)[0] == list(spec.sequences[0].outputs)


@pytest.mark.parametrize("backend", ["z3", "lp", "exact"])
def test_long_integer_sequences_merge_identical_rows(backend):
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, (20000, 2))
    y = (X[:, 0] & ~X[:, 1] & 1).reshape(-1, 1)  # a and not b, no memory
    spec = with_sequences(base(2, 1, "strict"),
                          [NetSequence(VectorSeries.from_ints(X), OutputTable(y), (0,), 1)])
    result = solve_observed(spec, backend)
    assert result.status == "realizable"
    assert result.stats["units"][0]["distinct_rows"] <= 8  # (x1, x2, s_prev, s_t): 2^4
    assert simulate(spec, result.network, result.s0)[0] == [tuple(v) for v in y]


def test_long_real_sequences_take_the_float_hint_and_stay_exact():
    rng = np.random.default_rng(7)
    d, k, T = 3, 2, 5000
    W, U, b = rng.integers(-3, 4, (k, d)), rng.integers(-3, 4, (k, k)), rng.integers(-3, 4, k)
    X = rng.normal(size=(T, d))
    s, S = np.zeros(k, dtype=int), []
    for x in X:
        s = (W @ x + U @ s + b > 0).astype(int)
        S.append(s)
    spec = with_sequences(base(d, k, "strict"),
                          [NetSequence(VectorSeries.from_floats(X), OutputTable(np.array(S)),
                                       (0,) * k, 1)])
    result = solve_observed(spec, "lp")
    assert result.status == "realizable"
    assert all(u["float_hint"] for u in result.stats["units"])
    assert simulate(spec, result.network, result.s0)[0] == [tuple(v) for v in S]
