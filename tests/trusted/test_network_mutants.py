"""Tests that kill mutants of the trusted network checker (tools/mutate.py) for the right
reason: each one asserts a behaviour worked out by hand (or by the little Fraction
simulation below, written from the model's definition), or a rejection and its reason.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
from network_helpers import make_spec, net
from test_network_checker import (
    READOUT,
    STATE,
    cert,
    clash,
    entry,
    parity_spec,
    parity_tree,
    row,
    split,
)

from verify.input.vectors import OutputTable, VectorSeries
from verify.models.threshold.network import Domain, NetSequence
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


# -- a soundness bug the float path had (fixed: subnormal weights go to the exact path) -

def test_a_subnormal_weight_times_a_huge_input_is_decided_exactly() -> None:
    # z = w x + b with w = 3/2^1075, x = 2^1000, b = -3/2^75: exactly 0, so the strict
    # step gives 0. In float64 w is 2^-1073 (the tie 1.5 * 2^-1074 rounds to even), so
    # w x + b = 2^-73 - 0.75 * 2^-73 > 0: the float sign says 1.
    w, x = Fraction(3, 2**1075), Fraction(2**1000)
    wrong = observed([(x,)], [(1,)], (0,), strict=True)
    with pytest.raises(CheckFailure, match=r"sequence 0, t=1: output 0 is 0, expected 1"):
        trusted.check_witness(wrong, 1, net([[w]], [[0]], [-w * x]), ((0,),))


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


def test_no_count_below_one_unit_is_asked_about() -> None:
    # a hand-built spec with min_units 0 (the loader wants at least 1): one unit is still
    # the smallest count, so 1 unit needs no refutation, even without a dead unit
    spec = make_spec([("0", "0")], readout=1, units=1, min_units=0,
                     fixed={("U", (0, 0)): Fraction(1)})
    trusted.check_fewest(spec, 1, quiet(1, u00=1), [(0,)], {})
    assert trusted.smallest_units(spec) == 1

def test_check_fewest_checks_the_witness_first() -> None:
    spec = make_spec([("0", "0")], readout=1, units=3, min_units=1)
    wrong = net([[0]] * 3, [[0] * 3] * 3, [-1] * 3, [[0] * 3], [1])  # y = step(1) = 1
    with pytest.raises(CheckFailure, match="sequence 0, t=1: output 0 is 1, expected 0"):
        trusted.check_fewest(spec, 3, wrong, [(0, 0, 0)], {})


# -- the replay's rejections, each for its reason -------------------------------------
# The hand-written parity tree of test_network_checker (its comments give the run):
# PARITY = 11/10, 10/11, 0/0, 01/01, one unit, a readout, s0 = 0. E1 = unit 0 at (x=1,
# s=0), E2 = (1, 1), E3 = (0, 0), E4 = (0, 1).


def leaf(*rows: dict, unit: dict = STATE) -> dict:
    return {"motzkin": {"unit": unit, "rows": list(rows)}}


def on_e1_0(node: dict) -> dict:
    """The parity tree with its E1 = 0 case (a clash at sequence 0, t=2) replaced."""
    tree = parity_tree()
    tree["cases"][0]["proof"] = node
    return tree


def rejected(tree: dict, reason: str, spec=None, **extra) -> None:
    with pytest.raises(CheckFailure, match=reason):
        trusted.check_certificate(spec or parity_spec(), {**cert(tree), **extra})


def test_a_split_on_a_readout_or_s0_entry_names_it() -> None:
    # the run first needs E1; a readout entry is never split on (outputs dictate them)
    readout = {"unit": {"kind": "readout", "index": 0}, "state": [1]}
    rejected(split(readout, clash(0, 2), clash(0, 2)),
             r"at root: split on readout 0 at state 1, but on this branch the simulation "
             r"next needs unit 0 at input \(1\) after state 0")
    s0 = {"s0": {"sequence": 2, "unit": 0}}
    rejected(split(s0, clash(0, 2), clash(0, 2)),
             r"at root: split on s0 of unit 0 in sequence 2, but on this branch the "
             r"simulation next needs unit 0 at input \(1\) after state 0")


def test_a_free_s0_is_split_on_first() -> None:
    # s0 free: the run needs sequence 0's s0 before any state entry
    spec = make_spec([("1", "1")], s0="free")
    rejected(split(entry("1", "0"), clash(0, 1), clash(0, 1)),
             r"at root: split on unit 0 at input \(1\) after state 0, but on this branch the "
             r"simulation next needs s0 of unit 0 in sequence 0", spec)
    # with s0 split, s0 = 0: x=1 -> 1 needs w + b >= 0; s0 = 1: w + u + b >= 0; neither
    # contradicts alone, so a clash claimed there is refused: the run reaches the end
    # (the case s0 = 1 is checked first: children are taken last first)
    s0 = {"s0": {"sequence": 0, "unit": 0}}
    rejected(split(s0, clash(0, 1), clash(0, 1)),
             r"at root / s0 of unit 0 in sequence 0 = 1: clash at sequence 0, t=1, output 0, "
             r"but on this branch the simulation reaches the end without a clash or an "
             r"unassigned entry", spec)


def test_rows_must_cite_a_step_the_branch_determines() -> None:
    # on E1 = 0 (the table holds E1 and the readout of state 0), sequence 3 ("01") starts
    # with x=0 after state 0: E3, unassigned, so its state at t=1 is unknown
    rejected(on_e1_0(leaf(row(3, 2, {"b[0]": "1"}, ">="))),
             r"sequence 3, t=2: the table on this branch does not determine the state at t=1")
    rejected(on_e1_0(leaf(row(3, 1, {"c[0]": "1"}, ">=", unit=READOUT), unit=READOUT)),
             r"sequence 3, t=1: the table on this branch does not determine the state at t=1")
    for j, t in ((0, 0), (0, 3), (4, 1), (-1, 1)):
        rejected(on_e1_0(leaf(row(j, t, {"b[0]": "1"}, ">="))),
                 rf"there is no step t={t} in sequence {j}")


def test_rows_must_belong_to_the_leaf_unit() -> None:
    # E1 = 0 at sequence 0, t=1 requires -(w + b) > 0; cited as a readout row in a state leaf
    rejected(on_e1_0(leaf(row(0, 1, {"W[0][0]": "-1", "b[0]": "-1"}, ">", unit=READOUT))),
             r"sequence 0, t=1: a row of readout unit 0 in a certificate over state unit 0")
    # the right coefficients with the wrong relation are not the row either
    rejected(on_e1_0(leaf(row(0, 1, {"W[0][0]": "-1", "b[0]": "-1"}, ">="))),
             r"sequence 0, t=1: on this branch unit 0 at input \(1\) after state 0 is 0, "
             r"which requires -1\*W\[0\]\[0\] \+ -1\*b\[0\] > 0, not the row printed")


def test_a_leaf_over_a_unit_the_network_lacks_is_refused() -> None:
    for unit, name in (({"kind": "state", "index": 1}, "state unit 1"),
                       ({"kind": "readout", "index": 1}, "readout unit 1"),
                       ({"kind": "state", "index": -1}, "state unit -1"),
                       ({"kind": "hidden", "index": 0}, "hidden unit 0")):
        rejected(on_e1_0(leaf(unit=unit)), rf"at root / .*: there is no {name}$")
    observed = make_spec([("0110", "0100")])  # no readout: m = 0
    rejected(leaf(unit=READOUT), r"at root: there is no readout unit 0$", observed)


def test_observing_a_unit_the_certificate_lacks_is_refused() -> None:
    spec = make_spec([("0", "0")], units=2, observe=(1,))
    rejected(clash(0, 1), r"observe names unit 1, a 1-unit network lacks it", spec)


def test_units_must_be_a_positive_integer() -> None:
    for units in (0, -1, "1", 1.0):
        with pytest.raises(CheckFailure, match=rf"units must be a positive integer, not "
                           rf"{units!r}"):
            trusted.check_certificate(parity_spec(), {**cert(parity_tree()), "units": units})


def test_a_leaf_may_carry_a_spare_row() -> None:
    # a Motzkin leaf needs a contradiction, not a minimal one: the parity leaf plus a copy
    # of one of its rows at multiplier 0 is still a proof
    tree = parity_tree()
    deep = tree["cases"][1]["proof"]["cases"][0]["proof"]["cases"][1]["proof"]
    rows = deep["cases"][0]["proof"]["motzkin"]["rows"]
    rows.append({**rows[-1], "multiplier": "0"})
    trusted.check_certificate(parity_spec(), cert(tree))


# -- bound rows and integer branches ------------------------------------------------------
# The spec of test_network_checker's integer branch: U = 0 and b = -1 fixed, integer W.
# "1" -> "0" needs -(w - 1) > 0, i.e. w < 1; "2" -> "1" needs 2w - 1 >= 0, i.e. w >= 1/2.

def bound(name: str, rel: str, value: str, mult: str = "1") -> dict:
    return {"bound": name, "relation": rel, "value": value, "multiplier": mult}


LOW = leaf(row(1, 1, {"W[0][0]": "2", "b[0]": "1"}, ">="), bound("W[0][0]", "<=", "0", "2"),
           bound("b[0]", "<=", "-1"))   # 2w + b >= 0, w <= 0, b <= -1: -1 >= 0
HIGH = leaf(row(0, 1, {"W[0][0]": "-1", "b[0]": "-1"}, ">"), bound("W[0][0]", ">=", "1"),
            bound("b[0]", ">=", "-1"))  # -(w + b) > 0, w >= 1, b >= -1: 0 > 0


def integer_spec(**domains):
    return make_spec([("1", "0"), ("2", "1")], fixed={("U", (0, 0)): Fraction(0),
                                                       ("b", (0,)): Fraction(-1)}, **domains)


def branch(name: str, value: str, low: dict, high: dict, sides=("<=", ">=")) -> dict:
    return {"branch": {"weight": name, "value": value},
            "cases": [{"side": sides[0], "proof": low}, {"side": sides[1], "proof": high}]}


INTEGER = {"weights": Domain(integer=True)}


def test_branch_bounds_accumulate_along_the_path() -> None:
    # W <= 0 | W >= 1, then (inside W >= 1) W <= 5 | W >= 6: HIGH cites W >= 1, which
    # on the W <= 5 side holds only because the outer W >= 1 is kept
    tree = branch("W[0][0]", "0", LOW, branch("W[0][0]", "5", HIGH, HIGH))
    trusted.check_certificate(integer_spec(**INTEGER), cert(tree))
    # a bound one past the branch's does not follow (W >= v + 1 on the >= side, no more)
    too_high = leaf(row(0, 1, {"W[0][0]": "-1", "b[0]": "-1"}, ">"),
                    bound("W[0][0]", ">=", "2", "1"), bound("b[0]", ">=", "-1"))
    rejected(branch("W[0][0]", "0", LOW, too_high),
             r"at root / W\[0\]\[0\] >= 0: W\[0\]\[0\] >= 2 does not follow from the weight "
             r"domain, the fixed entries or this branch's bounds", integer_spec(**INTEGER))


def test_bound_rows_are_not_strict() -> None:
    # W in [1, 1]: W >= 1 and W <= 1 both follow, and add up to 0 >= 0: no contradiction
    spec = make_spec([("1", "1")], weights=Domain(Fraction(1), Fraction(1)))
    rejected(leaf(bound("W[0][0]", ">=", "1"), bound("W[0][0]", "<=", "1")),
             r"at root: the sum is not a contradiction: no strict row has a positive "
             r"multiplier", spec)


def test_lower_bounds_follow_only_from_lower_limits() -> None:
    spec = make_spec([("1", "1")], weights=Domain(Fraction(-1), Fraction(1)),
                     bias=Domain(), fixed={("b", (0,)): Fraction(-2)})
    for claim in (">= -1/2", ">= 2", "<= -1/2"):
        rel, value = claim.split()
        rejected(leaf(bound("W[0][0]", rel, value)),
                 rf"at root: W\[0\]\[0\] {rel} {value} does not follow from the weight "
                 r"domain", spec)
    rejected(leaf(bound("b[0]", ">=", "-1")), r"b\[0\] >= -1 does not follow", spec)
    # b fixed to -2 gives both b >= -2 and b <= -2 (they pass, and sum to 0 >= 0)
    rejected(leaf(bound("b[0]", ">=", "-2"), bound("b[0]", "<=", "-2")),
             r"at root: the sum is not a contradiction", spec)
    rejected(leaf(bound("W[1][0]", ">=", "-1")),
             r"at root: bound on W\[1\]\[0\], which is not a weight of this unit", spec)


def test_integer_branches_need_an_integer_domain_and_value() -> None:
    # the bias domain governs b, the weight domain W: b integer and W real may branch on
    # b, not on W; W integer and b real the other way round
    ints, reals = Domain(integer=True), Domain()
    both = branch("b[0]", "-1", LOW, HIGH)  # the leaves are not reached: node checked first
    for name, weights, bias in (("W[0][0]", reals, ints), ("b[0]", ints, reals)):
        rejected(branch(name, "0", LOW, HIGH),
                 rf"at root: branch on {re.escape(name)} = 0: only an integer weight of the "
                 r"network may be branched on, at an integer",
                 integer_spec(weights=weights, bias=bias))
    with pytest.raises(CheckFailure, match=r"at root / b\[0\] (<=|>=) -1: "):
        trusted.check_certificate(integer_spec(weights=reals, bias=ints), cert(both))
    for name, value in (("W[0][0]", "1/2"), ("W[1][0]", "0"), ("V[0][0]", "0")):
        rejected(branch(name, value, LOW, HIGH),
                 rf"branch on {re.escape(name)} = {value}: only an integer weight",
                 integer_spec(**INTEGER))
    rejected(branch("W[0][0]", "0", LOW, HIGH, sides=("<=", "<=")),
             r"at root: the branch on W\[0\]\[0\] needs exactly the cases <= and >=",
             integer_spec(**INTEGER))


def test_witness_shape_against_the_spec() -> None:
    spec = make_spec([("0", "0")], units=2, observe=(1,))
    with pytest.raises(CheckFailure, match=r"observe names a unit a 1-unit network lacks"):
        trusted.check_witness(spec, 1, net([[0]], [[0]], [-1]), [(0,)])
    two = make_spec([("0", "0"), ("1", "1")])
    with pytest.raises(CheckFailure, match=r"the witness gives s0 for the wrong number of "
                       r"sequences"):
        trusted.check_witness(two, 1, net([[1]], [[0]], [0]), [(0,)])
