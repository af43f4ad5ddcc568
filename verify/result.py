"""Stage: result. What a verdict is made of: a witness or a (split tree of) certificates.

Also the exact, system-level screening of what a backend returned (untrusted code: the
trusted re-check against the spec is :mod:`verify.checker`), and the search for the
smallest certificate, which is the easiest one to read.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

from verify.system import LinearSystem, Row


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


# -- exact screening of backend answers ------------------------------------------------

def satisfies(row: Row, theta: tuple[Fraction, ...]) -> bool:
    value = sum((a * v for a, v in zip(row.coefficients, theta)), Fraction(0))
    return value > 0 if row.strict else value >= 0


def is_witness(system: LinearSystem, theta: tuple[Fraction, ...] | None) -> bool:
    return theta is not None and len(theta) == len(system.params) and all(
        satisfies(r, theta) for r in system.rows)


def is_certificate(system: LinearSystem, lam: tuple[Fraction, ...] | None) -> bool:
    if lam is None or len(lam) != len(system.rows) or any(v < 0 for v in lam):
        return False
    if not any(v > 0 and r.strict for v, r in zip(lam, system.rows)):
        return False
    return all(sum((v * r.coefficients[j] for v, r in zip(lam, system.rows)), Fraction(0)) == 0
               for j in range(len(system.params)))


# -- smallest certificate ----------------------------------------------------------------

def null_space(columns: list[tuple[Fraction, ...]]) -> list[list[Fraction]]:
    """Basis of {lam : sum_i lam_i * columns[i] = 0}, exactly (Gauss-Jordan)."""
    k = len(columns)
    p = len(columns[0]) if columns else 0
    m = [[columns[i][j] for i in range(k)] for j in range(p)]  # p x k
    pivots: list[int] = []
    r = 0
    for c in range(k):
        piv = next((i for i in range(r, p) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        inv = 1 / m[r][c]
        m[r] = [v * inv for v in m[r]]
        for i in range(p):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r])]
        pivots.append(c)
        r += 1
        if r == p:
            break
    basis = []
    for free in (c for c in range(k) if c not in pivots):
        vec = [Fraction(0)] * k
        vec[free] = Fraction(1)
        for i, pc in enumerate(pivots):
            vec[pc] = -m[i][free]
        basis.append(vec)
    return basis


def integral(vec: list[Fraction]) -> list[Fraction]:
    """Scale a rational vector to coprime integers (same direction)."""
    lcm = 1
    for v in vec:
        lcm = lcm * v.denominator // math.gcd(lcm, v.denominator)
    ints = [int(v * lcm) for v in vec]
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    return [Fraction(v // g) for v in ints] if g else [Fraction(0)] * len(vec)


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
            basis = null_space([rows[i].coefficients for i in subset])
            if len(basis) != 1:
                continue
            vec = basis[0]
            if all(v < 0 for v in vec):
                vec = [-v for v in vec]
            if not all(v > 0 for v in vec):
                continue
            lam = [Fraction(0)] * len(rows)
            for i, v in zip(subset, integral(vec)):
                lam[i] = v
            return tuple(lam)
    return None
