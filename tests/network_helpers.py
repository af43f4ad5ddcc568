"""Builders for threshold-rnn tests: ThresholdSpec / Network objects from plain values."""

from __future__ import annotations

from fractions import Fraction

from verify.models.threshold.network import (
    DONT_CARE, Domain, NetSequence, Network, Shape, StepKind, ThresholdSpec)


def bits(text: str) -> tuple[tuple[Fraction, ...], ...]:
    """"0110" -> one 1-vector per step; "01,11" -> one 2-vector per step."""
    return tuple(tuple(Fraction(int(c)) for c in part)
                 for part in (text.split(",") if "," in text else text))


def outs(text: str) -> tuple[tuple[int, ...], ...]:
    """"01?" -> one 1-vector per step; "01,1?" -> one 2-vector per step."""
    parts = text.split(",") if "," in text else text
    return tuple(tuple(DONT_CARE if c == "?" else int(c) for c in p) for p in parts)


def make_spec(seqs: list[tuple[str, str]], *, units: int = 1, readout: int | None = None,
              observe: tuple[int, ...] | None = None, step: str = "nonstrict",
              s0: object = 0, weights: Domain = Domain(), bias: Domain | None = None,
              fixed: dict | None = None, min_units: int | None = None) -> ThresholdSpec:
    sequences = []
    for n, (i, o) in enumerate(seqs):
        x, y = bits(i), outs(o)
        start = (tuple(s0) if isinstance(s0, (list, tuple)) else
                 (None if s0 == "free" else s0,) * units)
        sequences.append(NetSequence(x, y, start, n + 1))
    d = len(sequences[0].inputs[0])
    if observe is None and readout is None:
        observe = tuple(range(len(sequences[0].outputs[0])))
    shape = Shape(d, units, readout, observe or ())
    return ThresholdSpec("test.yaml", None, StepKind(step), shape,
                         units if min_units is None else min_units, weights,
                         weights if bias is None else bias, dict(fixed or {}),
                         tuple(sequences), None)


def net(W, U, b, V=(), c=()) -> Network:  # noqa: ANN001 - plain nested lists
    def f(rows):  # noqa: ANN001, ANN202
        return tuple(tuple(Fraction(v) for v in r) for r in rows)
    return Network(f(W), f(U), tuple(map(Fraction, b)), f(V), tuple(map(Fraction, c)))
