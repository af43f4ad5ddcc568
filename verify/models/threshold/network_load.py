"""Stage: spec. Turn a composed ``model: threshold-rnn`` spec into a :class:`ThresholdSpec`.

Trusted in the same sense as the step-rnn loader (:mod:`verify.models.threshold.load`,
whose scalar and data-file helpers this module reuses): the checker re-checks every
answer against what this produces. Every refusal is a :class:`SpecError` naming the file,
line and key and saying what to write instead; keys that belong to another model say so.
Vectors are kept as arrays (:mod:`verify.input.vectors`), so a 10**6-step sequence of
4-vectors from a ``.npy`` file loads in milliseconds.
"""

from __future__ import annotations

import importlib
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify.errors import SpecError
from verify.input.yamldoc import Node, load_file
from verify.models.threshold.load import _BOOL, _bool, _number, _s0, _text, open_spec
from verify.models.threshold.model_keys import STEP_RNN_KEYS, refuse_foreign
from verify.models.threshold.network import (
    BLOCKS,
    Domain,
    NetClaim,
    NetSequence,
    Network,
    Shape,
    StepKind,
    ThresholdSpec,
)
from verify.models.threshold.network_sequences import load_sequences

MODEL = "threshold-rnn"
TOP_KEYS = {"name", "description", "model", "inputs", "units", "readout", "observe", "step",
            "s0", "weights", "bias", "fixed", "sequences", "behaviour", "claim"}
SEQUENCE_KEYS = {"name", "input", "output", "s0"}
CLAIM_KEYS = {"realizable", "witness", "units", "fewest_units"}
WITNESS_KEYS = {*BLOCKS, "s0"}


def load_network_path(path: str) -> ThresholdSpec:
    return load_network_spec(load_file(path))


def load_network_spec(root: Node) -> ThresholdSpec:
    """Validate a composed spec (a mapping) into a :class:`ThresholdSpec`."""
    fields, name = open_spec(root, MODEL, TOP_KEYS, STEP_RNN_KEYS, "step-rnn")
    step = _step(fields["step"]) if "step" in fields else StepKind.STRICT
    if "units" not in fields:
        raise root.error("missing required key 'units': give the number of state units "
                         "(units: 2) or a range to search (units: {max: 4})", key="units")
    min_units, units = _units(fields["units"])
    readout = _count(fields["readout"], "readout", 1) if "readout" in fields else None
    observe = _observe(fields.get("observe"), readout, min_units, units)
    weights = _domain(fields["weights"]) if "weights" in fields else Domain()
    bias = _domain(fields["bias"]) if "bias" in fields else weights
    s0 = _s0_vector(fields["s0"], units, min_units) if "s0" in fields else (0,) * units
    base = Path(root.path).parent
    declared = _count(fields["inputs"], "inputs", 1) if "inputs" in fields else None
    shape_out = readout if readout is not None else len(observe)
    behaviour = None
    sequences: tuple[NetSequence, ...] = ()
    if "behaviour" in fields:
        if "sequences" in fields:
            raise fields["sequences"].error("give either 'sequences:' (examples) or "
                                            "'behaviour:' (every input string), not both")
        if declared is None:
            raise root.error("with 'behaviour:', say how many inputs each step has "
                             "(inputs: 1)", key="inputs")
        shape = Shape(declared, units, readout, observe)
        behaviour = _behaviour(fields["behaviour"], shape, step, base, s0)
    elif "sequences" not in fields:
        raise root.error("missing required key 'sequences': give a list of "
                         "{input: [...], output: [...]} examples (or 'behaviour:')",
                         key="sequences")
    else:
        sequences, declared = load_sequences(
            fields["sequences"], declared, shape_out, s0, base,
            lambda n: _s0_vector(n, units, min_units))
    assert declared is not None
    shape = Shape(declared, units, readout, observe)
    fixed = _fixed(fields["fixed"], shape, weights, bias) if "fixed" in fields else {}
    # a behaviour spec has one start state: a witness's s0 is one vector, not one per sequence
    claim = (_claim(fields["claim"], shape, min_units, len(sequences) if behaviour is None else 1)
             if "claim" in fields else None)
    return ThresholdSpec(path=root.path, name=name, step=step, shape=shape,
                         min_units=min_units, weights=weights, bias=bias, fixed=fixed,
                         sequences=sequences, claim=claim, behaviour=behaviour)


def _behaviour(node: Node, shape: Shape, step: StepKind, base: Path,
               s0: tuple[int | None, ...]) -> Any:
    try:
        module = importlib.import_module("verify.models.threshold.behaviour")
    except ModuleNotFoundError as exc:
        if exc.name != "verify.models.threshold.behaviour":
            raise
        raise node.error("behaviours are not supported in this version of verify; give "
                         "example 'sequences:' instead") from None
    return module.load_behaviour(node, shape, step=step, base=base, s0=s0)


# -- scalars ------------------------------------------------------------------------------

def _step(node: Node) -> StepKind:
    word = _text(node)
    if word not in {k.value for k in StepKind}:
        raise node.error(f"step must be strict (step(z) = 1 iff z > 0) or nonstrict "
                         f"(iff z >= 0), not {word!r}")
    return StepKind(word)


def _count(node: Node, what: str, least: int) -> int:
    text = _text(node).strip() if node.raw.tag != _BOOL else ""
    if not text.isdigit() or int(text) < least:
        raise node.error(f"{what} must be a whole number of at least {least}, "
                         f"not {node.text() if node.is_scalar else node.kind_name()!r}")
    return int(text)


def _units(node: Node) -> tuple[int, int]:
    if not node.is_mapping:
        k = _count(node, "units", 1)
        return k, k
    parts = node.mapping(allowed={"min", "max"}, required={"max"})
    top = _count(parts["max"], "units: max", 0)
    if top == 0:
        raise parts["max"].error("units: {max: 0} allows no network at all; the largest "
                                 "number of units to try must be at least 1")
    low = _count(parts["min"], "units: min", 1) if "min" in parts else 1
    if low > top:
        raise parts["min"].error(f"units: min ({low}) is larger than max ({top})")
    return low, top


def _observe(node: Node | None, readout: int | None, min_units: int,
             units: int) -> tuple[int, ...]:
    if node is None:
        if readout is not None:
            return ()
        if min_units != units:
            raise SpecError("with a range of units and no readout, say which units are the "
                            "outputs (observe: [0]) or add 'readout: m'", key="observe")
        return tuple(range(units))
    if readout is not None:
        raise node.error("observe names the state units that are outputs; with a readout "
                         "the outputs are the readout units, so drop one of them")
    out = []
    for e in node.elements() if node.is_sequence else [node]:
        i = _count(e, "an observed unit", 0)
        if i >= min_units:
            raise e.error(f"observe: unit {i} does not exist; units are numbered 0 to "
                          f"{min_units - 1} (units: {min_units if min_units == units else 'min ' + str(min_units)})")
        if i in out:
            raise e.error(f"observe lists unit {i} twice")
        out.append(i)
    if not out:
        raise node.error("observe is empty; list at least one unit (0-based)")
    return tuple(out)


def _domain(node: Node) -> Domain:
    if node.is_scalar:
        word = _text(node)
        if word in ("real", "integer"):
            return Domain(integer=word == "integer")
        raise node.error(f"a weight domain is real, integer, or {{min: -1, max: 1}} (with "
                         f"integer: true if you like), not {word!r}")
    parts = node.mapping(allowed={"min", "max", "integer"})
    low = _number(parts["min"]) if "min" in parts else None
    high = _number(parts["max"]) if "max" in parts else None
    integer = _bool(parts["integer"]) if "integer" in parts else False
    if low is not None and high is not None and low > high:
        raise node.error(f"the domain is empty: min {low} is larger than max {high}")
    if integer and low is not None and high is not None and math.ceil(low) > math.floor(high):
        raise node.error(f"the domain is empty: no integer lies between {low} and {high}")
    return Domain(low, high, integer)


def _s0_entry(node: Node) -> int | None:
    return _s0(node, ", or a list with one of them per unit")


def _s0_vector(node: Node, units: int, min_units: int) -> tuple[int | None, ...]:
    if not node.is_sequence:
        return (_s0_entry(node),) * units
    entries = node.elements()
    if min_units != units:
        raise node.error("with a range of units, give s0 as one value for every unit "
                         "(0, 1 or free)")
    if len(entries) != units:
        raise node.error(f"s0 lists {len(entries)} values for {units} units; give one per "
                         "unit (or a single value for all)")
    return tuple(_s0_entry(e) for e in entries)


# -- fixed entries --------------------------------------------------------------------------

def _fixed(node: Node, shape: Shape, weights: Domain, bias: Domain
           ) -> dict[tuple[str, tuple[int, ...]], Fraction]:
    """``{U: 0}`` fixes a block, ``{U: [[0, null], [1, 0]]}`` entries (null: free)."""
    if node.is_null:
        return {}
    out: dict[tuple[str, tuple[int, ...]], Fraction] = {}
    for block, value in node.items():
        if block not in BLOCKS:
            raise value.error(f"fixed names blocks W, U, b (and V, c with a readout), not "
                              f"{block!r}")
        if block in ("V", "c") and shape.readout is None:
            raise value.error(f"{block} is a readout block; add 'readout: m' or drop it")
        dims = shape.block_shape(block)
        domain = bias if block in ("b", "c") else weights
        for index, entry in _entries(value, dims):
            if entry.is_null:
                continue
            v = _number(entry)
            if not domain.contains(v):
                raise entry.error(f"{_name(block, index)} is fixed to {v}, outside the "
                                  f"{'bias' if block in ('b', 'c') else 'weight'} domain "
                                  f"({describe_domain(domain)})")
            out[(block, index)] = v
    return out


def _entries(node: Node, dims: tuple[int, ...]) -> list[tuple[tuple[int, ...], Node]]:
    """Every (index, node) of a block given as one value or as nested lists of ``dims``."""
    if not node.is_sequence:
        return [(idx, node) for idx in np.ndindex(*dims)]
    elements = node.elements()
    if len(elements) != dims[0]:
        raise node.error(f"{len(elements)} entries given where {dims[0]} are needed "
                         f"(shape {' x '.join(map(str, dims))})")
    out: list[tuple[tuple[int, ...], Node]] = []
    for i, e in enumerate(elements):
        if len(dims) == 1:
            if not e.is_scalar:
                raise e.error("expected a number or null here")
            out.append(((i,), e))
        else:
            out.extend(((i, *idx), sub) for idx, sub in _entries_row(e, dims[1:]))
    return out


def _entries_row(node: Node, dims: tuple[int, ...]) -> list[tuple[tuple[int, ...], Node]]:
    if not node.is_sequence:
        raise node.error(f"expected a list of {dims[0]} numbers (null leaves one free)")
    return _entries(node, dims)


def _name(block: str, index: tuple[int, ...]) -> str:
    return block + "".join(f"[{i}]" for i in index)


def describe_domain(domain: Domain) -> str:
    """``real``, ``integer``, ``real in [-1, 1]``, ``integer >= 0``..."""
    kind = "integer" if domain.integer else "real"
    if domain.low is None and domain.high is None:
        return kind
    if domain.low is not None and domain.high is not None:
        return f"{kind} in [{domain.low}, {domain.high}]"
    return f"{kind} >= {domain.low}" if domain.low is not None else f"{kind} <= {domain.high}"


# -- claim ----------------------------------------------------------------------------------

def _claim(node: Node, shape: Shape, min_units: int, n_sequences: int) -> NetClaim:
    if node.is_null:
        raise node.error("claim is empty; give realizable: true (with a witness), "
                         "realizable: false with units: k, or fewest_units: k")
    refuse_foreign(node, STEP_RNN_KEYS, "step-rnn")
    parts = node.mapping(allowed=CLAIM_KEYS)
    realizable = _bool(parts["realizable"]) if "realizable" in parts else None
    witness = witness_s0 = None
    units = fewest = None
    if "witness" in parts:
        if realizable is False:
            raise parts["witness"].error("a witness shows realizability, but the claim says "
                                         "realizable: false; drop one of them")
        witness, witness_s0 = _witness(parts["witness"], shape, min_units, n_sequences)
        realizable = True
    if "units" in parts:
        if realizable is not False:
            raise parts["units"].error("'units: k' goes with 'realizable: false' (no k-unit "
                                       "network does this); for a witness the matrices "
                                       "say how many units")
        units = _count(parts["units"], "units", 1)
    if "fewest_units" in parts:
        if realizable is False:
            raise parts["fewest_units"].error("fewest_units says some network does it; "
                                              "drop 'realizable: false'")
        fewest = _count(parts["fewest_units"], "fewest_units", 1)
        if fewest > shape.units:
            raise parts["fewest_units"].error(
                f"fewest_units: {fewest} is above the units searched (at most "
                f"{shape.units}); raise units: {{max: ...}}")
        if witness is not None and len(witness.W) != fewest:
            raise parts["witness"].error(f"the witness has {len(witness.W)} units but the "
                                         f"claim says the fewest is {fewest}")
    if realizable is None and fewest is None:
        raise node.error("the claim needs 'realizable: true' (with a witness), "
                         "'realizable: false' (with units: k), or 'fewest_units: k'",
                         key=f"{node.key}.realizable")
    if realizable is False and units is None:
        if min_units != shape.units:
            raise node.error("with a range of units, say which k is impossible "
                             "(realizable: false, units: k)", key=f"{node.key}.units")
        units = shape.units
    return NetClaim(realizable=realizable, witness=witness, witness_s0=witness_s0,
                    units=units, fewest_units=fewest, line=node.line)


def _witness(node: Node, shape: Shape, min_units: int, n_sequences: int
             ) -> tuple[Network, tuple[tuple[int, ...], ...] | None]:
    refuse_foreign(node, STEP_RNN_KEYS, "step-rnn")
    readout = ("V", "c") if shape.readout is not None else ()
    parts = node.mapping(allowed=WITNESS_KEYS, required={"W", "U", "b", *readout})
    for block in ("V", "c"):
        if block in parts and shape.readout is None:
            raise parts[block].error(f"{block} is a readout block, but the spec has no "
                                     "'readout:'; drop it (the outputs are state units)")
    k = len(parts["W"].elements())
    if not min_units <= k <= shape.units:
        want = (str(shape.units) if min_units == shape.units
                else f"{min_units} to {shape.units}")
        raise parts["W"].error(f"W has {k} rows (one per unit) but the spec allows {want} "
                               "units")
    if any(i >= k for i in shape.observe):
        raise parts["W"].error(f"the witness has {k} units but observe names unit "
                               f"{max(shape.observe)}")
    sized = Shape(shape.inputs, k, shape.readout, shape.observe)
    blocks = {b: _matrix(parts[b], b, sized) for b in ("W", "U", "b", *readout)}
    net = Network(W=blocks["W"], U=blocks["U"], b=blocks["b"],
                  V=blocks.get("V", ()), c=blocks.get("c", ()))
    s0 = _witness_s0(parts["s0"], k, n_sequences) if "s0" in parts else None
    return net, s0


def _matrix(node: Node, block: str, shape: Shape) -> tuple[Any, ...]:
    dims = shape.block_shape(block)
    what = {"W": "units x inputs", "U": "units x units", "b": "units", "V": "readout x units",
            "c": "readout"}[block]
    rows = node.elements() if node.is_sequence else None
    if rows is None or len(rows) != dims[0]:
        got = len(rows) if rows is not None else "no list"
        raise node.error(f"{block} must be {what} = {' x '.join(map(str, dims))}; found "
                         f"{got} {'rows' if len(dims) == 2 else 'entries'}")
    if len(dims) == 1:
        return tuple(_number(r) for r in rows)
    out = []
    for r in rows:
        cols = r.elements() if r.is_sequence else None
        if cols is None or len(cols) != dims[1]:
            got = len(cols) if cols is not None else "a single value"
            raise r.error(f"each row of {block} needs {dims[1]} numbers ({what} = "
                          f"{' x '.join(map(str, dims))}); found {got}")
        out.append(tuple(_number(c) for c in cols))
    return tuple(out)


def _witness_s0(node: Node, k: int, n_sequences: int) -> tuple[tuple[int, ...], ...]:
    """0/1 for all; one list per unit (every sequence); or one such list per sequence."""
    def entry(e: Node) -> int:
        v = _s0_entry(e)
        if v is None:
            raise e.error("a witness fixes s0 to 0 or 1 (leave s0 out to let the spec's "
                          "s0 stand)")
        return v

    def vector(e: Node) -> tuple[int, ...]:
        if not e.is_sequence:
            return (entry(e),) * k
        items = e.elements()
        if len(items) != k:
            raise e.error(f"s0 lists {len(items)} values for {k} units")
        return tuple(entry(i) for i in items)

    if node.is_sequence and node.elements() and node.elements()[0].is_sequence:
        items = node.elements()
        if len(items) != n_sequences:
            raise node.error(f"witness s0 lists {len(items)} vectors for {n_sequences} "
                             "sequences; give one per sequence (or one for all)")
        return tuple(vector(i) for i in items)
    return (vector(node),) * n_sequences
