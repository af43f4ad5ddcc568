"""Stage: search (untrusted). Fast exact feasibility of one unit's assigned entries.

The search asks, at every node, whether the entries assigned to one unit (points with
values 0/1) are linearly separable within the weight domain. Most questions repeat: a
subset of an infeasible set is asked again with more entries, or a set some earlier
weights already separate. So each unit keeps

* a pool of exact integer witnesses (homogeneous: scaled to integers, with the
  homogenising ``1`` last when there are bound rows), tested against the points in one
  NumPy product (int64 when small enough, else exact Python ints), and
* the irreducible infeasible cores found so far, as bit masks over the unit's points
  (value-1 points, value-0 points): a set containing a core is infeasible, with that
  core's Motzkin multipliers,

and only solves (exactly, :mod:`verify.models.threshold.table`) when neither answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from verify.models.threshold.table import Key, Unit, UnitSystem, bound_rows, point
from verify.trusted.network import names

_SMALL = 2**24  # |entries| below this: int64 products cannot overflow at these sizes


@dataclass(frozen=True)
class Core:
    """An infeasible set: these entries (with values) and bound rows, with multipliers."""

    entries: tuple[tuple[Key, int], ...]
    multipliers: tuple[Fraction, ...]    # aligned with UnitSystem rows (entries, bounds, 1)
    system: UnitSystem
    m1: int
    m0: int


class UnitOracle:
    def __init__(self, spec: Any, units: int, unit: Unit, deadline: float | None,
                 real: Callable[[Key], Key]) -> None:
        self.real = real
        self.bits: dict[Key, int] = {}
        self.spec, self.k, self.unit, self.deadline = spec, units, unit, deadline
        self.params = tuple(names(spec, units, *unit))
        self.bounds = bound_rows(spec, self.params, {})
        self.strict = spec.step.value == "strict"
        self.points: list[tuple[int, ...]] = []       # integer-scaled, aligned with params
        self.keys: list[Key] = []                      # one entry per point
        self.pool: list[tuple[int, ...]] = []          # witnesses over params (+ "1")
        self.cores: list[Core] = []
        self.z: np.ndarray | None = None               # pool x points products
        self.solves = 0

    def bit(self, key: Key) -> int:
        """The bit of this (proxy) key's point; the oracle speaks real keys otherwise."""
        b = self.bits.get(key)
        if b is None:
            real = self.real(key)
            p = point(real)
            den = math.lcm(*(q.denominator for q in p))
            self.points.append(tuple(int(q * den) for q in p))
            self.keys.append(real)
            self.z = None
            b = self.bits[key] = 1 << (len(self.points) - 1)
        return b

    def fires(self, w: tuple[int, ...], key: Key) -> int:
        z = sum(a * int(b) for a, b in zip(w, self.points[self.bit(key).bit_length() - 1]))
        return int(z > 0) if self.strict else int(z >= 0)

    def _products(self) -> np.ndarray:
        if self.z is None or self.z.shape != (len(self.pool), len(self.points)):
            n = len(self.params)
            big = max((abs(v) for w in self.pool for v in w[:n]), default=0) >= _SMALL or max(
                (abs(v) for p in self.points for v in p), default=0) >= _SMALL
            kind = object if big else np.int64
            pool = np.array([w[:n] for w in self.pool], dtype=kind).reshape(-1, n)
            pts = np.array(self.points, dtype=kind).reshape(-1, n)
            self.z = pool @ pts.T
        return self.z

    def check(self, m1: int, m0: int) -> tuple[tuple[int, ...] | None, Core | None]:
        """(a witness, None) or (None, an infeasible core) for these assigned bits."""
        for core in self.cores:
            if core.m1 & ~m1 == 0 and core.m0 & ~m0 == 0:
                return None, core
        if self.pool:
            z = self._products()
            ones = [i for i in range(len(self.points)) if m1 >> i & 1]
            zeros = [i for i in range(len(self.points)) if m0 >> i & 1]
            ok = np.ones(len(self.pool), dtype=bool)
            if ones:
                ok &= ((z[:, ones] > 0) if self.strict else (z[:, ones] >= 0)).all(axis=1)
            if zeros:
                ok &= ((z[:, zeros] <= 0) if self.strict else (z[:, zeros] < 0)).all(axis=1)
            hit = np.flatnonzero(ok)
            if len(hit):
                return self.pool[int(hit[0])], None
        return self._solve(m1, m0)

    def _solve(self, m1: int, m0: int) -> tuple[tuple[int, ...] | None, Core | None]:
        rows = [(i, 1) for i in range(len(self.keys)) if m1 >> i & 1] + [
            (i, 0) for i in range(len(self.keys)) if m0 >> i & 1]
        entries = tuple((self.keys[i], v) for i, v in rows)
        us = UnitSystem(self.params, entries, self.bounds, self.strict)
        self.solves += 1
        theta, lam = us.solve(self.deadline)
        if theta is not None:
            den = math.lcm(*(v.denominator for v in theta))
            self.pool.append(tuple(int(v * den) for v in theta))
            self.z = None
            return self.pool[-1], None
        assert lam is not None
        c1 = sum(1 << i for (i, v), x in zip(rows, lam) if x and v)
        c0 = sum(1 << i for (i, v), x in zip(rows, lam) if x and not v)
        core = Core(entries, tuple(lam), us, c1, c0)
        self.cores.append(core)
        return None, core
