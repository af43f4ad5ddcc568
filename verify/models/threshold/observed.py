"""Stage: model + backend driver. Observed states: every unit an output, s0 fixed (untrusted).

When every state unit is an output at every step and s0 is fixed, the whole state
trajectory is known, so each unit i is an independent linear system over the rows
``sign * (x_t, s_(t-1), 1) . (W[i], U[i], b[i])  REL 0`` of every step (sign +1 where
s_t[i] = 1). Weight domains (real boxes) and fixed entries are bound rows; the system is
made homogeneous with one extra positive variable ``τ`` (a bound ``w >= lo`` becomes
``w - lo·τ >= 0``), and ``τ`` is divided out of witnesses and dropped from certificates
(where it becomes the rows' constants).

Long sequences stay linear-time: identical rows are merged (integer inputs, one NumPy
pass), and the solver never sees one constraint per step: it solves a subset, every row
is checked vectorised against the weights found, the violated rows are added, repeat.
A certificate of a subset refutes the whole. Everything returned is re-checked by the
trusted checker (:mod:`verify.trusted.network`) by the pipeline.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from verify.linear.backends.certificate import normalise
from verify.linear.result import smallest_certificate
from verify.linear.simplest import simplest_witness
from verify.linear.system import LinearSystem, Row, Status
from verify.models.threshold.network import (
    DONT_CARE,
    Network,
    SearchResult,
    StepKind,
    ThresholdSpec,
)
from verify.models.threshold.solve import ask

CERT_FORMAT = "verify-certificate/2"
FIRST_ROWS = 32        # random rows in the first subset (besides each group's extremes)
ADD_PER_ROUND = 32     # violated rows added per round
MAX_ROUNDS = 200
FLOAT_HINT_ROWS = 200  # real inputs with more steps: float LP hints first (observed_hint)


class _Unknown(Exception):
    pass


def applies(spec: ThresholdSpec) -> bool:
    """Is this the observed-states case (each unit an independent linear system)?"""
    shape = spec.shape
    real = not spec.weights.integer and not spec.bias.integer
    return (shape.readout is None and sorted(shape.observe) == list(range(shape.units))
            and spec.min_units == shape.units and real and spec.behaviour is None
            and bool(spec.sequences)
            and all(v is not None for s in spec.sequences for v in s.s0)
            and not any(bool(np.any(_outputs(s) == DONT_CARE)) for s in spec.sequences))


def _outputs(seq: Any) -> np.ndarray:
    values = getattr(seq.outputs, "values", None)
    if values is not None:
        return np.asarray(values, dtype=np.int8)
    return np.array([list(o) for o in seq.outputs], dtype=np.int8).reshape(
        len(seq.outputs), -1)


# -- the steps, as arrays ------------------------------------------------------------------

@dataclass(frozen=True)
class Steps:
    """Every step of every sequence: provenance, inputs, previous and next state."""

    seq: np.ndarray        # int32
    t: np.ndarray          # int64, 1-based
    x: np.ndarray          # (T, d) float64 shadow
    x_ints: np.ndarray | None
    s_prev: np.ndarray     # (T, k) int8
    s_next: np.ndarray     # (T, k) int8
    spec: ThresholdSpec
    matrix: np.ndarray     # (T, d + k + 1) float64: the rows (x_t, s_(t-1), 1), unsigned

    @property
    def width(self) -> int:
        return int(self.matrix.shape[1])

    @functools.cached_property
    def magnitude(self) -> np.ndarray:
        """|matrix|, for float error bounds (computed once, shared by the units)."""
        return np.asarray(np.abs(self.matrix), dtype=np.float64)

    # What follows is the same for every unit (only the sign column differs): computed
    # once per spec, not once per unit.

    @functools.cached_property
    def l1_bound(self) -> float:
        """An upper bound on every row's |x_t|_1 + |s_(t-1)|_1 + 1 (for float bounds)."""
        if not len(self.x):
            return float(self.width)
        # d * max|entry| rather than the sum of column maxima: two flat reductions over
        # the contiguous matrix (axis-0 reductions are ~10x slower here)
        big = max(float(self.matrix.max()), -float(self.matrix.min()))
        return self.x.shape[1] * big + float(self.s_prev.shape[1]) + 1.0

    @functools.cached_property
    def signs(self) -> np.ndarray:
        """(T, k) float64: +1 where s_t[i] = 1, else -1 (every unit's row signs)."""
        return np.where(self.s_next > 0, 1.0, -1.0)

    @functools.cached_property
    def prev_code(self) -> np.ndarray:
        return state_codes(self.s_prev)

    @functools.cached_property
    def along(self) -> np.ndarray:
        return along(self.x)

    def x_exact(self, r: int) -> tuple[Fraction, ...]:
        if self.x_ints is not None:
            return tuple(Fraction(int(v)) for v in self.x_ints[r])
        j = int(self.seq[r])
        return tuple(self.spec.sequences[j].inputs[int(self.t[r]) - 1])


def state_codes(states: np.ndarray) -> np.ndarray:
    """One int64 per row of a (T, k) 0/1 array, naming it (its bits)."""
    code = np.zeros(len(states), dtype=np.int64)
    for j in range(states.shape[1]):  # column by column: no (T, k) int64 copy
        code |= states[:, j].astype(np.int64) << j
    return code


def along(x: np.ndarray) -> np.ndarray:
    """Inputs along one fixed random direction (first subsets take its extremes)."""
    return np.asarray(x @ np.random.default_rng(1).normal(size=x.shape[1]))


def build_steps(spec: ThresholdSpec) -> Steps:
    """Every step as arrays, written in place: the rows' matrix is filled sequence by
    sequence (no concatenated copies of 10^6-step inputs), ``x`` is a view of it."""
    k, d = spec.shape.units, spec.shape.inputs
    lengths = [len(s.outputs) for s in spec.sequences]
    T = sum(lengths)
    matrix = np.empty((T, d + k + 1))
    matrix[:, -1] = 1.0
    s_prev, s_next = np.empty((T, k), dtype=np.int8), np.zeros((T, k), dtype=np.int8)
    starts = np.cumsum([0, *lengths[:-1]], dtype=np.int64)
    seq = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    t = np.arange(1, T + 1, dtype=np.int64) - np.repeat(starts, lengths)
    xis: list[np.ndarray] = []
    for j, s in enumerate(spec.sequences):
        a, n = int(starts[j]), lengths[j]
        state = s_next[a:a + n]
        state[:, list(spec.shape.observe)] = _outputs(s)
        s_prev[a] = np.array(s.s0, dtype=np.int8)
        s_prev[a + 1:a + n] = state[:-1]
        approx = getattr(s.inputs, "approx", None)
        if approx is None:
            approx = np.array([[float(v) for v in x] for x in s.inputs]).reshape(n, d)
        matrix[a:a + n, :d] = approx
        ints = getattr(s.inputs, "ints", None)
        if ints is not None:
            xis.append(ints)
    matrix[:, d:d + k] = s_prev
    x_ints = np.concatenate(xis) if len(xis) == len(lengths) else None
    return Steps(seq, t, matrix[:, :d], x_ints, s_prev, s_next, spec, matrix)


def situation_ids(steps: Steps) -> np.ndarray:
    """One id per step for its situation (x_t, s_(t-1)): equal ids, equal situations.

    Integer inputs: exact (a mixed-radix key). Real inputs: a random projection of the
    float rows, so distinct situations may rarely share an id; callers confirm exactly.
    """
    if steps.x_ints is not None:
        cols = np.concatenate([steps.x_ints, steps.s_prev.astype(np.int64)], axis=1)
        lo, hi = cols.min(axis=0), cols.max(axis=0)
        span = [int(v) for v in hi - lo + 1]
        if np.prod(np.array(span, dtype=object)) < 2**62:
            key = np.zeros(len(cols), dtype=np.int64)
            for c, width in enumerate(span):
                key = key * np.int64(width) + (cols[:, c] - lo[c])
        else:
            _, key = np.unique(cols, axis=0, return_inverse=True)
    else:
        rng = np.random.default_rng(12345)
        key = (steps.matrix[:, :-1] @ rng.normal(size=steps.width - 1)).astype(np.float64)
    _, inverse = np.unique(key, return_inverse=True)
    return np.asarray(inverse).reshape(-1)


def first_clash(steps: Steps) -> tuple[int, int] | None:
    """(step, unit) of the first step, in simulation order (sequence, t, unit), whose unit
    must take a value that an earlier step in the same situation gave the other way."""
    ids = situation_ids(steps)
    first = np.full(int(ids.max()) + 1 if len(ids) else 0, len(ids), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(ids)))
    owner = first[ids]
    for r in np.flatnonzero(np.any(steps.s_next != steps.s_next[owner], axis=1)):
        o = int(owner[r])
        if steps.x_exact(int(r)) == steps.x_exact(o) and np.array_equal(
                steps.s_prev[r], steps.s_prev[o]):
            unit = int(np.flatnonzero(steps.s_next[r] != steps.s_next[o])[0])
            return int(r), unit
    return None


def group_extremes(group: np.ndarray, along: np.ndarray) -> np.ndarray:
    """Positions of the smallest and the largest ``along`` in each group of equal
    ``group`` (non-negative ints), the first position on ties, sorted: one vectorised pass
    instead of one pass per group."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    code = group
    if int(group.max()) > 2 * len(group) + 64:  # sparse codes: number them densely
        code = np.asarray(np.unique(group, return_inverse=True)[1]).reshape(-1)
    found = []
    for reduce, start in ((np.minimum, np.inf), (np.maximum, -np.inf)):
        best = np.full(int(code.max()) + 1, start)
        reduce.at(best, code, along)
        hits = np.flatnonzero(along == best[code])
        _, first = np.unique(code[hits], return_index=True)
        found.append(hits[first])
    return np.unique(np.concatenate(found))


def unit_names(spec: ThresholdSpec, i: int) -> tuple[str, ...]:
    d, k = spec.shape.inputs, spec.shape.units
    return (*(f"W[{i}][{j}]" for j in range(d)), *(f"U[{i}][{j}]" for j in range(k)),
            f"b[{i}]")


def _unit_bounds(spec: ThresholdSpec, i: int) -> list[tuple[int, str, Fraction]]:
    """(variable, ">=" | "<=", value) for unit i: its domains and fixed entries."""
    d, k = spec.shape.inputs, spec.shape.units
    keys = [("W", (i, j)) for j in range(d)] + [("U", (i, j)) for j in range(k)] + [("b", (i,))]
    out = []
    for v, key in enumerate(keys):
        if key in spec.fixed:
            out += [(v, ">=", spec.fixed[key]), (v, "<=", spec.fixed[key])]
            continue
        dom = spec.bias if key[0] == "b" else spec.weights
        if dom.low is not None:
            out.append((v, ">=", dom.low))
        if dom.high is not None:
            out.append((v, "<=", dom.high))
    return out


# -- one unit ---------------------------------------------------------------------------------

class UnitSolver:
    """Cutting-plane solve of unit i's system over all steps."""

    def __init__(self, steps: Steps, i: int, backend: str, deadline: float | None,
                 notes: list[str]) -> None:
        spec = steps.spec
        self.steps, self.i, self.backend, self.deadline, self.notes = (
            steps, i, backend, deadline, notes)
        self.names = unit_names(spec, i)
        self.bounds = _unit_bounds(spec, i)
        self.homog = not self.bounds  # no constants: no τ variable
        self.nvar = len(self.names) + (0 if self.homog else 1)
        self.strict_step = spec.step is StepKind.STRICT
        self.rounds = 0
        self._rows: dict[int, Row] = {}
        self.hinted = False

    # per-step arrays, made when first needed (a unit settled by a float hint needs none)

    @functools.cached_property
    def sign(self) -> np.ndarray:
        """+1 where s_t[i] = 1, else -1: each step's row sign."""
        return self.steps.s_next[:, self.i].astype(np.int64) * 2 - 1

    @functools.cached_property
    def candidates(self) -> np.ndarray:
        """Indices of the first step of each distinct (x, s_prev, s_t[i]) (integer x only)."""
        st = self.steps
        if st.x_ints is None:
            return np.arange(len(st.t))
        cols = np.concatenate([st.x_ints, st.s_prev.astype(np.int64),
                               st.s_next[:, self.i:self.i + 1].astype(np.int64)], axis=1)
        lo, hi = cols.min(axis=0), cols.max(axis=0)
        span = (hi - lo + 1).astype(object)
        if np.prod(span) < 2**62:  # one int64 key per row: a 1-D unique, fast
            key = np.zeros(len(cols), dtype=np.int64)
            for c in range(cols.shape[1]):
                key = key * np.int64(span[c]) + (cols[:, c] - lo[c])
            _, first = np.unique(key, return_index=True)
        else:
            _, first = np.unique(cols, axis=0, return_index=True)
        return np.sort(first)

    def row(self, r: int) -> Row:
        if r not in self._rows:
            self._rows[r] = self._make_row(r)
        return self._rows[r]

    def _make_row(self, r: int) -> Row:
        st = self.steps
        s = 1 if st.s_next[r, self.i] > 0 else -1
        coeffs = [s * v for v in st.x_exact(r)] + [Fraction(s * int(v)) for v in st.s_prev[r]]
        coeffs.append(Fraction(s))
        if not self.homog:
            coeffs.append(Fraction(0))
        return Row(tuple(coeffs), bool((s > 0) == self.strict_step))

    def bound_rows(self) -> list[Row]:
        rows = []
        for v, rel, value in self.bounds:
            c = [Fraction(0)] * self.nvar
            c[v], c[-1] = (Fraction(1), -value) if rel == ">=" else (Fraction(-1), value)
            rows.append(Row(tuple(c), False))
        tau = [Fraction(0)] * self.nvar
        tau[-1] = Fraction(1)
        rows.append(Row(tuple(tau), True))  # τ > 0
        return rows

    def _first_subset(self) -> list[int]:
        st, cand = self.steps, self.candidates
        group = st.prev_code[cand] * 2 + (self.sign[cand] > 0)
        chosen = {int(v) for v in cand[group_extremes(group, st.along[cand])]}
        if len(cand) > FIRST_ROWS:
            rng = np.random.default_rng(0)
            chosen.update(int(cand[v]) for v in rng.integers(0, len(cand), FIRST_ROWS))
        else:
            chosen.update(int(v) for v in cand)
        return sorted(chosen)

    def violated(self, theta: tuple[Fraction, ...],
                 among: np.ndarray | None = None) -> np.ndarray:
        """Candidate steps (or the steps ``among``, sorted, distinct) whose row ``theta``
        violates, most violated first.

        Decided in float64 where the margin is far from 0 (an error bound on the dot
        product), exactly in Fractions where it is not.
        """
        st = self.steps
        cand = self.candidates if among is None else among
        tau = theta[-1] if not self.homog else Fraction(1)
        exact = [Fraction(v) / tau for v in theta[:st.width]]
        w = np.array([float(v) for v in exact])
        full = len(cand) == len(st.t)
        m = st.matrix if full else st.matrix[cand]
        sign = self.sign if full else st.s_next[cand, self.i].astype(np.int64) * 2 - 1
        margin = sign * (m @ w)
        scale = (st.magnitude if full else np.abs(m)) @ np.abs(w)
        tol = 1e-12 * st.width * (scale + 1)
        bad = margin < -tol
        for pos in np.flatnonzero(np.abs(margin) <= tol):  # float does not decide: exact
            r = int(cand[pos])
            val = sum((a * b for a, b in zip(self.row(r).coefficients, exact)), Fraction(0))
            strict = (st.s_next[r, self.i] == 1) == self.strict_step
            bad[pos] = val < 0 or (val == 0 and bool(strict))
        idx = np.flatnonzero(bad)
        return cand[idx[np.argsort(margin[idx] / (scale[idx] + 1), kind="stable")]]

    def _ask(self, system: LinearSystem) -> Any:
        left = None if self.deadline is None else self.deadline - time.monotonic()
        if left is not None and left <= 0:
            raise _Unknown("the time limit ran out")
        ans = ask(self.backend, system, left, self.notes)
        if ans.status is Status.UNKNOWN:
            raise _Unknown(ans.note or "the solver gave up")
        return ans

    def solve(self, hint: tuple[Fraction, ...] | None = None
              ) -> tuple[tuple[Fraction, ...] | None, dict[str, Any] | None]:
        """(unit i's exact weights, None) or (None, its Motzkin certificate node).

        ``hint``: weights (τ last unless homogeneous) already checked on every step
        (:func:`.observed_hint.float_hints`)."""
        if hint is not None:
            self.hinted = True
            return self._weights(hint), None
        active = self._first_subset()
        extra = [] if self.homog else self.bound_rows()
        while True:
            self.rounds += 1
            rows = [self.row(r) for r in active] + extra
            system = LinearSystem(self.names + (("τ",) if not self.homog else ()),
                                  tuple(rows))
            ans = self._ask(system)
            if ans.status is Status.INFEASIBLE:
                return None, self._certificate(system, active, ans.multipliers)
            theta = ans.witness
            if self.steps.x_ints is not None:  # integer inputs: few rows, simple weights
                small = simplest_witness(system, theta)
                if not len(self.violated(small)):
                    return self._weights(small), None
            bad = self.violated(theta)
            if not len(bad):
                return self._weights(theta), None
            if self.rounds >= MAX_ROUNDS:
                raise _Unknown(f"unit {self.i}: no fit after {MAX_ROUNDS} rounds of adding "
                               "violated steps")
            active = sorted(set(active) | {int(r) for r in bad[:ADD_PER_ROUND]})

    def _weights(self, theta: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
        if self.homog:
            return tuple(theta)
        return tuple(v / theta[-1] for v in theta[:-1])

    def _certificate(self, system: LinearSystem, active: list[int],
                     lam: tuple[Fraction, ...]) -> dict[str, Any]:
        small = smallest_certificate(system)
        if small is not None and sum(map(bool, small)) <= sum(map(bool, lam)):
            lam = small
        lam = tuple(normalise(list(lam)))
        unit = {"kind": "state", "index": self.i}
        out: list[dict[str, Any]] = []
        st = self.steps
        for pos, m in enumerate(lam[:len(active)]):
            if not m:
                continue
            r = active[pos]
            row = system.rows[pos]
            out.append({"sequence": int(st.seq[r]), "t": int(st.t[r]), "unit": unit,
                        "coefficients": {n: str(c) for n, c in zip(self.names,
                                                                  row.coefficients)},
                        "relation": row.relation, "multiplier": str(m)})
        for (v, rel, value), m in zip(self.bounds, lam[len(active):]):
            if m:
                out.append({"bound": self.names[v], "relation": rel, "value": str(value),
                            "multiplier": str(m)})
        out.sort(key=lambda r: (0, r["sequence"], r["t"]) if "t" in r else (1, 0, 0))
        return {"motzkin": {"unit": unit, "rows": out}}


# -- the whole network ------------------------------------------------------------------------

def solve_observed(spec: ThresholdSpec, backend: str = "z3", *,
                   deadline: float | None = None) -> SearchResult:
    """Every unit solved on its own; unrealizable iff some unit is impossible."""
    start = time.monotonic()
    steps = build_steps(spec)
    notes: list[str] = []
    weights: list[tuple[Fraction, ...]] = []
    impossible: list[dict[str, Any]] = []
    stats: dict[str, Any] = {"steps": len(steps.t), "units": []}
    units = [UnitSolver(steps, i, backend, deadline, notes) for i in range(spec.shape.units)]
    hints: dict[int, tuple[Fraction, ...]] = {}
    if steps.x_ints is None and len(steps.t) > FLOAT_HINT_ROWS:
        from verify.models.threshold.observed_hint import float_hints
        hints = float_hints(steps, units, deadline)
    # Weights that fit every step of every unit leave no room for a clash, so with every
    # unit hinted the (sorting) search for one is skipped; otherwise it comes first.
    clash = first_clash(steps) if len(hints) < len(units) else None
    if clash is not None:  # two steps in one situation that need different values
        r, clashing = clash
        node = {"clash": {"sequence": int(steps.seq[r]), "t": int(steps.t[r]),
                          "output": spec.shape.observe.index(clashing)}}
        stats["seconds"] = time.monotonic() - start
        clash_cert: dict[str, Any] = {"format": CERT_FORMAT, "units": spec.shape.units,
                                      "proof": node,
                                      "size": {"nodes": 1, "leaves": 1, "depth": 1}}
        return SearchResult("unrealizable", None, None, clash_cert, "", stats)
    for i, unit in enumerate(units):
        try:
            w, cert = unit.solve(hints.get(i))
        except _Unknown as exc:
            stats["seconds"] = time.monotonic() - start
            tried = (f"observed states: each unit's linear system with the {backend} backend; "
                     f"stopped at unit {i}: {exc}")
            return SearchResult("unknown", None, None, None, tried, stats)
        distinct = len(steps.t) if steps.x_ints is None else len(unit.candidates)
        stats["units"].append({"unit": i, "distinct_rows": distinct,
                               "rounds": unit.rounds, "float_hint": unit.hinted})
        if cert is not None:
            impossible.append(cert)
        else:
            assert w is not None
            weights.append(w)
    stats["seconds"] = time.monotonic() - start
    stats["notes"] = list(dict.fromkeys(notes))
    s0 = tuple(tuple(int(v) for v in s.s0) for s in spec.sequences)  # type: ignore[arg-type]
    if impossible:
        cert = {"format": CERT_FORMAT, "units": spec.shape.units, "proof": impossible[0],
                "unit_certificates": impossible,
                "size": {"nodes": len(impossible), "leaves": len(impossible), "depth": 1}}
        return SearchResult("unrealizable", None, None, cert, "", stats)
    d, k = spec.shape.inputs, spec.shape.units
    net = Network(W=tuple(w[:d] for w in weights), U=tuple(w[d:d + k] for w in weights),
                  b=tuple(w[d + k] for w in weights))
    return SearchResult("realizable", net, s0, None, "", stats)
