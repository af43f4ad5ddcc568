"""The interface between the compiler side and the (untrusted) backends.

A :class:`LinearSystem` is homogeneous: every row says ``a . theta > 0`` (strict) or
``a . theta >= 0`` over the parameter vector ``theta``. Backends answer with a
:class:`BackendAnswer`: a witness ``theta`` or Motzkin multipliers ``lambda >= 0`` with
``sum lambda_i a_i = 0`` and ``lambda_i > 0`` for some strict row. Nothing a backend
returns is believed: the result stage re-checks it exactly and the trusted checker
re-checks the final verdict against the spec.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction


class Status(enum.Enum):
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Row:
    """``coefficients . theta  (> if strict else >=)  0``."""

    coefficients: tuple[Fraction, ...]
    strict: bool

    @property
    def relation(self) -> str:
        return ">" if self.strict else ">="


@dataclass(frozen=True)
class LinearSystem:
    params: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class BackendAnswer:
    status: Status
    witness: tuple[Fraction, ...] | None = None
    """Exact parameter values (FEASIBLE), aligned with ``LinearSystem.params``."""
    multipliers: tuple[Fraction, ...] | None = None
    """Exact multipliers (INFEASIBLE), aligned with ``LinearSystem.rows``; zeros allowed."""
    note: str = ""
    """Free text: why UNKNOWN, which fallback was taken, solver statistics."""
