"""Stage: search (untrusted). One unit's linear system over a partial transition table.

A state unit i that must take value v at the point (x, sigma) needs
``sign * (x, sigma, 1) . (W[i], U[i], b[i])  REL  0`` (sign +1 for v = 1, -1 for v = 0;
strict iff (v = 1) == (step is strict)); a readout unit o at state s likewise over
``(s, 1) . (V[o], c[o])``. Weight domains, fixed entries and integer branches add bound
rows ``p >= lo`` / ``p <= hi``; those carry constants, so such a system gets a
homogenising parameter ``1`` with the row ``1 > 0`` (never printed: check_motzkin reads
its multiplier as the negative constant sum). Answers are exact; infeasible systems come
with the Motzkin multipliers per row, turned into a verify-certificate/2 leaf.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.linear.backends.exact_backend import solve_exact
from verify.linear.simplest import simplest_witness
from verify.linear.system import LinearSystem, Row, Status
from verify.trusted.network import names

Key = tuple[Any, ...]
Unit = tuple[str, int]                      # ("state", i) or ("readout", o)
BoundRow = tuple[str, str, Fraction]        # (weight, ">=" | "<=", value)
Bounds = dict[str, tuple[Fraction | None, Fraction | None]]


class OutOfTime(Exception):
    """The deadline passed inside a linear solve."""


def unit_of(key: Key) -> Unit | None:
    return None if key[0] == "s0" else (key[0], key[1])


def point(key: Key) -> tuple[Fraction, ...]:
    """The unit's input at this entry, aligned with its weights (last: the bias)."""
    if key[0] == "state":
        return tuple(key[2]) + tuple(Fraction(v) for v in key[3]) + (Fraction(1),)
    return tuple(Fraction(v) for v in key[2]) + (Fraction(1),)


def entry_json(key: Key) -> dict[str, Any]:
    """The printed ENTRY of a table key (the inverse of trusted.network._key)."""
    if key[0] == "s0":
        return {"s0": {"sequence": key[1], "unit": key[2]}}
    unit = {"kind": key[0], "index": key[1]}
    if key[0] == "state":
        return {"unit": unit, "input": [str(v) for v in key[2]],
                "previous": list(key[3])}
    return {"unit": unit, "state": list(key[2])}


def fmt(q: Fraction) -> str:
    return str(q)


@dataclass(frozen=True)
class UnitSystem:
    """The rows one unit needs on one branch."""

    params: tuple[str, ...]
    entries: tuple[tuple[Key, int], ...]
    bounds: tuple[BoundRow, ...]
    strict_step: bool

    @property
    def homogeneous(self) -> bool:
        return not self.bounds

    def system(self) -> LinearSystem:
        rows = [self._entry_row(key, v) for key, v in self.entries]
        n = len(self.params)
        for name, rel, value in self.bounds:
            sign = 1 if rel == ">=" else -1
            coeffs = [Fraction(0)] * (n + 1)
            coeffs[self.params.index(name)] = Fraction(sign)
            coeffs[n] = -sign * value
            rows.append(Row(tuple(coeffs), False))
        if self.bounds:
            rows.append(Row((Fraction(0),) * n + (Fraction(1),), True))
        return LinearSystem(self.params + (("1",) if self.bounds else ()), tuple(rows))

    def _entry_row(self, key: Key, v: int) -> Row:
        sign = 1 if v == 1 else -1
        coeffs = tuple(sign * p for p in point(key)) + (() if self.homogeneous else
                                                          (Fraction(0),))
        return Row(coeffs, (v == 1) == self.strict_step)

    def weights(self, theta: tuple[Fraction, ...]) -> dict[str, Fraction]:
        """A witness of :meth:`system` as the unit's weights (dividing out ``1``)."""
        if self.homogeneous:
            return dict(zip(self.params, theta))
        return {p: v / theta[-1] for p, v in zip(self.params, theta)}

    def solve(self, deadline: float | None, *, simplest: bool = False
              ) -> tuple[tuple[Fraction, ...] | None, tuple[Fraction, ...] | None]:
        """(theta, None) if feasible (homogeneous: :meth:`weights` reads it), (None,
        multipliers per row) if not."""
        system = self.system()
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise OutOfTime
        answer = solve_exact(system, timeout=left)
        if answer.status is Status.UNKNOWN:
            raise OutOfTime
        if answer.status is Status.FEASIBLE:
            theta = answer.witness
            assert theta is not None
            if simplest:
                theta = simplest_witness(system, theta, max_scale_bits=8)
            return theta, None
        return None, answer.multipliers

    def leaf(self, unit: Unit, multipliers: tuple[Fraction, ...],
             seen: dict[Key, tuple[int, int]]) -> dict[str, Any]:
        """The Motzkin leaf citing (sequence, t) where each entry was first used."""
        rows: list[dict[str, Any]] = []
        ref = {"kind": unit[0], "index": unit[1]}
        for (key, v), lam in zip(self.entries, multipliers):
            if lam == 0:
                continue
            sign = 1 if v == 1 else -1
            j, t = seen[key]
            rows.append({"sequence": j, "t": t, "unit": ref, "coefficients": {
                p: fmt(sign * c) for p, c in zip(self.params, point(key)) if c},
                "relation": ">" if (v == 1) == self.strict_step else ">=",
                "multiplier": fmt(lam)})
        for (name, rel, value), lam in zip(self.bounds, multipliers[len(self.entries):]):
            if lam != 0:
                rows.append({"bound": name, "relation": rel, "value": fmt(value),
                             "multiplier": fmt(lam)})
        return {"motzkin": {"unit": ref, "rows": rows}}


def bound_rows(spec: Any, params: Iterable[str], extra: Bounds) -> tuple[BoundRow, ...]:
    """Bound rows from the weight domains, the fixed entries and integer branches."""
    out: list[BoundRow] = []
    for name in params:
        block = name[0]
        idx = tuple(int(p) for p in name[2:-1].split("]["))
        dom = spec.bias if block in ("b", "c") else spec.weights
        fixed = spec.fixed.get((block, idx))
        lo, hi = (fixed, fixed) if fixed is not None else (dom.low, dom.high)
        x_lo, x_hi = extra.get(name, (None, None))
        if x_lo is not None and (lo is None or x_lo > lo):
            lo = x_lo
        if x_hi is not None and (hi is None or x_hi < hi):
            hi = x_hi
        if lo is not None:
            out.append((name, ">=", lo))
        if hi is not None:
            out.append((name, "<=", hi))
    return tuple(out)


def unit_system(spec: Any, units: int, unit: Unit, table: dict[Key, int],
                extra: Bounds | None = None) -> UnitSystem:
    params = tuple(names(spec, units, *unit))
    entries = tuple(sorted(((k, v) for k, v in table.items() if unit_of(k) == unit),
                           key=repr))
    return UnitSystem(params, entries, bound_rows(spec, params, extra or {}),
                      spec.step.value == "strict")
