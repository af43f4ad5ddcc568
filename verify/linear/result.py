"""Stage: result. What a verdict is made of: a witness or a (split tree of) certificates.

Also the exact, system-level screening of what a backend returned (untrusted code: the
trusted re-check against the spec is :mod:`verify.trusted.checker`), and the search for the
smallest certificate, which is the easiest one to read.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from fractions import Fraction

from verify.linear.backends.certificate import is_certificate, is_witness, normalise
from verify.linear.backends.linalg import null_space
from verify.linear.system import LinearSystem, Row

__all__ = ["is_certificate", "is_witness"]  # re-exported: the screening the solve stage uses


class Verdict(enum.Enum):
    REALIZABLE = "realizable"
    UNREALIZABLE = "unrealizable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Witness:
    values: dict[str, Fraction]
    s0: tuple[int, ...]  # the initial state of every sequence (chosen when free)


@dataclass(frozen=True)
class CitedRow:
    """``coefficients . theta  relation  0``, as required by step (sequence, t)."""

    sequence: int
    t: int
    coefficients: tuple[Fraction, ...]
    strict: bool
    multiplier: Fraction

    @property
    def relation(self) -> str:
        return ">" if self.strict else ">="


@dataclass(frozen=True)
class Certificate:
    rows: tuple[CitedRow, ...]


@dataclass(frozen=True)
class Split:
    """A case split on one sequence's free s0: one proof per value."""

    sequence: int
    cases: tuple[tuple[int, Proof], ...]


Proof = Certificate | Split


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    backend: str
    witness: Witness | None = None
    proof: Proof | None = None
    conflict: tuple[tuple[int, int], tuple[int, int]] | None = None
    """Two (sequence, t) steps that see the same (x_t, s_{t-1}) and must answer differently."""
    note: str = ""


# -- exact screening and the smallest certificate ----------------------------------------

def satisfies(row: Row, theta: tuple[Fraction, ...]) -> bool:
    value = sum((a * v for a, v in zip(row.coefficients, theta)), Fraction(0))
    return value > 0 if row.strict else value >= 0


def smallest_certificate(system: LinearSystem, *, max_rows: int = 14
                         ) -> tuple[Fraction, ...] | None:
    """The certificate of fewest rows (None if the system is feasible or too big to search).

    A support-minimal certificate has a one-dimensional null space on its support, so
    subsets are tried by size and accepted when that null space is spanned by a vector
    of one sign touching a strict row. Carathéodory bounds the size by len(params) + 1.
    """
    rows = system.rows
    if len(rows) > max_rows:
        return None
    for size in range(1, len(system.params) + 2):
        for subset in itertools.combinations(range(len(rows)), size):
            if not any(rows[i].strict for i in subset):
                continue
            basis = null_space([[rows[i].coefficients[j] for i in subset]
                                for j in range(len(system.params))], size)
            if len(basis) != 1:
                continue
            vec = basis[0]
            if all(v < 0 for v in vec):
                vec = [-v for v in vec]
            if not all(v > 0 for v in vec):
                continue
            lam = [Fraction(0)] * len(rows)
            for i, v in zip(subset, normalise(vec)):
                lam[i] = v
            return tuple(lam)
    return None
