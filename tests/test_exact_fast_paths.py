"""Series.from_texts' vectorised float shadow equals Python's float() of every token."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from verify.exact import Series

DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-10**20, 10**20), st.integers(-400, 400)),
)


@given(st.lists(DECIMALS, min_size=1, max_size=20))
def test_float_shadow_is_pythons_float(tokens: list[str]) -> None:
    series = Series.from_texts(tokens)
    assert series.approx.tolist() == [float(t) for t in tokens]
    assert [series.exact(i) for i in range(len(tokens))] == [Fraction(t) for t in tokens]
