"""Property tests: all available backends agree, and every answer checks out exactly."""

from __future__ import annotations

from fractions import Fraction

from backend_cases import assert_valid, certificate_ok, witness_ok
from hypothesis import event, given, settings
from hypothesis import strategies as st

from verify.linear import backends as backend
from verify.linear.backends.fourier_motzkin import eliminate
from verify.linear.backends.simplex import solve_alternative
from verify.linear.system import LinearSystem, Row, Status

INSTALLED = backend.available()


@st.composite
def systems(draw: st.DrawFn, coefficient: st.SearchStrategy[Fraction]) -> LinearSystem:
    n = draw(st.integers(1, 3))
    m = draw(st.integers(0, 7))
    rows = tuple(Row(tuple(draw(coefficient) for _ in range(n)), draw(st.booleans()))
                 for _ in range(m))
    return LinearSystem(tuple(f"p{j}" for j in range(n)), rows)


small_ints = st.integers(-3, 3).map(Fraction)
wide = st.builds(lambda k, e: Fraction(k) * Fraction(10) ** e,
                 st.integers(-5, 5), st.integers(-40, 40))


def _all_agree(system: LinearSystem) -> None:
    statuses = set()
    for name in INSTALLED:
        answer = backend.get(name).solve(system)
        assert answer.status is not Status.UNKNOWN, (name, answer)
        assert_valid(system, answer)
        statuses.add(answer.status)
    assert len(statuses) == 1, statuses
    event(statuses.pop().value)


@settings(deadline=None, max_examples=150)
@given(systems(small_ints))
def test_backends_agree_on_small_integer_systems(system: LinearSystem) -> None:
    _all_agree(system)


@settings(deadline=None, max_examples=60)
@given(systems(wide))
def test_backends_agree_on_wide_magnitudes(system: LinearSystem) -> None:
    _all_agree(system)


@settings(deadline=None, max_examples=150)
@given(systems(small_ints))
def test_fourier_motzkin_and_simplex_agree(system: LinearSystem) -> None:
    if not any(r.strict for r in system.rows):
        return  # the simplex is only called when some row is strict
    fm_kind, fm_values = eliminate(system)
    sx_kind, sx_values = solve_alternative(system)
    assert fm_kind == sx_kind
    for kind, values in ((fm_kind, fm_values), (sx_kind, sx_values)):
        if kind == "feasible":
            assert witness_ok(system, values)
        else:
            assert certificate_ok(system, values)
