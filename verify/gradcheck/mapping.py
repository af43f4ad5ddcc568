"""A small YAML mapping for signatures the built-in layouts do not have (``--cell my.yaml``).

Stage: gradcheck (layouts). Composed safely by :mod:`verify.input.yamldoc`; errors name the
file, line and key and say what to write (exit 2). Shapes and array names come from a
built-in layout; the mapping renames nothing, it only orders arguments and return values::

    cell: lstm
    kind: step
    layout: cs231n
    gate_order: [i, f, g, o]
    forward:  {name: my_forward,  args: [x, Wx, Wh, b, prev_h, prev_c], returns: [next_h, next_c, cache]}
    backward: {name: my_backward, args: [cache, dnext_h, dnext_c], returns: [dWx, dWh, db, dx, dprev_h, dprev_c]}

A slot is an array name, ``cache`` (passed on as it is), ``_`` (returned, never checked)
or ``{dict: [names]}`` (a dict with those keys).
"""

from __future__ import annotations

import dataclasses

from verify.errors import SpecError
from verify.gradcheck.cells import CELLS
from verify.gradcheck.convention import CACHE, IGNORED, Group, Layout, Signature, Slot, strip_d
from verify.gradcheck.layouts import LAYOUTS, layout
from verify.input.yamldoc import Node, load_file

KEYS = {"cell", "kind", "layout", "gate_order", "forward", "backward"}


def _choice(node: Node | None, choices: tuple[str, ...], default: str) -> str:
    if node is None:
        return default
    value = node.text()
    if value not in choices:
        raise node.error(f"{value!r} is not one of {', '.join(choices)}")
    return value


def _slots(node: Node, allowed: set[str], what: str) -> tuple[Slot, ...]:
    slots: list[Slot] = []
    for element in node.elements():
        if element.is_mapping:
            keys = element.mapping(allowed={"dict"}, required={"dict"})["dict"]
            names = tuple(_name(n, allowed, what) for n in keys.elements())
            slots.append(Group(names))
        else:
            slots.append(_name(element, allowed, what))
    return tuple(slots)


def _name(node: Node, allowed: set[str], what: str) -> str:
    name = node.text()
    if name not in allowed:
        raise node.error(f"{name!r} is not {what}; write one of: {', '.join(sorted(allowed))}")
    return name


def _signature(node: Node | None, base: Signature, args: set[str], returns: set[str],
               what: tuple[str, str]) -> Signature:
    if node is None:
        return base
    fields = node.mapping(allowed={"name", "args", "returns"})
    name = fields["name"].text() if "name" in fields else base.name
    got_args = _slots(fields["args"], args, what[0]) if "args" in fields else base.args
    got_returns = (_slots(fields["returns"], returns, what[1]) if "returns" in fields
                   else base.returns)
    return Signature(name, got_args, got_returns)


def load_mapping(path: str) -> Layout:
    """The layout a mapping file describes; SpecError naming the line and key if wrong."""
    try:
        root = load_file(path)
    except OSError as exc:
        raise SpecError(f"cannot read the mapping: {exc.strerror}", path=path) from None
    fields = root.mapping(allowed=KEYS, required={"cell"})
    cell = _choice(fields["cell"], tuple(CELLS), "lstm")
    kind = _choice(fields.get("kind"), ("step", "sequence"), "step")
    base_name = _choice(fields.get("layout"), LAYOUTS, "cs231n")
    order = None
    if "gate_order" in fields:
        order = [n.text() for n in fields["gate_order"].elements()]
    try:
        base = layout(base_name, cell, kind, order)
    except ValueError as exc:
        raise fields["cell"].error(str(exc)) from None
    if order is not None and sorted(base.gate_order) != sorted(base.reference.gates):
        raise fields["gate_order"].error(
            f"name each {cell} gate once, e.g. [{', '.join(base.gate_names.values())}]")
    arrays = set(base.arrays) | set(base.extras)
    inputs = {n for n in base.forward.names(base.forward.args)}
    outputs = {n for n in base.forward.names(base.forward.returns) if n in base.arrays}
    forward = _signature(fields.get("forward"), base.forward, inputs & arrays,
                         outputs | {CACHE, IGNORED},
                         ("an argument of this layout's forward", "a forward output"))
    upstream = {p + o for o in outputs for p in ("d", "grad_")
                if _has_upstream(base, o)}
    grads = {p + i for i in inputs & set(base.arrays) for p in ("d", "grad_")}
    backward = _signature(fields.get("backward"), base.backward, upstream | {CACHE},
                          grads | {IGNORED},
                          ("the gradient of a forward output (d<output>) or cache",
                           "the gradient of a forward input (d<input>)"))
    if CACHE in backward.names(backward.args) and CACHE not in forward.names(forward.returns):
        raise (fields.get("backward") or root).error(
            "the backward takes the cache, so the forward must return 'cache'")
    return dataclasses.replace(base, name=f"{base_name} mapped by {path}", forward=forward,
                               backward=backward, grad_of={n: strip_d(n) for n in
                                                           backward.names(backward.returns)})


def _has_upstream(base: Layout, output: str) -> bool:
    """Whether the reference takes an upstream gradient for this output (a sequence
    takes one for the hidden states only)."""
    return base.kind == "step" or output in base.forward.names(base.forward.returns[:1])
