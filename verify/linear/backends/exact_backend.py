"""Stage: backend (exact, pure stdlib). The reference backend and everyone's fallback.

Fourier-Motzkin with provenance for ordinary systems; the exact phase-1 simplex on the
Motzkin alternative when elimination would blow up (thousands of rows). Answers are
re-checked exactly and certificates reduced to an irreducible support before returning.
Not trusted: the result stage and the checker re-check independently.
"""

from __future__ import annotations

import time
from fractions import Fraction

from verify.linear.backends.certificate import (
    check_shape,
    is_certificate,
    is_witness,
    minimise_certificate,
    normalise,
)
from verify.linear.backends.fourier_motzkin import OutOfTime, TooLarge, eliminate
from verify.linear.backends.simplex import solve_alternative
from verify.linear.system import BackendAnswer, LinearSystem, Status

FM_MAX_ROWS = 5_000


def solve_exact(system: LinearSystem, *, timeout: float | None = None,
                method: str = "auto") -> BackendAnswer:
    """Exact answer; ``method`` is "auto" (Fourier-Motzkin unless it blows up),
    "fourier-motzkin" or "simplex"."""
    check_shape(system)
    if method not in ("auto", "fourier-motzkin", "simplex"):
        raise ValueError(f"method={method!r} must be 'auto', 'fourier-motzkin' or 'simplex'")
    if not any(row.strict for row in system.rows):
        return BackendAnswer(Status.FEASIBLE, witness=tuple(Fraction(0) for _ in system.params),
                             note="exact: no strict row, theta = 0")
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        if method == "simplex":
            kind, values = solve_alternative(system, deadline=deadline)
            used = "simplex"
        else:
            try:
                cap = FM_MAX_ROWS if method == "auto" else None
                kind, values = eliminate(system, max_rows=cap, deadline=deadline)
                used = "Fourier-Motzkin"
            except TooLarge as exc:
                kind, values = solve_alternative(system, deadline=deadline)
                used = f"simplex ({exc})"
    except OutOfTime:
        return BackendAnswer(Status.UNKNOWN, note=f"exact: timeout after {timeout} s")
    if kind == "feasible":
        witness = tuple(values)
        if not is_witness(system, witness):
            raise AssertionError(f"exact backend ({used}) produced a non-witness")
        return BackendAnswer(Status.FEASIBLE, witness=normalise(witness),
                             note=f"exact: {used}")
    if not is_certificate(system, values):
        raise AssertionError(f"exact backend ({used}) produced a non-certificate")
    return BackendAnswer(Status.INFEASIBLE, multipliers=minimise_certificate(system, values),
                         note=f"exact: {used}")


def fall_back_to_exact(system: LinearSystem, deadline: float | None, why: str) -> BackendAnswer:
    """The exact answer within what is left before ``deadline`` (a :func:`time.monotonic`
    value; at least a millisecond), its note saying ``why`` another backend fell back."""
    left = None if deadline is None else max(0.001, deadline - time.monotonic())
    answer = solve_exact(system, timeout=left)
    return BackendAnswer(answer.status, answer.witness, answer.multipliers,
                         f"{why}; fell back to {answer.note}")


class ExactBackend:
    """Pure-Fraction Fourier-Motzkin / simplex: slow on big systems, never approximate."""

    name = "exact"

    def solve(self, system: LinearSystem, *, timeout: float | None = None) -> BackendAnswer:
        return solve_exact(system, timeout=timeout)
