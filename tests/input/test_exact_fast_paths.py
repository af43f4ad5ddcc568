"""Series.from_texts' vectorised float shadow equals Python's float() of every token."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from verify.input.exact import Series, parse_number

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


@given(st.integers(0, 15).flatmap(lambda d: st.lists(
    st.builds(lambda k, s: f"{s}{k // 10**d}.{k % 10**d:0{d}d}" if d else f"{s}{k}.",
              st.integers(0, 2**53 - 1), st.sampled_from(["", "-", "+"])),
    min_size=1, max_size=20)))
def test_fixed_point_decimals_take_the_integer_parse(tokens: list[str]) -> None:
    series = Series.from_texts(tokens)
    assert series.approx.tolist() == [float(t) for t in tokens]
    assert [series.exact(i) for i in range(len(tokens))] == [Fraction(t) for t in tokens]


def _reference(tokens: list[str]) -> list[float] | None:
    try:
        for t in tokens:
            parse_number(t)
    except ValueError:
        return None
    return [float(t) for t in tokens]


@given(st.lists(st.one_of(st.from_regex(r"\A[+-]?\d{0,3}\.\d{2}\Z"),
                          st.text(alphabet="0123456789+-.", min_size=1, max_size=6)),
                min_size=1, max_size=6))
def test_malformed_fixed_point_tokens_are_refused(tokens: list[str]) -> None:
    want = _reference(tokens)
    try:
        got = Series.from_texts(tokens).approx.tolist()
    except ValueError:
        got = None
    assert got == want


def test_minus_2_to_63_is_not_taken_for_a_modest_integer():
    # np.abs(-2**63) wraps round to -2**63 (< 2**53): the size check must not be fooled
    series = Series.from_texts(["-9223372036854775808", "5"])
    assert series.ints is None
    assert series.exact(0) == -(2**63) and series.approx[0] == -(2.0**63)
