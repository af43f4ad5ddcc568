"""The trusted checker's vectorised comparisons agree with plain Fraction comparisons."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from verify.input.exact import Series
from verify.trusted import checker

INT64 = st.integers(-(2**63), 2**63 - 1)
TAUS = st.one_of(st.fractions(min_value=-5, max_value=5, max_denominator=6),
                 st.integers(-(2**70), 2**70).map(F),
                 st.builds(F, st.integers(-(2**70), 2**70), st.integers(1, 2**40)))


def naive(xs: list[int], tau: F) -> list[int]:
    return [(x > tau) - (x < tau) for x in xs]


@given(st.lists(st.one_of(st.integers(-6, 6), INT64), max_size=30), TAUS)
def test_integer_comparisons_are_exact(xs: list[int], tau: F) -> None:
    series = Series.from_ints(np.array(xs, dtype=np.int64))
    idx = np.arange(len(xs))
    assert checker._compare(series, idx, tau).tolist() == naive(xs, tau)


def test_integer_comparisons_on_a_million_ties() -> None:
    # binary inputs tie with integral thresholds at every step (the slow case before)
    xs = np.tile(np.array([0, 1], dtype=np.int64), 500_000)
    series = Series.from_ints(xs)
    idx = np.flatnonzero(xs == 1)
    assert not checker._compare(series, idx, F(1)).any()
    assert (checker._compare(series, np.arange(4), F(1, 2)) == [-1, 1, -1, 1]).all()
