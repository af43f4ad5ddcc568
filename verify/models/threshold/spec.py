"""Stage: spec (part 3). The validated step-RNN spec handed to the model stage.

Loading lives in :mod:`verify.models.threshold.load`; this module only defines what a valid
spec *is*, so that the model, the claims and the trusted checker all read the same
plain data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.input.exact import Series
from verify.input.ineq import Inequality

PARAMS: tuple[str, ...] = ("w1", "w2", "b")


class StepKind(enum.Enum):
    STRICT = "strict"        # step(z) = 1 iff z > 0  (the seed's)
    NONSTRICT = "nonstrict"  # step(z) = 1 iff z >= 0


@dataclass(frozen=True)
class Sequence:
    """One input/output example. ``s0`` is 0, 1 or None (free: the solver chooses)."""

    inputs: Series
    outputs: np.ndarray  # int8 array of 0/1, same length as inputs
    s0: int | None
    line: int  # line of this sequence in the spec (for messages)


@dataclass(frozen=True)
class Claim:
    realizable: bool | None
    witness: dict[str, Fraction] | None
    witness_s0: tuple[int, ...] | None  # per sequence, when the claim fixes s0
    because: tuple[Inequality, ...] | None
    line: int


@dataclass(frozen=True)
class RnnSpec:
    path: str
    name: str | None
    model: str
    step: StepKind
    sequences: tuple[Sequence, ...]
    claim: Claim | None
    params: tuple[str, ...] = PARAMS
