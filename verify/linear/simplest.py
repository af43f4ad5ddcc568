"""Stage: result. Turn a solver's witness into one with small numbers (untrusted).

Solvers return whatever vertex or model they reach first: ``w1 = 140737488355328/
671771578873`` is as correct as ``w1 = 2`` but useless to a student. Holding the other
parameters fixed, the values one parameter may take form an interval (each row bounds it
from one side), so each parameter in turn is moved to the simplest rational in its
interval: 0 if allowed, else the integer nearest 0, else the fraction of smallest
denominator (Stern–Brocot). Every step keeps every row satisfied, exactly; the result is
scaled to coprime integers (the rows are homogeneous) and re-checked by the checker.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from verify.linear.backends.certificate import is_witness, normalise
from verify.linear.system import LinearSystem

Bound = tuple[Fraction, bool] | None  # (value, closed?) or unbounded


def simplest_witness(system: LinearSystem, theta: tuple[Fraction, ...],
                     *, max_scale_bits: int = 48) -> tuple[Fraction, ...]:
    """A witness with small numbers near ``theta`` (``theta`` itself if it is not one).

    The rows are homogeneous, so ``k * theta`` is a witness for every k > 0, and each
    parameter's interval grows with k: once it is wider than 1 it holds an integer. So
    the coordinate pass runs on ``theta`` scaled to max |entry| = 1 times k = 1, 2, 4, ...,
    and the result with the smallest entries (as coprime integers) wins.
    """
    if not is_witness(system, theta):
        return theta
    small = _small_integer_witness(system)
    if small is not None:
        return small
    top = max((abs(v) for v in theta), default=Fraction(0))
    if top == 0:
        return theta
    best = tuple(normalise(list(theta)))
    for bits in range(max_scale_bits + 1):
        k = Fraction(2**bits) / top
        cand = _coordinate_pass(system, [v * k for v in theta])
        if cand is not None and _height(cand) < _height(best):
            best = cand
        if _height(best) <= 1:
            break
    return best


def _small_integer_witness(system: LinearSystem, *, height: int = 2,
                           max_params: int = 4) -> tuple[Fraction, ...] | None:
    """The first witness among the integer vectors with entries in [-height, height],
    smallest entries first, then fewest non-zeros (a handful of exact checks)."""
    n = len(system.params)
    if n > max_params:
        return None
    grid = range(-height, height + 1)
    vectors = sorted((v for v in itertools.product(grid, repeat=n) if any(v)),
                     key=lambda v: (max(map(abs, v)), sum(1 for x in v if x),
                                    [(abs(x), -x) for x in v]))
    for v in vectors:
        cand = tuple(Fraction(x) for x in v)
        if is_witness(system, cand):
            return cand
    return None


def _coordinate_pass(system: LinearSystem, values: list[Fraction]
                     ) -> tuple[Fraction, ...] | None:
    # each row's value is kept up to date as parameters move, so that finding one
    # parameter's interval costs one pass over the rows, not rows x parameters
    dots = [sum((c * v for c, v in zip(row.coefficients, values)), Fraction(0))
            for row in system.rows]
    for i in reversed(range(len(values))):  # b first: a zero bias reads best
        lo, hi = _interval(system, values, i, dots)
        new = simplest_in(lo, hi)
        if new != values[i]:
            for r, row in enumerate(system.rows):
                if row.coefficients[i]:
                    dots[r] += row.coefficients[i] * (new - values[i])
            values[i] = new
    if not any(values):
        return None
    result = tuple(normalise(values))
    return result if is_witness(system, result) else None


def _height(values: tuple[Fraction, ...]) -> int:
    return max(abs(v.numerator) for v in values)


def _interval(system: LinearSystem, values: list[Fraction], i: int, dots: list[Fraction]
              ) -> tuple[Bound, Bound]:
    """Where parameter i may lie with the others fixed: every row a_i*v + rest REL 0
    (``dots``: each row's value at ``values``)."""
    lo: Bound = None
    hi: Bound = None
    for r, row in enumerate(system.rows):
        a = row.coefficients[i]
        if a == 0:
            continue
        rest = dots[r] - a * values[i]
        edge = -rest / a
        closed = not row.strict
        if a > 0:  # v > edge (or >=)
            if lo is None or edge > lo[0] or (edge == lo[0] and not closed):
                lo = (edge, closed)
        elif hi is None or edge < hi[0] or (edge == hi[0] and not closed):
            hi = (edge, closed)
    return lo, hi


def _inside(v: Fraction, lo: Bound, hi: Bound) -> bool:
    above = lo is None or v > lo[0] or (lo[1] and v == lo[0])
    below = hi is None or v < hi[0] or (hi[1] and v == hi[0])
    return above and below


def _simplicity(q: Fraction) -> tuple[int, int]:
    return q.denominator, abs(q.numerator)


def simplest_in(lo: Bound, hi: Bound) -> Fraction:
    """The simplest rational in a non-empty interval: 0 if allowed, else the one of smallest
    denominator, and among those the smallest in absolute value."""
    zero = Fraction(0)
    if _inside(zero, lo, hi):
        return zero
    if lo is None or lo[0] < 0:  # the interval lies left of 0: mirror it
        assert hi is not None
        return -simplest_in((-hi[0], hi[1]), None if lo is None else (-lo[0], lo[1]))
    a, b = lo[0], None if hi is None else hi[0]
    candidates = [end[0] for end in (lo, hi) if end is not None and end[1]]
    if b is None or a < b:
        candidates.append(_simplest_open(a, b))
    return min(candidates, key=_simplicity)


def _simplest_open(a: Fraction, b: Fraction | None) -> Fraction:
    """Simplest rational in the open interval (a, b), 0 <= a < b (b None: unbounded)."""
    fa = math.floor(a)
    if b is None or fa + 1 < b:
        return Fraction(fa + 1)  # the integer nearest 0 above a
    if a == fa:  # x = fa + 1/y with y > 1/(b - fa): the smallest integer y
        return fa + Fraction(1, math.floor(1 / (b - fa)) + 1)
    # a, b in (fa, fa + 1]: x = fa + 1/y with y in (1/(b - fa), 1/(a - fa))
    return fa + 1 / _simplest_open(1 / (b - fa), 1 / (a - fa))
