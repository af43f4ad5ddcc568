"""Stage: spec. What a validated ``model: threshold-rnn`` spec *is* (loading lives elsewhere).

The model, with k state units, d inputs and (optionally) m readout units::

    s_t = step(W x_t + U s_(t-1) + b)      s_t in {0,1}^k, x_t in Q^d
    y_t = step(V s_t + c)                  only with a readout; otherwise y_t is the
                                           observed state units, in ``observe`` order

``step`` is entrywise, strict (1 iff z > 0) or nonstrict (1 iff z >= 0). Every number is an
exact :class:`~fractions.Fraction`. Indices are 0-based everywhere (``W[i][j]``: unit i,
input j). These frozen dataclasses are the contract shared by the loader, the compiler,
the search, the claims, the renderers and (through plain attributes only) the trusted
checker; the step-RNN spec is the case k = 1, d = 1, every unit observed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

#: The blocks of a network's weights, in the order they are printed.
BLOCKS: tuple[str, ...] = ("W", "U", "b", "V", "c")
DONT_CARE = -1  # an output entry written "?": any value is fine


class StepKind(enum.Enum):
    STRICT = "strict"        # step(z) = 1 iff z > 0  (the seed's)
    NONSTRICT = "nonstrict"  # step(z) = 1 iff z >= 0


@dataclass(frozen=True)
class Domain:
    """Allowed values of a weight: ``[low, high]`` (None = unbounded), integers or reals."""

    low: Fraction | None = None
    high: Fraction | None = None
    integer: bool = False

    @property
    def is_real_line(self) -> bool:
        return self.low is None and self.high is None and not self.integer

    def contains(self, v: Fraction) -> bool:
        return ((self.low is None or v >= self.low) and (self.high is None or v <= self.high)
                and (not self.integer or v.denominator == 1))


@dataclass(frozen=True)
class Shape:
    inputs: int                    # d
    units: int                     # k
    readout: int | None            # m, or None: outputs are the observed state units
    observe: tuple[int, ...]       # without a readout: which units are outputs (in order)

    @property
    def outputs(self) -> int:
        return self.readout if self.readout is not None else len(self.observe)

    def block_shape(self, block: str) -> tuple[int, ...]:
        """``W``: (k, d), ``U``: (k, k), ``b``: (k,), ``V``: (m, k), ``c``: (m,)."""
        k, d, m = self.units, self.inputs, self.readout or 0
        return {"W": (k, d), "U": (k, k), "b": (k,), "V": (m, k), "c": (m,)}[block]


@dataclass(frozen=True)
class Network:
    """Exact weights. ``V``/``c`` are empty tuples without a readout."""

    W: tuple[tuple[Fraction, ...], ...]
    U: tuple[tuple[Fraction, ...], ...]
    b: tuple[Fraction, ...]
    V: tuple[tuple[Fraction, ...], ...] = ()
    c: tuple[Fraction, ...] = ()


@dataclass(frozen=True)
class NetSequence:
    """One example. ``inputs[t]`` is x_(t+1) (length d); ``outputs[t]`` has length m (or
    len(observe)) with entries 0, 1 or DONT_CARE. ``s0`` is one entry per unit, each 0, 1
    or None (free: the search chooses)."""

    inputs: tuple[tuple[Fraction, ...], ...]
    outputs: tuple[tuple[int, ...], ...]
    s0: tuple[int | None, ...]
    line: int


@dataclass(frozen=True)
class NetClaim:
    realizable: bool | None
    witness: Network | None
    witness_s0: tuple[tuple[int, ...], ...] | None  # per sequence, per unit
    units: int | None          # "realizable: false, units: k": no k-unit network does it
    fewest_units: int | None   # "fewest_units: k": k units do it and k - 1 cannot
    line: int


@dataclass(frozen=True)
class ThresholdSpec:
    path: str
    name: str | None
    step: StepKind
    shape: Shape                       # shape.units is the largest k to consider
    min_units: int                     # == shape.units unless ``units: {min, max}``
    weights: Domain                    # W, U, V
    bias: Domain                       # b, c (the same as weights unless ``bias:`` is given)
    fixed: dict[tuple[str, tuple[int, ...]], Fraction]  # (block, index) -> value
    sequences: tuple[NetSequence, ...]   # empty when a behaviour is given instead
    claim: NetClaim | None
    behaviour: Any = None              # ``behaviour:`` (a machine, a window formula or a
                                       # reference network), see models/threshold/behaviour


@dataclass(frozen=True)
class SearchResult:
    """What a solve answers for one k (the observed-states solve or the hidden-state
    search); kept here, beside the contract, so that the observed path need not import
    the search."""

    status: str                                  # "realizable" | "unrealizable" | "unknown"
    network: Network | None
    s0: tuple[tuple[int, ...], ...] | None       # per sequence, per unit (chosen where free)
    certificate: dict[str, Any] | None           # verify-certificate/2, when unrealizable
    reason: str                                  # for unknown: what was tried
    stats: dict[str, Any] = field(default_factory=dict)
