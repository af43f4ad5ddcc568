"""The exact pieces: certificate minimisation, the simplex path, timeouts."""

from __future__ import annotations

import random
import time
from fractions import Fraction

import pytest
from backend_cases import CASES, Case, assert_valid, certificate_ok, irreducible, support, system

from verify.linear import backends as backend
from verify.linear.backends import exact_backend
from verify.linear.backends.certificate import certificate_on_support, minimise_certificate
from verify.linear.backends.fourier_motzkin import TooLarge, eliminate
from verify.linear.system import LinearSystem, Row, Status


def _random_system(seed: int, n: int, m: int) -> LinearSystem:
    rng = random.Random(seed)
    rows = tuple(Row(tuple(Fraction(rng.randint(-50, 50), rng.randint(1, 9)) for _ in range(n)),
                     rng.random() < 0.5) for _ in range(m))
    return LinearSystem(tuple(f"p{j}" for j in range(n)), rows)


def test_minimise_reduces_a_sum_of_two_certificates() -> None:
    # x > 0 & -x >= 0 is one certificate, y > 0 & -y >= 0 another; their sum has 4 rows
    s = system(("x", "y"), [(( 1, 0), True), ((-1, 0), False), ((0, 1), True),
                            ((0, -1), False)])
    lam = (Fraction(1), Fraction(1), Fraction(2), Fraction(2))
    assert certificate_ok(s, lam)
    small = minimise_certificate(s, lam)
    assert certificate_ok(s, small)
    assert len(support(small)) == 2 and irreducible(s, small)


def test_certificate_on_support_respects_the_deadline() -> None:
    """A reducible support needs a search (the exact backend on the restricted rows); once
    the caller's deadline has passed that search is not started: no certificate (the
    backend then answers UNKNOWN) rather than running past its timeout."""
    s = system(("x", "y"), [(( 1, 0), True), ((-1, 0), False), ((0, 1), True),
                            ((0, -1), False)])
    rows = [0, 1, 2, 3]  # a two-dimensional null space: not one certificate but many
    found = certificate_on_support(s, rows)
    assert found is not None and certificate_ok(s, found) and irreducible(s, found)
    assert certificate_on_support(s, rows, deadline=time.monotonic() + 60) == found
    assert certificate_on_support(s, rows, deadline=time.monotonic() - 1) is None


def test_minimise_rejects_a_non_certificate() -> None:
    s = system(("x",), [((1,), True), ((-1,), False)])
    with pytest.raises(ValueError, match="not a Motzkin certificate"):
        minimise_certificate(s, (Fraction(1), Fraction(2)))
    with pytest.raises(ValueError):
        minimise_certificate(s, (Fraction(-1), Fraction(-1)))


@pytest.mark.parametrize("method", ["fourier-motzkin", "simplex"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_both_exact_methods_on_named_systems(case: Case, method: str) -> None:
    answer = exact_backend.solve_exact(case.system, method=method)
    assert_valid(case.system, answer, case.status, case.max_core)
    if any(r.strict for r in case.system.rows):
        assert answer.note == f"exact: {'simplex' if method == 'simplex' else 'Fourier-Motzkin'}"


def test_exact_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="method='gauss'"):
        exact_backend.solve_exact(CASES[0].system, method="gauss")


def test_fourier_motzkin_reports_blow_up() -> None:
    with pytest.raises(TooLarge):
        eliminate(_random_system(1, 3, 200), max_rows=10)


@pytest.mark.parametrize("name", ["exact", "z3", "lp"])
def test_thousands_of_rows(name: str) -> None:
    if name != "exact":
        pytest.importorskip({"z3": "z3", "lp": "pulp"}[name])
    # feasible by construction: every row is positive at theta = (1, 2, 3)
    rng = random.Random(5)
    rows = []
    for _ in range(2000):
        a = [Fraction(rng.randint(-40, 40), rng.randint(1, 5)) for _ in range(3)]
        value = a[0] + 2 * a[1] + 3 * a[2]
        if value < 0:
            a = [-x for x in a]
        rows.append(Row(tuple(a), value != 0))
    s = LinearSystem(("w1", "w2", "b"), tuple(rows))
    assert_valid(s, backend.get(name).solve(s), Status.FEASIBLE)
    infeasible = LinearSystem(s.params, s.rows + (Row((Fraction(-1), Fraction(-2),
                                                         Fraction(-3)), False),))
    assert_valid(infeasible, backend.get(name).solve(infeasible), Status.INFEASIBLE)


def test_z3_timeout_is_unknown() -> None:
    pytest.importorskip("z3")
    hard = _random_system(7, 12, 300)  # z3 needs seconds for this one
    answer = backend.get("z3").solve(hard, timeout=0.001)
    assert answer.status is Status.UNKNOWN
    assert answer.witness is None and answer.multipliers is None
    assert "unknown" in answer.note


def test_lp_timeout_is_unknown() -> None:
    pytest.importorskip("pulp")
    hard = _random_system(7, 20, 3000)
    answer = backend.get("lp").solve(hard, timeout=0.001)
    assert answer.status is Status.UNKNOWN, answer.note
    assert answer.witness is None and answer.multipliers is None


def test_exact_timeout_is_unknown() -> None:
    answer = backend.get("exact").solve(_random_system(7, 3, 3000), timeout=0.001)
    assert answer.status is Status.UNKNOWN
    assert "timeout" in answer.note


@pytest.mark.parametrize("name", ["exact", "z3", "lp"])
def test_malformed_row_is_a_value_error(name: str) -> None:
    if name != "exact":
        pytest.importorskip({"z3": "z3", "lp": "pulp"}[name])
    bad = LinearSystem(("w1", "w2"), (Row((Fraction(1),), True),))
    with pytest.raises(ValueError, match="row 0 has 1 coefficients for 2 parameters"):
        backend.get(name).solve(bad)
