"""Builders for threshold-rnn tests: ThresholdSpec / Network objects from plain values."""

from __future__ import annotations

import random
import time
from fractions import Fraction

from verify.models.threshold.network import (
    DONT_CARE,
    Domain,
    NetSequence,
    Network,
    Shape,
    StepKind,
    ThresholdSpec,
)
from verify.models.threshold.search import SearchResult, search
from verify.trusted.network import check_certificate, check_witness, simulate


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
              s0: object = 0, weights: Domain | None = None, bias: Domain | None = None,
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
    weights = weights or Domain()
    return ThresholdSpec("test.yaml", None, StepKind(step), shape,
                         units if min_units is None else min_units, weights,
                         weights if bias is None else bias, dict(fixed or {}),
                         tuple(sequences), None)


def net(W, U, b, V=(), c=()) -> Network:
    def f(rows):
        return tuple(tuple(Fraction(v) for v in r) for r in rows)
    return Network(f(W), f(U), tuple(map(Fraction, b)), f(V), tuple(map(Fraction, c)))


def planted(k: int, lengths: list[int], rng: random.Random, step: str = "nonstrict",
            *, needs_memory: bool = False, min_states: int = 0) -> ThresholdSpec:
    """A random k-unit network with a readout, and the outputs it gives on random
    binary strings (the network itself stays hidden from the search). With
    ``needs_memory``, networks are drawn until some input is answered both 0 and 1; with
    ``min_states``, until the runs visit at least that many distinct states."""
    while True:
        def r() -> Fraction:
            return Fraction(round(rng.gauss(0, 2) * 4), 4)
        w = net([[r()] for _ in range(k)], [[r() for _ in range(k)] for _ in range(k)],
                [r() for _ in range(k)], [[r() for _ in range(k)]], [r()])
        xs = ["".join(rng.choice("01") for _ in range(n)) for n in lengths]
        blank = make_spec([(x, "0" * len(x)) for x in xs], units=k, readout=1, step=step)
        runs = simulate(blank, w, [(0,) * k] * len(xs))
        ys = ["".join(str(s.y[0]) for s in run) for run in runs]
        seen = {(a, b) for x, y in zip(xs, ys) for a, b in zip(x, y)}
        visited = {s.s for run in runs for s in run}
        if (not needs_memory or len(seen) > len({a for a, _ in seen})) and len(
                visited) >= min_states:
            return make_spec(list(zip(xs, ys)), units=k, readout=1, step=step)


def checked(spec: ThresholdSpec, units: int, **kw: object) -> SearchResult:
    """``search`` (a minute at most), its verdict put through the trusted checker."""
    r = search(spec, units, deadline=time.monotonic() + 60, **kw)  # type: ignore[arg-type]
    if r.status == "realizable":
        check_witness(spec, units, r.network, r.s0)
    else:
        assert r.status == "unrealizable", r.reason
        check_certificate(spec, r.certificate)
    return r
