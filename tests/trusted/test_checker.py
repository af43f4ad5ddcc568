"""The trusted checker: exact re-simulation, row re-derivation, multiplier re-checks."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rnn_helpers import make_spec, simulate, small_rationals, specs

from verify.input.ineq import Inequality
from verify.linear.result import Certificate, CitedRow, Split
from verify.trusted import checker

Q1B = ([0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0, 1, 1])


def cited(seq: int, t: int, coeffs: tuple[int, ...], strict: bool, m: int) -> CitedRow:
    return CitedRow(seq, t, tuple(F(c) for c in coeffs), strict, F(m))


GOOD = Certificate((cited(0, 1, (0, 0, 1), True, 1), cited(0, 5, (0, 0, -1), False, 1)))


@given(specs(max_seqs=2), st.fixed_dictionaries(
    {"w1": small_rationals, "w2": small_rationals, "b": small_rationals}))
def test_first_failure_matches_naive_simulation(spec, w):
    s0 = [s.s0 if s.s0 is not None else 0 for s in spec.sequences]
    expected = None
    for j in range(len(spec.sequences)):
        got = simulate(spec, w, j, s0[j])
        want = [int(v) for v in spec.sequences[j].outputs]
        bad = [t for t, (a, b) in enumerate(zip(got, want)) if a != b]
        if bad:
            expected = (j, bad[0] + 1, want[bad[0]], got[bad[0]])
            break
    fail = checker.first_failure(spec, w, s0)
    assert (None if fail is None else (fail.sequence, fail.t, fail.expected, fail.got)) == expected
    if fail is not None:
        assert fail.z == w["w1"] * fail.x + w["w2"] * fail.s_prev + w["b"]


def test_first_failure_on_the_seed_answer_names_t4_and_z0():
    spec = make_spec([([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])])
    fail = checker.first_failure(spec, {"w1": F(1), "w2": F(2), "b": F(-1)}, [0])
    assert fail is not None and (fail.t, fail.z, fail.expected, fail.got) == (4, 0, 1, 0)
    nonstrict = make_spec([([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])], step="nonstrict")
    assert checker.first_failure(nonstrict, {"w1": F(1), "w2": F(2), "b": F(-1)}, [0]) is None


def test_ties_in_float_are_decided_exactly():
    # x = 1/3 + 1e-30 and 1/3 round to the same float; the threshold is exactly 1/3
    tiny = F(1, 3) + F(1, 10**30)
    spec = make_spec([([F(1, 3), tiny], [0, 1])], s0=0)
    w = {"w1": F(1), "w2": F(0), "b": F(-1, 3)}
    assert checker.first_failure(spec, w, [0]) is None
    spec_bad = make_spec([([tiny, F(1, 3)], [0, 1])], s0=0)
    fail = checker.first_failure(spec_bad, w, [0])
    assert fail is not None and fail.t == 1


def test_derive_row_follows_the_spec():
    spec = make_spec([Q1B])
    assert checker.derive_row(spec, 0, 1, {}) == ((F(0), F(0), F(1)), True)
    assert checker.derive_row(spec, 0, 4, {}) == ((F(-1), F(-1), F(-1)), False)
    nonstrict = make_spec([Q1B], step="nonstrict")
    assert checker.derive_row(nonstrict, 0, 1, {}) == ((F(0), F(0), F(1)), False)
    with pytest.raises(checker.CheckFailure, match="no step t=9"):
        checker.derive_row(spec, 0, 9, {})


# Each corruption of q1b's certificate (b > 0 at t=1, -b >= 0 at t=5), with the reason the
# checker must give, worked out by hand from the spec.
CORRUPTIONS = {
    # 2*(0,0,1) + 1*(0,0,-1) = (0,0,1): the b coefficients do not cancel
    "changed multiplier": ((dataclasses.replace(GOOD.rows[0], multiplier=F(2)), GOOD.rows[1]),
                           "the weighted rows do not cancel: coefficient 3 sums to 1"),
    "negative multiplier": ((dataclasses.replace(GOOD.rows[0], multiplier=F(-1)),
                             dataclasses.replace(GOOD.rows[1], multiplier=F(-1))),
                            "row 1: multiplier -1 is negative"),
    "dropped row": ((GOOD.rows[0],), "coefficient 3 sums to 1"),
    # t=7 sees x=1, s_(t-1)=0 and must output 1: it requires w1 + b > 0
    "wrong step": ((GOOD.rows[0], dataclasses.replace(GOOD.rows[1], t=7)),
                   "sequence 0, t=7 requires 1*w1 + 1*b > 0, not -1*b >= 0"),
    "wrong relation": ((GOOD.rows[0], dataclasses.replace(GOOD.rows[1], strict=True)),
                       "sequence 0, t=5 requires -1*b >= 0, not -1*b > 0"),
    "reducible": ((*GOOD.rows, cited(0, 6, (0, 0, -1), False, 0)),
                  "a row with multiplier 0 is not needed"),
    "step 0": ((cited(0, 0, (0, 0, 1), True, 1), GOOD.rows[1]), "no step t=0"),
    "step past the end": ((GOOD.rows[0], cited(0, 9, (0, 0, -1), False, 1)), "no step t=9"),
    "no sequence 1": ((GOOD.rows[0], cited(1, 5, (0, 0, -1), False, 1)), "no sequence 1"),
    "negative sequence": ((GOOD.rows[0], cited(-1, 5, (0, 0, -1), False, 1)),
                          "no sequence -1"),
    "no rows": ((), "some rows"),
}


def test_the_good_certificate_is_accepted():
    checker.check_certificate(make_spec([Q1B]), GOOD.rows)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_certificate_corruptions_are_rejected_for_the_right_reason(name):
    rows, reason = CORRUPTIONS[name]
    with pytest.raises(checker.CheckFailure, match=re.escape(reason)):
        checker.check_certificate(make_spec([Q1B]), rows)


def test_a_negative_multiplier_is_refused_even_when_the_sum_is_zero():
    # Realizable (b = 1): both sequences require b > 0 at t=1. 1*(b > 0) + (-1)*(b > 0)
    # sums to 0 with a strict row weighted positively; only the sign check stops it.
    spec = make_spec([([0], [1]), ([0], [1])])
    rows = (cited(0, 1, (0, 0, 1), True, 1), cited(1, 1, (0, 0, 1), True, -1))
    with pytest.raises(checker.CheckFailure, match=r"row 2: multiplier -1 is negative"):
        checker.check_certificate(spec, rows)


def test_motzkin_needs_a_contradiction():
    # b + 1 >= 0 and -b >= 0 add up to 1 >= 0: true, no contradiction
    rows = [((F(1),), F(1), False), ((F(-1),), F(0), False)]
    with pytest.raises(checker.CheckFailure, match="the constants sum to a positive number"):
        checker.check_motzkin(rows, [F(1), F(1)], irreducible=False)
    # b >= 0 and -b >= 0: 0 >= 0, no strict row
    rows = [((F(1),), F(0), False), ((F(-1),), F(0), False)]
    with pytest.raises(checker.CheckFailure, match="no strict row has a positive multiplier"):
        checker.check_motzkin(rows, [F(1), F(1)], irreducible=False)
    # b > 0 and -b >= 0, both weighted 0: the strict row is not used
    rows = [((F(1),), F(0), True), ((F(-1),), F(0), False)]
    with pytest.raises(checker.CheckFailure, match="no strict row has a positive multiplier"):
        checker.check_motzkin(rows, [F(0), F(0)], irreducible=False)
    # b - 1 >= 0 and -b >= 0: -1 >= 0 is a contradiction without a strict row
    checker.check_motzkin([((F(1),), F(-1), False), ((F(-1),), F(0), False)],
                          [F(1), F(1)], irreducible=False)
    with pytest.raises(checker.CheckFailure, match="one multiplier per row"):
        checker.check_motzkin(rows, [F(1)])


def test_irreducibility_is_checked():
    # b > 0 (t=1), -b >= 0 (t=5) and w2 + b > 0 (t=2) with multiplier 0: reducible
    spec = make_spec([Q1B])
    rows = (*GOOD.rows, cited(0, 2, (0, 1, 1), True, 0))
    with pytest.raises(checker.CheckFailure, match="not needed"):
        checker.check_certificate(spec, rows)
    checker.check_motzkin([((F(1),), F(0), True), ((F(-1),), F(0), False)], [F(1), F(1)])
    with pytest.raises(checker.CheckFailure, match="reducible"):
        # two copies of -b >= 0 and one b > 0: the multipliers are positive, rank is 1 < 2
        checker.check_motzkin([((F(1),), F(0), True), ((F(-1),), F(0), False),
                               ((F(-1),), F(0), False)], [F(2), F(1), F(1)])


def test_splits_on_free_s0():
    spec = make_spec([Q1B], s0=None)
    with pytest.raises(checker.CheckFailure, match="free s0"):
        checker.check_proof(spec, Certificate((cited(0, 1, (0, 0, 1), True, 1),
                                               cited(0, 5, (0, 0, -1), False, 1))))
    case0 = Certificate((cited(0, 1, (0, 0, 1), True, 1), cited(0, 5, (0, 0, -1), False, 1)))
    case1 = Certificate((cited(0, 1, (0, 1, 1), True, 1), cited(0, 4, (-1, -1, -1), False, 1),
                         cited(0, 5, (0, 0, -1), False, 1), cited(0, 7, (1, 0, 1), True, 1)))
    checker.check_proof(spec, Split(0, ((0, case0), (1, case1))))
    with pytest.raises(checker.CheckFailure):
        checker.check_proof(spec, Split(0, ((1, case0), (0, case1))))  # cases swapped
    with pytest.raises(checker.CheckFailure, match="cover"):
        checker.check_proof(spec, Split(0, ((0, case0),)))
    fixed = make_spec([Q1B], s0=0)
    with pytest.raises(checker.CheckFailure, match="not free"):
        checker.check_proof(fixed, Split(0, ((0, case0), (1, case1))))


def test_witness_s0_must_respect_the_spec():
    spec = make_spec([([0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 1, 1, 1])], s0=0)
    w = {"w1": F(1), "w2": F(1), "b": F(0)}
    checker.check_witness(spec, w, [0])
    with pytest.raises(checker.CheckFailure, match="not allowed"):
        checker.check_witness(spec, w, [1])
    with pytest.raises(checker.CheckFailure, match="t=4"):
        checker.check_witness(spec, {"w1": F(1), "w2": F(2), "b": F(-1)}, [0])


# -- first_failure at the edges the grouped, vectorised code must get right ------------------
# Each expectation is worked out by hand from z = w1*x + w2*s + b and the step rule.

@pytest.mark.parametrize("step,x,out,failing", [
    # w1 = -1, b = 0: z = -x. At x = 0, z = 0: step 0 (strict), step 1 (nonstrict).
    ("strict", 0, 1, True), ("strict", 0, 0, False),
    ("nonstrict", 0, 1, False), ("nonstrict", 0, 0, True),
    # x = 1/2 (not an integer, the float path): z = -1/2 < 0 either way
    ("strict", F(1, 2), 0, False), ("nonstrict", F(1, 2), 1, True),
    ("strict", F(-1, 2), 1, False), ("nonstrict", F(-1, 2), 0, True),
])
def test_negative_w1_ties_and_sides(step, x, out, failing):
    # x values 0 and 1/2 use the integer and the float comparison paths
    spec = make_spec([([x, F(1, 3)], [out, 0])], step=step)  # t=2: z = -1/3 < 0: output 0
    fail = checker.first_failure(spec, {"w1": F(-1), "w2": F(0), "b": F(0)}, [0])
    assert (fail is not None and fail.t == 1) == failing


@pytest.mark.parametrize("step,b,out,failing", [
    # w1 = 0: z = b whatever x. b = 0 is the tie.
    ("strict", 0, 1, True), ("strict", 0, 0, False), ("nonstrict", 0, 1, False),
    ("nonstrict", 0, 0, True), ("strict", F(-1, 2), 0, False), ("nonstrict", F(-1, 2), 0, False),
    ("nonstrict", F(-1, 2), 1, True), ("strict", F(1, 2), 0, True),
])
def test_zero_w1_compares_b_exactly(step, b, out, failing):
    spec = make_spec([([F(5), F(-7)], [out, out])], step=step)
    fail = checker.first_failure(spec, {"w1": F(0), "w2": F(0), "b": F(b)}, [0])
    assert (fail is not None and fail.t == 1) == failing


def test_thresholds_beyond_the_float_range_are_compared_exactly():
    # w1 = 1, b = -10**400: z = x - 10**400 < 0 for every input, even x = 1e300
    spec = make_spec([([F(10**300), F(-5), F(10**400) + 1], [0, 0, 1])])
    assert checker.first_failure(spec, {"w1": F(1), "w2": F(0), "b": F(-10**400)}, [0]) is None
    # b = +10**400: z > 0 everywhere, so output 0 at t=2 fails
    spec2 = make_spec([([F(10**300), F(-5)], [1, 0])])
    fail = checker.first_failure(spec2, {"w1": F(1), "w2": F(0), "b": F(10**400)}, [0])
    assert fail is not None and (fail.t, fail.expected, fail.got) == (2, 0, 1)


def test_an_empty_sequence_has_no_failing_step():
    spec = make_spec([([], []), ([0], [1])])
    assert checker.first_failure(spec, {"w1": F(0), "w2": F(0), "b": F(1)}, [0, 0]) is None
    fail = checker.first_failure(spec, {"w1": F(0), "w2": F(0), "b": F(-1)}, [0, 0])
    assert fail is not None and (fail.sequence, fail.t) == (1, 1)


def test_near_the_float_limit_no_warning_is_printed(recwarn):
    # approx - threshold would overflow float64 here (1.7e308 + 1.7e308)
    spec = make_spec([([F(17) * 10**307, F(-17) * 10**307], [1, 0])])
    # t=1: z = 3.4e308 > 0, output 1; t=2: z = -1.7e308 + 1.7e308 = 0, strict: output 0
    assert checker.first_failure(spec, {"w1": F(1), "w2": F(0), "b": F(17) * 10**307},
                                 [0]) is None
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# -- the remaining rejections, each for its reason ------------------------------------------

def test_ties_below_the_threshold_in_float_are_decided_exactly():
    # x = 1/3 - 1e-30 rounds to the float of 1/3; with w1 = 1, b = -1/3, z = -1e-30 < 0
    below = F(1, 3) - F(1, 10**30)
    w = {"w1": F(1), "w2": F(0), "b": F(-1, 3)}
    assert checker.first_failure(make_spec([([below], [0])]), w, [0]) is None
    fail = checker.first_failure(make_spec([([below], [1])]), w, [0])
    assert fail is not None and fail.z == -F(1, 10**30)


def test_witness_shape_is_checked():
    spec = make_spec([([0, 1], [0, 1]), ([1], [1])])
    with pytest.raises(checker.CheckFailure, match=r"witness names \['w1', 'w2'\], expected"):
        checker.check_witness(spec, {"w1": F(1), "w2": F(0)}, [0, 0])
    with pytest.raises(checker.CheckFailure, match="s0 for the wrong number of sequences"):
        checker.check_witness(spec, {"w1": F(1), "w2": F(0), "b": F(0)}, [0])
    with pytest.raises(checker.CheckFailure, match="sequence 1: s0 = 2 is not allowed"):
        checker.check_witness(make_spec([([1], [1]), ([1], [1])], s0=None),
                              {"w1": F(1), "w2": F(0), "b": F(0)}, [0, 2])


def test_motzkin_without_irreducibility_accepts_a_spare_row():
    # b > 0, -b >= 0, and w1 >= 0 weighted 0: a contradiction, reducible
    rows = [((F(0), F(1)), F(0), True), ((F(0), F(-1)), F(0), False),
            ((F(1), F(0)), F(0), False)]
    checker.check_motzkin(rows, [F(1), F(1), F(0)], irreducible=False)
    with pytest.raises(checker.CheckFailure, match="multiplier 0 is not needed"):
        checker.check_motzkin(rows, [F(1), F(1), F(0)])


def test_a_single_row_can_be_the_whole_contradiction():
    # 0 > 0 on its own: irreducible (rank 0 = 1 - 1)
    checker.check_motzkin([((F(0), F(0), F(0)), F(0), True)], [F(1)])


def test_a_free_s0_row_needs_its_split_even_when_no_split_is_passed():
    spec = make_spec([Q1B], s0=None)
    with pytest.raises(checker.CheckFailure, match="depends on its free s0"):
        checker.check_certificate(spec, GOOD.rows, None)
    checker.check_certificate(spec, GOOD.rows, {0: 0})  # with s0 = 0 it is q1b's proof


def test_a_split_may_not_repeat_on_one_path():
    spec = make_spec([Q1B], s0=None)
    case0 = Certificate((cited(0, 1, (0, 0, 1), True, 1), cited(0, 5, (0, 0, -1), False, 1)))
    inner = Split(0, ((0, case0), (1, case0)))
    with pytest.raises(checker.CheckFailure, match="split on sequence 0 twice on one path"):
        checker.check_proof(spec, Split(0, ((0, inner), (1, inner))))
    with pytest.raises(checker.CheckFailure, match="split on sequence 0 twice on one path"):
        checker.check_proof(spec, inner, {0: 0})


@pytest.mark.parametrize("rows,point,expected", [
    # w1 + b > 0 at (1, 0): 1 > 0 yes; at (1, -1): 0 > 0 no
    ([((F(1), F(1)), F(0), True)], (F(1), F(0)), True),
    ([((F(1), F(1)), F(0), True)], (F(1), F(-1)), False),
    ([((F(1), F(1)), F(0), False)], (F(1), F(-1)), True),   # 0 >= 0
    ([((F(1), F(1)), F(0), False)], (F(1), F(-2)), False),  # -1 >= 0 no
    # the constant counts: w1 + 1 > 0 at w1 = -1/2 yes, at w1 = -1 no
    ([((F(1), F(0)), F(1), True)], (F(-1, 2), F(0)), True),
    ([((F(1), F(0)), F(1), True)], (F(-1), F(0)), False),
    # every row must hold, not only the first
    ([((F(1), F(0)), F(0), True), ((F(-1), F(0)), F(0), False)], (F(1), F(0)), False),
    ([((F(1), F(0)), F(0), True), ((F(0), F(1)), F(-2), False)], (F(1), F(2)), True),
    ([((F(1), F(0)), F(0), True), ((F(0), F(1)), F(-2), False)], (F(1), F(1)), False),
])
def test_satisfies_all_by_hand(rows, point, expected):
    assert checker.satisfies_all(rows, point) is expected


def test_canonical_reads_a_missing_parameter_as_0_and_flips_less_than():
    # 'b - 2 < 0' written with only b: -b + 2 > 0; w1, w2 absent mean coefficient 0
    ineq = Inequality("b - 2 < 0", {"b": F(1)}, F(-2), "<", 1)
    assert checker.canonical(ineq, ("w1", "w2", "b")) == ((F(0), F(0), F(-1)), F(2), True)
    ineq = Inequality("w1 >= 3", {"w1": F(1)}, F(-3), ">=", 1)
    assert checker.canonical(ineq, ("w1", "w2", "b")) == ((F(1), F(0), F(0)), F(-3), False)
