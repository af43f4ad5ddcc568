"""verify.input.limits and the number limits of verify.input.exact: digits per number and
per spec, abbreviated display of huge values, the per-spec deadline and its watchdog.
Expected values are worked out by hand."""

from __future__ import annotations

import json
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from verify.cli import main
from verify.input import limits
from verify.input.exact import Series, abbreviate, number_size, parse_number, show
from verify.input.ineq import parse_inequality


@pytest.mark.parametrize("text,size", [
    ("1e9999", 10_000), ("-2.50e3", 6), ("0.001", 4), ('12/345', 3), ("1e-00042", 43),
    ("1e1234567890123", 10**9),
])
def test_number_size_counts_written_digits_plus_the_exponent(text: str, size: int) -> None:
    assert number_size(text) == size


def test_one_number_may_have_10000_digits() -> None:
    assert parse_number("1e9999") == 10**9999
    assert parse_number("-1e-9999") == F(-1, 10**9999)
    with pytest.raises(ValueError, match="exponent too large"):
        parse_number("1e10000")
    with pytest.raises(ValueError, match="too many digits"):
        parse_number("7" * 4301)
    assert parse_number("7" * 4300) == int("7" * 1000) * 10**3300 + int("7" * 3300)


def test_the_spec_budget_of_big_numbers() -> None:
    with limits.spec_scope(None):
        for _ in range(10):  # 10 x 10,000 digits = 100,000: at the limit
            parse_number("1e9999")
        with pytest.raises(ValueError, match="add up to more than 100,000 digits"):
            parse_number("1e9999")
        parse_number("1e999")  # 1,000 digits are not "big": never charged
    with limits.spec_scope(None):  # a new spec, a new budget
        parse_number("1e9999")


def test_lazy_series_charge_once_and_name_the_element() -> None:
    with limits.spec_scope(None):
        series = Series.from_texts(["1e9999"] * 10)
        assert series.exact(3) == 10**9999 and series.exact(3) == 10**9999  # no re-charge
        with pytest.raises(ValueError, match="element 11: .*100,000 digits"):
            Series.from_texts(["1"] * 10 + ["1e9999"])


def test_inequality_coefficients_may_not_grow_past_the_limit() -> None:
    # 10**9999 has 10,000 digits, 10**10000 has 10,001
    ok = parse_inequality("1e5000*1e4999*b > 0", params=("w1", "w2", "b"))
    assert ok.coefficients["b"] == 10**9999
    assert parse_inequality("9e9999*b/1e9999*1e9999 > 0",
                            params=("w1", "w2", "b")).coefficients["b"] == 9 * 10**9999
    with pytest.raises(Exception, match="grows beyond 10,000 digits"):
        parse_inequality("1e5000*1e5000*b > 0", params=("w1", "w2", "b"))


@pytest.mark.parametrize("q,text", [
    (F(10**5000), "≈1.0e+5000"), (F(-37) * 10**5000, "≈-3.7e+5001"),
    (F(1, 10**5000), "≈1.0e-5000"), (F(2, 3) * 10**4400, "≈6.6e+4399"),
    (F(99) * 10**3000, "≈9.9e+3001"), (F(123456), "123456"), (F(-2, 3), "-2/3"),
    (F(10**999), str(10**999)),  # 1,000 digits: still exact
    (F(10**1000), "≈1.0e+1000"), (F(1, 10**999), f"1/{10**999}"),
])
def test_show_abbreviates_beyond_1000_digits(q: F, text: str) -> None:
    assert show(q) == text


@pytest.mark.parametrize("q,text", [
    (F(99), "≈9.9e+1"), (F(100), "≈1.0e+2"), (F(1, 3), "≈3.3e-1"), (F(-999, 1000), "≈-9.9e-1"),
    (F(0), "0"), (F(19, 2), "≈9.5e+0"),
])
def test_abbreviate_keeps_two_significant_digits_rounded_down(q: F, text: str) -> None:
    assert abbreviate(q) == text


def test_the_watchdog_stops_python_code_past_the_deadline() -> None:
    start = time.monotonic()
    with pytest.raises(limits.DeadlineExceeded), limits.spec_scope(0.05, grace=0.05):
        while time.monotonic() < start + 60:  # a loop that never checks the clock
            pass
    assert limits.remaining() is None  # the scope is gone, and so is the alarm


def test_time_spent_paused_is_not_counted() -> None:
    with limits.spec_scope(0.2, grace=5):
        with limits.paused():
            time.sleep(0.3)
        limits.check_deadline()  # 0.3 s passed, but paused
        left = limits.remaining()
        assert left is not None and 0 < left <= 0.2


def test_timeout_bounds_reading_a_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    (tmp_path / "x.csv").write_text("0.5\n" * 1000)
    (tmp_path / "s.yaml").write_text("model: step-rnn\ninput: {file: x.csv}\n"
                                     "output: {file: x.csv}\n")
    code = main(["check", "--format", "json", "--timeout", "1e-9", str(tmp_path / "s.yaml")])
    record = json.loads(capsys.readouterr().out)
    assert code == 3 and record["status"] == "unknown"
    assert record["reason"].startswith("the check did not finish within --timeout 1e-09 s "
                                       "(stopped while reading the spec)")


def test_a_models_deadline_is_the_specs_own_so_it_stops_before_the_watchdog():
    assert limits.deadline(None) is None
    before = time.monotonic()
    assert before + 5 <= limits.deadline(5) <= time.monotonic() + 5  # no scope: from now
    with limits.spec_scope(60):
        start = limits.deadline(60)
        time.sleep(0.05)
        # asked later, inside the scope: still the scope's deadline, not 60 s from now
        assert limits.deadline(60) == start
        assert start - time.monotonic() <= 60 - 0.05
        with limits.paused():  # imports do not count: the deadline moves with the pause
            time.sleep(0.05)
        assert limits.deadline(60) >= start + 0.05
