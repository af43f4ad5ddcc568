"""Stage: backend (helper). Exact linear algebra over :class:`fractions.Fraction`.

Untrusted like every backend module, but exact: the backends use it to turn a solver's
approximate or partial answer (an unsat core, a float LP vertex) into exact witnesses and
certificates. Matrices are small (a handful of parameters), so plain lists suffice.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd, lcm

Matrix = list[list[Fraction]]


def rref(matrix: Sequence[Sequence[Fraction]], ncols: int) -> tuple[Matrix, list[int]]:
    """Reduced row echelon form and the pivot column of each non-zero row."""
    rows = [list(r) for r in matrix]
    pivots: list[int] = []
    r = 0
    for c in range(ncols):
        pr = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pr is None:
            continue
        rows[r], rows[pr] = rows[pr], rows[r]
        inv = 1 / rows[r][c]
        rows[r] = [v * inv for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
        if r == len(rows):
            break
    return rows[:r], pivots


def null_space(matrix: Sequence[Sequence[Fraction]], ncols: int) -> Matrix:
    """A basis of ``{x : matrix @ x = 0}`` (one vector per free column)."""
    reduced, pivots = rref(matrix, ncols)
    free = [c for c in range(ncols) if c not in set(pivots)]
    basis: Matrix = []
    for f in free:
        x = [Fraction(0)] * ncols
        x[f] = Fraction(1)
        for row, p in zip(reduced, pivots):
            x[p] = -row[f]
        basis.append(x)
    return basis


def solve(matrix: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], ncols: int,
          defaults: Sequence[Fraction]) -> list[Fraction] | None:
    """One solution of ``matrix @ x = rhs`` (free variables take ``defaults``), or None."""
    aug = [list(row) + [b] for row, b in zip(matrix, rhs)]
    reduced, pivots = rref(aug, ncols + 1)
    if pivots and pivots[-1] == ncols:
        return None  # a row 0 = nonzero: inconsistent
    x = list(defaults)
    pivot_set = set(pivots)
    for row, p in zip(reduced, pivots):
        x[p] = row[ncols] - sum((row[c] * x[c] for c in range(ncols)
                                 if c != p and c not in pivot_set and row[c] != 0),
                                Fraction(0))
    return x


def primitive(values: Sequence[Fraction]) -> tuple[tuple[int, ...], Fraction]:
    """``(ints, c)`` with ``ints = c * values`` coprime integers and ``c > 0``.

    An all-zero vector gives ``((0, ...), 1)``.
    """
    den = lcm(*(v.denominator for v in values)) if values else 1
    ints = [int(v * den) for v in values]
    g = gcd(*ints) if ints else 0
    if g == 0:
        return tuple(ints), Fraction(1)
    return tuple(i // g for i in ints), Fraction(den, g)
