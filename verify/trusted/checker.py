"""Stage: checker. TRUSTED. Re-checks every verdict from the spec itself, exactly.

This module is kept small on purpose and imports nothing from the compiler (model,
reduce), the backends or the result search: it reads the spec's own data, re-derives
each cited step's inequality, re-simulates witnesses and re-adds multipliers, all with
:class:`fractions.Fraction` (plus NumPy only to *locate* steps, every decision that
rests on a float is confirmed exactly). It follows what it is given and never searches.
A verdict it rejects is an internal error, never an answer.

Rows are written ``a . (w1, w2, b) + c  REL  0`` with REL ``>`` or ``>=`` (step rows have
``c = 0``). A step with output y requires ``sign * (x_t, s_{t-1}, 1)`` with sign = +1
for y = 1, -1 for y = 0; the relation is strict iff (y = 1) equals (step is strict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from verify.input.exact import show, to_float

Coeffs = tuple[Fraction, ...]
# The checker reads the spec's plain data through these names only (it imports nothing
# from the models): ``spec.step.value`` is "strict" or "nonstrict", ``spec.sequences[j]``
# has ``inputs`` (``.exact(i)``, ``.approx``, ``.ints``), ``outputs`` (0/1) and ``s0``.
RnnSpec = Any
Inequality = Any


def is_strict(spec: RnnSpec) -> bool:
    return bool(spec.step.value == "strict")


class CheckFailure(Exception):
    """The thing checked is wrong; ``str()`` says exactly why."""


@dataclass(frozen=True)
class StepFailure:
    sequence: int
    t: int
    x: Fraction
    s_prev: int
    z: Fraction
    expected: int
    got: int


class _Row(Protocol):
    sequence: int
    t: int
    coefficients: tuple[Fraction, ...]
    strict: bool
    multiplier: Fraction


def _step(z: Fraction, strict: bool) -> int:
    return int(z > 0) if strict else int(z >= 0)


# -- witnesses ---------------------------------------------------------------------------

def first_failure(spec: RnnSpec, values: Mapping[str, Fraction],
                  s0: Sequence[int]) -> StepFailure | None:
    """The first step (by sequence, then t) where these weights do not give the output."""
    w1, w2, b = (Fraction(values[p]) for p in ("w1", "w2", "b"))
    strict_step = is_strict(spec)
    for j, seq in enumerate(spec.sequences):
        y = np.asarray(seq.outputs, dtype=np.int8)
        n = len(y)
        if n == 0:
            continue
        s_prev = np.empty(n, dtype=np.int8)
        s_prev[0] = s0[j]
        s_prev[1:] = y[:-1]
        bad = np.zeros(n, dtype=bool)
        for s in (0, 1):
            for out in (0, 1):
                group = (s_prev == s) & (y == out)
                if not group.any():
                    continue
                sign = 1 if out == 1 else -1
                strict = (out == 1) == strict_step
                c = w2 * s + b
                if w1 == 0:
                    v = sign * c
                    if not (v > 0 if strict else v >= 0):
                        bad |= group
                    continue
                cmp = _compare(seq.inputs, np.flatnonzero(group), -c / w1)
                d_pos = sign * w1 > 0
                ok = (cmp > 0 if strict else cmp >= 0) if d_pos else (
                    cmp < 0 if strict else cmp <= 0)
                bad[np.flatnonzero(group)[~ok]] = True
        if bad.any():
            i = int(np.argmax(bad))
            x = seq.inputs.exact(i)
            sp = int(s_prev[i])
            z = w1 * x + w2 * sp + b
            return StepFailure(j, i + 1, x, sp, z, int(y[i]), _step(z, strict_step))
    return None


def _compare(inputs: Any, idx: np.ndarray, tau: Fraction) -> np.ndarray:
    """sign(x_i - tau) for i in idx, exactly: float where it decides, Fraction on ties."""
    if getattr(inputs, "ints", None) is not None:
        return _compare_ints(np.asarray(inputs.ints, dtype=np.int64)[idx], tau)
    approx = inputs.approx[idx]
    ft = to_float(tau)
    # compared, not subtracted: approx - ft overflows (with a warning) near +-1.7e308
    cmp: np.ndarray = (approx > ft).astype(np.int8) - (approx < ft).astype(np.int8)
    # rounding is monotone, so unequal floats order the exact values; equal ones may not
    for pos in np.flatnonzero(approx == ft):
        x = inputs.exact(int(idx[pos]))
        cmp[pos] = (x > tau) - (x < tau)
    return cmp


def _compare_ints(x: np.ndarray, tau: Fraction) -> np.ndarray:
    """sign(x_i - tau) for integers x_i, exactly and vectorised.

    Integer inputs (binary strings) tie with an integral tau at most steps, and a
    Fraction per tie cost seconds at 10**6 steps. For an integer x, ``x > tau`` iff
    ``x > floor(tau)``, and ``x == tau`` only if tau is an integer, so two integer
    comparisons decide every step.
    """
    floor = tau.numerator // tau.denominator  # exact Python int
    if not len(x) or floor < int(x.min()):  # every x >= floor + 1 > tau
        return np.ones(len(x), dtype=np.int8)
    if floor > int(x.max()):  # every x < floor <= tau
        return np.full(len(x), -1, dtype=np.int8)
    f = np.int64(floor)  # within [min x, max x]: fits
    above = x > f
    if tau.denominator != 1:  # x <= floor < tau
        return np.where(above, 1, -1).astype(np.int8)
    return above.astype(np.int8) - (x < f).astype(np.int8)


def check_witness(spec: RnnSpec, values: Mapping[str, Fraction], s0: Sequence[int]) -> None:
    if set(values) != set(spec.params):
        raise CheckFailure(f"witness names {sorted(values)}, expected {list(spec.params)}")
    if len(s0) != len(spec.sequences):
        raise CheckFailure("witness gives s0 for the wrong number of sequences")
    for j, (seq, v) in enumerate(zip(spec.sequences, s0)):
        if v not in (0, 1) or (seq.s0 is not None and v != seq.s0):
            raise CheckFailure(f"sequence {j}: s0 = {v} is not allowed by the spec")
    fail = first_failure(spec, values, s0)
    if fail is not None:
        raise CheckFailure(f"sequence {fail.sequence}, t={fail.t}: z = {show(fail.z)} gives "
                           f"{fail.got}, expected {fail.expected}")


# -- certificates --------------------------------------------------------------------------

def derive_row(spec: RnnSpec, sequence: int, t: int,
               assigned: Mapping[int, int]) -> tuple[Coeffs, bool]:
    """The inequality step (sequence, t) requires, re-derived from the spec."""
    if not 0 <= sequence < len(spec.sequences):
        raise CheckFailure(f"there is no sequence {sequence}")
    seq = spec.sequences[sequence]
    if not 1 <= t <= len(seq.outputs):
        raise CheckFailure(f"sequence {sequence} has no step t={t}")
    if t > 1:
        s_prev = int(seq.outputs[t - 2])
    elif seq.s0 is not None:
        s_prev = seq.s0
    elif sequence in assigned:
        s_prev = assigned[sequence]
    else:
        raise CheckFailure(f"the row of sequence {sequence} at t=1 depends on its free s0, "
                           "and no split fixes it")
    y = int(seq.outputs[t - 1])
    sign = 1 if y == 1 else -1
    x = seq.inputs.exact(t - 1)
    strict = (y == 1) == is_strict(spec)
    return (sign * x, Fraction(sign * s_prev), Fraction(sign)), strict


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


def check_certificate(spec: RnnSpec, rows: Sequence[_Row],
                      assigned: Mapping[int, int] | None = None) -> None:
    assigned = assigned or {}
    plain: list[tuple[Coeffs, Fraction, bool]] = []
    for r in rows:
        coeffs, strict = derive_row(spec, r.sequence, r.t, assigned)
        if tuple(r.coefficients) != coeffs or r.strict != strict:
            raise CheckFailure(
                f"sequence {r.sequence}, t={r.t} requires {_show(coeffs, strict)}, "
                f"not {_show(tuple(r.coefficients), r.strict)}")
        plain.append((coeffs, Fraction(0), strict))
    check_motzkin(plain, [r.multiplier for r in rows])


def check_proof(spec: RnnSpec, proof: Any, assigned: Mapping[int, int] | None = None) -> None:
    """A certificate, or a split on a free s0 whose every case is proved."""
    assigned = dict(assigned or {})
    if hasattr(proof, "rows"):
        check_certificate(spec, proof.rows, assigned)
        return
    j = proof.sequence
    if not 0 <= j < len(spec.sequences) or spec.sequences[j].s0 is not None:
        raise CheckFailure(f"split on sequence {j}, whose s0 is not free")
    if j in assigned:
        raise CheckFailure(f"split on sequence {j} twice on one path")
    if sorted(v for v, _ in proof.cases) != [0, 1]:
        raise CheckFailure(f"split on sequence {j} must cover s0 = 0 and s0 = 1")
    for value, sub in proof.cases:
        check_proof(spec, sub, {**assigned, j: value})


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


def _show(coeffs: Coeffs, strict: bool) -> str:
    terms = " + ".join(f"{show(c)}*{p}" for c, p in zip(coeffs, ("w1", "w2", "b")) if c)
    return f"{terms or '0'} {'>' if strict else '>='} 0"
