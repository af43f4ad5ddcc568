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

import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import Network, ThresholdSpec
from verify.models.threshold.table import (
    Key, OutOfTime, Unit, entry_json, point, unit_of, unit_system)
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


@dataclass
class _Found:
    table: dict[Key, int]
    weights: dict[Unit, Weights]


class _Search:
    def __init__(self, spec: ThresholdSpec, units: int, deadline: float | None) -> None:
        self.spec, self.k, self.deadline = spec, units, deadline
        self.replay = Replay(spec, units)
        self.strict = spec.step.value == "strict"
        self.cache: dict[Any, tuple[Weights | None, Any]] = {}
        self.stats = {"nodes": 0, "leaves": 0, "clashes": 0, "motzkin": 0, "depth": 0,
                      "solves": 0, "cache_hits": 0}

    def units(self) -> list[Unit]:
        return [("state", i) for i in range(self.k)] + [
            ("readout", o) for o in range(self.spec.shape.readout or 0)]

    def solve(self, unit: Unit, table: dict[Key, int], extra: Any = None,
              simplest: bool = False) -> tuple[Weights | None, Any]:
        """(weights, system) or (None, Motzkin leaf needing ``seen``) for one unit."""
        us = unit_system(self.spec, self.k, unit, table, extra)
        memo = (unit, us.entries, us.bounds, simplest)
        hit = self.cache.get(memo)
        if hit is None:
            self.stats["solves"] += 1
            hit = us.solve(self.deadline, simplest=simplest)
            self.cache[memo] = hit
        else:
            self.stats["cache_hits"] += 1
        return hit[0], (us, hit[1])

    def value(self, w: Weights | None, unit: Unit, key: Key) -> int | None:
        if w is None:
            return None
        params = list(w)
        z = sum((w[p] * x for p, x in zip(params, point(key))), Fraction(0))
        return int(z > 0) if self.strict else int(z >= 0)

    def node(self, br: Branch, wit: dict[Unit, Weights], depth: int, start: int
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
        wit = dict(wit)
        added = list(br.table.items())[start:]
        for unit in sorted({u for k, _ in added if (u := unit_of(k)) is not None}):
            w = wit.get(unit)
            if w is not None and all(self.value(w, unit, k) == v for k, v in added
                                     if unit_of(k) == unit):
                continue
            w, (us, lam) = self.solve(unit, br.table)
            if w is None:
                self.stats["leaves"] += 1
                self.stats["motzkin"] += 1
                assert br.seen is not None
                return us.leaf(unit, lam, br.seen)
            wit[unit] = w
        if event == "end":
            from verify.models.threshold.integer import integral
            return integral(self, br, wit)
        key = what
        unit = unit_of(key)
        guess = self.value(wit.get(unit), unit, key) if unit is not None else None
        order = (guess, 1 - guess) if guess is not None else (0, 1)
        proofs = []
        for v in order:
            child = Branch({**br.table, key: v}, br.bounds, br.cursor, "",
                           dict(br.seen or {}))
            sub = self.node(child, wit, depth + 1, len(br.table))
            if isinstance(sub, _Found):
                return sub
            proofs.append({"value": v, "proof": sub})
        return {"split": {"entry": entry_json(key)}, "cases": sorted(
            proofs, key=lambda c: c["value"])}

    def witness(self, found: _Found) -> tuple[Network, tuple[tuple[int, ...], ...]]:
        """Simple exact weights for the table found (each unit re-solved, simplest)."""
        w: dict[str, Fraction] = {}
        for unit in self.units():
            weights, _ = self.solve(unit, found.table, simplest=True)
            if weights is None:  # the search's weights are fine, only less simple
                weights = found.weights.get(unit) or {}
            w.update(weights)
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
        out = s.node(Branch({}, {}, (0, 0, None), "root", {}), {}, 0, 0)
        net_s0 = s.witness(out) if isinstance(out, _Found) else None
    except OutOfTime:
        stats = {**s.stats, "seconds": time.monotonic() - start}
        return SearchResult("unknown", None, None, None,
                            f"time ran out after exploring {s.stats['nodes']} nodes of the "
                            f"{units}-unit search tree (depth {s.stats['depth']}, "
                            f"{s.stats['solves']} linear solves)", stats)
    finally:
        sys.setrecursionlimit(limit)
    stats = {**s.stats, "seconds": time.monotonic() - start}
    if net_s0 is not None:
        return SearchResult("realizable", net_s0[0], net_s0[1], None, "", stats)
    assert isinstance(out, dict)
    size = proof_size(out)
    cert = {"format": FORMAT, "units": units, "proof": out, "size": size}
    return SearchResult("unrealizable", None, None, cert, "", {**stats, "proof": size})
