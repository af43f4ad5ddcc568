"""Exact numbers from text, and Series whose float shadow orders like the exact values."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.input.exact import MAX_EXPONENT, Series, parse_number, to_float

F = Fraction


@pytest.mark.parametrize(("text", "value"), [
    ("0.1", F(1, 10)), ("-0.25", F(-1, 4)), ("1/3", F(1, 3)), (" -2 / 6 ", F(-1, 3)),
    ("1e400", F(10) ** 400), ("1E-3", F(1, 1000)), (".5", F(1, 2)), ("5.", F(5)),
    ("+7", F(7)), ("007", F(7)), ("0", F(0)),
])
def test_parse_number_exact(text: str, value: Fraction) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "needle"), [
    ("nan", "not a finite number"), (".nan", "not a finite number"),
    ("-.inf", "not a finite number"), ("Infinity", "not a finite number"),
    ("1/0", "divides by zero"), ("1_000", "not a number"), ("0x10", "not a number"),
    ("١", "not a number"),  # Arabic-Indic one: \d without re.ASCII would take it
    ("１", "not a number"),  # full-width one
    ("true", "not a number"), ("", "not a number"), ("1/-3", "not a number"),
    (f"1e{MAX_EXPONENT + 1}", "exponent"), ("1" * 5000, "too many digits"),
])
def test_parse_number_refuses(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_number(text)


@settings(deadline=None, max_examples=200)
@given(st.fractions())
def test_parse_number_round_trips_fraction_str(q: Fraction) -> None:
    assert parse_number(str(q)) == q


@settings(deadline=None, max_examples=100)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_reads_float_repr_as_its_decimal(x: float) -> None:
    # repr(0.1) is "0.1", which is exactly 1/10 (not the binary double 0.1)
    assert parse_number(repr(x)) == Fraction(repr(x))


def test_to_float_saturates() -> None:
    assert to_float(F(10) ** 400) == math.inf
    assert to_float(-F(10) ** 400) == -math.inf
    assert to_float(F(1, 3)) == 1 / 3


def test_from_texts_exact_and_ratios() -> None:
    s = Series.from_texts(["0.1", "1/3", "1e400", "-2"])
    assert s.exact_all() == [F(1, 10), F(1, 3), F(10) ** 400, F(-2)]
    assert s.approx[2] == math.inf and s.ints is None
    ints = Series.from_texts(["1", "-2", "+3", "007"])
    assert ints.ints is not None and ints.ints.tolist() == [1, -2, 3, 7]
    big = Series.from_texts(["99999999999999999999", "1"])
    assert big.exact(0) == 99999999999999999999 and big.ints is None
    assert len(Series.from_texts([])) == 0


@pytest.mark.parametrize(("tokens", "needle"), [
    (["1", "x"], "element 2"), (["nan"], "element 1"), (["1_0"], "element 1"),
    (["1", ""], "element 2"), (["1/0"], "divides by zero"), (["1e999999"], "exponent"),
    (["1.5.2"], "element 1"), (["1//3"], "element 1"), (["inf"], "not a finite number"),
])
def test_from_texts_validates_up_front(tokens: list[str], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        Series.from_texts(tokens)


@pytest.mark.parametrize("long", ["0." + "1" * 5000, "1" * 5000 + ".5", "1/" + "3" * 5000],
                         ids=["fraction_part", "integer_part", "ratio"])
def test_from_texts_refuses_too_many_digits_up_front(long: str) -> None:
    # Python's int-from-string limit: found now, not when the element is first read
    with pytest.raises(ValueError, match="element 2: .*too many digits"):
        Series.from_texts(["1", long, "2.5"])


def test_from_floats_exact_binary_values() -> None:
    s = Series.from_floats(np.array([0.1, 2.0, -0.5]))
    assert s.exact(0) == F(0.1) != F(1, 10)  # the binary double, exactly
    assert Series.from_floats(np.array([1.0, 2.0])).ints is not None
    with pytest.raises(ValueError, match="NaN"):
        Series.from_floats(np.array([1.0, np.nan]))


exact_values = st.one_of(
    st.fractions(min_value=-10, max_value=10, max_denominator=10**12),
    st.integers(-(2**70), 2**70).map(Fraction),
    st.integers(-400, 400).map(lambda e: Fraction(10) ** e),
    st.integers(-400, 400).map(lambda e: -Fraction(10) ** e),
)


def _series_from_texts(values: list[Fraction]) -> Series:
    return Series.from_texts([f"{v.numerator}/{v.denominator}" if v.denominator != 1
                              else str(v.numerator) for v in values])


@settings(deadline=None, max_examples=150)
@given(st.lists(exact_values, min_size=1, max_size=12),
       st.sampled_from(["fractions", "texts"]))
def test_approx_is_monotone(values: list[Fraction], how: str) -> None:
    s = Series.from_fractions(values) if how == "fractions" else _series_from_texts(values)
    assert s.exact_all() == values
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] < values[j]:
                assert s.approx[i] <= s.approx[j]
            if values[i] == values[j]:
                assert s.approx[i] == s.approx[j]


@settings(deadline=None, max_examples=100)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1,
                max_size=12))
def test_from_floats_monotone(xs: list[float]) -> None:
    s = Series.from_floats(np.array(xs))
    for i in range(len(xs)):
        assert s.exact(i) == Fraction(xs[i])
        for j in range(len(xs)):
            if s.exact(i) < s.exact(j):
                assert s.approx[i] <= s.approx[j]
