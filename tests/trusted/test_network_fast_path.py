"""The trusted checker's vectorised path for observed networks (every unit an output, no
"?") finds exactly the step an exact step-by-step simulation finds, ties and near-ties
included. The oracle below is written here, in Fraction, from the model's definition."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from network_helpers import make_spec, net

from verify.input.vectors import OutputTable, VectorSeries
from verify.models.threshold.network import NetSequence
from verify.trusted import network as trusted
from verify.trusted.checker import CheckFailure


def oracle_first_wrong(xs, ys, W, U, b, s0, strict):
    """(t, z) of the first step whose outputs these weights do not give, by simulation."""
    s = tuple(s0)
    for t, (x, y) in enumerate(zip(xs, ys), start=1):
        z = [sum((w * v for w, v in zip(W[i], x)), Fraction(0))
             + sum((u * v for u, v in zip(U[i], s)), Fraction(0)) + b[i]
             for i in range(len(b))]
        new = tuple(int(v > 0) if strict else int(v >= 0) for v in z)
        if new != tuple(y):
            return t, z
        s = new
    return None


values = st.sampled_from([Fraction(v) for v in (-2, -1, 0, 1, 2, 3)]
                         + [Fraction(1, 10), Fraction(2, 10), Fraction(-3, 10), Fraction(1, 3),
                            Fraction(7, 10), Fraction(10**17 + 1, 10**17)])


@st.composite
def observed_cases(draw):
    k, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    T = draw(st.integers(1, 12))
    strict = draw(st.booleans())
    W = [[draw(values) for _ in range(d)] for _ in range(k)]
    U = [[draw(values) for _ in range(k)] for _ in range(k)]
    b = [draw(values) for _ in range(k)]
    # integer inputs take the exact-integer path (ties at z = 0 are common then)
    inputs = st.sampled_from([Fraction(v) for v in (-3, -1, 0, 1, 2, 2**40)]) if draw(
        st.booleans()) else values
    xs = [tuple(draw(inputs) for _ in range(d)) for _ in range(T)]
    s0 = tuple(draw(st.integers(0, 1)) for _ in range(k))
    ys, s = [], s0  # the outputs of a (maybe) different network: often it fits, often not
    tweak = draw(st.sampled_from([Fraction(0), Fraction(0), Fraction(1, 10**18), Fraction(1)]))
    for x in xs:
        z = [sum((w * v for w, v in zip(W[i], x)), Fraction(0))
             + sum((u * v for u, v in zip(U[i], s)), Fraction(0)) + b[i] + tweak
             for i in range(k)]
        s = tuple(int(v > 0) if strict else int(v >= 0) for v in z)
        ys.append(s)
    if draw(st.booleans()):  # flip one output
        t, i = draw(st.integers(0, T - 1)), draw(st.integers(0, k - 1))
        ys[t] = tuple(1 - v if n == i else v for n, v in enumerate(ys[t]))
    return k, strict, W, U, b, xs, ys, s0


def spec_of(k, strict, xs, ys, s0):
    spec = make_spec([("0" * len(xs), "0" * len(xs))], units=k,
                     step="strict" if strict else "nonstrict", observe=tuple(range(k)))
    seq = NetSequence(VectorSeries.from_rows(xs, len(xs[0])), OutputTable(np.array(ys)),
                      s0, 1)
    return type(spec)(**{**spec.__dict__, "sequences": (seq,),
                         "shape": type(spec.shape)(len(xs[0]), k, None, tuple(range(k)))})


@given(observed_cases())
def test_vectorised_check_finds_the_step_an_exact_simulation_finds(case):
    k, strict, W, U, b, xs, ys, s0 = case
    spec = spec_of(k, strict, xs, ys, s0)
    network = net(W, U, b)
    assert trusted._observed_first_bad(spec, network, (s0,)) is not False  # the fast path ran
    expected = oracle_first_wrong(xs, ys, W, U, b, s0, strict)
    found = trusted.first_difference(spec, network, (s0,))
    if expected is None:
        assert found is None
        trusted.check_witness(spec, k, network, (s0,))
    else:
        assert found is not None and (found.sequence, found.t) == (0, expected[0])
        assert list(found.z) == expected[1]


def test_a_tie_that_float64_gets_wrong_is_decided_exactly():
    # 3 * (1/10) - 3/10 is exactly 0, but 3 * 0.1 - 0.3 in float64 is 5.6e-17 > 0
    xs = [(Fraction(1, 10),)] * 3
    W, U, b = [[3]], [[0]], [Fraction(-3, 10)]
    spec = spec_of(1, True, xs, [(0,), (0,), (0,)], (0,))
    trusted.check_witness(spec, 1, net(W, U, b), ((0,),))  # strict step: z = 0 gives 0
    wrong = spec_of(1, True, xs, [(0,), (1,), (0,)], (0,))
    try:
        trusted.check_witness(wrong, 1, net(W, U, b), ((0,),))
    except CheckFailure as exc:
        assert "t=2: output 0 is 0, expected 1" in str(exc)
    else:
        raise AssertionError("a wrong output at t=2 was accepted")


def test_weights_beyond_float64_are_checked_exactly():
    # 10**400 is no float64 (it rounds to inf): the check must still decide every step
    xs = [(Fraction(1),), (Fraction(0),)]
    W, U, b = [[10**400]], [[0]], [Fraction(-1)]
    right = spec_of(1, True, xs, [(1,), (0,)], (0,))
    trusted.check_witness(right, 1, net(W, U, b), ((0,),))
    wrong = spec_of(1, True, xs, [(0,), (0,)], (0,))
    found = trusted.first_difference(wrong, net(W, U, b), ((0,),))
    assert found is not None and found.t == 1 and found.z == (Fraction(10**400 - 1),)


def test_weights_whose_sum_overflows_float64_warn_nothing_and_are_exact():
    import warnings

    # |W| + |b| overflows float64 in the rounding bound's sum: every step goes to the
    # exact path, silently (a warning on stderr would reach the command's output)
    W, U, b = [[Fraction(10**308)]], [[Fraction(0)]], [Fraction(-(10**308))]
    xs, s0 = [(Fraction(1),), (Fraction(2),)], (0,)
    ys = [(1,), (1,)]  # z = 0 then 10**308: nonstrict gives 1, 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trusted.first_difference(spec_of(1, False, xs, ys, s0),
                                        net(W, U, b), [s0]) is None
        bad = trusted.first_difference(spec_of(1, True, xs, ys, s0), net(W, U, b), [s0])
    assert oracle_first_wrong(xs, ys, W, U, b, s0, True)[0] == 1
    assert bad is not None and bad.t == 1
