"""Stage: search (untrusted). Design a network for a behaviour, or prove none has k units.

Counterexample-guided: search weights that fit a finite set of input strings with the
threshold-network core (``models/threshold/search.search``), explore the product of the
result with the behaviour (``verify.trusted.product``); if some string fails, add the
shortest failing string and search again. When the core refutes a finite set, no k-unit
network is right on every string either: the set plus the core's refutation
(verify-certificate/2) is the impossibility certificate (verify-behaviour-certificate/1),
which ``product.check_impossibility`` replays. Every answer here is re-checked by the
trusted checker before it is returned; a rejection is an internal error.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verify.errors import InternalError
from verify.models.threshold.network import Network, ThresholdSpec
from verify.trusted import network, product
from verify.trusted.checker import CheckFailure

Search = Callable[..., Any]  # search(spec, units, *, deadline) -> SearchResult
String = tuple[int, ...]
COUNTEREXAMPLES = 8  # failing strings added per round (the shortest ones, in alphabet order)


@dataclass(frozen=True)
class Attempt:
    """The answer at one k: a design right on every string, a refutation, or unknown."""

    units: int
    status: str                     # realizable | unrealizable | unknown
    network: Network | None = None
    s0: tuple[int, ...] = ()
    pairs: int = 0                  # product pairs explored by the final check
    strings: tuple[String, ...] = ()   # the finite strings the last search used
    certificate: dict[str, Any] | None = None
    rounds: int = 0                 # searches made
    reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict)


def core_search() -> Search:
    from verify.models.threshold.search import search  # the threshold-network core
    return search


def spec_at(spec: ThresholdSpec, k: int) -> ThresholdSpec:
    """The spec with exactly k units (its start state the first k entries of s0)."""
    return dataclasses.replace(spec, shape=dataclasses.replace(spec.shape, units=k),
                               min_units=k, claim=None)


def finite_spec(spec: ThresholdSpec, k: int, strings: list[String],
                table: product.Table) -> ThresholdSpec:
    """The k-unit spec whose sequences are the strings, outputs as the behaviour says."""
    seqs = tuple(product.as_sequence(spec, table, w, spec.behaviour.s0[:k]) for w in strings)
    return dataclasses.replace(spec_at(spec, k), sequences=seqs,  # type: ignore[arg-type]
                               behaviour=None)  # duck-typed NetSequences


def certificate(spec: ThresholdSpec, k: int, strings: list[String], table: product.Table,
                refutation: dict[str, Any]) -> dict[str, Any]:
    names = spec.behaviour.names
    rows = [{"input": [names[a] for a in w],
             "output": ["".join("?" if v == product.DONT_CARE else str(v) for v in y)
                        for _, y in product.run_machine(table, w)]} for w in strings]
    return {"format": product.FORMAT, "units": k, "strings": rows, "refutation": refutation}


def add_string(strings: list[String], new: String) -> list[String]:
    """Keep only strings that are no prefix of another: a prefix adds no constraint."""
    kept = [w for w in strings if w != new[:len(w)]]
    if any(w[:len(new)] == new for w in kept):
        return kept
    return kept + [new]


def design_at(spec: ThresholdSpec, k: int, *, deadline: float | None,
              search: Search | None = None, strings: list[String] | None = None,
              table: product.Table | None = None) -> Attempt:
    """Counterexample-guided design with k units (see the module docstring)."""
    search = search or core_search()
    table = table or product.machine_table(spec)
    spec_k, s0 = spec_at(spec, k), tuple(spec.behaviour.s0[:k])
    current: list[String] = []
    for w in strings or [(a,) for a in range(len(spec.behaviour.alphabet))]:
        current = add_string(current, w)
    rounds, started = 0, time.monotonic()
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            return Attempt(k, "unknown", strings=tuple(current), rounds=rounds,
                           reason=f"timed out after {rounds} searches on "
                                  f"{len(current)} strings")
        rounds += 1
        res = search(finite_spec(spec, k, current, table), k, deadline=deadline)
        stats = {"searches": rounds, "seconds": round(time.monotonic() - started, 3),
                 "strings": len(current), "total_length": sum(map(len, current))}
        if res.status == "unknown":
            return Attempt(k, "unknown", strings=tuple(current), rounds=rounds,
                           reason=res.reason, stats=stats)
        if res.status == "unrealizable":
            cert = certificate(spec, k, current, table, res.certificate)
            try:
                product.check_impossibility(spec, cert)
            except CheckFailure as exc:
                raise InternalError(f"the {k}-unit impossibility proof failed the trusted "
                                    f"check: {exc}") from exc
            return Attempt(k, "unrealizable", strings=tuple(current), certificate=cert,
                           rounds=rounds, stats=stats)
        ex = product.explore(spec_k, res.network, s0, table, more=COUNTEREXAMPLES - 1)
        if ex.equivalent:
            return Attempt(k, "realizable", res.network, s0, ex.pairs, tuple(current),
                           rounds=rounds, stats=stats)
        assert ex.string is not None
        if ex.string in current:  # the core's network fails a string it was given
            raise InternalError(f"the core's {k}-unit network fails on a string it was "
                                f"asked to fit ({list(ex.string)})")
        for w in (ex.string, *ex.others):
            current = add_string(current, w)


def fewest(spec: ThresholdSpec, *, deadline: float | None, search: Search | None = None,
           low: int | None = None, high: int | None = None) -> list[Attempt]:
    """Attempts at k = low, low + 1, ... until a design (or unknown): refutations below it.
    The strings found at k carry over to k + 1 (they constrain every network)."""
    table = product.machine_table(spec)
    attempts: list[Attempt] = []
    strings: list[String] | None = None
    for k in range(low or network.smallest_units(spec), (high or spec.shape.units) + 1):
        attempt = design_at(spec, k, deadline=deadline, search=search, strings=strings,
                            table=table)
        attempts.append(attempt)
        if attempt.status != "unrealizable":
            break
        strings = list(attempt.strings)
    return attempts
