"""Stage: checker. TRUSTED. Is a threshold network right on *every* input string?

A network with k binary units is a machine with at most 2^k states, so "right on every
string" is decided exactly by breadth-first exploration of the product (network state,
behaviour state), symbols in alphabet order. The first output difference found is on the
shortest failing string, and the first such in alphabet order (a pair is first reached by
the alphabet-first shortest string, and pairs of one level are scanned in that order).
Outputs ``?`` (DONT_CARE) are don't-care. A window formula becomes a machine over the last
j inputs; a reference network is itself a machine.

Exact: every weight row is scaled by the lcm of its denominators, so each z is an exact
integer (int64 when the row's bound fits, Python integers otherwise), and the sign is the
sign of the exact Fraction. Reads the spec through plain attributes (``spec.behaviour``,
``spec.step.value``, ``spec.shape``) and imports only input/, stdlib, numpy and trusted/.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from verify.input import window
from verify.trusted import network
from verify.trusted.core import CheckFailure

FORMAT = "verify-behaviour-certificate/1"
DONT_CARE = -1
MAX_UNITS, QBITS = 40, 22  # a (network state, behaviour state) pair packs into an int64


@dataclass(frozen=True)
class Table:
    """The behaviour as an explicit machine: ``delta[q, a]``, ``out[q, a, o]``."""

    delta: np.ndarray
    out: np.ndarray
    start: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Exploration:
    equivalent: bool
    pairs: int                        # (network state, behaviour state) pairs reached
    string: tuple[int, ...] | None    # the failing string (symbol indices), if any
    others: tuple[tuple[int, ...], ...] = ()  # up to ``more`` other failing strings of
                                              # the same length (for the design loop)


def _scaled(rows: list[list[Fraction]]) -> np.ndarray:
    """Each row times the positive lcm of its denominators: same signs, exact integers."""
    ints = [[int(v * math.lcm(*(f.denominator for f in r))) for v in r] for r in rows]
    # every partial sum of a row times 0/1 bits is an integer of size <= bound: exact in
    # float64 below 2^53 (fast matrix products), in int64 below 2^62, else Python ints
    bound = max((sum(abs(v) for v in r) for r in ints), default=0)
    kind = np.float64 if bound < 2**53 else np.int64 if bound < 2**62 else object
    return np.array(ints, dtype=kind)


class _Stepper:
    """One step of a network from many packed states (bit i of a code = unit i) at once."""

    def __init__(self, spec: Any, net: Any, observe: tuple[int, ...] | None) -> None:
        self.k, self.strict = len(net.W), spec.step.value == "strict"
        alphabet = spec.behaviour.alphabet
        rows = [list(net.U[i]) + [sum((w * x for w, x in zip(net.W[i], sym)), Fraction(0))
                                  + net.b[i] for sym in alphabet] for i in range(self.k)]
        m = _scaled(rows)
        self.U, self.C = m[:, :self.k], m[:, self.k:]          # (k, k), (k, |alphabet|)
        self.R = _scaled([list(v) + [c] for v, c in zip(net.V, net.c)]) if net.V else None
        self.observe = observe if observe is not None else tuple(range(self.k))

    def fire(self, z: np.ndarray) -> np.ndarray:
        return (z > 0 if self.strict else z >= 0).astype(np.float64)

    def step(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Next codes (n, |alphabet|) and outputs (n, |alphabet|, m)."""
        bits = ((codes[:, None] >> np.arange(self.k)) & 1).astype(self.U.dtype)
        s = self.fire((bits @ self.U.T)[:, None, :] + self.C.T[None, :, :])
        nxt = (s @ (2.0 ** np.arange(self.k))).astype(np.int64)  # k <= 40: exact
        if self.R is None:
            return nxt, s[:, :, list(self.observe)].astype(np.int64)
        z = s.astype(np.int64).astype(self.R.dtype) @ self.R[:, :-1].T + self.R[:, -1]  # exact
        return nxt, self.fire(z).astype(np.int64)


def _code(bits: tuple[int, ...]) -> int:
    return sum(int(v) << i for i, v in enumerate(bits))


def machine_table(spec: Any) -> Table:
    """The spec's behaviour as an explicit table, states numbered in discovery order."""
    beh = spec.behaviour
    na = len(beh.alphabet)
    if beh.machine is not None:
        mach = beh.machine
        return Table(np.array(mach.delta, dtype=np.int64), np.array(mach.out, dtype=np.int64),
                     mach.start, tuple(mach.states))
    if beh.network is not None:
        stepper = _Stepper(spec, beh.network, None)

        def move(codes: list[Any]) -> list[Any]:
            nxt, y = stepper.step(np.array(codes, dtype=np.int64))
            return [list(zip(n, map(tuple, o))) for n, o in zip(nxt.tolist(), y.tolist())]

        return _explore_table(_code(beh.network_s0), move, na, lambda c: "".join(
            str(c >> i & 1) for i in range(stepper.k)))
    lag = max(window.depth(f) for f in beh.formulas)
    zero = (0,) * len(beh.alphabet[0])

    def after(hists: list[Any]) -> list[Any]:  # a history: the last lag symbols, newest first
        rows = []
        for h in hists:
            vecs = [beh.alphabet[a] for a in h] + [zero] * (lag - len(h))
            rows.append([(((a,) + h)[:lag], tuple(window.evaluate(f, [beh.alphabet[a]] + vecs)
                                                  for f in beh.formulas)) for a in range(na)])
        return rows

    return _explore_table((), after, na, lambda h: " ".join(beh.names[a] for a in h) or "-")


def _explore_table(start: Any, move: Any, na: int, name: Any) -> Table:
    """Number the states reachable from ``start``; ``move`` gives [(next, output)] per symbol."""
    states, index, delta, out = [start], {start: 0}, [], []
    done = 0
    while done < len(states):
        batch, done = states[done:], len(states)
        for row in move(batch):
            for nxt, _ in row:
                if nxt not in index:
                    index[nxt] = len(states)
                    states.append(nxt)
            delta.append([index[nxt] for nxt, _ in row])
            out.append([y for _, y in row])
    return Table(np.array(delta, dtype=np.int64).reshape(len(states), na),
                 np.array(out, dtype=np.int64).reshape(len(states), na, -1), 0,
                 tuple(name(s) for s in states))


def _sorted_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    by_value = np.argsort(values, kind="stable")  # stable: a value's first occurrence first
    ordered = values[by_value]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    return by_value, ordered, starts


def _first_occurrences(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (sorted) and the index of each one's first occurrence."""
    by_value, ordered, starts = _sorted_runs(values)
    return ordered[starts], by_value[starts]


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and, per entry, the index of its value among them."""
    by_value, ordered, starts = _sorted_runs(values)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[by_value] = np.cumsum(starts) - 1
    return ordered[starts], inverse


def _path(levels: list[Any], i: int, a: int) -> tuple[int, ...]:
    """The string that reaches pair i of the last level, then symbol a."""
    string = [a]
    for _, parents, symbols in reversed(levels[1:]):
        string.append(int(symbols[i]))
        i = int(parents[i])
    return tuple(reversed(string))


def explore(spec: Any, net: Any, s0: tuple[int, ...], table: Table | None = None,
            more: int = 0) -> Exploration:
    """Breadth-first over (network state, behaviour state), in alphabet order. A pair is
    the int64 key ``code << QBITS | q``; each level keeps, for its new pairs in discovery
    order, the index of the parent in the level before and the symbol. ``more``: also
    return up to that many other failing strings of the shortest length."""
    table = table or machine_table(spec)
    if len(net.W) > MAX_UNITS or len(table.names) > 1 << QBITS:
        raise CheckFailure(f"explores at most {MAX_UNITS} units and 2^{QBITS} behaviour states")
    observe = None if net.V else tuple(spec.shape.observe)
    stepper, na = _Stepper(spec, net, observe), table.delta.shape[1]
    frontier = np.array([_code(s0) << QBITS | table.start], dtype=np.int64)
    seen, levels = frontier, [(frontier, np.zeros(1, np.int64), np.zeros(1, np.int64))]
    while len(frontier):
        qs = frontier & ((1 << QBITS) - 1)
        codes, inverse = _distinct(frontier >> QBITS)  # many pairs share a network state
        nxt, y = (v[inverse] for v in stepper.step(codes))
        want = table.out[qs]
        bad = np.flatnonzero(((want != DONT_CARE) & (want != y)).any(axis=2))
        if len(bad):  # bad[0]: the shortest failing string, first in alphabet order
            strings = tuple(_path(levels, *divmod(int(j), na)) for j in bad[:more + 1])
            return Exploration(False, len(seen), strings[0], strings[1:])
        keys, first = _first_occurrences(((nxt << QBITS) | table.delta[qs]).ravel())
        at = np.searchsorted(seen, keys)  # seen is sorted
        fresh = seen[np.minimum(at, len(seen) - 1)] != keys
        seen = np.insert(seen, at[fresh], keys[fresh])
        order = np.argsort(first[fresh])  # discovery order: parent first, then symbol
        frontier, first = keys[fresh][order], first[fresh][order]
        levels.append((frontier, first // na, first % na))
    return Exploration(True, len(seen), None)


def run_machine(table: Table, string: tuple[int, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """(state before the step, wanted output) per step of a string."""
    q, steps = table.start, []
    for a in string:
        steps.append((q, tuple(int(v) for v in table.out[q, a])))
        q = int(table.delta[q, a])
    return steps


@dataclass(frozen=True)
class _Sequence:  # the attributes of a NetSequence that trusted.network reads
    inputs: tuple[tuple[Fraction, ...], ...]
    outputs: tuple[tuple[int, ...], ...]
    s0: tuple[int | None, ...]
    line: int


def as_sequence(spec: Any, table: Table, string: tuple[int, ...], s0: tuple[int, ...]
                ) -> _Sequence:
    """A string as an example sequence: its outputs are what the behaviour says."""
    return _Sequence(tuple(spec.behaviour.alphabet[a] for a in string),
                     tuple(y for _, y in run_machine(table, string)), tuple(s0), 0)


def trace(spec: Any, table: Table, net: Any, s0: tuple[int, ...], string: tuple[int, ...]
          ) -> list[network.StepTrace]:
    """Exact step-by-step trace of a network on a string, with the behaviour's outputs."""
    one = dataclasses.replace(spec, sequences=(as_sequence(spec, table, string, s0),))
    return network.simulate(one, net, (s0,))[0]


def check_impossibility(spec: Any, cert: dict[str, Any]) -> None:
    """Replay "no k-unit network does this": the strings' outputs follow from the behaviour,
    and the core's refutation (verify-certificate/2) holds for those strings."""
    if cert.get("format") != FORMAT:
        raise CheckFailure(f"not a {FORMAT} certificate: format {cert.get('format')!r}")
    k, beh, table = cert.get("units"), spec.behaviour, machine_table(spec)
    refutation = cert.get("refutation") or {}
    if not isinstance(k, int) or refutation.get("units") != k:
        raise CheckFailure(f"units {k!r} and the refutation's units "
                           f"{refutation.get('units')!r} must be the same whole number")
    sequences = []
    for j, entry in enumerate(cert.get("strings", [])):
        unknown = [s for s in entry["input"] if s not in beh.names]
        if unknown or len(entry["input"]) != len(entry["output"]):
            raise CheckFailure(f"string {j}: symbol {unknown[0]!r} is not in the alphabet"
                               if unknown else f"string {j}: inputs and outputs differ in length")
        string = tuple(beh.names.index(s) for s in entry["input"])
        for t, ((_, want), printed) in enumerate(zip(run_machine(table, string),
                                                     entry["output"]), 1):
            text = "".join("?" if v == DONT_CARE else str(v) for v in want)
            if printed != text:
                raise CheckFailure(f"string {j}, step {t}: the behaviour gives output {text!r}, "
                                   f"the certificate says {printed!r}")
        sequences.append(as_sequence(spec, table, string, beh.s0[:k]))
    network.check_certificate(dataclasses.replace(spec, sequences=tuple(sequences)), refutation)
