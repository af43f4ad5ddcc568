"""Tests that kill mutants of the trusted step-rnn checker and the shared core
(tools/mutate.py) for the right reason: expectations worked out by hand in the comments.
"""

from __future__ import annotations

from fractions import Fraction as F

from rnn_helpers import make_spec

from verify.trusted import checker


def test_integer_inputs_with_a_weight_below_the_normal_range_are_decided_exactly() -> None:
    # w1 = 3/2^1075, x = 2^25, b = -w1 x: z = 0 exactly, so the strict step gives 0.
    # In float64 w1 rounds to 2^-1073 (+33%) and z to 2^-1050 > 0. The inputs are
    # integers: the row times the lcm of its denominators (2^1075) is (3, 0, -3 * 2^25),
    # and 3 * 2^25 stays far below 2^53, so z is computed as the integer 0, exactly.
    w = {"w1": F(3, 2**1075), "w2": F(0), "b": -F(3, 2**1075) * 2**25}
    assert checker.first_failure(make_spec([([2**25], [0])]), w, [0]) is None
    fail = checker.first_failure(make_spec([([2**25], [1])]), w, [0])
    assert fail is not None and (fail.t, fail.z, fail.expected, fail.got) == (1, 0, 1, 0)
