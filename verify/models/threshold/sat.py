"""Stage: search (untrusted). A z3 model over the transition table, to find witnesses fast.

The DPLL in :mod:`verify.models.threshold.search` proves; for *finding* a network on
hard realizable instances a CDCL solver that learns across the whole trace is faster.
This encoding keeps the linear part small: one Boolean per table entry (unit i's value
at input x after state sigma: at most 2^k per distinct input; readout o at state s),
each tied to its one linear inequality over that unit's weights, and pure Boolean
constraints per step (``s_(t-1) = sigma  =>  s_t[i] = F[i, x_t, sigma]``; the output
through the observed unit or the readout entry). A model is only a hint: the caller
re-solves each unit exactly on the table it implies and the checker re-simulates.
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import DONT_CARE, Network, ThresholdSpec


def table_network(spec: ThresholdSpec, k: int, deadline: float | None
                  ) -> tuple[str, Network | None, tuple[tuple[int, ...], ...] | None]:
    """("sat", network, s0) | ("unsat", None, None) | ("unknown", None, None)."""
    import z3

    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    if deadline is not None:
        solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
    d, m = spec.shape.inputs, spec.shape.readout or 0
    strict = spec.step.value == "strict"

    def var(name: str, block: str, idx: tuple[int, ...]) -> Any:
        dom = spec.bias if block in ("b", "c") else spec.weights
        fixed = spec.fixed.get((block, idx))
        if fixed is not None:
            return _q(z3, fixed, ctx)
        v = z3.Int(name, ctx) if dom.integer else z3.Real(name, ctx)
        if dom.low is not None:
            solver.add(v >= _q(z3, dom.low, ctx))
        if dom.high is not None:
            solver.add(v <= _q(z3, dom.high, ctx))
        return v
    W = [[var(f"W{i}_{j}", "W", (i, j)) for j in range(d)] for i in range(k)]
    U = [[var(f"U{i}_{j}", "U", (i, j)) for j in range(k)] for i in range(k)]
    b = [var(f"b{i}", "b", (i,)) for i in range(k)]
    V = [[var(f"V{o}_{j}", "V", (o, j)) for j in range(k)] for o in range(m)]
    c = [var(f"c{o}", "c", (o,)) for o in range(m)]

    def fires(z: Any) -> Any:
        return z > 0 if strict else z >= 0
    states = list(itertools.product((0, 1), repeat=k))
    table: dict[Any, Any] = {}

    def entry(i: int, x: tuple[Fraction, ...], sigma: tuple[int, ...]) -> Any:
        if (i, x, sigma) not in table:
            f = table[i, x, sigma] = z3.Bool(f"F{i}_{len(table)}", ctx)
            z = z3.Sum([W[i][j] * _q(z3, x[j], ctx) for j in range(d)]
                       + [U[i][j] for j in range(k) if sigma[j]] + [b[i]])
            solver.add(f == fires(z))
        return table[i, x, sigma]
    readout = {(o, s): z3.Bool(f"G{o}_{s}", ctx) for o in range(m) for s in states}
    for (o, s), g in readout.items():
        solver.add(g == fires(z3.Sum([V[o][j] for j in range(k) if s[j]] + [c[o]])))
    s0_vars = []
    for j, seq in enumerate(spec.sequences):
        prev = [z3.BoolVal(bool(v), ctx) if v is not None else z3.Bool(f"s0_{j}_{i}", ctx)
                for i, v in enumerate(seq.s0[:k])]
        s0_vars.append(prev)
        for t, (x, y) in enumerate(zip(seq.inputs, seq.outputs)):
            cur = [z3.Bool(f"s{j}_{t}_{i}", ctx) for i in range(k)]
            for sigma in states:
                here = z3.And([p if bit else z3.Not(p) for p, bit in zip(prev, sigma)])
                solver.add(z3.Implies(here, z3.And([cur[i] == entry(i, tuple(x), sigma)
                                                    for i in range(k)])))
            for o, want in enumerate(y):
                if want == DONT_CARE:
                    continue
                if m:
                    for s in states:
                        here = z3.And([p if bit else z3.Not(p) for p, bit in zip(cur, s)])
                        solver.add(z3.Implies(here, readout[o, s] == bool(want)))
                else:
                    solver.add(cur[spec.shape.observe[o]] == bool(want))
            prev = cur
    result = solver.check()
    if result != z3.sat:
        return ("unsat" if result == z3.unsat else "unknown"), None, None
    model = solver.model()

    def val(v: Any) -> Fraction:
        if isinstance(v, Fraction):
            return v
        r = model.eval(v, model_completion=True)
        return Fraction(r.numerator_as_long(), r.denominator_as_long()) if z3.is_rational_value(
            r) else Fraction(r.as_long())
    net = Network(tuple(tuple(val(v) for v in r) for r in W), tuple(tuple(val(v) for v in r)
                  for r in U), tuple(val(v) for v in b), tuple(tuple(val(v) for v in r)
                  for r in V), tuple(val(v) for v in c))
    s0 = tuple(tuple(int(z3.is_true(model.eval(p, model_completion=True))) for p in prev)
               for prev in s0_vars)
    return "sat", net, s0


def _q(z3: Any, q: Fraction, ctx: Any) -> Any:
    q = Fraction(q)
    return z3.RealVal(f"{q.numerator}/{q.denominator}", ctx)
