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
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import Network, ThresholdSpec
from verify.models.threshold.oracle import UnitOracle
from verify.models.threshold.table import Key, OutOfTime, Unit, entry_json, unit_of, unit_system
from verify.trusted.network import FORMAT, Branch, Replay

Weights = dict[str, Fraction]


@dataclass(frozen=True)
class SearchResult:
    status: str                                  # "realizable" | "unrealizable" | "unknown"
    network: Network | None
    s0: tuple[tuple[int, ...], ...] | None       # per sequence, per unit (chosen where free)
    certificate: dict[str, Any] | None           # verify-certificate/2, when unrealizable
    reason: str                                  # for unknown: what was tried
    stats: dict[str, Any] = field(default_factory=dict)


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
            proxy.append(dataclasses.replace(seq, inputs=ids))
        self.xs = list(index)
        self.replay = Replay(dataclasses.replace(spec, sequences=tuple(proxy)), units)
        self.strict = spec.step.value == "strict"
        self.cache: dict[Any, tuple[Weights | None, Any]] = {}
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
            wit[unit] = w
        if event == "end":
            from verify.models.threshold.integer import finish
            return finish(self, br)
        key = what
        unit = unit_of(key)
        guess = (self.oracles[unit].fires(wit[unit], key)
                 if unit is not None and unit in wit else None)
        order = (guess, 1 - guess) if guess is not None else (0, 1)
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
        s0 = tuple(tuple(seq.s0[i] if seq.s0[i] is not None else
                         found.table.get(("s0", j, i), 0) for i in range(k))
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


def search(spec: ThresholdSpec, units: int, *, deadline: float | None) -> SearchResult:
    """Some ``units``-unit network fitting every sequence, or a proof that none does.

    ``deadline`` is a :func:`time.monotonic` instant (None: no limit); past it the answer
    is "unknown", saying how far the search got.
    """
    start = time.monotonic()
    s = _Search(spec, units, deadline)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        out = s.node(Branch({}, {}, (0, 0, None), "root", {}), {}, {}, 0, 0)
        net_s0 = s.witness(out) if isinstance(out, _Found) else None
    except OutOfTime:
        stats = {**s.stats, "seconds": time.monotonic() - start,
                 "solves": sum(o.solves for o in s.oracles.values())}
        return SearchResult("unknown", None, None, None,
                            f"time ran out after exploring {s.stats['nodes']} nodes of the "
                            f"{units}-unit search tree (depth {s.stats['depth']}, "
                            f"{stats['solves']} linear solves)", stats)
    finally:
        sys.setrecursionlimit(limit)
    stats = {**s.stats, "seconds": time.monotonic() - start,
             "solves": sum(o.solves for o in s.oracles.values())}
    if net_s0 is not None:
        return SearchResult("realizable", net_s0[0], net_s0[1], None, "", stats)
    assert isinstance(out, dict)
    _materialise(s, out)
    size = proof_size(out)
    cert = {"format": FORMAT, "units": units, "proof": out, "size": size}
    return SearchResult("unrealizable", None, None, cert, "", {**stats, "proof": size})
