"""Stage: backend (untrusted). A float LP through PuLP (HiGHS via highspy, else CBC).

The float answer is only a hint. Rows and columns are scaled by powers of two (exact in
both float and Fraction) so that 10**400 and 10**-30 fit in float64. A feasible LP point
is rationalised (small denominators first, then by solving its active rows exactly) and
re-checked exactly; an infeasible LP is answered by a second LP over the Motzkin
alternative whose support is re-solved exactly. Whenever the exact re-check fails the
exact backend answers instead, and the note says so. A solver time limit gives UNKNOWN.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.linear.backends.certificate import (
    certificate_on_support,
    check_shape,
    is_witness,
    normalise,
)
from verify.linear.backends.exact_backend import fall_back_to_exact
from verify.linear.backends.linalg import solve
from verify.linear.system import BackendAnswer, LinearSystem, Status

_DENOMINATORS = (1, 10, 1000, 10**6)
_ACTIVE_TOL = 1e-7
_SUPPORT_TOLS = (1e-9, 1e-6)


def _power_of_two_near_inverse(q: Fraction) -> Fraction:
    """``2**-e`` with ``2**e`` within a factor 2 of ``|q|`` (q nonzero)."""
    e = abs(q.numerator).bit_length() - q.denominator.bit_length()
    return Fraction(1, 2**e) if e >= 0 else Fraction(2**-e)


@dataclass(frozen=True)
class _Scaled:
    """``exact[i][j] = a_ij * col[j] * row[i]``; ``floats`` its float64 rounding."""

    col: tuple[Fraction, ...]
    exact: tuple[tuple[Fraction, ...], ...]
    floats: tuple[tuple[float, ...], ...]

    @classmethod
    def of(cls, system: LinearSystem) -> _Scaled:
        n = len(system.params)
        col = []
        for j in range(n):
            biggest = max((abs(r.coefficients[j]) for r in system.rows), default=Fraction(0))
            col.append(_power_of_two_near_inverse(biggest) if biggest else Fraction(1))
        exact = []
        for r in system.rows:
            a = [c * s for c, s in zip(r.coefficients, col)]
            biggest = max((abs(v) for v in a), default=Fraction(0))
            scale = _power_of_two_near_inverse(biggest) if biggest else Fraction(1)
            exact.append(tuple(v * scale for v in a))
        floats = tuple(tuple(float(v) for v in row) for row in exact)
        return cls(tuple(col), tuple(exact), floats)

    def unscale(self, theta: Sequence[Fraction]) -> tuple[Fraction, ...]:
        return tuple(t * c for t, c in zip(theta, self.col))


@functools.cache
def _highs_usable() -> bool:
    """Is highspy importable? Also swallows HiGHS's once-per-process banner.

    HiGHS prints its banner on the C-level stdout at the first ``Highs()`` of the
    process, before PuLP can switch logging off; it would corrupt ``--format json``.
    So the first instance is made here with file descriptor 1 pointed at /dev/null.
    """
    try:
        import highspy
    except ImportError:
        return False
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return True


def _solver(pulp: Any, seconds: float | None) -> Any:
    if _highs_usable():  # the highspy binding: no subprocess, no temporary files
        return pulp.HiGHS(msg=False, timeLimit=seconds)
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=seconds)


def _run(pulp: Any, problem: Any, seconds: float | None) -> str:
    """'optimal', 'infeasible', 'timeout' or 'other:<status>'."""
    problem.solve(_solver(pulp, seconds))
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        return "optimal"
    if problem.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if seconds is not None and problem.sol_status != pulp.LpSolutionOptimal:
        model = getattr(problem, "solverModel", None)
        if model is None or "TimeLimit" in str(model.getModelStatus()):
            return "timeout"
    return f"other:{pulp.LpStatus[problem.status]}"


class LPBackend:
    name = "lp"

    def solve(self, system: LinearSystem, *, timeout: float | None = None) -> BackendAnswer:
        import pulp

        check_shape(system)
        n = len(system.params)
        if not any(row.strict for row in system.rows):
            return BackendAnswer(Status.FEASIBLE, witness=(Fraction(0),) * n,
                                 note="lp: no strict row, theta = 0")
        for i, row in enumerate(system.rows):
            if row.strict and not any(row.coefficients):
                lam = tuple(Fraction(1 if k == i else 0) for k in range(len(system.rows)))
                return BackendAnswer(Status.INFEASIBLE, multipliers=lam,
                                     note="lp: row 0 > 0")
        deadline = None if timeout is None else time.monotonic() + timeout
        scaled = _Scaled.of(system)
        used = [i for i, r in enumerate(scaled.floats) if any(r)]

        primal = pulp.LpProblem("feasibility", pulp.LpMinimize)
        theta = [_variable(pulp, primal, f"t{j}", None) for j in range(n)]
        primal += pulp.lpSum([])
        for i in used:  # LpAffineExpression from pairs: lpSum is slow on big systems
            expr = pulp.LpAffineExpression([(t, c) for c, t in zip(scaled.floats[i], theta) if c])
            primal += pulp.LpConstraint(expr, pulp.LpConstraintGE,
                                        rhs=1 if system.rows[i].strict else 0)
        outcome = _run(pulp, primal, _left(deadline))
        if outcome == "timeout":
            return BackendAnswer(Status.UNKNOWN, note=f"lp: time limit {timeout} s reached")
        if outcome == "optimal":
            x = [float(t.varValue or 0.0) for t in theta]
            witness = _rationalise(system, scaled, x)
            if witness is not None:
                return BackendAnswer(Status.FEASIBLE, witness=normalise(witness),
                                     note="lp: feasible")
            return fall_back_to_exact(system, deadline, "lp point failed the exact re-check")
        if outcome != "infeasible":
            return fall_back_to_exact(system, deadline, f"lp status {outcome}")

        dual = pulp.LpProblem("alternative", pulp.LpMinimize)
        lam_vars = [_variable(pulp, dual, f"l{i}", 0) for i in used]
        dual += pulp.LpAffineExpression([(v, 1) for v in lam_vars])
        for j in range(n):
            expr = pulp.LpAffineExpression([(v, scaled.floats[i][j])
                                            for i, v in zip(used, lam_vars) if scaled.floats[i][j]])
            dual += pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=0)
        strict = [(v, 1) for i, v in zip(used, lam_vars) if system.rows[i].strict]
        dual += pulp.LpConstraint(pulp.LpAffineExpression(strict), pulp.LpConstraintEQ, rhs=1)
        outcome = _run(pulp, dual, _left(deadline))
        if outcome == "timeout":
            return BackendAnswer(Status.UNKNOWN, note=f"lp: time limit {timeout} s reached")
        if outcome == "optimal":
            values = [float(v.varValue or 0.0) for v in lam_vars]
            for tol in _SUPPORT_TOLS:
                support = [i for i, v in zip(used, values) if v > tol]
                multipliers = certificate_on_support(system, support, deadline=deadline)
                if multipliers is not None:
                    return BackendAnswer(Status.INFEASIBLE, multipliers=multipliers,
                                         note=f"lp: infeasible, certificate on "
                                              f"{sum(m != 0 for m in multipliers)} rows")
        return fall_back_to_exact(system, deadline,
                                  f"lp alternative gave no exact certificate ({outcome})")


def _variable(pulp: Any, problem: Any, name: str, low: float | None) -> Any:
    add = getattr(problem, "add_variable", None)  # PuLP >= 3.3; LpVariable(...) deprecated
    if add is not None:
        return add(name, lowBound=low)
    return pulp.LpVariable(name, lowBound=low)


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.001, deadline - time.monotonic())


def _rationalise(system: LinearSystem, scaled: _Scaled,
                 x: list[float]) -> tuple[Fraction, ...] | None:
    """An exact witness near the float point ``x`` (of the scaled LP), or None."""
    tries: list[list[Fraction]] = [[Fraction(v).limit_denominator(d) for v in x]
                                   for d in _DENOMINATORS]
    active = [i for i, row in enumerate(scaled.floats)
              if abs(sum(c * v for c, v in zip(row, x))
                     - (1 if system.rows[i].strict else 0)) <= _ACTIVE_TOL]
    if active:
        rhs = [Fraction(1 if system.rows[i].strict else 0) for i in active]
        snapped = solve([scaled.exact[i] for i in active], rhs, len(x), tries[-1])
        if snapped is not None:
            tries.append(snapped)
    tries.append([Fraction(v) for v in x])
    for theta in tries:
        witness = scaled.unscale(theta)
        if is_witness(system, witness):
            return witness
    return None

