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
    """("sat", network, s0) | ("unsat", None, None) | ("unknown", None, None).

    The formula is written as SMT-LIB text and parsed by z3 in one call: building
    thousands of terms through z3's Python API costs more than solving them."""
    import z3

    d, m = spec.shape.inputs, spec.shape.readout or 0
    rel = ">" if spec.step.value == "strict" else ">="
    out: list[str] = []
    weights: dict[str, tuple[str, tuple[int, ...]]] = {}
    constants: dict[str, Fraction] = {}

    def var(block: str, idx: tuple[int, ...]) -> str:
        fixed = spec.fixed.get((block, idx))
        if fixed is not None:
            constants[_q(fixed)] = Fraction(fixed)
            return _q(fixed)
        name = block + "_" + "_".join(map(str, idx))
        dom = spec.bias if block in ("b", "c") else spec.weights
        out.append(f"(declare-const {name} {'Int' if dom.integer else 'Real'})")
        if dom.low is not None:
            out.append(f"(assert (>= {name} {_q(dom.low)}))")
        if dom.high is not None:
            out.append(f"(assert (<= {name} {_q(dom.high)}))")
        weights[name] = (block, idx)
        return name
    W = [[var("W", (i, j)) for j in range(d)] for i in range(k)]
    U = [[var("U", (i, j)) for j in range(k)] for i in range(k)]
    b = [var("b", (i,)) for i in range(k)]
    V = [[var("V", (o, j)) for j in range(k)] for o in range(m)]
    c = [var("c", (o,)) for o in range(m)]
    states = list(itertools.product((0, 1), repeat=k))
    table: dict[Any, str] = {}

    def fires(terms: list[str]) -> str:
        return f"({rel} (+ {' '.join(terms)} 0) 0)"

    def entry(i: int, x: tuple[Fraction, ...], sigma: tuple[int, ...]) -> str:
        if (i, x, sigma) not in table:
            f = table[i, x, sigma] = f"F{i}_{len(table)}"
            out.append(f"(declare-const {f} Bool)")
            terms = [f"(* {W[i][j]} {_q(x[j])})" for j in range(d) if x[j]]
            out.append(f"(assert (= {f} {fires(terms + [U[i][n] for n in range(k) if sigma[n]] + [b[i]])}))")
        return table[i, x, sigma]
    for o in range(m):
        for st in states:
            out.append(f"(declare-const G{o}_{''.join(map(str, st))} Bool)")
            out.append(f"(assert (= G{o}_{''.join(map(str, st))} "
                       f"{fires([V[o][n] for n in range(k) if st[n]] + [c[o]])}))")

    def lits(names: list[str], bits: tuple[int, ...]) -> str:
        return "(and " + " ".join(n if v else f"(not {n})" for n, v in zip(names, bits)) + ")"
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
            for sigma in states:
                same = " ".join(f"(= {cur[i]} {entry(i, tuple(x), sigma)})" for i in range(k))
                out.append(f"(assert (=> {lits(prev, sigma)} (and {same})))")
            for o, want in enumerate(y):
                if want == DONT_CARE:
                    continue
                if m:
                    for st in states:
                        gn = f"G{o}_{''.join(map(str, st))}"
                        out.append(f"(assert (=> {lits(cur, st)} {gn if want else f'(not {gn})'}))")
                else:
                    n = cur[spec.shape.observe[o]]
                    out.append(f"(assert {n if want else f'(not {n})'})")
            prev = cur
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    if deadline is not None:
        solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
    solver.from_string("\n".join(out))
    result = solver.check()
    if result != z3.sat:
        return ("unsat" if result == z3.unsat else "unknown"), None, None
    model = solver.model()
    values = {str(dcl): model[dcl] for dcl in model.decls()}

    def val(name: str) -> Fraction:
        if name in constants:
            return constants[name]
        r = values.get(name)
        if r is None:
            return Fraction(0)
        return Fraction(r.numerator_as_long(), r.denominator_as_long()) if z3.is_rational_value(
            r) else Fraction(r.as_long())
    net = Network(tuple(tuple(val(v) for v in r) for r in W), tuple(tuple(val(v) for v in r)
                  for r in U), tuple(val(v) for v in b), tuple(tuple(val(v) for v in r)
                  for r in V), tuple(val(v) for v in c))
    s0 = tuple(tuple(int(z3.is_true(values[f"init_{j}_{i}"])) if f"init_{j}_{i}" in values
                     else 0 for i in range(k)) for j in range(len(spec.sequences)))
    return "sat", net, s0


def _q(q: Fraction) -> str:
    """An exact rational as an SMT-LIB real term."""
    q = Fraction(q)
    num = f"{abs(q.numerator)}.0" if q.denominator == 1 else \
        f"(/ {abs(q.numerator)}.0 {q.denominator}.0)"
    return num if q >= 0 else f"(- {num})"
