"""The claim-inequality parser: exact coefficients, clear errors, round trips."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import SpecError
from verify.input.ineq import parse_inequality, parse_linear

P = ("w1", "w2", "b")
F = Fraction


def coeffs(text: str) -> tuple[tuple[Fraction, ...], Fraction, str]:
    ineq = parse_inequality(text, params=P)
    return tuple(ineq.coefficients[p] for p in P), ineq.constant, ineq.relation


@pytest.mark.parametrize(("text", "expected"), [
    ("w1 + w2 + b <= 0", ((F(1), F(1), F(1)), F(0), "<=")),
    ("w1 + b > 0", ((F(1), F(0), F(1)), F(0), ">")),
    ("b ≤ 0", ((F(0), F(0), F(1)), F(0), "<=")),
    ("w2 ≥ -b", ((F(0), F(1), F(1)), F(0), ">=")),
    ("2*(w1 - b)/3 >= -1/2 + w2*0.5", ((F(2, 3), F(-1, 2), F(-2, 3)), F(1, 2), ">=")),
    ("-(-(w1)) < 1e3", ((F(1), F(0), F(0)), F(-1000), "<")),
    ("0.1*w1 > 0.2", ((F(1, 10), F(0), F(0)), F(-1, 5), ">")),
    ("(w1 - w1)*w2 + 3 > b", ((F(0), F(0), F(-1)), F(3), ">")),  # constant factor: linear
    ("w1*2*3 - b*(1/3) >= w2 - w2", ((F(6), F(0), F(-1, 3)), F(0), ">=")),
    ("−w1 · 2 ≥ 0", ((F(-2), F(0), F(0)), F(0), ">=")),  # Unicode minus and dot
])
def test_parses_exact_coefficients(text: str, expected: object) -> None:
    assert coeffs(text) == expected


@pytest.mark.parametrize(("text", "column", "needle"), [
    ("2w1 > 0", 1, "write 2*w1"),
    ("w1*w2 > 0", 3, "non-linear"),
    ("(w1 + 1)*(b - 1) > 0", 9, "non-linear"),
    ("w1/b > 0", 4, "division by a parameter"),
    ("w1/(2 - 2) > 0", 4, "division by zero"),
    ("w3 > 0", 1, "unknown name 'w3'"),
    ("w1 < w2 < b", 9, "second relation"),
    ("w1 == 0", 4, "equalities are not supported"),
    ("w1 = 0", 4, "equalities are not supported"),
    ("w1 =< 0", 4, "unknown relation"),
    ("w1 + b", 7, "no relation"),
    ("w1 > ", 6, "ends too early"),
    ("(w1 > 0", 5, "expected ')'"),
    ("w1 > 0)", 7, "unexpected ')'"),
    ("w1 2 > 0", 4, "unexpected '2'"),
    ("w1 @ 2 > 0", 4, "unexpected character '@'"),
    ("__import__('os') > 0", 12, "unexpected character"),  # tokenized first: never run
    ("__import__ > 0", 1, "unknown name '__import__'"),
    ("", 1, "ends too early"),
])
def test_refuses_with_column(text: str, column: int, needle: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_inequality(text, params=P, line=7, path="spec.yaml", key="claim.because[1]")
    err = info.value
    assert needle in err.message
    assert f"column {column}:" in err.message
    assert (err.path, err.line, err.key) == ("spec.yaml", 7, "claim.because[1]")


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(SpecError, match="nested"):
        parse_inequality("(" * 500 + "w1" + ")" * 500 + " > 0", params=P)
    with pytest.raises(SpecError, match="nested"):
        parse_inequality("-" * 500 + "w1 > 0", params=P)
    with pytest.raises(SpecError, match="longer than"):
        parse_inequality("w1 + " * 5000 + "b > 0", params=P)


def test_parse_linear() -> None:
    assert parse_linear("3*w1 - b/2 + 7", params=P) == ({"w1": F(3), "w2": F(0), "b": F(-1, 2)},
                                                        F(7))
    with pytest.raises(SpecError, match="relation is not allowed"):
        parse_linear("w1 > 0", params=P)
    with pytest.raises(SpecError, match="unexpected 'w2'"):
        parse_linear("w1 w2", params=P)


def test_other_parameter_names() -> None:
    ineq = parse_inequality("a + 2*c >= 1", params=("a", "c"))
    assert ineq.coefficients == {"a": F(1), "c": F(2)}
    with pytest.raises(SpecError, match="unknown name 'w1'"):
        parse_inequality("w1 > 0", params=("a", "c"))


# -- round trip: print a random linear inequality, parse it back ------------------------------

fractions = st.fractions(min_value=-50, max_value=50, max_denominator=20)


def _number(q: Fraction, style: int) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    if style == 0 or q.denominator not in (2, 4, 5, 8, 10, 20):
        return f"({q.numerator}/{q.denominator})"
    return str(q.numerator / q.denominator)  # exact: these denominators are 2^a 5^b


@st.composite
def sides(draw: st.DrawFn) -> tuple[str, dict[str, Fraction], Fraction]:
    terms: list[str] = []
    total = {p: F(0) for p in P}
    const = F(0)
    for _ in range(draw(st.integers(1, 5))):
        q = draw(fractions)
        style = draw(st.integers(0, 2))
        name = draw(st.sampled_from((*P, None)))
        sign = draw(st.sampled_from(["+", "-"]))
        value = q if sign == "+" else -q
        if name is None:
            text = _number(q, style)
            const += value
        else:
            total[name] += value
            text = {0: f"{_number(q, style)}*{name}", 1: f"{name}*{_number(q, style)}",
                    2: f"({name})*{_number(q, style)}"}[style]
        terms.append(f"{sign} {text}" if terms or sign == "-" else text)
    return " ".join(terms), total, const


@settings(deadline=None, max_examples=150)
@given(sides(), sides(), st.sampled_from(["<", "<=", ">", ">=", "≤", "≥"]))
def test_round_trip(lhs: tuple[str, dict[str, Fraction], Fraction],
                    rhs: tuple[str, dict[str, Fraction], Fraction], rel: str) -> None:
    text = f"{lhs[0]} {rel} {rhs[0]}"
    ineq = parse_inequality(text, params=P)
    assert ineq.coefficients == {p: lhs[1][p] - rhs[1][p] for p in P}
    assert ineq.constant == lhs[2] - rhs[2]
    assert ineq.relation == {"≤": "<=", "≥": ">="}.get(rel, rel)
    assert ineq.text == text
