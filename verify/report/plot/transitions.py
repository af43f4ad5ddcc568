"""Stage: report (pictures, threshold networks). The state-transition graph of one network.

Pure and exact, no matplotlib: :mod:`.diagram` draws what :func:`diagram_of` returns.
Nodes are the network's states as binary codes (``"01"``: s_1 = 0, s_2 = 1), reachable
from the start state(s) under the spec's inputs (the distinct input vectors of its
sequences, or a behaviour's alphabet); an edge is a transition, labelled ``x / y``
(input / output: the readout, or the observed units), parallel transitions merged into
one label. Each step is computed by the trusted simulation
(:func:`verify.trusted.network.simulate`) in exact Fractions; the picture is a report,
not a verdict: every verdict was reached and re-checked before it is drawn.

Which network an outcome shows: a claimed network (right or wrong: the claim's own
weights, and for a wrong one the transition taken at the first wrong output), else the
tool's witness, the fewest-units witness, or a behaviour's design. An unrealizable or
unknown answer has no network and no picture.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.models.threshold.network import DONT_CARE, NetSequence, Network, ThresholdSpec
from verify.recheck import network_from_json
from verify.trusted.network import simulate

SHOWN = 32        # states drawn at most
EXPLORED = 4096   # states counted at most (a behaviour may allow dozens of units)
Code = tuple[int, ...]
ALPHABET = "the behaviour's alphabet"


@dataclass(frozen=True)
class Symbol:
    """One input: how it is written on an edge, and its exact vector."""

    name: str
    x: tuple[Fraction, ...]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    labels: tuple[str, ...]       # "x / y", one per input taking source to target
    wrong: bool = False           # the transition taken at the first wrong output

    @property
    def label(self) -> str:
        return ", ".join(self.labels) if len(self.labels) <= 2 else "\n".join(self.labels)


@dataclass(frozen=True)
class Diagram:
    title: str
    what: str                     # "the claimed network", "the tool's witness", ...
    units: int
    states: tuple[str, ...]       # shown, in discovery order (start states first)
    starts: tuple[str, ...]
    edges: tuple[Edge, ...]
    reachable: int                # states reachable in all (a lower bound if not complete)
    complete: bool                # every reachable state was counted
    inputs: tuple[str, ...]
    inputs_from: str              # "the sequences" or "the behaviour's alphabet"
    outputs: str                  # what y is: "readout y" or "observed units 1, 2"
    caption: str = ""             # the first wrong output, in words

    @property
    def reach_note(self) -> str:
        """Which states are drawn, e.g. ``(first 32 of 40 states)``."""
        if self.reachable <= len(self.states):
            return f"all {self.reachable} states reachable from s0 under these inputs"
        n = str(self.reachable) if self.complete else f"more than {EXPLORED}"
        return f"(first {len(self.states)} of {n} states) reachable from s0, breadth first"


@dataclass(frozen=True)
class Wrong:
    """The step of a wrong claim: from state ``s_prev`` the input ``x`` (then ``t``, where)."""

    s_prev: Code
    x: tuple[Fraction, ...]
    caption: str


def code(bits: Sequence[int]) -> str:
    return "".join(str(int(b)) for b in bits)


def symbol_name(x: Sequence[Fraction]) -> str:
    """``(0, 1)`` as ``01``; other numbers joined by commas (``1/2,3``)."""
    if all(v in (0, 1) for v in x):
        return "".join(str(int(v)) for v in x)
    return ",".join(str(v) for v in x)


def step_all(spec: ThresholdSpec, net: Network, pairs: list[tuple[Code, Symbol]]
             ) -> list[tuple[Code, tuple[int, ...]]]:
    """(next state, output) for each (state, input), one exact step each."""
    m = spec.shape.outputs
    seqs = tuple(NetSequence((p[1].x,), ((DONT_CARE,) * m,), p[0], 0) for p in pairs)
    one = dataclasses.replace(spec, sequences=seqs, behaviour=None)
    return [(run[0].s, run[0].y) for run in simulate(one, net, [p[0] for p in pairs])]


def graph(spec: ThresholdSpec, net: Network, starts: Sequence[Code], symbols: Sequence[Symbol],
          *, wrong: Wrong | None = None, title: str = "", what: str = "",
          inputs_from: str = "the sequences", note: str = "") -> Diagram:
    """The states reachable from ``starts`` under ``symbols`` (breadth first, the first
    :data:`SHOWN` drawn) and the transitions among them, computed exactly. ``note`` is a
    caption (else the wrong step's)."""
    spec = dataclasses.replace(spec, shape=dataclasses.replace(spec.shape, units=len(net.W)))
    order: list[Code] = list(dict.fromkeys(tuple(s) for s in starts))
    seen, frontier = set(order), list(order)
    moves: dict[Code, list[tuple[Symbol, Code, tuple[int, ...]]]] = {}
    while frontier and len(seen) <= EXPLORED:
        pairs = [(s, a) for s in frontier for a in symbols]
        frontier = []
        for (s, a), (nxt, y) in zip(pairs, step_all(spec, net, pairs)):
            moves.setdefault(s, []).append((a, nxt, y))
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                frontier.append(nxt)
    shown = order[:SHOWN]
    kept = set(shown)
    merged: dict[tuple[Code, Code], list[str]] = {}
    bad: tuple[Code, Code] | None = None
    for s in shown:
        for a, nxt, y in moves.get(s, []):
            if nxt not in kept:
                continue
            merged.setdefault((s, nxt), []).append(f"{a.name} / {code(y)}")
            if wrong is not None and s == wrong.s_prev and a.x == wrong.x:
                bad = (s, nxt)
    edges = tuple(Edge(code(s), code(t), tuple(labels), (s, t) == bad)
                  for (s, t), labels in merged.items())
    outputs = ("readout y" if spec.shape.readout is not None else
               "observed unit" + ("s " if len(spec.shape.observe) != 1 else " ")
               + ", ".join(str(i + 1) for i in spec.shape.observe))
    return Diagram(title, what, len(net.W), tuple(code(s) for s in shown),
                   tuple(code(s) for s in dict.fromkeys(tuple(s) for s in starts)),
                   edges, len(seen), not frontier, tuple(a.name for a in symbols),
                   inputs_from, outputs, note or _caption(wrong, bad is not None))


def _caption(wrong: Wrong | None, drawn: bool) -> str:
    if wrong is None:
        return ""
    return wrong.caption + (" (red edge)" if drawn else
                            f" (not drawn: beyond the first {SHOWN} states)")


# -- which network an outcome shows --------------------------------------------------------

def _sequence_symbols(spec: ThresholdSpec) -> list[Symbol]:
    xs = dict.fromkeys(tuple(x) for seq in spec.sequences for x in seq.inputs)
    return [Symbol(symbol_name(x), x) for x in xs]


def _behaviour_symbols(spec: ThresholdSpec) -> list[Symbol]:
    beh = spec.behaviour
    return [Symbol(name, tuple(x)) for name, x in zip(beh.names, beh.alphabet)]


def _sequence_wrong(spec: ThresholdSpec, net: Network, s0: Sequence[Code],
                    where: dict[str, Any]) -> Wrong:
    j, t = where["sequence"], where["t"]
    one = dataclasses.replace(spec, sequences=(spec.sequences[j],),
                              shape=dataclasses.replace(spec.shape, units=len(net.W)))
    st = simulate(one, net, [s0[j]])[0][t - 1]
    want = "".join("?" if v == DONT_CARE else str(v) for v in st.expected)
    return Wrong(st.s_prev, st.x, (
        f"first wrong output: sequence {j}, t = {t}: in state {code(st.s_prev)} the input "
        f"{symbol_name(st.x)} gives {code(st.y)}, the spec wants "
        f"{want}"))


def _name(spec: ThresholdSpec) -> str:
    return spec.name or spec.path


def outcome_diagram(spec: ThresholdSpec, payload: dict[str, Any]) -> Diagram | None:
    """The diagram of a threshold-rnn outcome (its spec and JSON payload), or None."""
    if spec.behaviour is not None:
        return _behaviour_diagram(spec, payload)
    claim = payload.get("claim", {})
    symbols = _sequence_symbols(spec)
    witness = spec.claim.witness if spec.claim is not None else None
    if witness is not None and claim.get("s0") and _fits(spec, witness):
        # judged by running it (a claim outside the domain is not run: the tool's witness)
        codes = [tuple(v) for v in claim["s0"]]
        bad = claim.get("first_difference")
        wrong = _sequence_wrong(spec, witness, codes, bad) if bad else None
        return graph(spec, witness, codes, symbols, wrong=wrong, title=_name(spec),
                     what=f"the claimed network ({claim['verdict']})")
    if payload.get("status") != "realizable" or "witness" not in payload:
        return None
    what = ("the fewest-units witness" if "fewest_units" in payload else "the tool's witness")
    note = ("the claimed network is not drawn: " + claim["reason"]
            if witness is not None and claim.get("verdict") == "incorrect" else "")
    return graph(spec, network_from_json(payload["witness"]),
                 [tuple(v) for v in payload["s0"]], symbols, title=_name(spec), what=what,
                 note=note)


def _fits(spec: ThresholdSpec, net: Network) -> bool:
    k, d = len(net.W), spec.shape.inputs
    return (k > 0 and all(len(r) == d for r in net.W) and len(net.U) == k
            and all(len(r) == k for r in net.U) and len(net.b) == k
            and (spec.shape.readout is None or (len(net.V) == spec.shape.readout
                                                and all(len(r) == k for r in net.V)
                                                and len(net.c) == spec.shape.readout)))


def _behaviour_diagram(spec: ThresholdSpec, payload: dict[str, Any]) -> Diagram | None:
    symbols = _behaviour_symbols(spec)
    if "network" in payload:  # a judged claim
        net, s0 = network_from_json(payload["network"]), tuple(payload["s0"])
        claim = payload.get("claim", {})
        wrong = None
        if claim.get("trace"):
            last = claim["trace"][-1]
            index = spec.behaviour.names.index(last["x"])
            wrong = Wrong(tuple(last["s_prev"]), tuple(spec.behaviour.alphabet[index]), (
                f"first wrong output: on the string {' '.join(claim['string'])}, t = "
                f"{last['t']}: in state {code(last['s_prev'])} the input {last['x']} gives "
                f"{last['y']}, the behaviour wants {last['wanted']}"))
        note = ""
        if "reason" in claim:  # judged outside the spec's domain (or shape): not run
            if not _fits(spec, net) or len(s0) != len(net.W):
                return None
            note = f"not allowed: {claim['reason']}"
        return graph(spec, net, [s0], symbols, wrong=wrong, title=_name(spec),
                     what=f"the claimed network ({claim.get('verdict', 'judged')})",
                     inputs_from=ALPHABET, note=note)
    designs = [a for a in payload.get("attempts", []) if a.get("network") is not None]
    if not designs:
        return None
    last = designs[-1]
    what = "the fewest-units design" if "fewest_units" in payload else "the design"
    return graph(spec, network_from_json(last["network"]), [tuple(last["s0"])], symbols,
                 title=_name(spec), what=what, inputs_from=ALPHABET)
