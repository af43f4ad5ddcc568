"""Stage: backend (helper). Exact checks and minimisation of witnesses and certificates.

Not trusted: the result stage and the checker re-check everything independently. These
helpers let each backend vouch for its own answer before returning it, and shrink an
infeasibility certificate to an *irreducible* support (dropping any of its rows leaves a
feasible system), which is what a human reading the report wants to see.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction

from verify.linear.backends.linalg import null_space, primitive
from verify.linear.system import LinearSystem

_ZERO = Fraction(0)


def check_shape(system: LinearSystem) -> None:
    """ValueError unless every row has one coefficient per parameter."""
    n = len(system.params)
    for i, row in enumerate(system.rows):
        if len(row.coefficients) != n:
            raise ValueError(f"row {i} has {len(row.coefficients)} coefficients for {n} "
                             f"parameters {system.params!r}")


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b) if x and y), _ZERO)


def is_witness(system: LinearSystem, witness: Sequence[Fraction] | None) -> bool:
    """Does ``witness`` satisfy every row exactly?"""
    if witness is None or len(witness) != len(system.params):
        return False
    for row in system.rows:
        value = dot(row.coefficients, witness)
        if value < 0 or (row.strict and value == 0):
            return False
    return True


def is_certificate(system: LinearSystem, multipliers: Sequence[Fraction] | None) -> bool:
    """Motzkin: ``lambda >= 0``, ``sum lambda_i a_i = 0``, positive weight on a strict row."""
    if multipliers is None or len(multipliers) != len(system.rows):
        return False
    if any(m < 0 for m in multipliers):
        return False
    if not any(m > 0 and row.strict for m, row in zip(multipliers, system.rows)):
        return False
    for j in range(len(system.params)):
        if sum((m * row.coefficients[j] for m, row in zip(multipliers, system.rows) if m),
               _ZERO) != 0:
            return False
    return True


def _columns(system: LinearSystem, support: Sequence[int]) -> list[list[Fraction]]:
    """The matrix ``M_S``: one column ``(a_i, [strict_i])`` per supported row."""
    n = len(system.params)
    rows = [[system.rows[i].coefficients[j] for i in support] for j in range(n)]
    rows.append([Fraction(1 if system.rows[i].strict else 0) for i in support])
    return rows


def normalise(values: Sequence[Fraction]) -> tuple[Fraction, ...]:
    """Scale to coprime integers. The systems are homogeneous, so a positive multiple of a
    witness is a witness and a positive multiple of a certificate is a certificate."""
    ints, _ = primitive(values)
    return tuple(Fraction(i) for i in ints)


def minimise_certificate(system: LinearSystem,
                         multipliers: Sequence[Fraction]) -> tuple[Fraction, ...]:
    """A certificate whose support is irreducible, derived from a valid one.

    Moves to a vertex of ``{lambda >= 0 : A^T lambda = 0, sum_strict lambda = w}``: while
    the supported columns ``(a_i, strict_i)`` are linearly dependent, step along a null
    direction until a coordinate reaches zero. At a vertex no certificate has a smaller
    support (two distinct ones would give a dependence), so the support is irreducible.
    Raises ValueError if ``multipliers`` is not a certificate for ``system``.
    """
    if not is_certificate(system, multipliers):
        raise ValueError("multipliers are not a Motzkin certificate for this system")
    lam = list(multipliers)
    while True:
        support = [i for i, m in enumerate(lam) if m != 0]
        basis = null_space(_columns(system, support), len(support))
        if not basis:
            break
        d = basis[0]
        if all(v >= 0 for v in d):
            d = [-v for v in d]
        step = min(lam[i] / -v for i, v in zip(support, d) if v < 0)
        for i, v in zip(support, d):
            lam[i] += step * v  # exact: the arg-min coordinates become exactly 0
    result = normalise(lam)
    if not is_certificate(system, result):  # an invariant of the construction
        raise AssertionError("certificate minimisation broke the certificate")
    return result


def certificate_on_support(system: LinearSystem, support: Sequence[int], *,
                           deadline: float | None = None) -> tuple[Fraction, ...] | None:
    """Exact multipliers using only the rows in ``support``, or None if those rows are
    feasible. Uses the null space when it is one-dimensional (an irreducible core),
    otherwise solves the restricted system with the exact backend, within what is left
    before ``deadline`` (a :func:`time.monotonic` value): None when it runs out."""
    support = sorted(set(support))
    if not support:
        return None
    cols = [[system.rows[i].coefficients[j] for i in support]
            for j in range(len(system.params))]
    basis = null_space(cols, len(support))
    lam: list[Fraction] | None = None
    if len(basis) == 1:
        v = basis[0]
        strict_weight = sum((x for x, i in zip(v, support) if system.rows[i].strict), _ZERO)
        if strict_weight < 0:
            v = [-x for x in v]
        if strict_weight != 0 and all(x >= 0 for x in v):
            lam = [_ZERO] * len(system.rows)
            for x, i in zip(v, support):
                lam[i] = x
    if lam is None:
        from verify.linear.backends.exact_backend import solve_exact  # cycle: exact uses us
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return None
        sub = LinearSystem(system.params, tuple(system.rows[i] for i in support))
        answer = solve_exact(sub, timeout=left)
        if answer.multipliers is None:
            return None
        lam = [_ZERO] * len(system.rows)
        for x, i in zip(answer.multipliers, support):
            lam[i] = x
    if not is_certificate(system, lam):
        return None
    return minimise_certificate(system, lam)
