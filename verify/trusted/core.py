"""Stage: checker. TRUSTED. The exact primitives every check shares.

The step function, the row a step requires, Motzkin/Farkas sums and claimed inequalities,
all in :class:`fractions.Fraction`. Rows are written ``a . theta + c  REL  0`` with REL
``>`` or ``>=``. A unit whose value is v at a step whose (unsigned) point is
``(x_t, s_(t-1), 1)`` requires ``sign * point . theta REL 0`` with sign = +1 for v = 1,
-1 for v = 0; the relation is strict iff (v = 1) equals (the step is strict).
Imports nothing but the standard library and ``verify.input``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from verify.input.exact import show

Coeffs = tuple[Fraction, ...]
Inequality = Any  # verify.input.ineq.Inequality, read through its attributes


class CheckFailure(Exception):
    """The thing checked is wrong; ``str()`` says exactly why."""


def is_strict(spec: Any) -> bool:
    return bool(spec.step.value == "strict")


def step(z: Fraction, strict: bool) -> int:
    return int(z > 0) if strict else int(z >= 0)


def signed_row(point: Sequence[Fraction | int], value: int,
               strict_step: bool) -> tuple[Coeffs, bool]:
    """The row a unit's ``value`` at this ``point`` requires: (coefficients, strict)."""
    sign = 1 if value == 1 else -1
    return tuple(Fraction(sign * p) for p in point), (value == 1) == strict_step


def check_motzkin(rows: Sequence[tuple[Coeffs, Fraction, bool]],
                  multipliers: Sequence[Fraction], *, irreducible: bool = True) -> None:
    """Check that ``sum lam_i (a_i . theta + c_i)`` proves ``0 > 0`` or ``0 >= c > 0``.

    With ``irreducible`` also check that no row can be dropped: every multiplier is
    positive and the rows' coefficient vectors have rank len(rows) - 1, so the only
    combinations summing to zero are multiples of this one.
    """
    if len(rows) != len(multipliers) or not rows:
        raise CheckFailure("a certificate needs one multiplier per row, and some rows")
    for i, lam in enumerate(multipliers):
        if lam < 0:
            raise CheckFailure(f"row {i + 1}: multiplier {show(lam)} is negative")
    n = len(rows[0][0])
    for j in range(n):
        total = sum((lam * r[0][j] for lam, r in zip(multipliers, rows)), Fraction(0))
        if total != 0:
            raise CheckFailure(f"the weighted rows do not cancel: coefficient {j + 1} "
                               f"sums to {show(total)}")
    const = sum((lam * r[1] for lam, r in zip(multipliers, rows)), Fraction(0))
    strict_used = any(lam > 0 and r[2] for lam, r in zip(multipliers, rows))
    if not (const < 0 or (const == 0 and strict_used)):
        raise CheckFailure("the sum is not a contradiction: no strict row has a positive "
                           "multiplier" if const == 0 else "the constants sum to a positive "
                           "number")
    if irreducible:
        if any(lam == 0 for lam in multipliers):
            raise CheckFailure("a row with multiplier 0 is not needed: the set is reducible")
        if _rank([r[0] for r in rows]) != len(rows) - 1:
            raise CheckFailure("the rows are reducible: a proper subset is already "
                               "contradictory")


def _rank(vectors: Sequence[Coeffs]) -> int:
    m = [list(v) for v in vectors]
    rank = 0
    cols = len(m[0]) if m else 0
    for c in range(cols):
        piv = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * p for a, p in zip(m[i], m[rank])]
        rank += 1
    return rank


# -- claimed inequalities ------------------------------------------------------------------

def canonical(ineq: Inequality, params: Sequence[str]) -> tuple[Coeffs, Fraction, bool]:
    """``lhs REL 0`` turned into ``a . theta + c  (> | >=)  0``."""
    sign = 1 if ineq.relation in (">", ">=") else -1
    coeffs = tuple(sign * Fraction(ineq.coefficients.get(p, 0)) for p in params)
    return coeffs, sign * Fraction(ineq.constant), ineq.relation in (">", "<")


def satisfies_all(rows: Sequence[tuple[Coeffs, Fraction, bool]],
                  point: Sequence[Fraction]) -> bool:
    for coeffs, const, strict in rows:
        v = sum((a * x for a, x in zip(coeffs, point)), Fraction(0)) + const
        if not (v > 0 if strict else v >= 0):
            return False
    return True
