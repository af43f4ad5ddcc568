"""Build threshold-rnn specs with a behaviour directly (without the spec loader), and an
independent brute-force simulator used as an oracle by the behaviour tests."""

from __future__ import annotations

import itertools
from fractions import Fraction

from verify.input.yamldoc import parse_text
from verify.models.threshold.behaviour import load_behaviour
from verify.models.threshold.network import Domain, Network, Shape, StepKind, ThresholdSpec

REAL = Domain()
PARITY = """alphabet: ["0", "1"]
machine:
  start: e
  states:
    e: {"0": [e, "0"], "1": [o, "1"]}
    o: {"0": [o, "1"], "1": [e, "0"]}"""


def make_spec(behaviour_yaml: str, *, inputs: int = 1, units: int = 1, readout: int | None = 1,
              observe: tuple[int, ...] = (), step: str = "nonstrict", s0: int = 0,
              min_units: int | None = None, weights: Domain = REAL) -> ThresholdSpec:
    root = parse_text("behaviour:\n" + "".join("  " + line + "\n"
                                              for line in behaviour_yaml.splitlines()), "t.yaml")
    node = dict(root.items())["behaviour"]
    shape = Shape(inputs, units, readout, observe)
    beh = load_behaviour(node, shape, s0=(s0,) * units)
    return ThresholdSpec(path="t.yaml", name=None, step=StepKind(step), shape=shape,
                         min_units=units if min_units is None else min_units,
                         weights=weights, bias=weights, fixed={}, sequences=(), claim=None,
                         behaviour=beh)


def net(W, U, b, V=(), c=()) -> Network:  # type: ignore[no-untyped-def]
    f = lambda rows: tuple(tuple(Fraction(v) for v in r) for r in rows)
    return Network(f(W), f(U), tuple(Fraction(v) for v in b), f(V), tuple(Fraction(v) for v in c))


def step(spec: ThresholdSpec, network: Network, s: tuple[int, ...], a: int
         ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """One step of the model's equations from state s on symbol a: (s_t, y_t)."""
    strict = spec.step is StepKind.STRICT
    fire = lambda z: int(z > 0) if strict else int(z >= 0)
    x = spec.behaviour.alphabet[a]
    s2 = tuple(fire(sum(w * xi for w, xi in zip(network.W[i], x))
                    + sum(u * si for u, si in zip(network.U[i], s)) + network.b[i])
               for i in range(len(network.W)))
    if network.V:
        return s2, tuple(fire(sum(v * si for v, si in zip(row, s2)) + c)
                         for row, c in zip(network.V, network.c))
    return s2, tuple(s2[i] for i in spec.shape.observe)


def simulate(spec: ThresholdSpec, network: Network, s0: tuple[int, ...],
             string: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Outputs of a network on a string, written out from the model's equations."""
    s, ys = tuple(s0), []
    for a in string:
        s, y = step(spec, network, s, a)
        ys.append(y)
    return ys


def every_string(spec: ThresholdSpec, network: Network, s0: tuple[int, ...], max_len: int):  # type: ignore[no-untyped-def]
    """(string, network output at its last step) for every string up to max_len, by a
    depth-first walk that takes one step per string (prefixes shared)."""
    todo = [((), tuple(s0))]
    while todo:
        w, s = todo.pop()
        if len(w) == max_len:
            continue
        for a in range(len(spec.behaviour.alphabet)):
            s2, y = step(spec, network, s, a)
            yield w + (a,), y
            todo.append((w + (a,), s2))


def strings(n_symbols: int, max_len: int):  # type: ignore[no-untyped-def]
    """Every string up to max_len, shortest first, then in alphabet order."""
    for n in range(1, max_len + 1):
        yield from itertools.product(range(n_symbols), repeat=n)


def z3_search(spec: ThresholdSpec, units: int, *, deadline: float | None = None):  # type: ignore[no-untyped-def]
    """An independent oracle for the core's ``search`` (real weights only, no certificate):
    one Boolean per hidden value, real weights, one equivalence per step, solved by Z3."""
    import types

    import z3

    k, d, m = units, spec.shape.inputs, spec.shape.readout
    strict = spec.step is StepKind.STRICT
    W = [[z3.Real(f"W{i}_{j}") for j in range(d)] for i in range(k)]
    U = [[z3.Real(f"U{i}_{j}") for j in range(k)] for i in range(k)]
    b = [z3.Real(f"b{i}") for i in range(k)]
    V = [[z3.Real(f"V{o}_{j}") for j in range(k)] for o in range(m or 0)]
    c = [z3.Real(f"c{o}") for o in range(m or 0)]
    fire = lambda z: z > 0 if strict else z >= 0
    solver = z3.Solver()
    for n, seq in enumerate(spec.sequences):
        prev = [z3.BoolVal(bool(v)) for v in seq.s0]
        for t, (x, y) in enumerate(zip(seq.inputs, seq.outputs)):
            s = [z3.Bool(f"s{n}_{t}_{i}") for i in range(k)]
            for i in range(k):
                z = (sum(W[i][j] * z3.RealVal(str(x[j])) for j in range(d))
                     + sum(z3.If(prev[j], U[i][j], 0) for j in range(k)) + b[i])
                solver.add(s[i] == fire(z))
            outs = ([fire(sum(z3.If(s[j], V[o][j], 0) for j in range(k)) + c[o])
                     for o in range(m)] if m else [s[i] for i in spec.shape.observe])
            for o, want in zip(outs, y):
                if want != -1:
                    solver.add(o == bool(want))
            prev = s
    if solver.check() != z3.sat:
        return types.SimpleNamespace(status="unrealizable", network=None, s0=None,
                                     certificate=None, reason="z3: unsat", stats={})
    model = solver.model()
    val = lambda v: Fraction(model.eval(v, model_completion=True).as_fraction())
    found = Network(tuple(tuple(map(val, r)) for r in W), tuple(tuple(map(val, r)) for r in U),
                    tuple(map(val, b)), tuple(tuple(map(val, r)) for r in V), tuple(map(val, c)))
    return types.SimpleNamespace(status="realizable", network=found,
                                 s0=tuple(seq.s0 for seq in spec.sequences),
                                 certificate=None, reason="", stats={})
