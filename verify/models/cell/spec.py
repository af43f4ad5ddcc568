"""Stage: cell gradient checking (spec). Load a ``model: cell`` spec: a cell given by its
forward equations (or a built-in's name) and claimed gradient formulas.

```yaml
model: cell
cell: gru                 # a built-in, or the four keys below
forward:                  # equations in order, in the formula language
  h: tanh(W @ x + U @ h_prev + b)
inputs: {x: [D], h_prev: [H]}
params: {W: [H, D], U: [H, H], b: [H]}
outputs: [h]              # upstream gradients dh are given
define: {...}
claim:
  dh_prev: U.T @ (dh * (1 - h**2))
```

Names a claim may read: inputs, parameters, every equation's name, ``d<out>`` for each
output (the upstream gradient) and the size names. Targets: ``d<input>``, ``d<param>``,
``d<name>`` for each equation that is not an output (the total gradient there), and
``d<out>_total`` for an output (upstream plus any path through later equations). The
claim part is loaded by :mod:`verify.models.lstm.formula_spec`, through a :class:`Layout`
made for the cell. Untrusted input, checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.input.yamldoc import Node
from verify.models.cell.autodiff import Equation
from verify.models.cell.builtins import BUILTINS, CellText
from verify.models.lstm.expr import ExprError, parse
from verify.models.lstm.formula_spec import FormulaSpec, load_claims
from verify.models.lstm.layouts import Layout

MAX_DIMS = 2


@dataclass(frozen=True, eq=False)
class Cell:
    """A parsed cell: equations and the symbolic shapes of what they read."""

    summary: str
    equations: tuple[Equation, ...]
    inputs: dict[str, tuple[str, ...]]
    params: dict[str, tuple[str, ...]]
    outputs: tuple[str, ...]
    states: dict[str, str]  # recurrent input -> output carried to the next step (sequences)

    @property
    def sizes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for shape in (*self.inputs.values(), *self.params.values()):
            seen.update(dict.fromkeys(shape))
        return tuple(seen)

    def target_of(self, name: str) -> str:
        return f"d{name}_total" if name in self.outputs else f"d{name}"

    def layout(self) -> Layout:
        """The names and targets claims may use, as a :class:`Layout` (no maps needed)."""
        forward = [n for n, _ in self.equations]
        names = (*self.inputs, *self.params, *forward, *(f"d{o}" for o in self.outputs),
                 *self.sizes)
        targets = {f"d{n}": f"dL/d{n}" for n in (*self.inputs, *self.params)}
        targets.update({self.target_of(n): f"dL/d{n}, all paths" for n in forward})
        shapes = {f"d{n}": "(" + ", ".join(s) + ("," if len(s) == 1 else "") + ")"
                  for n, s in (*self.inputs.items(), *self.params.items())}
        return Layout("cell", self.summary, names, targets, shapes, dict, dict,
                      lambda e, r: {}, tuple(n for n, s in self.params.items() if len(s) == 2))


def _shape(node: Node) -> tuple[str, ...]:
    if node.is_scalar and not node.is_null:
        text = node.text().strip()
        return () if text in ("[]", "scalar") else (text,)
    shape = tuple(e.text() for e in node.elements())
    if len(shape) > MAX_DIMS or not all(s.isidentifier() for s in shape):
        raise node.error("a shape is a list of at most two size names, e.g. [H, D], [H] or "
                         "[] for a number")
    return shape


def _shapes(node: Node) -> dict[str, tuple[str, ...]]:
    out = {}
    for name, value in node.items():
        if not name.isidentifier() or name.startswith("_"):
            raise value.error(f"{name!r} is not a usable name")
        out[name] = _shape(value)
    return out


def _from_text(text: CellText) -> Cell:
    return Cell(text.summary, tuple((n, parse(t)) for n, t in text.forward), dict(text.inputs),
                dict(text.params), text.outputs, dict(text.states))


def _written_cell(fields: dict[str, Node], root: Node) -> Cell:
    for key in ("forward", "inputs", "params", "outputs"):
        if key not in fields:
            raise root.error(f"give either 'cell: <name>' (one of {', '.join(BUILTINS)}) or "
                             f"the cell's 'forward', 'inputs', 'params' and 'outputs'; "
                             f"'{key}' is missing", key=key)
    inputs, params = _shapes(fields["inputs"]), _shapes(fields["params"])
    known = {*inputs, *params}
    equations = []
    for name, node in fields["forward"].items():
        if name in known:
            raise node.error(f"{name!r} is already given; each equation defines a new name")
        try:
            formula = parse(node.text())
        except ExprError as exc:
            raise node.error(f"cannot use this equation: {exc}") from None
        sizes = {s for shape in (*inputs.values(), *params.values()) for s in shape}
        unknown = sorted(formula.names - known - sizes)
        if unknown:
            raise node.error(f"unknown name {unknown[0]!r}: an equation reads inputs, params "
                             "and the equations above it")
        equations.append((name, formula))
        known.add(name)
    outputs = tuple(e.text() for e in fields["outputs"].elements())
    forward = {n for n, _ in equations}
    for k, out in enumerate(outputs):
        if out not in forward:
            raise fields["outputs"].elements()[k].error(
                f"{out!r} is not an equation's name; outputs are among {', '.join(forward)}")
    summary = fields["name"].text() if "name" in fields else "a cell given by its equations"
    states: dict[str, str] = {}
    if "states" in fields:
        for name, node in fields["states"].items():
            if name not in inputs or node.text() not in outputs:
                raise node.error("states map a recurrent input to the output it becomes at the "
                                 "next step, e.g. 'states: {h_prev: h}'")
            states[name] = node.text()
    return Cell(summary, tuple(equations), inputs, params, outputs, states)


def load_cell(root: Node, sequence: bool = False) -> tuple[Cell, dict[str, Node]]:
    """The cell of a ``model: cell`` or ``cell-sequence`` spec, and the spec's fields."""
    fields = root.mapping(allowed={"model", "name", "description", "cell", "forward", "inputs",
                                   "params", "outputs", "define", "claim",
                                   *(("states",) if sequence else ())},
                          required={"model", "claim"})
    if "cell" in fields:
        node = fields["cell"]
        written = [k for k in ("forward", "inputs", "params", "outputs", "states")
                   if k in fields]
        if written:
            raise node.error(f"give either 'cell:' or the equations, not both ({written[0]} "
                             "is also given)")
        text = BUILTINS.get(node.text()) if node.is_scalar else None
        if text is None:
            raise node.error(f"unknown cell; built-in cells: {', '.join(BUILTINS)} (or write "
                             "its equations under 'forward:')")
        cell = _from_text(text)
    else:
        cell = _written_cell(fields, root)
    return cell, fields


def load_cell_spec(root: Node) -> tuple[Cell, FormulaSpec]:
    """Validate a ``model: cell`` spec; every problem is a :class:`SpecError`."""
    cell, fields = load_cell(root)
    return cell, load_claims(root, fields, cell.layout())


__all__ = ["Cell", "load_cell_spec"]
