"""Every available backend on the shared named systems (answers re-checked exactly)."""

from __future__ import annotations

import pytest
from backend_cases import CASES, Case, assert_valid

from verify.linear import backends as backend
from verify.linear.system import Status

BACKENDS = backend.names()


def _backend(name: str) -> backend.Backend:
    if name not in backend.available():
        pytest.skip(f"backend {name!r} is not installed")
    return backend.get(name)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_named_system(name: str, case: Case) -> None:
    answer = _backend(name).solve(case.system)
    assert_valid(case.system, answer, case.status, case.max_core)
    assert answer.note


def test_seed_q1b_exact_core_is_b_positive_and_b_nonpositive() -> None:
    case = next(c for c in CASES if c.name == "seed_q1b_s0_0")
    answer = _backend("exact").solve(case.system)
    assert answer.multipliers is not None
    used = [i for i, m in enumerate(answer.multipliers) if m]
    assert used[0] == 0 and used[1] in (4, 5)  # b > 0 (t=1) and -b >= 0 (t=5 or t=6)


@pytest.mark.parametrize("name", BACKENDS)
def test_multipliers_are_coprime_integers(name: str) -> None:
    case = next(c for c in CASES if c.name == "huge_infeasible")
    answer = _backend(name).solve(case.system)
    assert answer.multipliers is not None
    assert all(m.denominator == 1 for m in answer.multipliers)


def test_lp_falls_back_when_float_precision_is_not_enough() -> None:
    case = next(c for c in CASES if c.name == "needs_exact_precision")
    answer = _backend("lp").solve(case.system)
    assert answer.status is Status.FEASIBLE
    assert "fell back" in answer.note


def test_registry_lists_and_rejects() -> None:
    assert "exact" in backend.available()
    assert set(backend.available()) <= set(backend.names())
    with pytest.raises(ValueError, match="known backends: z3, lp, exact"):
        backend.get("cplex")
    assert backend.get("exact").name == "exact"


def test_listing_imports_no_solver() -> None:
    import subprocess
    import sys

    code = ("import sys, verify.linear.backends as b; b.names(); "
            "print(sorted(m for m in ('z3', 'pulp', 'highspy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
