"""Stage: reduce. Merge and prune the per-step rows before any solver sees them (untrusted).

Within a group of steps sharing ``(s_{t-1}, y_t)`` every row is ``sign*(x, s, 1)`` for
varying x, and ``sign*(w1*x + c)`` is affine in x: it holds for every x of the group iff it
holds at the group's smallest and largest x. So at most two rows per group survive, at
most eight in all, whatever the sequence length. Each surviving row remembers the step it
came from, so a certificate maps back to time steps.

Also found here: two steps that see the same ``(x_t, s_{t-1})`` but must output different
values (a direct conflict). Their two rows are added, so that the smallest certificate,
which is the easiest to read, can be found.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.linear.system import Row
from verify.models.threshold.compile import FREE, StepTable


@dataclass(frozen=True)
class ReducedRow:
    step: int  # global step index of the step that requires this row
    row: Row


@dataclass(frozen=True)
class Reduction:
    table: StepTable
    fixed: tuple[ReducedRow, ...]
    """Rows of every step whose s_{t-1} is known, deduplicated and pruned."""
    free_steps: tuple[int, ...]
    """Steps at t = 1 of sequences whose s0 is free: their row depends on the choice."""
    conflict: tuple[int, int] | None
    """Two steps with equal (x_t, s_{t-1}) and different outputs (the y=1 step first)."""


def _exact_extreme(table: StepTable, idx: np.ndarray, largest: bool) -> int:
    if table.x_ints is not None:
        vals = table.x_ints[idx]
        return int(idx[np.argmax(vals) if largest else np.argmin(vals)])
    approx = table.x_approx[idx]
    target = approx.max() if largest else approx.min()
    cands = idx[approx == target]
    best = int(cands[0])
    best_x = table.x_exact(best)
    for k in cands[1:]:
        xk = table.x_exact(int(k))
        if (xk > best_x) if largest else (xk < best_x):
            best, best_x = int(k), xk
    return best


def _overlap(xs: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The steps of a and b whose x lies in both groups' ranges (only they can be equal).

    In a realizable spec the two groups are (nearly) separated by a threshold, so this
    linear pass usually leaves nothing to sort.
    """
    xa, xb = xs[a], xs[b]
    lo, hi = max(xa.min(), xb.min()), min(xa.max(), xb.max())
    return a[(xa >= lo) & (xa <= hi)], b[(xb >= lo) & (xb <= hi)]


def _common_values(xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """Sorted distinct values present in both arrays (sorts only the smaller one)."""
    small, big = (xa, xb) if len(xa) <= len(xb) else (xb, xa)
    keys = np.sort(small)
    pos = np.minimum(np.searchsorted(keys, big), len(keys) - 1)
    found = np.sort(big[keys[pos] == big])
    if not len(found):
        return found
    return found[np.concatenate(([True], found[1:] != found[:-1]))]


def _find_conflict(table: StepTable, known: np.ndarray) -> tuple[int, int] | None:
    xs = table.x_ints if table.x_ints is not None else table.x_approx
    for s in (0, 1):
        ones = np.flatnonzero(known & (table.s_prev == s) & (table.y == 1))
        zeros = np.flatnonzero(known & (table.s_prev == s) & (table.y == 0))
        if not len(ones) or not len(zeros):
            continue
        ones, zeros = _overlap(xs, ones, zeros)
        if not len(ones) or not len(zeros):
            continue
        x1, x0 = xs[ones], xs[zeros]
        for value in _common_values(x1, x0)[:64]:  # float ties are confirmed exactly below
            a = ones[x1 == value]
            b = zeros[x0 == value]
            if table.x_ints is not None:
                return int(a[0]), int(b[0])
            exact_b = {table.x_exact(int(k)): int(k) for k in b[:256]}
            for k in a[:256]:
                hit = exact_b.get(table.x_exact(int(k)))
                if hit is not None:
                    return int(k), hit
    return None


def reduce_table(table: StepTable) -> Reduction:
    known = table.s_prev != FREE
    rows: dict[tuple[tuple[Fraction, ...], bool], ReducedRow] = {}

    def add(k: int) -> None:
        row = table.row(k)
        rows.setdefault((row.coefficients, row.strict), ReducedRow(k, row))

    conflict = _find_conflict(table, known)
    if conflict is not None:
        add(conflict[0])
        add(conflict[1])
    for s in (0, 1):
        for y in (1, 0):
            idx = np.flatnonzero(known & (table.s_prev == s) & (table.y == y))
            if len(idx):
                add(_exact_extreme(table, idx, largest=False))
                add(_exact_extreme(table, idx, largest=True))
    free = tuple(int(k) for k in np.flatnonzero(~known))
    return Reduction(table, tuple(rows.values()), free, conflict)


def same_row_steps(table: StepTable, k: int, s_prev: int | None = None,
                   limit: int = 8) -> tuple[list[int], int]:
    """Steps that require exactly the same row as step k: (first ``limit`` of them, count).

    Used by reports ("required at t = 1, 2, 3 (3 steps)").
    """
    s = int(table.s_prev[k]) if s_prev is None else s_prev
    mask = (table.s_prev == s) & (table.y == table.y[k])
    mask[k] = True  # a free-s0 step counts under the value it is given
    if table.x_ints is not None:
        mask &= table.x_ints == table.x_ints[k]
        hits = np.flatnonzero(mask)
        return [int(h) for h in hits[:limit]], len(hits)
    mask &= table.x_approx == table.x_approx[k]
    target = table.x_exact(k)
    same = [int(h) for h in np.flatnonzero(mask) if table.x_exact(int(h)) == target]
    return same[:limit], len(same)
