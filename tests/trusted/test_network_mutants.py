"""Tests that kill mutants of the trusted network checker (tools/mutate.py) for the right
reason: each one asserts a behaviour worked out by hand (or by the little Fraction
simulation below, written from the model's definition), or a rejection and its reason.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from network_helpers import make_spec, net

from verify.input.vectors import OutputTable, VectorSeries
from verify.models.threshold.network import NetSequence
from verify.trusted import network as trusted
from verify.trusted.core import CheckFailure


def observed(xs, ys, s0, *, strict: bool, ints: bool | None = None):
    """One sequence, every unit observed, inputs ``xs`` (rows of Fractions). With
    ``ints`` the series carries an int64 shadow (as data files' integer floats do),
    whatever the size of its entries."""
    k, d = len(ys[0]), len(xs[0])
    spec = make_spec([("0", "0")], units=k, step="strict" if strict else "nonstrict",
                     observe=tuple(range(k)))
    series = (VectorSeries.from_ints(np.array([[int(v) for v in r] for r in xs],
                                              dtype=np.int64))
              if ints else VectorSeries.from_rows(xs, d))
    seq = NetSequence(series, OutputTable(np.array(ys)), tuple(s0), 1)
    return type(spec)(**{**spec.__dict__, "sequences": (seq,),
                         "shape": type(spec.shape)(d, k, None, tuple(range(k)))})


def fraction_run(xs, W, U, b, s0, strict):
    """The states an exact simulation visits (the test's own oracle)."""
    s, out = tuple(s0), []
    for x in xs:
        z = [sum((w * v for w, v in zip(W[i], x)), Fraction(0))
             + sum((u * v for u, v in zip(U[i], s)), Fraction(0)) + b[i]
             for i in range(len(b))]
        s = tuple(int(v > 0) if strict else int(v >= 0) for v in z)
        out.append(s)
    return out


# -- a soundness bug in the float path (reported to the lead, not fixed here) ----------

@pytest.mark.xfail(strict=True, reason="BUG: _observed_first_bad's rounding bound assumes "
                   "weights round with relative error 2^-53, but a weight below float64's "
                   "normal range (3/2^1075 rounds to 2^-1073, +33%) times a huge input "
                   "(2^1000) errs by 2^-75, far beyond gamma*sum|terms| + tiny (tiny has no "
                   "|x| factor): the float sign is trusted and a wrong witness accepted")
def test_a_subnormal_weight_times_a_huge_input_is_decided_exactly() -> None:
    # z = w x + b with w = 3/2^1075, x = 2^1000, b = -3/2^75: exactly 0, so the strict
    # step gives 0. In float64 w is 2^-1073 (the tie 1.5 * 2^-1074 rounds to even), so
    # w x + b = 2^-73 - 0.75 * 2^-73 > 0: the float sign says 1.
    w, x = Fraction(3, 2**1075), Fraction(2**1000)
    wrong = observed([(x,)], [(1,)], (0,), strict=True)
    with pytest.raises(CheckFailure, match=r"sequence 0, t=1: output 0 is 0, expected 1"):
        trusted.check_witness(wrong, 1, net([[w]], [[0]], [-w * x]), ((0,),))


@pytest.mark.xfail(strict=True, reason="BUG (same cause): the float path calls the exact "
                   "z = 0 step wrong, first_difference returns a step whose outputs agree, "
                   "and check_witness fails with IndexError on a right witness")
def test_the_right_witness_with_a_subnormal_weight_is_accepted() -> None:
    w, x = Fraction(3, 2**1075), Fraction(2**1000)
    right = observed([(x,)], [(0,)], (0,), strict=True)
    trusted.check_witness(right, 1, net([[w]], [[0]], [-w * x]), ((0,),))


# -- the float path's rounding bound, and the exact-integer path's guard ----------------
# Each case has one step whose z float64 gets on the wrong side of 0 (worked out in the
# comments); the checker must decide it exactly: the outputs an exact simulation gives are
# accepted, and the same outputs with that step flipped are rejected at that step.

def judged_exactly(xs, W, U, b, s0, *, strict: bool, ints: bool | None = None,
                   want: list[tuple[int, ...]]) -> None:
    ys = fraction_run(xs, W, U, b, s0, strict)
    assert ys == want  # the hand computation below agrees with the Fraction oracle
    k, witness = len(b), net(W, U, b)
    trusted.check_witness(observed(xs, ys, s0, strict=strict, ints=ints), k, witness, (s0,))
    t = len(ys)  # the last step is the delicate one: flip unit 0's output there
    flipped = ys[:-1] + [(1 - ys[-1][0], *ys[-1][1:])]
    with pytest.raises(CheckFailure, match=rf"sequence 0, t={t}: output 0 is {ys[-1][0]}, "
                       rf"expected {1 - ys[-1][0]} "):
        trusted.check_witness(observed(xs, flipped, s0, strict=strict, ints=ints), k,
                              witness, (s0,))


def test_huge_cancelling_inputs_beyond_float64_are_decided_exactly() -> None:
    # z = -2^60 + (2^60 + 1) - 1/2 = 1/2 > 0; 2^60 + 1 rounds to 2^60 (not an int64-exact
    # input: the float path), so float64 says z = -1/2. The bound, gamma * 2^61, is far
    # larger: the step goes to Fraction. (gamma = 0 or gamma / sum|terms| would trust it.)
    judged_exactly([(Fraction(2**60), Fraction(2**60 + 1))], [[-1, 1]], [[0]],
                   [Fraction(-1, 2)], (0,), strict=True, want=[(1,)])


def test_many_upward_roundings_stay_within_the_bound() -> None:
    # 40 inputs: 1, then 39 times e = 2^-53 + 2^-60, weights 1, b = -(1 + 39 e) - 2^-70:
    # z = -2^-70 < 0. In float64 every 1 + ... + e rounds up to the next multiple of
    # 2^-52 (e is just over half of it): the sum is 1 + 39 * 2^-52, and b rounds to
    # -(1 + 20 * 2^-52), so z = 19 * 2^-52 > 0. gamma counts all n = 42 columns (about
    # 92 * 2^-52 here); a gamma from the unit count alone (5 * 2^-52) would trust it.
    e = Fraction(1, 2**53) + Fraction(1, 2**60)
    b = -(1 + 39 * e) - Fraction(1, 2**70)
    judged_exactly([(Fraction(1),) + (e,) * 39], [[1] * 40], [[0]], [b], (0,),
                   strict=True, want=[(0,)])


def test_products_that_underflow_are_decided_exactly() -> None:
    # x = 2^-537 three times, w = (3/5, -9/20, -9/20) * 2^-537: z = -0.3 * 2^-1074 < 0.
    # The products are below the smallest subnormal: 0.6 * 2^-1074 rounds to 2^-1074,
    # -0.45 * 2^-1074 to -0, so float64 says z = 2^-1074 > 0. Only the bound's
    # underflow term (n * 2^-1070 * (1 + sum|weights|), never below n * 2^-1070) covers it.
    x, s = Fraction(1, 2**537), Fraction(1, 2**537)
    W = [[Fraction(3, 5) * s, Fraction(-9, 20) * s, Fraction(-9, 20) * s]]
    judged_exactly([(x, x, x)], W, [[0]], [0], (0,), strict=True, want=[(0,)])
    # a second unit with a huge bias: the underflow term grows with it, it must not shrink
    W2 = W + [[0, 0, 0]]
    judged_exactly([(x, x, x)], W2, [[0, 0], [0, 0]], [0, Fraction(2**200)], (0, 0),
                   strict=True, want=[(0, 1)])


def test_a_subnormal_weight_times_a_moderate_input_is_decided_exactly() -> None:
    # w = 3/2^1075 rounds to 2^-1073 (+1/3); x = (80, 1/2) (not integers: the float
    # path); b = -80 w = -120 * 2^-1074 exactly. z = 0: the strict step gives 0. Float64:
    # 160 * 2^-1074 - 120 * 2^-1074 = 2.5 * 2^-1070 > 0, inside the underflow term
    # 4 * 2^-1070 (n = 4), so the step is decided exactly; half that term would not be.
    w = Fraction(3, 2**1075)
    judged_exactly([(Fraction(80), Fraction(1, 2))], [[w, 0]], [[0]], [-80 * w], (0,),
                   strict=True, want=[(0,)])


def test_int64_inputs_beyond_2_53_take_the_float_path() -> None:
    # int64 inputs (2^53 + 1, 2^53), w = (1, -1): z = 1 > 0. As float64, 2^53 + 1 is
    # 2^53, so z computed in float64 is 0 (strict: 0). size * (1 + max|x|) = 2 (2^53 + 2)
    # >= 2^53: the guard must send this to the float path (whose bound sends it to
    # Fraction), not to the exact-integer path.
    big = Fraction(2**53)
    judged_exactly([(big + 1, big)], [[1, -1]], [[0]], [0], (0,), strict=True, ints=True,
                   want=[(1,)])
    # all negative: max|x| is 2^53 + 1 (from the minimum), not the maximum -2^53
    judged_exactly([(-big - 1, -big)], [[-1, 1]], [[0]], [0], (0,), strict=True, ints=True,
                   want=[(1,)])


def test_all_zero_inputs_still_bound_the_weights() -> None:
    # x = 0, U = 2^60, b = -(2^60 + 1), s0 = 1: z = -1 < 0 (nonstrict: 0). Both weights
    # are beyond 2^53: as float64 they cancel to 0 (nonstrict: 1). max|x| = 0, but the
    # guard's "1 +" keeps size * 1 = 2^61 + 1 >= 2^53: not the exact-integer path.
    judged_exactly([(Fraction(0),)], [[0]], [[2**60]], [-(2**60 + 1)], (1,), strict=False,
                   ints=True, want=[(0,)])


def test_fractional_weights_on_integer_inputs_are_scaled_to_integers() -> None:
    # w = (1/10, 1/10), b = -3/5, x = (1, 5): z = 0 (strict: 0). The row times its lcm,
    # 10, is (1, 1, 0, -6): integers, exact in float64. Divided by 10 instead, float64
    # gives 0.01 + 0.05 - 0.06 = 6.9e-18 > 0.
    judged_exactly([(Fraction(1), Fraction(5))], [[Fraction(1, 10), Fraction(1, 10)]],
                   [[0]], [Fraction(-3, 5)], (0,), strict=True, ints=True, want=[(0,)])


# -- fewest units ---------------------------------------------------------------------
# One step, x = 0, output 0: any number of units fits (all weights 0, c = -1 gives
# y = step(-1) = 0). check_fewest is asked for refutations it is not given, and must
# name the first count it needs.

def quiet(units: int, u00: int = 0):
    return net([[0]] * units, [[u00 if (i, j) == (0, 0) else 0 for j in range(units)]
                               for i in range(units)], [-1] * units, [[0] * units], [-1])


def test_check_fewest_asks_monotone_specs_for_k_minus_1_only() -> None:
    spec = make_spec([("0", "0")], readout=1, units=3, min_units=1)
    with pytest.raises(CheckFailure, match="fewest units 3 needs a proof that 2 units cannot"):
        trusted.check_fewest(spec, 3, quiet(3), [(0, 0, 0)], {})


def test_check_fewest_asks_non_monotone_specs_for_every_smaller_count() -> None:
    # U[0][0] fixed to 1: no dead unit, so 3 units fitting says nothing about 2 or 1
    spec = make_spec([("0", "0")], readout=1, units=3, min_units=1,
                     fixed={("U", (0, 0)): Fraction(1)})
    with pytest.raises(CheckFailure, match="fewest units 3 needs a proof that 1 units cannot"):
        trusted.check_fewest(spec, 3, quiet(3, u00=1), [(0, 0, 0)], {})


def test_check_fewest_starts_at_the_smallest_count_asked_about() -> None:
    spec = make_spec([("0", "0")], readout=1, units=3, min_units=3)
    trusted.check_fewest(spec, 3, quiet(3), [(0, 0, 0)], {})  # nothing below min: no proof
    with pytest.raises(CheckFailure, match="2 units is below the smallest count asked "
                       "about, 3"):
        trusted.check_fewest(spec, 2, quiet(2), [(0, 0)], {})
    fixed = make_spec([("0", "0")], readout=1, units=3, min_units=3,
                      fixed={("U", (0, 0)): Fraction(1)})
    trusted.check_fewest(fixed, 3, quiet(3, u00=1), [(0, 0, 0)], {})


def test_check_fewest_counts_observed_units_as_asked_about() -> None:
    # observe unit 1 (a hand-built spec; min_units 1): one unit cannot even have a unit
    # 1, so the first count worth refuting is 2. Unit 1: z = b[1] = -1, output 0.
    spec = make_spec([("0", "0")], units=3, min_units=1, observe=(1,),
                     fixed={("U", (0, 0)): Fraction(1)})
    w = net([[0]] * 3, [[1, 0, 0], [0, 0, 0], [0, 0, 0]], [-1] * 3)
    with pytest.raises(CheckFailure, match="fewest units 3 needs a proof that 2 units cannot"):
        trusted.check_fewest(spec, 3, w, [(0, 0, 0)], {})
    assert trusted.smallest_units(spec) == 2


def test_check_fewest_checks_the_witness_first() -> None:
    spec = make_spec([("0", "0")], readout=1, units=3, min_units=1)
    wrong = net([[0]] * 3, [[0] * 3] * 3, [-1] * 3, [[0] * 3], [1])  # y = step(1) = 1
    with pytest.raises(CheckFailure, match="sequence 0, t=1: output 0 is 1, expected 0"):
        trusted.check_fewest(spec, 3, wrong, [(0, 0, 0)], {})
