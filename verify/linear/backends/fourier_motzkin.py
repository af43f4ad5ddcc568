"""Stage: backend (exact, pure stdlib). Fourier-Motzkin elimination with provenance.

Every derived row carries its multiplier vector over the original rows, so a derived
``0 > 0`` row *is* a Motzkin certificate. If no such row appears, back-substitution
through the stored elimination stages gives an exact witness (values chosen strictly
inside the bounds, preferring small integers). Rows are kept as coprime integer vectors
and deduplicated up to positive scaling, which keeps the small systems of this project
small; :class:`TooLarge` is raised when a stage would exceed ``max_rows`` so that the
caller can switch to the exact simplex.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

from verify.linear.backends.linalg import primitive
from verify.linear.system import LinearSystem

Multipliers = dict[int, Fraction]


class TooLarge(Exception):
    """Elimination would create more rows than allowed."""


class OutOfTime(Exception):
    """The deadline passed during elimination."""


@dataclass(frozen=True)
class _Row:
    coef: tuple[int, ...]
    strict: bool
    mult: Multipliers


def _better(new: _Row, old: _Row) -> bool:
    # A strict row implies its non-strict duplicate; a smaller history reads better.
    if new.strict != old.strict:
        return new.strict
    return len(new.mult) < len(old.mult)


def _combine(p: _Row, n: _Row, k: int) -> tuple[tuple[int, ...], Multipliers]:
    cp, cn = -n.coef[k], p.coef[k]  # both positive
    ints = [cp * x + cn * y for x, y in zip(p.coef, n.coef)]
    g = math.gcd(*ints) or 1
    mult: Multipliers = {}
    for i, m in p.mult.items():
        mult[i] = mult.get(i, Fraction(0)) + m * Fraction(cp, g)
    for i, m in n.mult.items():
        mult[i] = mult.get(i, Fraction(0)) + m * Fraction(cn, g)
    return tuple(x // g for x in ints), mult


def _pick(lower: Fraction | None, lstrict: bool, upper: Fraction | None,
          ustrict: bool) -> Fraction:
    """A value inside the bounds, the integer nearest 0 if one fits, else the midpoint."""
    def allowed(x: Fraction) -> bool:
        if lower is not None and (x < lower or (lstrict and x == lower)):
            return False
        return not (upper is not None and (x > upper or (ustrict and x == upper)))

    candidates = [Fraction(0)]
    if lower is not None:
        candidates.append(Fraction(math.floor(lower) + 1))
        candidates.append(Fraction(math.ceil(lower)))
    if upper is not None:
        candidates.append(Fraction(math.ceil(upper) - 1))
        candidates.append(Fraction(math.floor(upper)))
    fits = [c for c in candidates if allowed(c)]
    if fits:
        return min(fits, key=lambda c: (abs(c), c < 0))
    assert lower is not None and upper is not None
    mid = (lower + upper) / 2
    if not allowed(mid):
        raise AssertionError("Fourier-Motzkin back-substitution found an empty interval")
    return mid


def _initial_rows(system: LinearSystem) -> tuple[list[_Row], Multipliers | None]:
    rows: dict[tuple[int, ...], _Row] = {}
    for i, row in enumerate(system.rows):
        ints, scale = primitive(row.coefficients)
        if not any(ints):
            if row.strict:
                return [], {i: Fraction(1)}
            continue
        new = _Row(ints, row.strict, {i: scale})
        old = rows.get(ints)
        if old is None or _better(new, old):
            rows[ints] = new
    return list(rows.values()), None


def eliminate(system: LinearSystem, *, max_rows: int | None = 20_000,
              deadline: float | None = None) -> tuple[str, list[Fraction]]:
    """``("feasible", witness)`` or ``("infeasible", multipliers)`` (dense, unminimised)."""
    nvars, nrows = len(system.params), len(system.rows)
    rows, contradiction = _initial_rows(system)
    stages: list[tuple[int, list[_Row]]] = []
    while contradiction is None:
        live = {k for r in rows for k, c in enumerate(r.coef) if c}
        if not live:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime
        counts = {k: (sum(r.coef[k] > 0 for r in rows), sum(r.coef[k] < 0 for r in rows))
                  for k in live}
        k = min(sorted(live), key=lambda v: counts[v][0] * counts[v][1] - sum(counts[v]))
        pos, neg = counts[k]
        if max_rows is not None and pos * neg > max_rows:
            raise TooLarge(f"eliminating {system.params[k]} would create {pos * neg} rows")
        involved = [r for r in rows if r.coef[k]]
        stages.append((k, involved))
        kept: dict[tuple[int, ...], _Row] = {r.coef: r for r in rows if not r.coef[k]}
        for p in (r for r in involved if r.coef[k] > 0):
            for n in (r for r in involved if r.coef[k] < 0):
                coef, mult = _combine(p, n, k)
                strict = p.strict or n.strict
                if not any(coef):
                    if strict:
                        contradiction = mult
                        break
                    continue
                new = _Row(coef, strict, mult)
                old = kept.get(coef)
                if old is None or _better(new, old):
                    kept[coef] = new
            if contradiction is not None:
                break
        rows = list(kept.values())
    if contradiction is not None:
        lam = [Fraction(0)] * nrows
        for i, m in contradiction.items():
            lam[i] = m
        return "infeasible", lam
    return "feasible", _back_substitute(nvars, stages)


def _back_substitute(nvars: int, stages: list[tuple[int, list[_Row]]]) -> list[Fraction]:
    x = [Fraction(0)] * nvars
    for k, involved in reversed(stages):
        lower: Fraction | None = None
        upper: Fraction | None = None
        lstrict = ustrict = False
        for r in involved:
            rest = sum((c * x[j] for j, c in enumerate(r.coef) if j != k and c), Fraction(0))
            bound = -rest / r.coef[k]
            if r.coef[k] > 0:
                if lower is None or bound > lower:
                    lower, lstrict = bound, r.strict
                elif bound == lower:
                    lstrict = lstrict or r.strict
            else:
                if upper is None or bound < upper:
                    upper, ustrict = bound, r.strict
                elif bound == upper:
                    ustrict = ustrict or r.strict
        x[k] = _pick(lower, lstrict, upper, ustrict)
    return x
