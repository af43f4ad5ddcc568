"""Stage: backend (exact, pure stdlib). Phase-1 simplex on the Motzkin alternative.

For thousands of rows Fourier-Motzkin blows up, but the alternative system
``M lambda = e, lambda >= 0`` with ``M = [A^T; strict^T]`` and ``e = (0, ..., 0, 1)``
has only ``len(params) + 1`` rows, so an exact dense tableau is cheap. Phase 1 minimises
the sum of artificial variables:

* optimum 0: the basic ``lambda`` is a certificate (and a vertex: irreducible support);
* optimum > 0: the simplex multipliers ``z`` satisfy ``z . M_j <= 0`` for every column
  and ``z_last > 0``, so ``theta = -z[:n] / z_last`` has ``a_i . theta >= strict_i``:
  an exact witness (Farkas).

Dantzig's rule, switching to Bland's rule during degenerate stretches (no cycling).
"""

from __future__ import annotations

import time
from fractions import Fraction

from verify.linear.backends.fourier_motzkin import OutOfTime
from verify.linear.system import LinearSystem

_DEGENERATE_BEFORE_BLAND = 20


def solve_alternative(system: LinearSystem, *,
                      deadline: float | None = None) -> tuple[str, list[Fraction]]:
    """``("feasible", witness)`` or ``("infeasible", multipliers)``."""
    n, m = len(system.params), len(system.rows)
    height, width = n + 1, m + n + 1  # columns: lambda_0..m-1, artificial_0..n
    tab: list[list[Fraction]] = []
    for k in range(height):
        row = [system.rows[i].coefficients[k] if k < n else
               Fraction(1 if system.rows[i].strict else 0) for i in range(m)]
        row += [Fraction(1 if j == k else 0) for j in range(height)]
        row.append(Fraction(1 if k == n else 0))  # right-hand side e
        tab.append(row)
    basis = [m + k for k in range(height)]
    # reduced costs of phase 1 (cost 1 on artificials); last entry: minus the objective
    cost = [-sum((tab[k][j] for k in range(height)), Fraction(0)) for j in range(m)]
    cost += [Fraction(0)] * height + [-Fraction(1)]
    degenerate = 0
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime
        negative = [j for j in range(width) if cost[j] < 0]
        if not negative:
            break
        if degenerate >= _DEGENERATE_BEFORE_BLAND:
            enter = negative[0]
        else:
            enter = min(negative, key=lambda j: (cost[j], j))
        ratios = [(tab[k][-1] / tab[k][enter], basis[k], k) for k in range(height)
                  if tab[k][enter] > 0]
        if not ratios:  # cannot happen: phase 1 is bounded below by 0
            raise AssertionError("phase-1 simplex reported unbounded")
        ratio, _, leave = min(ratios)
        degenerate = degenerate + 1 if ratio == 0 else 0
        _pivot(tab, cost, leave, enter)
        basis[leave] = enter
    objective = -cost[-1]
    if objective == 0:
        lam = [Fraction(0)] * m
        for k, j in enumerate(basis):
            if j < m:
                lam[j] = tab[k][-1]
        return "infeasible", lam
    # reduced cost of artificial k is 1 - z_k
    z = [1 - cost[m + k] for k in range(height)]
    return "feasible", [-z[k] / z[n] for k in range(n)]


def _pivot(tab: list[list[Fraction]], cost: list[Fraction], r: int, c: int) -> None:
    inv = 1 / tab[r][c]
    pivot_row = [v * inv for v in tab[r]]
    tab[r] = pivot_row
    nonzero = [j for j, v in enumerate(pivot_row) if v]
    for row in (*(tab[k] for k in range(len(tab)) if k != r), cost):
        f = row[c]
        if f:
            for j in nonzero:
                row[j] -= f * pivot_row[j]
