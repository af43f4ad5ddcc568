"""Stage: checker. TRUSTED. Step-rnn specs: the k = 1, d = 1, observed threshold network.

A step-rnn spec (``s_t = step(w1 x_t + w2 s_(t-1) + b)``, ``y_t = s_t``) is a one-unit,
one-input network whose unit is observed: ``W = [[w1]], U = [[w2]], b = [b]``. So its
witnesses are judged by the network checker's simulation (:mod:`verify.trusted.network`,
vectorised with exact ties), its certificate rows are re-derived by the shared row rule
and summed by the shared Motzkin check (:mod:`verify.trusted.core`). What stays here is
the step-rnn vocabulary (``w1, w2, b``) and its proof: a Motzkin certificate whose rows
name ``(sequence, t)``, or a split on a free s0 whose every case is proved.

The checker reads the spec's plain data through these names only (it imports nothing
from the models): ``spec.step.value`` is "strict" or "nonstrict", ``spec.sequences[j]``
has ``inputs`` (``.exact(i)``, ``.approx``, ``.ints``), ``outputs`` (0/1) and ``s0``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np

from verify.input.exact import show
from verify.trusted import network
from verify.trusted.core import (
    CheckFailure,
    Coeffs,
    canonical,
    check_motzkin,
    is_strict,
    satisfies_all,
    signed_row,
)

RnnSpec = Any
__all__ = ["CheckFailure", "StepFailure", "as_network", "canonical", "check_certificate",
           "check_motzkin", "check_proof", "check_witness", "derive_row", "first_failure",
           "is_strict", "satisfies_all"]  # the shared primitives re-exported: step-rnn's API


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


class _Inputs:
    """A step-rnn input series seen as the vectors ``(x_t,)`` of a one-input network."""

    def __init__(self, series: Any) -> None:
        self.series, self.approx = series, series.approx[:, None]
        self.ints = None if series.ints is None else series.ints[:, None]

    def __len__(self) -> int:
        return len(self.series)

    def __getitem__(self, t: int) -> tuple[Fraction]:
        return (self.series.exact(t),)

    def __iter__(self) -> Any:
        return (self[t] for t in range(len(self)))


def as_network(spec: RnnSpec) -> Any:
    """The spec as a threshold-network spec: one input, one unit, the unit observed."""
    return SimpleNamespace(step=spec.step, shape=SimpleNamespace(inputs=1, readout=None,
                                                                 observe=(0,)),
                           sequences=tuple(SimpleNamespace(
                               inputs=_Inputs(s.inputs), s0=(s.s0,),
                               outputs=np.asarray(s.outputs, dtype=np.int64).reshape(-1, 1))
                               for s in spec.sequences))


# -- witnesses ---------------------------------------------------------------------------

def first_failure(spec: RnnSpec, values: Mapping[str, Fraction],
                  s0: Sequence[int]) -> StepFailure | None:
    """The first step (by sequence, then t) where these weights do not give the output."""
    w1, w2, b = (Fraction(values[p]) for p in ("w1", "w2", "b"))
    net = SimpleNamespace(W=((w1,),), U=((w2,),), b=(b,))
    bad = network.first_difference(as_network(spec), net, [(int(v),) for v in s0])
    if bad is None:
        return None
    return StepFailure(bad.sequence, bad.t, bad.x[0], bad.s_prev[0], bad.z[0],
                       int(bad.expected[0]), bad.y[0])


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
    return signed_row((seq.inputs.exact(t - 1), s_prev, 1), int(seq.outputs[t - 1]),
                      is_strict(spec))


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


def _show(coeffs: Coeffs, strict: bool) -> str:
    terms = " + ".join(f"{show(c)}*{p}" for c, p in zip(coeffs, ("w1", "w2", "b")) if c)
    return f"{terms or '0'} {'>' if strict else '>='} 0"
