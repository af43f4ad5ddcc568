"""Stage: search (untrusted). A z3 model over the transition table, to find witnesses fast.

The DPLL in :mod:`verify.models.threshold.search` proves; for *finding* a network on
hard realizable instances a CDCL solver that learns across the whole trace is faster.
This encoding keeps the linear part small: one Boolean per table entry (unit i's value
at input x after state sigma: at most 2^k per distinct input; readout o at state s),
each tied to its one linear inequality over that unit's weights, and pure Boolean
constraints per step: ``s_t[i] = F[i, x_t, s_(t-1)]`` as one if-then-else tree over the
bits of s_(t-1) per unit, the output as one such tree over s_t's readout entries (or
the observed unit). (The same as one implication per previous state, in a fifth of the
text: z3 parses and solves it faster, ~15% at the median of planted k = 3, T = 100.)
A model is only a hint: the caller checks the network it gives by simulation, and the
trusted checker re-simulates the answer.
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import DONT_CARE, Network, ThresholdSpec


def table_network(spec: ThresholdSpec, k: int, deadline: float | None
                  ) -> tuple[str, Network | None, tuple[tuple[int, ...], ...] | None]:
    """("sat", network, s0) | ("unsat", None, None) | ("unknown", None, None).

    The formula is written as SMT-LIB text and parsed by z3 in one call: building
    thousands of terms through z3's Python API costs more than solving them."""
    import z3

    text, weights, constants = _formula(spec, k)
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    if deadline is not None:
        solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
    solver.from_string(text)
    result = solver.check()
    if result != z3.sat:
        return ("unsat" if result == z3.unsat else "unknown"), None, None
    model = solver.model()

    def value(term: Any) -> Fraction:
        r = model.eval(term, model_completion=True)
        if z3.is_int_value(r):
            return Fraction(r.as_long())
        return Fraction(r.numerator_as_long(), r.denominator_as_long())

    def val(name: str) -> Fraction:
        # only the weights are read back: walking every declaration of the model (one
        # per step and unit) costs more than z3's answer on easy instances
        if name in constants:
            return constants[name]
        return value((z3.Int if weights[name] else z3.Real)(name, ctx))
    W, U, b, V, c = _blocks(spec, k)
    net = Network(tuple(tuple(val(v) for v in r) for r in W), tuple(tuple(val(v) for v in r)
                  for r in U), tuple(val(v) for v in b), tuple(tuple(val(v) for v in r)
                  for r in V), tuple(val(v) for v in c))
    s0 = tuple(tuple(int(z3.is_true(model.eval(z3.Bool(f"init_{j}_{i}", ctx),
                                                model_completion=True))) for i in range(k))
               for j in range(len(spec.sequences)))
    return "sat", net, s0


def _name(spec: ThresholdSpec, block: str, idx: tuple[int, ...]) -> str:
    """A weight's SMT name, or its fixed value as an SMT term."""
    fixed = spec.fixed.get((block, idx))
    return _q(fixed) if fixed is not None else block + "_" + "_".join(map(str, idx))


def _blocks(spec: ThresholdSpec, k: int) -> tuple[list[list[str]], list[list[str]],
                                                   list[str], list[list[str]], list[str]]:
    d, m = spec.shape.inputs, spec.shape.readout or 0
    return ([[_name(spec, "W", (i, j)) for j in range(d)] for i in range(k)],
            [[_name(spec, "U", (i, j)) for j in range(k)] for i in range(k)],
            [_name(spec, "b", (i,)) for i in range(k)],
            [[_name(spec, "V", (o, j)) for j in range(k)] for o in range(m)],
            [_name(spec, "c", (o,)) for o in range(m)])


def _formula(spec: ThresholdSpec, k: int) -> tuple[str, dict[str, bool], dict[str, Fraction]]:
    """The SMT-LIB text, the free weights (name -> integer?) and the fixed ones."""
    d, m = spec.shape.inputs, spec.shape.readout or 0
    rel = ">" if spec.step.value == "strict" else ">="
    out: list[str] = []
    weights: dict[str, bool] = {}
    constants = {_q(v): Fraction(v) for v in spec.fixed.values() if v is not None}
    W, U, b, V, c = _blocks(spec, k)
    for block, rows in (("W", W), ("U", U), ("b", [b]), ("V", V), ("c", [c])):
        dom = spec.bias if block in ("b", "c") else spec.weights
        for name in itertools.chain.from_iterable(rows):
            if name in constants or name in weights:
                continue
            weights[name] = dom.integer
            out.append(f"(declare-const {name} {'Int' if dom.integer else 'Real'})")
            if dom.low is not None:
                out.append(f"(assert (>= {name} {_q(dom.low)}))")
            if dom.high is not None:
                out.append(f"(assert (<= {name} {_q(dom.high)}))")
    states = list(itertools.product((0, 1), repeat=k))

    def fires(terms: list[str]) -> str:
        return f"({rel} (+ {' '.join(terms)} 0) 0)"
    # the table entries of each distinct input vector, declared when first reached
    xs: dict[tuple[Fraction, ...], list[list[str]]] = {}

    def entries(x: tuple[Fraction, ...]) -> list[list[str]]:
        """Per unit i, per previous state sigma: the name of F[i, x, sigma]."""
        hit = xs.get(x)
        if hit is None:
            hit = xs[x] = [[] for _ in range(k)]
            for sigma in states:
                for i in range(k):
                    f = f"F{i}_{len(xs) - 1}_{''.join(map(str, sigma))}"
                    terms = [f"(* {W[i][j]} {_q(x[j])})" for j in range(d) if x[j]]
                    out.append(f"(declare-const {f} Bool)")
                    out.append(f"(assert (= {f} {fires(terms + [U[i][n] for n in range(k) if sigma[n]] + [b[i]])}))")
                    hit[i].append(f)
        return hit
    readout: list[list[str]] = []   # per output o, per state: the readout entry's name
    for o in range(m):
        readout.append([])
        for st in states:
            g = f"G{o}_{''.join(map(str, st))}"
            out.append(f"(declare-const {g} Bool)")
            out.append(f"(assert (= {g} {fires([V[o][n] for n in range(k) if st[n]] + [c[o]])}))")
            readout[o].append(g)
    for j, seq in enumerate(spec.sequences):
        prev = []
        for i, v in enumerate(seq.s0[:k]):
            out.append(f"(declare-const init_{j}_{i} Bool)")
            if v is not None:
                out.append(f"(assert {'' if v else '(not '}init_{j}_{i}{'' if v else ')'})")
            prev.append(f"init_{j}_{i}")
        for t, (x, y) in enumerate(zip(seq.inputs, seq.outputs)):
            cur = [f"s{j}_{t}_{i}" for i in range(k)]
            out.extend(f"(declare-const {n} Bool)" for n in cur)
            out.extend(f"(assert (= {n} {_select(prev, fs)}))"
                       for n, fs in zip(cur, entries(tuple(x))))
            for o, want in enumerate(y):
                if want == DONT_CARE:
                    continue
                got = _select(cur, readout[o]) if m else cur[spec.shape.observe[o]]
                out.append(f"(assert {got if want else f'(not {got})'})")
            prev = cur
    return "\n".join(out), weights, constants


def _select(bits: list[str], leaves: list[str]) -> str:
    """The leaf the bits pick (leaves in the order of itertools.product: first bit most
    significant), as nested if-then-else."""
    if not bits:
        return leaves[0]
    half = len(leaves) // 2
    return (f"(ite {bits[0]} {_select(bits[1:], leaves[half:])} "
            f"{_select(bits[1:], leaves[:half])})")


def _q(q: Fraction) -> str:
    """An exact rational as an SMT-LIB real term."""
    q = Fraction(q)
    num = f"{abs(q.numerator)}.0" if q.denominator == 1 else \
        f"(/ {abs(q.numerator)}.0 {q.denominator}.0)"
    return num if q >= 0 else f"(- {num})"
