"""Stage: search (untrusted). Hidden states: a DPLL search whose trace is the proof tree.

The search walks the transition table in exactly the order the trusted replay
(:mod:`verify.trusted.network`) simulates it -- it *uses* that replay's simulation -- so
every node it explores is a node the checker will accept: the entry the run needs next
is split (the value the current weights of that unit predict first), entries that an
output dictates are assigned, a contradicted output is a clash leaf, and whenever a
unit's assigned entries stop being linearly feasible (checked exactly; a new linear
solve only when the unit's current weights violate a new row) the unit's Motzkin
certificate is the leaf. When the run reaches the end, every unit's system is feasible
and the weights reproduce every output: a witness. Integer weights are then found by
branch-and-bound (:mod:`verify.models.threshold.integer`), whose tree of weight branches
and Motzkin leaves is part of the proof. Nothing here is trusted: the witness goes
through ``check_witness`` and the certificate through ``check_certificate``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import Network, SearchResult, ThresholdSpec
from verify.models.threshold.oracle import UnitOracle
from verify.models.threshold.table import (
    Key,
    OutOfTime,
    Unit,
    bound_rows,
    entry_json,
    unit_of,
    unit_system,
)
from verify.trusted.network import FORMAT, Branch, Replay, names, simulate

Weights = dict[str, Fraction]
LONGEST_FIRST = True
Z3_SECONDS = 5.0  # z3's first slice (doubling): it finds networks; the DPLL proves
# The DPLL's first run: where it finds networks at all it mostly does so within a few
# dozen nodes (planted k = 3, T = 100: 13-66 nodes, a few at 125-291); past that, z3
# (~0.03 s on such instances) is cheaper than more chronological search.
PROBE_NODES = 60
# z3's weights are kept as the witness when every numerator and denominator is at most
# this (after scaling); only larger ones are re-solved for the simplest weights, which
# costs more than z3's answer on most instances z3 answers (~15 ms for k = 3).
Z3_HEIGHT = 16


class _Restart(Exception):
    """A randomised run used up its node budget."""


@dataclass(frozen=True)
class _Lazy:
    """A Motzkin leaf, printed only if the search ends unrealizable (most never are)."""

    unit: Unit
    core: Any
    seen: Any


def _materialise(search: _Search, tree: dict[str, Any]) -> None:
    todo = [tree]
    while todo:
        node = todo.pop()
        if "cases" in node:
            todo.extend(c["proof"] for c in node["cases"])
        elif isinstance(node.get("motzkin"), _Lazy):
            lazy = node["motzkin"]
            seen = {search.real(k): v for k, v in lazy.seen.items()}
            node["motzkin"] = lazy.core.system.leaf(lazy.unit, lazy.core.multipliers,
                                                    seen)["motzkin"]


@dataclass
class _Found:
    table: dict[Key, int]
    weights: dict[Unit, Weights]


class _Search:
    def __init__(self, spec: ThresholdSpec, units: int, deadline: float | None) -> None:
        self.spec, self.k, self.deadline = spec, units, deadline
        # The run looks entries up by input vector; hashing tuples of Fractions at every
        # step is slow, so the search runs on a proxy spec whose inputs are (index,) of
        # the distinct vectors, and maps keys back (``real``) wherever they are printed.
        self.xs: list[tuple[Fraction, ...]] = []
        index: dict[tuple[Fraction, ...], int] = {}
        proxy = []
        for seq in spec.sequences:
            ids = tuple((index.setdefault(tuple(x), len(index)),) for x in seq.inputs)
            proxy.append(dataclasses.replace(seq, inputs=ids))  # type: ignore[arg-type]
        self.xs = list(index)
        # the order the run takes the sequences in (printed as the certificate's "order")
        self.seq_order = sorted(range(len(spec.sequences)),
                            key=lambda j: -len(spec.sequences[j].inputs)) if LONGEST_FIRST \
            else list(range(len(spec.sequences)))
        self.replay = Replay(dataclasses.replace(spec, sequences=tuple(proxy)), units,
                             self.seq_order)
        self.strict = spec.step.value == "strict"
        self.cache: dict[Any, tuple[Weights | None, Any]] = {}
        self.rng: random.Random | None = None
        self.noise = 0.0
        self.budget: int | None = None
        self.oracles = {u: UnitOracle(spec, units, u, deadline, self.real)
                        for u in self.units()}
        self.stats = {"nodes": 0, "leaves": 0, "clashes": 0, "motzkin": 0, "depth": 0}

    def units(self) -> list[Unit]:
        return [("state", i) for i in range(self.k)] + [
            ("readout", o) for o in range(self.spec.shape.readout or 0)]

    def real(self, key: Key) -> Key:
        """A proxy table key as the checker writes it (with the input vector)."""
        return ("state", key[1], self.xs[key[2][0]], key[3]) if key[0] == "state" else key

    def real_table(self, table: dict[Key, int]) -> dict[Key, int]:
        return {self.real(k): v for k, v in table.items()}

    def solve(self, unit: Unit, table: dict[Key, int], extra: Any = None,
              simplest: bool = False) -> tuple[Weights | None, Any]:
        """(weights, system) or (None, Motzkin leaf needing ``seen``) for one unit."""
        us = unit_system(self.spec, self.k, unit, self.real_table(table), extra)
        memo = (unit, us.entries, us.bounds, simplest)
        hit = self.cache.get(memo)
        if hit is None:
            self.stats["final_solves"] = self.stats.get("final_solves", 0) + 1
            theta, lam = us.solve(self.deadline, simplest=simplest)
            hit = self.cache[memo] = (None if theta is None else us.weights(theta), lam)
        return hit[0], (us, hit[1])

    def node(self, br: Branch, wit: dict[Unit, tuple[int, ...]],
             masks: dict[Unit, tuple[int, int]], depth: int, start: int
             ) -> _Found | dict[str, Any]:
        """A witness below this node, or the proof that there is none. Table entries from
        index ``start`` on are new on this branch (the split's, then the run's)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime
        self.stats["nodes"] += 1
        if self.budget is not None and self.stats["nodes"] > self.budget:
            raise _Restart
        self.stats["depth"] = max(self.stats["depth"], depth)
        event, what = self.replay.advance(br)
        if event == "clash":
            self.stats["leaves"] += 1
            self.stats["clashes"] += 1
            return {"clash": {"sequence": what[0], "t": what[1], "output": what[2]}}
        wit, masks = dict(wit), dict(masks)
        added = list(br.table.items())[start:]
        touched: set[Unit] = set()
        for key, v in added:
            unit = unit_of(key)
            if unit is None:
                continue
            oracle = self.oracles[unit]
            m1, m0 = masks.get(unit, (0, 0))
            bit = oracle.bit(key)
            masks[unit] = (m1 | bit, m0) if v else (m1, m0 | bit)
            w = wit.get(unit)
            if w is None or oracle.fires(w, key) != v:
                touched.add(unit)
        for unit in sorted(touched):
            w, core = self.oracles[unit].check(*masks[unit])
            if core is not None:
                self.stats["leaves"] += 1
                self.stats["motzkin"] += 1
                return {"motzkin": _Lazy(unit, core, br.seen)}
            assert w is not None
            wit[unit] = w
        if event == "end":
            from verify.models.threshold.integer import finish
            return finish(self, br)
        key = what
        order = self.order(br, key, wit)
        proofs = []
        for v in order:
            child = Branch({**br.table, key: v}, br.bounds, br.cursor, "",
                           dict(br.seen or {}))
            sub = self.node(child, wit, masks, depth + 1, len(br.table))
            if isinstance(sub, _Found):
                return sub
            proofs.append({"value": v, "proof": sub})
        return {"split": {"entry": entry_json(self.real(key))}, "cases": sorted(
            proofs, key=lambda c: c["value"])}

    def order(self, br: Branch, key: Key, wit: dict[Unit, tuple[int, ...]]) -> tuple[int, int]:
        """Which value to try first for a state entry: the one with a completion of this
        step's next state whose readout (where assigned) gives the step's outputs, most
        such readouts known, then the most units agreeing with their current weights."""
        if key[0] != "state":
            return (0, 1)
        i, x, prev = key[1], key[2], key[3]
        p, t, _ = br.cursor
        j = self.seq_order[p]
        y = self.replay.spec.sequences[j].outputs[t]
        table, m = br.table, self.spec.shape.readout or 0

        def agrees(u: int, v: int) -> int:
            k_u = ("state", u, x, prev)
            w = wit.get(("state", u))
            return int(w is not None and self.oracles[("state", u)].fires(w, k_u) == v)
        head = tuple(table[("state", u, x, prev)] for u in range(i))
        best: dict[int, tuple[int, int]] = {}
        for v in (0, 1):
            for tail in itertools.product((0, 1), repeat=self.k - i - 1):
                s_new = head + (v,) + tail
                known = 0
                for o in range(m):
                    r = table.get(("readout", o, s_new))
                    if y[o] != -1 and r is not None:
                        known = known + 1 if r == y[o] else -1000
                score = (known, sum(agrees(u, b) for u, b in zip(range(i, self.k), s_new[i:])))
                if score[0] >= 0 and (v not in best or score > best[v]):
                    best[v] = score
        first = max((0, 1), key=lambda v: (v in best, best.get(v, (0, 0)), agrees(i, v)))
        if self.rng is not None and self.rng.random() < self.noise:
            first = 1 - first
        return (first, 1 - first)

    def witness(self, found: _Found) -> tuple[Network, tuple[tuple[int, ...], ...]]:
        """Simple exact weights for the table found (each unit re-solved, simplest)."""
        w = {p: v for unit_weights in found.weights.values() for p, v in unit_weights.items()}
        shape, k = self.spec.shape, self.k
        m = shape.readout or 0

        def get(name: str) -> Fraction:
            return w.get(name, Fraction(0))
        net = Network(
            tuple(tuple(get(f"W[{i}][{j}]") for j in range(shape.inputs)) for i in range(k)),
            tuple(tuple(get(f"U[{i}][{j}]") for j in range(k)) for i in range(k)),
            tuple(get(f"b[{i}]") for i in range(k)),
            tuple(tuple(get(f"V[{o}][{j}]") for j in range(k)) for o in range(m)),
            tuple(get(f"c[{o}]") for o in range(m)))
        s0 = tuple(tuple(int(found.table.get(("s0", j, i), 0)) if seq.s0[i] is None else
                         int(seq.s0[i] or 0) for i in range(k))
                   for j, seq in enumerate(self.spec.sequences))
        return net, s0


def proof_size(node: dict[str, Any]) -> dict[str, int]:
    """Nodes, leaves and depth of a printed proof tree."""
    todo, nodes, leaves, depth = [(node, 1)], 0, 0, 0
    while todo:
        n, d = todo.pop()
        nodes += 1
        depth = max(depth, d)
        if "cases" in n:
            todo.extend((c["proof"], d + 1) for c in n["cases"])
        else:
            leaves += 1
    return {"nodes": nodes, "leaves": leaves, "depth": depth}


def search(spec: ThresholdSpec, units: int, *, deadline: float | None,
           probe_nodes: int = PROBE_NODES, use_z3: bool = True) -> SearchResult:
    """Some ``units``-unit network fitting every sequence, or a proof that none does.

    ``deadline`` is a :func:`time.monotonic` instant (None: no limit); past it the answer
    is "unknown", saying how far the search got. The DPLL first runs for ``probe_nodes``
    nodes; if that does not settle it, z3 looks for a network over the transition table
    (:mod:`verify.models.threshold.sat`, finding only) for ``Z3_SECONDS``; if z3 proves
    there is none the DPLL runs to the end (its trace is the proof), if it runs out of
    time both go again with 4x the nodes and 2x the seconds.
    """
    start = time.monotonic()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    tried: list[str] = []
    s = _Search(spec, units, deadline)
    try:
        budget, cap = (probe_nodes if use_z3 else None), Z3_SECONDS
        while True:
            s.budget = budget
            try:
                out = s.node(Branch({}, {}, (0, 0, None), "root", {}), {}, {}, 0, 0)
                return _result(s, start, out, tried)
            except _Restart:
                tried.append(f"a DPLL probe of {budget} nodes")
            found, status = _from_z3(s, tried, cap)
            if found is not None:
                return _result(s, start, found, tried)
            # z3 proved there is none: the DPLL now runs to the end for the proof;
            # z3 ran out of its time: both try again, longer
            budget, cap = (None, cap) if status == "unsat" or budget is None else (
                budget * 4, cap * 2)
            oracles, s = s.oracles, _Search(spec, units, deadline)
            s.oracles = oracles  # what each unit's rows allow does not depend on the run
    except OutOfTime:
        stats = _stats(s, start)
        tried.append(f"the proof search, {s.stats['nodes']} nodes of the {units}-unit tree "
                     f"(depth {s.stats['depth']}, {stats['solves']} linear solves)")
        return SearchResult("unknown", None, None, None,
                            "time ran out after " + "; then ".join(tried), stats)
    finally:
        sys.setrecursionlimit(limit)


def _stats(s: _Search, start: float) -> dict[str, Any]:
    return {**s.stats, "seconds": time.monotonic() - start,
            "solves": sum(o.solves for o in s.oracles.values())}


def _result(s: _Search, start: float, out: _Found | dict[str, Any], tried: list[str]
            ) -> SearchResult:
    stats = {**_stats(s, start), "tried": tried}
    if isinstance(out, _Found):
        net, s0 = s.witness(out)
        return SearchResult("realizable", net, s0, None, "", stats)
    _materialise(s, out)
    size = proof_size(out)
    cert = {"format": FORMAT, "units": s.k, "order": s.seq_order, "proof": out, "size": size}
    return SearchResult("unrealizable", None, None, cert, "", {**stats, "proof": size})


def _from_z3(s: _Search, tried: list[str], seconds: float) -> tuple[_Found | None, str]:
    """z3's network and the table it runs through (None if z3 finds none within
    ``seconds``, or its network does not reproduce the outputs), and z3's status."""
    from verify.models.threshold.sat import table_network
    cap = time.monotonic() + seconds
    try:
        status, net, s0 = table_network(s.spec, s.k, cap if s.deadline is None
                                        else min(cap, s.deadline))
    except ImportError:
        return None, "unsat"  # no z3: the DPLL alone
    tried.append(f"z3 over the transition table ({status}"
                 + (f", capped at {seconds:g} s)" if status == "unknown" else ")"))
    if net is None or s0 is None:
        if s.deadline is not None and time.monotonic() >= s.deadline:
            raise OutOfTime
        return None, status
    # one exact simulation gives both the table and whether z3's weights reproduce the
    # outputs (its model is a hint; the pipeline's check_witness judges the final network)
    index = {x: n for n, x in enumerate(s.xs)}
    table: dict[Key, int] = {}
    for j, run in enumerate(simulate(s.spec, net, s0)):
        table.update({("s0", j, i): v for i, v in enumerate(s0[j])})
        for st in run:
            if st.differs():
                return None, "unknown"
            x = (index[tuple(st.x)],)
            table.update({("state", i, x, st.s_prev): v for i, v in enumerate(st.s)})
            if s.spec.shape.readout is not None:
                table.update({("readout", o, st.s): v for o, v in enumerate(st.y)})
    weights = {unit: _z3_weights(s, net, unit) for unit in s.units()}
    if all(abs(v.numerator) <= Z3_HEIGHT and v.denominator <= Z3_HEIGHT
           for w in weights.values() for v in w.values()):
        return _Found(table, weights), status
    from verify.models.threshold.integer import finish
    found = finish(s, Branch(table, {}, (0, 0, None), "", {}))  # simplest weights instead
    return (found, status) if isinstance(found, _Found) else (None, "unknown")


def _z3_weights(s: _Search, net: Network, unit: Unit) -> Weights:
    """One unit's weights from z3's network, scaled to coprime integers where the unit
    has no bound rows (a positive factor keeps the sign of every z, so the table is
    the same)."""
    value = {f"W[{i}][{j}]": v for i, row in enumerate(net.W) for j, v in enumerate(row)}
    value.update({f"U[{i}][{j}]": v for i, row in enumerate(net.U) for j, v in enumerate(row)})
    value.update({f"b[{i}]": v for i, v in enumerate(net.b)})
    value.update({f"V[{o}][{j}]": v for o, row in enumerate(net.V) for j, v in enumerate(row)})
    value.update({f"c[{o}]": v for o, v in enumerate(net.c)})
    params = names(s.spec, s.k, *unit)
    w = {p: Fraction(value[p]) for p in params}
    if bound_rows(s.spec, params, {}) or not any(w.values()):
        return w
    den = math.lcm(*(v.denominator for v in w.values()))
    num = math.gcd(*(int(v * den) for v in w.values()))
    return {p: v * den / num for p, v in w.items()}
