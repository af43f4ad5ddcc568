"""Stage: cell gradient checking (sequences). ``model: cell-sequence``: one step's backward
formulas of any cell, run through time with the user's own recursion, against BPTT by
reverse-mode differentiation of the cell's equations.

The cell is given as for ``model: cell`` (a built-in or its equations, plus ``states:``,
e.g. ``{h_prev: h}``: which input each output becomes at the next step). Claims read the
cell's names at step t, ``d<o>_loss`` for the first state output (the loss's own gradient
at step t), ``d<o>_next`` for each state output (what the claim's ``d<state>`` of step t+1
sent back, zero at t = T), ``T``, and the running value of each ``d<param>``. Required:
``d<state>`` for every state (the recursion). Optional: ``d<input>`` per step,
``d<o>_total`` and ``d<name>`` of intermediates per step, ``d<param>`` (running value after
step t, as ``dW = dW + ...`` in code). Hints name a state gradient not passed back and
weight gradients from one step only. Same three-stage verdict as ``lstm-sequence``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import numpy as np

from verify.input import limits
from verify.input.yamldoc import Node
from verify.models.cell.autodiff import forward, gradients
from verify.models.cell.spec import Cell, load_cell
from verify.models.lstm.batch import halves, simplify_values, uniform
from verify.models.lstm.expr import Array, ShapeError
from verify.models.lstm.formula_spec import FormulaSpec, load_claims
from verify.models.lstm.instance import close_batch, to_json
from verify.models.lstm.layouts import Layout
from verify.models.lstm.precision import DIGITS, to_mp
from verify.models.lstm.sequence_formula import (
    Run,
    SequenceChecker,
    claimed,
    explained_by,
    first_wrong,
    precise_verdict,
    sequence_outcome,
)
from verify.outcome import Options, Outcome

WIDE = ((4, 7, 5), (7, 4, 3), (8, 8, 6), (1, 8, 4))  # (first size, second size, T)
WIDE_PER = 6


@dataclass(frozen=True, eq=False)
class Plan:
    """What the cell's recursion is, in names."""

    cell: Cell
    loss: str  # the output the loss reads at every step (the first state's)
    step_inputs: tuple[str, ...]  # inputs that are not states: one per step (x)
    carried: tuple[tuple[str, str, str], ...]  # (d<o>_next, d<state>, o)
    running: tuple[str, ...]  # d<param>
    layout: Layout


def plan_for(cell: Cell) -> Plan:
    base = cell.layout()
    states = cell.states
    loss = next(iter(states.values()))
    step_inputs = tuple(n for n in cell.inputs if n not in states)
    carried = tuple((f"d{o}_next", f"d{s}", o) for s, o in states.items())
    running = tuple(f"d{p}" for p in cell.params)
    names = (*(n for n in base.names if not (n.startswith("d") and n[1:] in cell.outputs)),
             f"d{loss}_loss", *(c[0] for c in carried), "T", *running)
    targets = {t: m for t, m in base.targets.items() if t not in running}
    targets.update({r: f"dL/{r[1:]}: running value after step t (write {r}: {r} + ... to "
                       "accumulate)" for r in running})
    layout = Layout("cell-sequence", base.summary, names, targets, base.shapes, dict, dict,
                    lambda e, r: {}, base.matrices)
    return Plan(cell, loss, step_inputs, carried, running, layout)


@dataclass(frozen=True, eq=False)
class SeqCellInstance:
    sizes: dict[str, int]
    t: int
    drawn: dict[str, Array]  # per-step inputs (T, ...), initial states, params, loss (T, ...)
    origin: str = "grid"


def _draw(plan: Plan, shapes: dict[str, tuple[str, ...]], sizes: dict[str, int], t: int,
          values: Callable[[tuple[int, ...]], Array], origin: str) -> SeqCellInstance:
    def dims(name: str) -> tuple[int, ...]:
        return tuple(sizes[s] for s in shapes[name])
    drawn = {n: values((t, *dims(n))) for n in plan.step_inputs}
    drawn.update({f"{s}0": values(dims(s)) for s in plan.cell.states})
    drawn.update({p: values(dims(p)) for p in plan.cell.params})
    drawn[f"d{plan.loss}_loss"] = values((t, *dims(f"d{plan.loss}")))
    return SeqCellInstance(sizes, t, drawn, origin)


def _envs(plan: Plan, items: list[SeqCellInstance], convert: Callable[[Array], Array]
          ) -> list[dict[str, Array]]:
    """Forward through time: each step's environment (forward values, loss gradient)."""
    first = items[0]
    drawn = {n: convert(np.stack([i.drawn[n] for i in items])) for n in first.drawn}
    base = {p: drawn[p] for p in plan.cell.params}
    base.update({s: convert(np.full(len(items), float(n))) for s, n in first.sizes.items()})
    base["T"] = convert(np.full(len(items), float(first.t)))
    state = {s: drawn[f"{s}0"] for s in plan.cell.states}
    envs = []
    for k in range(first.t):
        env = {**base, **state, **{n: drawn[n][:, k] for n in plan.step_inputs}}
        scope, _ = forward(plan.cell.equations, env)
        scope[f"d{plan.loss}_loss"] = drawn[f"d{plan.loss}_loss"][:, k]
        envs.append(scope)
        state = {s: scope[o] for s, o in plan.cell.states.items()}
    return envs


def reference(plan: Plan, envs: list[dict[str, Array]], drop: str | None = None,
              accumulate: str = "sum") -> Run:
    """BPTT by AD of the equations, step by step (or a classic mistake, for hints: the
    gradient of state ``drop`` not passed back; weights from step t=1 or t=T only)."""
    cell = plan.cell
    sent = {o: envs[-1][o] * 0 for o in cell.states.values()}
    steps: list[dict[str, Array]] = []
    total: dict[str, Array] = {}
    for k in reversed(range(len(envs))):
        env = envs[k]
        upstream = {o: sent[o] * (0 if drop == o else 1) for o in sent}
        upstream[plan.loss] = upstream[plan.loss] + env[f"d{plan.loss}_loss"]
        given = {n: env[n] for n in (*cell.inputs, *cell.params, *cell.sizes)}
        scope, grads = gradients(cell.equations, given, upstream)
        step = {}
        for name in (*cell.inputs, *(n for n, _ in cell.equations)):
            target = cell.target_of(name) if name in dict(cell.equations) else f"d{name}"
            g = grads.get(name)
            step[target] = scope[name] * 0 if g is None else np.broadcast_to(
                g, scope[name].shape)
        steps.append(step)
        keep = (accumulate == "sum" or (accumulate == "t=1" and k == 0)
                or (accumulate == "t=T" and k == len(envs) - 1))
        for p in cell.params:
            g = grads.get(p, scope[p] * 0)
            if keep:
                total[f"d{p}"] = total[f"d{p}"] + g if f"d{p}" in total else g
        sent = {o: step[f"d{s}"] for s, o in cell.states.items()}
    for p in cell.params:
        total.setdefault(f"d{p}", envs[0][p] * 0)
    return steps, total


def _run(plan: Plan, spec: FormulaSpec, envs: list[dict[str, Array]]) -> Run:
    return claimed(spec, envs, plan.carried, plan.running)


def _bad(plan: Plan, spec: FormulaSpec, items: list[SeqCellInstance]
         ) -> tuple[Array, list[tuple[str, str]]]:
    envs = _envs(plan, items, np.asarray)
    try:
        mine = _run(plan, spec, envs)
    except ShapeError as exc:
        return np.ones(len(items), dtype=bool), [("shape", str(exc))]
    return first_wrong(spec, mine, reference(plan, envs), len(items), close_batch)


def _precise(plan: Plan, spec: FormulaSpec, inst: SeqCellInstance
             ) -> tuple[str, tuple[str, str]] | None:
    with mpmath.workdps(DIGITS):
        envs = _envs(plan, [inst], to_mp)
        try:
            mine = _run(plan, spec, envs)
        except ShapeError as exc:
            return str(exc), ("shape", "")
        return precise_verdict(spec, mine, reference(plan, envs))


def _hint(plan: Plan, spec: FormulaSpec, probes: list[SeqCellInstance]) -> str | None:
    variants: list[tuple[dict[str, Any], str]] = [
        ({"drop": o}, (f"the gradient of the state {o} is not passed back: dL/d{o}_t must add "
                      f"d{o}_next (what step t+1 sends back through {o}_t)"))
        for o in plan.cell.states.values()]
    every = "they are the sum of every step's contribution"
    variants += [({"accumulate": "t=1"}, ("weight gradients come from one step only (the last "
                  f"the backward loop visits, t=1): {every}")),
                 ({"accumulate": "t=T"},
                  f"weight gradients come from one step only (t=T): {every}")]
    runs = []
    for inst in probes:
        envs = _envs(plan, [inst], np.asarray)
        try:
            runs.append((envs, _run(plan, spec, envs)))
        except ShapeError:
            return None
    for variant, text in variants:
        if all(explained_by(spec, mine, reference(plan, envs, **variant),
                            reference(plan, envs) if "accumulate" in variant else None)
               for envs, mine in runs):
            return text
    return None


def _shrink(plan: Plan, shapes: dict[str, tuple[str, ...]], spec: FormulaSpec,
            inst: SeqCellInstance) -> SeqCellInstance:
    def fails(candidate: SeqCellInstance) -> bool:
        return bool(_bad(plan, spec, [candidate])[0][0])

    def axes(name: str) -> tuple[str, ...]:
        if name in plan.step_inputs or name == f"d{plan.loss}_loss":
            return ("T", *shapes[name if name in shapes else f"d{plan.loss}"])
        return shapes[name[:-1] if name[:-1] in plan.cell.states else name]

    best = inst
    full = {**inst.sizes, "T": inst.t}
    for combo in sorted(itertools.product(*(range(1, n + 1) for n in full.values())),
                        key=lambda c: (sum(c), c))[:300]:
        sizes = dict(zip(full, combo))
        if sizes == full:
            break
        drawn = {n: v[tuple(slice(0, sizes[a]) for a in axes(n))] for n, v in inst.drawn.items()}
        candidate = SeqCellInstance({s: sizes[s] for s in inst.sizes}, sizes["T"], drawn,
                                    inst.origin)
        if fails(candidate):
            best = candidate
            break
    return replace(best, drawn=simplify_values(
        best.drawn, lambda drawn: fails(replace(best, drawn=drawn))))


def _report(plan: Plan, spec: FormulaSpec, inst: SeqCellInstance,
            precise: tuple[str, tuple[str, str]] | None) -> dict[str, Any]:
    envs = _envs(plan, [inst], np.asarray)
    out: dict[str, Any] = {"sizes": {**inst.sizes, "T": inst.t}, "values_from": inst.origin,
                           "instance": {n: to_json(v) for n, v in inst.drawn.items()}}
    try:
        mine = _run(plan, spec, envs)
    except ShapeError as exc:
        out.update(reason=f"shape mismatch: {exc}", expected="(none)", got=None)
        return out
    ref = reference(plan, envs)
    labels = first_wrong(spec, mine, ref, 1, close_batch)[1]
    where, target = precise[1] if precise else labels[0]
    if where.startswith("t="):
        k = inst.t - int(where[2:])
        want, got = ref[0][k][target][0], mine[0][k][target][0]
    else:
        want, got = ref[1][target][0], mine[1][target][0]
    out.update(first_wrong={"where": where, "target": target}, values={},
               expected=to_json(want), got=to_json(np.broadcast_to(got, want.shape)),
               reason=precise[0] if precise else f"first wrong at {where}: {target}")
    return out


def check_spec(node: Node, options: Options) -> Outcome:
    """Handler for ``model: cell-sequence``."""
    from verify.models.cell.check import drawn_shapes

    deadline = limits.deadline(options.timeout)
    cell, fields = load_cell(node, sequence=True)
    if not cell.states:
        raise node.error("a sequence needs the cell's states, e.g. 'states: {h_prev: h}' "
                         "(which input each output becomes at the next step)", key="states")
    plan = plan_for(cell)
    spec = load_claims(node, fields, plan.layout)
    missing = [c[1] for c in plan.carried if c[1] not in {e.name for e in spec.claims}]
    if missing:
        raise fields["claim"].error(f"the claim must give the recursion: {', '.join(missing)} "
                                    "(what step t sends back to step t-1)")
    shapes = drawn_shapes(cell)
    rng = np.random.default_rng(options.seed + 41)
    grid = [_draw(plan, shapes, {s: int(rng.integers(1, 4)) for s in cell.sizes},
                  int(rng.choice((2, 3, 4))), halves(rng), "grid")
            for _ in range(options.examples)]
    wide = [_draw(plan, shapes, dict(zip(cell.sizes, (a, b, 5))), t,
                  uniform(rng, (2.0, 6.0)[k % 2]), "continuous")
            for a, b, t in WIDE for k in range(WIDE_PER)]
    groups: dict[tuple[int, ...], list[SeqCellInstance]] = {}
    for inst in grid + wide:
        groups.setdefault((*inst.sizes.values(), inst.t, inst.origin == "grid"), []).append(inst)
    checker = SequenceChecker(
        judge=lambda group: _bad(plan, spec, group)[0],
        precise=lambda inst: _precise(plan, spec, inst),
        shrink=lambda inst: _shrink(plan, shapes, spec, inst),
        report=lambda inst, precise: _report(plan, spec, inst, precise),
        probes=lambda rng: [_draw(plan, shapes, dict(zip(cell.sizes, sizes)), t,
                                  lambda s: rng.normal(size=s), "continuous")
                            for *sizes, t in ((3, 2, 3), (2, 3, 4))],
        hint=lambda probes: _hint(plan, spec, probes))
    return sequence_outcome(spec, fields["claim"], checker, list(groups.values()),
                            [grid[0], wide[0], wide[3 * WIDE_PER]],
                            f"BPTT from one step's formulas ({cell.summary})", len(wide),
                            deadline)


__all__ = ["check_spec", "plan_for", "reference"]
