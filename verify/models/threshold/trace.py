"""Stage: report helper (step RNN, untrusted). Run given weights step by step, for people.

A claimed witness is judged by the trusted checker; this module only shows the student
their own network running: for each shown step ``x_t``, the network's own ``s_(t-1)``,
``z = w1·x_t + w2·s_(t-1) + b``, ``s_t = step(z)`` and the wanted output. Up to the first
failing step the network's state *is* the wanted output, so the rows come straight from the
step table; from the first failure on the network is run on its own state. A long spec
is shown as a window: its first steps and the steps around the first failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verify.models.threshold.compile import FREE, StepTable
from verify.models.threshold.spec import StepKind

TABLE_ROWS = 12   # rows shown when nothing fails, or when the failure is near the start
AFTER_FAILURE = 4  # rows shown after the first failing step, the network on its own state


@dataclass(frozen=True)
class TraceRow:
    """One step as the network computes it with the traced weights."""

    sequence: int
    t: int
    x: Fraction
    s_prev: int  # the network's own previous state
    z: Fraction
    s: int       # step(z)
    want: int    # the spec's output

    @property
    def ok(self) -> bool:
        return self.s == self.want


@dataclass(frozen=True)
class Trace:
    weights: dict[str, Fraction]
    s0: tuple[int, ...]                      # the initial state used, per traced sequence
    rows: tuple[TraceRow, ...]               # the rows shown, in order (may skip steps)
    first_failure: tuple[int, int] | None    # (sequence, t) of the first wrong output
    steps: int                               # steps in the whole spec

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.steps


def _step(z: Fraction, kind: StepKind) -> int:
    return int(z > 0) if kind is StepKind.STRICT else int(z >= 0)


def _shown(table: StepTable, failure: int | None) -> list[int]:
    """Global step indices to show: the start, and a window around the first failure."""
    n = len(table)
    if failure is None:
        return list(range(min(n, TABLE_ROWS)))
    j = int(table.seq[failure])
    end = int(table.offsets[j + 1]) if j + 1 < len(table.offsets) else n  # its sequence's end
    stop = min(end, failure + 1 + AFTER_FAILURE)
    if failure < TABLE_ROWS - AFTER_FAILURE:
        return list(range(stop))
    return [*range(3), *range(max(3, failure - 3), stop)]


def run(table: StepTable, weights: dict[str, Fraction], s0: tuple[int, ...],
        failure: tuple[int, int] | None = None) -> Trace:
    """The trace of ``weights`` (initial states ``s0``); ``failure`` is the (sequence, t) of
    the first wrong output, as the checker found it, or None when every output is right."""
    w1, w2, b = (Fraction(weights[p]) for p in ("w1", "w2", "b"))
    kind = table.spec.step
    g = None if failure is None else table.index(*failure)
    rows: list[TraceRow] = []
    state: int | None = None  # the network's own state, from the failure on
    for k in _shown(table, g):
        j, t = int(table.seq[k]), int(table.t[k])
        if g is not None and k > g and state is not None and rows and rows[-1].t == t - 1:
            s_prev = state
        else:
            s_prev = int(table.s_prev[k])
            s_prev = s0[j] if s_prev == FREE else s_prev
        x = table.x_exact(k)
        z = w1 * x + w2 * s_prev + b
        row = TraceRow(j, t, x, s_prev, z, _step(z, kind), int(table.y[k]))
        rows.append(row)
        if g is not None and k >= g:
            state = row.s
    return Trace(dict(weights), tuple(s0), tuple(rows), failure, len(table))
