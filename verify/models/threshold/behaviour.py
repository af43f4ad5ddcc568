"""Stage: spec. Read ``behaviour:`` of a ``model: threshold-rnn`` spec into a :class:`Behaviour`.

Trusted in the same sense as the loader: the product exploration
(``verify.trusted.product``) judges networks against what is read here. A behaviour says
what a network must output on *every* input string, in one of three ways::

    behaviour:
      alphabet: ["00", "01", "10", "11"]    # input symbols: digit strings or lists of numbers
      machine:                              # a Mealy machine: state -> symbol -> [next, output]
        start: c0
        states:
          c0: {"00": [c0, "0"], "01": [c0, "1"], "10": [c0, "1"], "11": [c1, "0"]}
          c1: {"00": [c0, "1"], "01": [c1, "0"], "10": [c1, "0"], "11": [c1, "1"]}
      # or  output: "x[t] xor x[t-1]"       (a window formula, or a list: one per output)
      # or  network: {W: ..., U: ..., b: ..., V: ..., c: ..., s0: ...}   (a reference network)

Symbols in a machine are written as in ``alphabet:`` (a list symbol ``[1, 0]`` as "1,0").
Outputs are strings of 0, 1 and ? (don't care) or lists, one entry per output. A reference
network has a readout (V, c) with the spec's number of outputs, or none, and then all its
units are its outputs; it starts from its own ``s0:`` (default: the spec's s0 when that is
one value for every unit) and runs under the spec's ``step``. Every refusal names the
file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.input import window
from verify.input.exact import parse_number
from verify.input.yamldoc import Node
from verify.models.threshold.network import DONT_CARE, Network, Shape

KEYS = {"alphabet", "machine", "output", "network"}
NETWORK_KEYS = {"W", "U", "b", "V", "c", "s0"}
MAX_UNITS = 62        # network states are packed into 64-bit integers while exploring
MAX_WINDOW_STATES = 10**6  # |alphabet| ** j for a window formula reaching j steps back


@dataclass(frozen=True)
class Machine:
    """A Mealy machine over the alphabet's symbol indices."""

    states: tuple[str, ...]
    start: int
    delta: tuple[tuple[int, ...], ...]              # delta[q][a]: next state
    out: tuple[tuple[tuple[int, ...], ...], ...]    # out[q][a]: output (0, 1, DONT_CARE)


@dataclass(frozen=True)
class Behaviour:
    alphabet: tuple[tuple[Fraction, ...], ...]   # symbol a as an input vector (length d)
    names: tuple[str, ...]                       # how symbol a is written
    machine: Machine | None = None
    formulas: tuple[window.Formula, ...] | None = None  # one per output
    network: Network | None = None               # a reference network
    network_s0: tuple[int, ...] | None = None    # its start state
    s0: tuple[int, ...] = ()                     # the judged network's start state (per unit,
                                                 # for the spec's largest k; a prefix for fewer)
    line: int = 0


def load_behaviour(node: Node, shape: Shape, *, s0: tuple[int | None, ...],
                   step: Any = None, base: Any = None) -> Behaviour:
    """Validate ``behaviour:`` against the spec's shape (d inputs, m outputs) and s0 (one
    entry per unit, for the largest k). ``step`` and ``base`` are accepted from the loader
    and unused: the step is the spec's, a behaviour reads no files."""
    fields = node.mapping(allowed=KEYS, required={"alphabet"})
    given = [k for k in ("machine", "output", "network") if k in fields]
    if len(given) != 1:
        raise node.error("give exactly one of machine: (a Mealy machine), output: (a window "
                         "formula) or network: (a reference network)"
                         + (f"; found {', '.join(given)}" if given else ""))
    if any(v is None for v in s0):
        raise node.error("with behaviour:, the start state must be fixed (s0: 0, 1 or a list "
                         "of 0/1): one start state serves every input string")
    if shape.units > MAX_UNITS:
        raise node.error(f"behaviours are explored for at most {MAX_UNITS} units")
    alphabet, names = _alphabet(fields["alphabet"], shape.inputs)
    start = tuple(int(v) for v in s0 if v is not None)
    if "machine" in fields:
        return Behaviour(alphabet, names, machine=_machine(fields["machine"], names,
                                                           shape.outputs),
                         s0=start, line=node.line)
    if "output" in fields:
        return Behaviour(alphabet, names, formulas=_formulas(fields["output"], alphabet, shape),
                         s0=start, line=node.line)
    net, net_s0 = _network(fields["network"], shape, start)
    return Behaviour(alphabet, names, network=net, network_s0=net_s0, s0=start, line=node.line)


def _alphabet(node: Node, d: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[str, ...]]:
    symbols, names = [], []
    elements = node.elements()
    if not elements:
        raise node.error("the alphabet is empty; list the input symbols, e.g. [\"0\", \"1\"]")
    for el in elements:
        if el.is_sequence:
            vec = tuple(_number(e) for e in el.elements())
            name = ",".join(e.text().strip() for e in el.elements())
        else:
            name = el.text().strip()
            if not name or not name.isascii() or not name.isdigit():
                raise el.error(f"{name!r}: a symbol is a string of digits (one per input) "
                               "such as \"01\", or a list of numbers such as [0.5, 1]")
            vec = tuple(Fraction(int(ch)) for ch in name)
        if len(vec) != d:
            raise el.error(f"symbol {name!r} has {len(vec)} entries, but the spec has "
                           f"inputs: {d}; give {d} entries per symbol")
        if name in names:
            raise el.error(f"symbol {name!r} is listed twice; list each symbol once")
        symbols.append(vec)
        names.append(name)
    return tuple(symbols), tuple(names)


def _number(node: Node) -> Fraction:
    try:
        return parse_number(node.text())
    except ValueError as exc:
        raise node.error(str(exc)) from None


def _machine(node: Node, names: tuple[str, ...], m: int) -> Machine:
    fields = node.mapping(allowed={"start", "states"}, required={"start", "states"})
    rows = list(fields["states"].items())
    if not rows:
        raise fields["states"].error("the machine has no states; give at least one")
    index = {name: i for i, (name, _) in enumerate(rows)}
    start = fields["start"].text()
    if start not in index:
        raise fields["start"].error(f"start state {start!r} is not among the states "
                                    f"({', '.join(index)})")
    delta, out = [], []
    for state, row in rows:
        moves = dict(row.items())
        for sym, mnode in moves.items():
            if sym not in names:
                raise mnode.error(f"{sym!r} is not a symbol of the alphabet "
                                  f"({', '.join(names)})")
        missing = [s for s in names if s not in moves]
        if missing:
            raise row.error(f"state {state!r} gives no transition for symbol {missing[0]!r}; "
                            "give [next state, output] for every symbol of the alphabet")
        d_row, o_row = [], []
        for sym in names:
            nxt, o = _move(moves[sym], index, m)
            d_row.append(nxt)
            o_row.append(o)
        delta.append(tuple(d_row))
        out.append(tuple(o_row))
    return Machine(tuple(index), index[start], tuple(delta), tuple(out))


def _move(node: Node, index: dict[str, int], m: int) -> tuple[int, tuple[int, ...]]:
    parts = node.elements() if node.is_sequence else []
    if len(parts) != 2:
        raise node.error("a transition is [next state, output], e.g. [c0, \"1\"]")
    target = parts[0].text()
    if target not in index:
        raise parts[0].error(f"transition to unknown state {target!r}; the states are "
                             f"{', '.join(index)}")
    return index[target], _output(parts[1], m)


def _output(node: Node, m: int) -> tuple[int, ...]:
    entries = ([e.text().strip() for e in node.elements()] if node.is_sequence
               else list(node.text().strip()))
    if len(entries) != m:
        raise node.error(f"output {''.join(entries)!r} has {len(entries)} entries; the spec "
                         f"has {m} output(s): give one 0, 1 or ? per output")
    bad = [e for e in entries if e not in ("0", "1", "?")]
    if bad:
        raise node.error(f"output entry {bad[0]!r}: write 0, 1 or ? (don't care)")
    return tuple(DONT_CARE if e == "?" else int(e) for e in entries)


def _formulas(node: Node, alphabet: tuple[tuple[Fraction, ...], ...],
              shape: Shape) -> tuple[window.Formula, ...]:
    nodes = node.elements() if node.is_sequence else [node]
    if len(nodes) != shape.outputs:
        raise node.error(f"{len(nodes)} formula(s) for {shape.outputs} output(s); give one "
                         "formula per output (a list when there are several)")
    if any(v not in (0, 1) for sym in alphabet for v in sym):
        raise node.error("a window formula reads inputs as bits: every alphabet symbol "
                         "must be made of 0s and 1s")
    formulas = []
    for f_node in nodes:
        try:
            f = window.parse(f_node.text())
        except window.WindowError as exc:
            raise f_node.error(str(exc)) from None
        for ref in window.refs(f):
            if ref.index is None and shape.inputs != 1:
                raise f_node.error(f"the input has {shape.inputs} entries: write "
                                   f"x[t-{ref.lag}][i] with i from 0 to {shape.inputs - 1}")
            if ref.index is not None and ref.index >= shape.inputs:
                raise f_node.error(f"x[t-{ref.lag}][{ref.index}]: entry {ref.index} does not "
                                   f"exist; entries go from 0 to {shape.inputs - 1}")
        formulas.append(f)
    depth = max(window.depth(f) for f in formulas)
    if len(alphabet) ** depth > MAX_WINDOW_STATES:
        raise node.error(f"the window reaches {depth} steps back over {len(alphabet)} "
                         f"symbols: {len(alphabet)}^{depth} states, more than "
                         f"{MAX_WINDOW_STATES}; use a shorter window or a machine:")
    return tuple(formulas)


def _network(node: Node, shape: Shape, spec_s0: tuple[int, ...]
             ) -> tuple[Network, tuple[int, ...]]:
    fields = node.mapping(allowed=NETWORK_KEYS, required={"W", "U", "b"})
    W = _matrix(fields["W"], None, shape.inputs)
    k = len(W)
    if not 1 <= k <= MAX_UNITS:
        raise fields["W"].error(f"the reference network needs 1 to {MAX_UNITS} units "
                                f"(rows of W), found {k}")
    U = _matrix(fields["U"], k, k)
    b = _vector(fields["b"], k)
    V: tuple[tuple[Fraction, ...], ...] = ()
    c: tuple[Fraction, ...] = ()
    if ("V" in fields) != ("c" in fields):
        raise node.error("give both V and c (a readout) or neither (its units are outputs)")
    if "V" in fields:
        V = _matrix(fields["V"], shape.outputs, k)
        c = _vector(fields["c"], shape.outputs)
    elif k != shape.outputs:
        raise node.error(f"without a readout the reference network's {k} units are its "
                         f"outputs, but the spec has {shape.outputs}; add V and c")
    if "s0" in fields:
        s0 = _bits(fields["s0"], k)
    elif len(set(spec_s0)) == 1 or len(spec_s0) == k:
        s0 = spec_s0 if len(spec_s0) == k else (spec_s0[0],) * k
    else:
        raise node.error("the spec's s0 does not fit the reference network's units; give the "
                         "reference its own s0: [...] (one 0/1 per unit)")
    return Network(W, U, b, V, c), s0


def _matrix(node: Node, rows: int | None, cols: int) -> tuple[tuple[Fraction, ...], ...]:
    elements = node.elements()
    if rows is not None and len(elements) != rows:
        raise node.error(f"expected {rows} row(s), found {len(elements)}")
    return tuple(_vector(r, cols) for r in elements)


def _vector(node: Node, n: int) -> tuple[Fraction, ...]:
    elements = node.elements()
    if len(elements) != n:
        raise node.error(f"expected {n} number(s), found {len(elements)}")
    return tuple(_number(e) for e in elements)


def _bits(node: Node, n: int) -> tuple[int, ...]:
    values = _vector(node, n)
    if any(v not in (0, 1) for v in values):
        raise node.error("s0 entries are 0 or 1")
    return tuple(int(v) for v in values)


def symbol_text(behaviour: Behaviour, string: tuple[int, ...]) -> list[str]:
    """An input string (symbol indices) as the user wrote its symbols."""
    return [behaviour.names[a] for a in string]


def check_behaviour(spec: Any, options: Any) -> Any:
    """The threshold-rnn handler's entry point for ``behaviour:`` specs (see
    :mod:`verify.models.threshold.behaviour_pipeline`); imported lazily because the loader
    imports this module."""
    from verify.models.threshold.behaviour_pipeline import check_behaviour as check
    return check(spec, options)
