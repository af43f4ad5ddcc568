"""Stage: model + backend driver. Float hints for long real-valued observed sequences
(untrusted).

With real-valued inputs every step is its own row, so each unit's system has T rows. A
float max-margin LP (HiGHS) finds weights, rounded to dyadic rationals and checked
exactly on every step; a unit whose hint fails goes to the exact cutting-plane loop of
:mod:`.observed` instead (nothing here decides "unrealizable"). The work is arranged so
that a step is touched as few times as possible:

1. each unit's cutting plane first runs on a random sample of the steps (a few
   thousand rows suffice to pin down about ``d + k + 1`` weights), the LP kept between
   rounds so that HiGHS re-solves from its last basis;
2. then all units are checked on every step together: one (T, d+k+1) x (d+k+1, k)
   product gives every unit's margins, a scalar error bound clears all but the few
   steps near 0, and only those are looked at again (exactly, by ``violated``); the
   violated steps of a unit join its LP, and only the units not yet settled go round.

The weights checked are already the rounded ones, so the check that ends the loop is
also the exact check of the hint. Everything returned is re-checked by the trusted
checker in the pipeline, as any solver answer.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.models.threshold.observed import along, group_extremes, state_codes

if TYPE_CHECKING:
    from verify.models.threshold.observed import Steps, UnitSolver

SAMPLE_ROWS = 20000    # the first cutting plane runs on this many random steps
START_ROWS = 256       # random sample rows in each unit's first LP (besides extremes)
ADD_PER_ROUND = 512    # most-violated rows added per round
SAMPLE_ROUNDS = 40
FULL_ROUNDS = 20
BITS = (0, 10, 20, 30, 40)  # dyadic roundings tried, coarsest first (then the float)
BLOCK = 4096           # rows per matrix product (see blocked_product)


def blocked_product(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a @ w`` in blocks of rows. For a tall, narrow ``a`` a product is memory-bound,
    yet OpenBLAS splits a large one over its threads, which costs far more than it saves
    when the cores are shared (measured here: 45-550 ms against 5 ms for (10^6, 9) x (9,
    4)); blocks below its threading threshold stay on one thread, in cache."""
    out = np.empty(a.shape[:1] + w.shape[1:])
    for start in range(0, len(a), BLOCK):
        np.matmul(a[start:start + BLOCK], w, out=out[start:start + BLOCK])
    return out


class MarginLP:
    """max δ s.t. row·θ >= δ for every row added so far, δ <= 1, θ in its bounds.

    A margin on the non-strict rows too, so that float tolerances cannot flip them.
    Rows are added between solves; HiGHS warm-starts from its last basis.
    """

    def __init__(self, highspy: Any, low: np.ndarray, high: np.ndarray) -> None:
        self.highspy, self.n = highspy, len(low)
        h = self.h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        for lo, hi in zip(low, high):
            h.addVar(lo if np.isfinite(lo) else -inf, hi if np.isfinite(hi) else inf)
        h.addVar(0.0, 1.0)  # δ
        h.changeColCost(self.n, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def add(self, rows: np.ndarray) -> None:
        n, m = self.n, len(rows)
        if not m:
            return
        a = np.hstack([rows, -np.ones((m, 1))])
        self.h.addRows(m, np.zeros(m), np.full(m, self.highspy.kHighsInf), a.size,
                       np.arange(0, a.size, n + 1, dtype=np.int32),
                       np.tile(np.arange(n + 1, dtype=np.int32), m), a.ravel())

    def solve(self) -> tuple[np.ndarray, float] | None:
        """(θ, δ), or None when the LP finds no positive margin (or fails)."""
        self.h.run()
        if self.h.getModelStatus() != self.highspy.HighsModelStatus.kOptimal:
            return None
        values = np.array(self.h.getSolution().col_value)
        delta = float(values[self.n])
        return (values[:self.n], delta) if delta > 1e-9 else None


class UnitHint:
    """One unit's float LP, the steps in it, and its current rounded weights."""

    def __init__(self, unit: UnitSolver, highspy: Any) -> None:
        self.unit, st = unit, unit.steps
        low, high = np.full(st.width, -np.inf), np.full(st.width, np.inf)
        for v, rel, value in unit.bounds:
            if rel == ">=":
                low[v] = max(low[v], float(value))
            else:
                high[v] = min(high[v], float(value))
        self.lp = MarginLP(highspy, low, high)
        self.in_lp = np.zeros(len(st.t), dtype=bool)
        self.theta, self.delta, self.bits = np.zeros(st.width), 0.0, 0

    def add(self, rows: np.ndarray) -> None:
        rows = rows[~self.in_lp[rows]]
        self.in_lp[rows] = True
        st, i = self.unit.steps, self.unit.i
        self.lp.add(np.where(st.s_next[rows, i:i + 1] > 0, 1.0, -1.0) * st.matrix[rows])

    def resolve(self) -> bool:
        got = self.lp.solve()
        if got is None:
            return False
        self.theta, self.delta = got
        # the coarsest rounding that moves no row's margin by more than δ/4
        spread = self.unit.steps.l1_bound
        self.bits = next((b for b in BITS if spread * 2.0**-(b + 1) <= self.delta / 4), -1)
        return True

    def fit_sample(self, sample: np.ndarray) -> bool:
        """Cutting plane on ``sample`` (step indices) until every sampled margin is at
        least δ/2 (rounding moves none by more than δ/4)."""
        st, i = self.unit.steps, self.unit.i
        up = st.s_next[sample, i] > 0
        signed = np.where(up[:, None], 1.0, -1.0) * st.matrix[sample]
        group = state_codes(st.s_prev[sample]) * 2 + up
        start = group_extremes(group, along(st.x[sample]))
        rng = np.random.default_rng(0)
        self.add(sample[np.union1d(start, rng.integers(0, len(sample), START_ROWS))])
        for _ in range(SAMPLE_ROUNDS):
            if not self.resolve():
                return False
            margin = blocked_product(signed, self.theta)
            low = np.flatnonzero(margin < self.delta / 2)
            low = low[~self.in_lp[sample[low]]]
            if not len(low):
                return True
            self.add(sample[low[np.argsort(margin[low], kind="stable")[:ADD_PER_ROUND]]])
        return False

    def rounded(self) -> tuple[Fraction, ...]:
        """θ rounded to multiples of 2^-bits (or as the float it is), put back into the
        bounds exactly (a non-dyadic bound is met exactly); τ = 1 appended if used."""
        scale = 2**self.bits if self.bits >= 0 else None
        out = [Fraction(round(float(v) * scale), scale) if scale else Fraction(float(v))
               for v in self.theta]
        for v, rel, value in self.unit.bounds:
            if (rel == ">=" and out[v] < value) or (rel == "<=" and out[v] > value):
                out[v] = value
        return tuple(out) + (() if self.unit.homog else (Fraction(1),))

    def improve(self, bad: np.ndarray, near: np.ndarray) -> bool:
        """Take the violated steps ``bad`` (most violated first) into account: into the
        LP with the steps ``near`` (a small margin, smallest first) if any of them is
        new there, else a finer rounding (the LP fits them: rounding broke them). False:
        the hint gives up."""
        if not self.in_lp[bad].all():
            rows = np.concatenate([bad, near[~np.isin(near, bad)]])
            self.add(rows[~self.in_lp[rows]][:ADD_PER_ROUND])
            return self.resolve()
        if self.bits < 0:
            return False
        finer = [b for b in BITS if b > self.bits]
        self.bits = finer[0] if finer else -1
        return True


def float_hints(steps: Steps, units: list[UnitSolver],
                deadline: float | None = None) -> dict[int, tuple[Fraction, ...]]:
    """unit -> exact weights (with τ = 1 unless homogeneous) that satisfy every step's
    row, checked exactly here; units without a hint are left out (the exact loop
    decides them)."""
    from verify.linear.backends.lp_backend import _highs_usable

    if not units or not _highs_usable():  # also swallows HiGHS's banner (stdout)
        return {}
    import highspy

    T = len(steps.t)
    rng = np.random.default_rng(2)
    sample = (np.arange(T) if T <= SAMPLE_ROWS
              else np.unique(rng.integers(0, T, SAMPLE_ROWS)))
    pending = []
    for unit in units:
        hint = UnitHint(unit, highspy)
        if hint.fit_sample(sample):
            pending.append(hint)
    done: dict[int, tuple[Fraction, ...]] = {}
    for _ in range(FULL_ROUNDS):
        if not pending or (deadline is not None and time.monotonic() > deadline):
            break
        pending = _check_all(steps, pending, done)
    return done


def _check_all(steps: Steps, pending: list[UnitHint],
               done: dict[int, tuple[Fraction, ...]]) -> list[UnitHint]:
    """Every step against every pending unit's rounded weights: the settled units go to
    ``done``, the rest improve; returns those still pending."""
    cands = [h.rounded() for h in pending]
    weights = np.array([[float(v) for v in c[:steps.width]] for c in cands]).T  # τ = 1
    cols = [h.unit.i for h in pending]
    # violated() decides a step by float only where |margin| > 1e-12·width·(|row|·|w| + 1);
    # above this scalar bound every step is cleared for that unit at once
    cut = 1e-12 * steps.width * (steps.l1_bound * np.abs(weights).max(axis=0) + 1)
    # steps with a margin below the LP's own (δ) are also noted: if the unit is not
    # settled, they join its LP with the violated ones, as the next round's likely
    # violators (fewer passes over every step)
    near = np.maximum(cut, [h.delta for h in pending])
    signs = steps.signs if cols == list(range(steps.signs.shape[1])) else steps.signs[:, cols]
    found = []
    z, low = np.empty((BLOCK, len(cols))), np.empty((BLOCK, len(cols)), dtype=bool)
    for start in range(0, len(steps.t), BLOCK):  # one block of steps at a time, in cache
        rows = steps.matrix[start:start + BLOCK]
        zb, lowb = z[:len(rows)], low[:len(rows)]
        np.matmul(rows, weights, out=zb)
        np.multiply(zb, signs[start:start + BLOCK], out=zb)  # the margins
        if np.less_equal(zb, near, out=lowb).any():
            hit_row, hit_col = np.nonzero(lowb)
            found.append((hit_row + start, hit_col, zb[hit_row, hit_col]))
    rows, hit, margin = (np.concatenate(f) for f in zip(*found)) if found else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    still = []
    for c, hint in enumerate(pending):
        mine = hit == c
        bad = hint.unit.violated(cands[c], rows[mine & (margin <= cut[c])])
        if not len(bad):
            done[hint.unit.i] = cands[c]
            continue
        if hint.improve(bad, rows[mine][np.argsort(margin[mine], kind="stable")]):
            still.append(hint)
    return still
