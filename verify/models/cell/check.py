"""Stage: cell gradient checking. Judge gradient formulas of any cell against reverse-mode
differentiation of its own forward equations.

Handler of ``model: cell`` (:mod:`verify.registry`). The same three-stage verdict as the
LSTM checker (:mod:`verify.models.lstm.formula`): float64 on grid instances (sizes 1..3,
halves in [-3.5, 4]) and continuous ones (sizes up to 8, values in [-2, 2] and [-6, 6]),
then 50 digits on three of them; a failure is shrunk greedily (smallest sizes, then
values rounded). The reference is :func:`verify.models.cell.autodiff.gradients` of the
spec's equations. Untrusted (floating point); "incorrect" comes with an instance anyone
can recompute.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import numpy as np

from verify.errors import ExitCode
from verify.input import limits
from verify.input.yamldoc import Node
from verify.models.cell.autodiff import gradients
from verify.models.cell.spec import Cell, load_cell_spec
from verify.models.lstm.batch import (
    Batch,
    failing_instances,
    failing_mask,
    first_failing,
    halves,
    literal_numbers,
    simplify_values,
    uniform,
)
from verify.models.lstm.expr import Array, ShapeError
from verify.models.lstm.formula_spec import Entry, FormulaSpec, evaluate_claim_batch
from verify.models.lstm.instance import close, to_json
from verify.models.lstm.precision import DIGITS, RTOL, agree, to_mp
from verify.outcome import Options, Outcome

WIDE = ((4, 7), (7, 4), (8, 8), (1, 8), (8, 3))  # sizes of continuous instances
WIDE_PER = 8
PRIMES = (2, 3, 5, 7, 11, 13)


@dataclass(frozen=True, eq=False)
class CellInstance:
    sizes: dict[str, int]
    drawn: dict[str, Array]  # inputs, parameters, upstream gradients d<out>
    origin: str = "grid"


def drawn_shapes(cell: Cell) -> dict[str, tuple[str, ...]]:
    """Symbolic shapes of everything drawn; an output's from a run at distinct sizes."""
    shapes = {**cell.inputs, **cell.params}
    sizes = dict(zip(cell.sizes, PRIMES))
    env = {n: np.ones((1, *(sizes[s] for s in shape))) for n, shape in shapes.items()}
    env.update({s: np.array([float(n)]) for s, n in sizes.items()})
    scope, _ = gradients(cell.equations, env, {})
    back = {n: s for s, n in sizes.items()}
    for out in cell.outputs:
        shapes[f"d{out}"] = tuple(back.get(int(n), "?") for n in scope[out].shape[1:])
    return shapes


def _draw(shapes: dict[str, tuple[str, ...]], sizes: dict[str, int], values: Callable[
        [tuple[int, ...]], Array], origin: str) -> CellInstance:
    return CellInstance(sizes, {n: values(tuple(sizes[s] for s in shape))
                                for n, shape in shapes.items()}, origin)


def _batch(cell: Cell, items: list[CellInstance], precise: bool = False
           ) -> tuple[dict[str, Array], dict[str, Array]]:
    """Environment and reference of instances of equal sizes, stacked."""
    first = items[0]
    convert: Callable[[Array], Array] = to_mp if precise else np.asarray
    drawn = {n: convert(np.stack([i.drawn[n] for i in items])) for n in first.drawn}
    env = {n: v for n, v in drawn.items() if n in cell.inputs or n in cell.params}
    env.update({s: convert(np.full(len(items), float(n))) for s, n in first.sizes.items()})
    upstream = {out: drawn[f"d{out}"] for out in cell.outputs}
    scope, grads = gradients(cell.equations, env, upstream)
    scope.update({f"d{out}": drawn[f"d{out}"] for out in cell.outputs})
    ref: dict[str, Array] = {}
    for name in (*cell.inputs, *cell.params, *(n for n, _ in cell.equations)):
        target = cell.target_of(name) if name in dict(cell.equations) else f"d{name}"
        g = grads.get(name)
        ref[target] = (scope[name] * 0 if g is None
                       else np.broadcast_to(g, scope[name].shape))
    return scope, ref


def _batches(cell: Cell, items: list[CellInstance], start: int) -> list[Batch]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, inst in enumerate(items):
        groups.setdefault(tuple(inst.sizes.values()), []).append(k)
    out = []
    for members in groups.values():
        chosen = [items[k] for k in members]
        env, ref = _batch(cell, chosen)
        out.append(Batch(tuple(chosen), tuple(start + k if start >= 0 else -1 for k in members),
                         env, ref))
    return out


@dataclass(frozen=True, eq=False)
class CellSet:
    grid: list[Batch]
    wide: list[Batch]
    precise: list[tuple[CellInstance, dict[str, Array], dict[str, Array]]]
    checked: int
    timed_out: bool


def prepare_cell(cell: Cell, options: Options, deadline: float | None) -> CellSet:
    shapes = drawn_shapes(cell)
    rng = np.random.default_rng(options.seed + 280)
    grid: list[CellInstance] = []
    for _ in range(options.examples):
        if deadline is not None and time.monotonic() >= deadline:
            break
        sizes = {s: int(rng.integers(1, 4)) for s in cell.sizes}
        grid.append(_draw(shapes, sizes, halves(rng), "grid"))
    wide = []
    for pair in WIDE:
        sizes = {s: (pair[k] if k < 2 else 5) for k, s in enumerate(cell.sizes)}
        for k in range(WIDE_PER):
            wide.append(_draw(shapes, sizes, uniform(rng, (2.0, 6.0)[k % 2]), "continuous"))
    chosen = [i for i in grid[:1]] + [wide[0], wide[2 * WIDE_PER + 1]]
    with mpmath.workdps(DIGITS):
        precise = [(i, *_batch(cell, [i], precise=True)) for i in chosen]
    return CellSet(_batches(cell, grid, 0), _batches(cell, wide, -1), precise, len(grid),
                   len(grid) < options.examples)


def _fails(cell: Cell, spec: FormulaSpec, entry: Entry, inst: CellInstance) -> bool:
    env, ref = _batch(cell, [inst])
    batch = Batch((inst,), (-1,), env, ref)
    return bool(failing_mask(spec, entry, batch)[0])


def _shrink(cell: Cell, shapes: dict[str, tuple[str, ...]], inst: CellInstance,
            fails: Callable[[CellInstance], bool]) -> CellInstance:
    """Smallest sizes that still fail (leading entries kept), then values zeroed or rounded."""
    best = inst
    ranges = [range(1, n + 1) for n in inst.sizes.values()]
    for combo in sorted(itertools.product(*ranges), key=lambda c: (sum(c), c))[:200]:
        sizes = dict(zip(inst.sizes, combo))
        if sizes == inst.sizes:
            break
        drawn = {n: v[tuple(slice(0, sizes[s]) for s in shapes[n])]
                 for n, v in inst.drawn.items()}
        candidate = CellInstance(sizes, drawn, inst.origin)
        if fails(candidate):
            best = candidate
            break
    return replace(best, drawn=simplify_values(
        best.drawn, lambda drawn: fails(replace(best, drawn=drawn))))


def _hint(cell: Cell, spec: FormulaSpec, entry: Entry, probes: list[CellInstance]) -> str | None:
    """Sign, transposition, or another target: must hold on every probe."""
    def holds(change: Callable[[Array], Array], want: str,
              env_change: Callable[[dict[str, Array]], dict[str, Array]] = dict) -> bool:
        for inst in probes:
            env, ref = _batch(cell, [inst])
            try:
                got = change(evaluate_claim_batch(spec, entry, env_change(env))[0])
            except ShapeError:
                return False
            if got.shape != ref[want][0].shape or not close(got, ref[want][0]):
                return False
        return True

    target = entry.name
    for out in cell.outputs:
        def full(env: dict[str, Array], o: str = out) -> dict[str, Array]:
            return {**env, f"d{o}": env[f"d{o}"] + _path(cell, env, o)}
        if f"d{out}" in spec.base_names(entry) and holds(lambda a: a, target, full):
            return (f"forgot a path: the formula uses d{out} (the gradient arriving from "
                    f"outside only) where the total dL/d{out} through every path "
                    f"(d{out}_total) is needed")
    matrices = [n for n, s in cell.params.items() if len(s) == 2]
    if matrices and holds(lambda a: a, target, lambda e: {
            **e, **{m: np.swapaxes(e[m], 1, 2) for m in matrices}}):
        return "off by a transposition: with every weight matrix transposed the formula matches"
    for other in spec.layout.targets:
        if other != target and holds(lambda a: a, other):
            return f"this equals the reference {other}, not {target}"
    if holds(lambda a: a.T, target):
        return f"the result is the transpose of {target}: swap the factors"
    if holds(lambda a: -a, target):
        return "the sign is flipped"
    return None


def _path(cell: Cell, env: dict[str, Array], out: str) -> Array:
    """dL/d<out> through the later equations only (the total minus the upstream)."""
    upstream = {o: env[f"d{o}"] for o in cell.outputs}
    scope, grads = gradients(cell.equations, {n: env[n] for n in (*cell.inputs, *cell.params,
                                                                  *cell.sizes)}, upstream)
    return np.asarray(np.broadcast_to(grads[out], scope[out].shape) - env[f"d{out}"])


def _counterexample(cell: Cell, spec: FormulaSpec, entry: Entry, inst: CellInstance,
                    reason_extra: str = "") -> dict[str, Any]:
    env, ref = _batch(cell, [inst])
    want = ref[entry.name][0]
    result: dict[str, Any] = {"verdict": "incorrect", "line": entry.line}
    try:
        got: Array | None = evaluate_claim_batch(spec, entry, env)[0]
    except ShapeError as exc:
        got, result["reason"] = None, f"shape mismatch: {exc}"
    at = None
    if got is not None and got.shape != want.shape:
        result["reason"] = (f"shape mismatch: the formula gives shape {got.shape} but "
                            f"{entry.name} has shape {want.shape}")
    elif got is not None:
        with np.errstate(all="ignore"):
            err = np.where(np.isfinite(got), np.abs(got - want), np.inf)
        at = tuple(int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape))
        w, g = float(want[at]) + 0.0, float(got[at]) + 0.0
        digits = next((p for p in range(6, 18) if f"{w:.{p}g}" != f"{g:.{p}g}"), 17)
        result["reason"] = reason_extra or (f"wrong value: at entry {list(at)} expected "
                                            f"{w:.{digits}g}, got {g:.{digits}g}")
    read = spec.base_names(entry)
    result["counterexample"] = {
        "sizes": dict(inst.sizes), "values": {n: to_json(env[n][0]) for n in read},
        "expected": to_json(want), "got": None if got is None else to_json(got),
        "entry": None if at is None else list(at), "expected_shape": list(want.shape),
        "got_shape": None if got is None else list(got.shape),
        "instance": {n: to_json(v) for n, v in inst.drawn.items()}, "values_from": inst.origin}
    return result


def _constant_batches(cell: Cell, shapes: dict[str, tuple[str, ...]], spec: FormulaSpec,
                      entry: Entry) -> list[Batch]:
    """Instances made of the formula's own off-grid literals (see
    :func:`verify.models.lstm.batch.constant_batches`)."""
    special = sorted({s * v for v in literal_numbers(spec, entry) if 0 < abs(v) <= 8
                      and not float(2 * v).is_integer() for s in (1, -1)})
    if not special:
        return []
    pool = np.array([*special, 0.0, 0.5, -0.5, 1.0, -1.0])
    rng = np.random.default_rng(7)
    items = [_draw(shapes, {s: n for s, n in zip(cell.sizes, sizes)},
                   lambda sh: rng.choice(pool, size=sh), "constants")
             for sizes in ((2, 3, 2), (3, 2, 3), (3, 3, 3), (4, 5, 2)) for _ in range(2)]
    return _batches(cell, items, -1)


def judge_cell_entry(cell: Cell, found: CellSet, spec: FormulaSpec, entry: Entry,
                     shapes: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    failing = first_failing(spec, entry, tuple(found.grid))
    if failing is None:  # off the grid a float64 failure counts only when 50 digits agree
        off_grid = tuple(found.wide) + tuple(_constant_batches(cell, shapes, spec, entry))
        failing = next((inst for inst in failing_instances(spec, entry, off_grid, limit=3)
                        if _precise_off(cell, spec, entry, inst) is not None), None)
    if failing is not None:
        inst = _shrink(cell, shapes, failing,
                       lambda i: _fails(cell, spec, entry, i))
        result = _counterexample(cell, spec, entry, inst)
        rng = np.random.default_rng(3)
        probes = [inst, *(_draw(shapes, dict(zip(cell.sizes, sizes)), lambda sh: rng.normal(
            size=sh), "continuous") for sizes in ((3, 2, 4), (2, 3, 5)))]
        hint = _hint(cell, spec, entry, probes)
        if hint:
            result["hint"] = hint
        return result
    if found.timed_out:
        return {"verdict": "correct", "line": entry.line}
    for inst, env, ref in found.precise:
        worst = _precise_off(cell, spec, entry, inst, (env, ref))
        if worst is not None:
            return _counterexample(cell, spec, entry, inst, (
                "wrong value: agrees in float64 to 1e-8, but computed with 50 digits it differs "
                f"from the reference by {worst:.1e} relative to the largest entry (allowed: "
                f"{RTOL:.0e})"))
    return {"verdict": "correct", "line": entry.line}


def _precise_off(cell: Cell, spec: FormulaSpec, entry: Entry, inst: CellInstance,
                 computed: tuple[dict[str, Array], dict[str, Array]] | None = None
                 ) -> float | None:
    """The worst relative difference at 50 digits if beyond RTOL, else None."""
    with mpmath.workdps(DIGITS):
        env, ref = computed or _batch(cell, [inst], precise=True)
        try:
            got = evaluate_claim_batch(spec, entry, env)
            ok, worst = agree(got, ref[entry.name])
        except (ShapeError, ValueError):
            ok, worst = False, float("inf")
    return None if ok else worst


def check_spec(node: Node, options: Options) -> Outcome:
    """Handler for ``model: cell``."""
    from verify.models.lstm.render import render

    deadline = limits.deadline(options.timeout)
    cell, spec = load_cell_spec(node)
    shapes = drawn_shapes(cell)
    found = prepare_cell(cell, options, deadline)
    targets = {e.name: judge_cell_entry(cell, found, spec, e, shapes) for e in spec.claims}
    if found.timed_out:
        why = (f"agreed on all {found.checked} instances drawn before the time limit, fewer "
               f"than the {options.examples} asked for")
        targets = {n: t if t["verdict"] == "incorrect" else
                   {"verdict": "unknown", "line": t["line"], "reason": why}
                   for n, t in targets.items()}
    verdicts = {t["verdict"] for t in targets.values()}
    verdict = ("incorrect" if "incorrect" in verdicts else "unknown" if "unknown" in verdicts
               else "correct")
    payload: dict[str, Any] = {
        "name": spec.name, "claim": {"verdict": verdict, "targets": targets},
        "examples": found.checked, "title": f"cell gradient formulas ({cell.summary})",
        "meaning": {n: spec.layout.targets[n] for n in targets},
        "correct_means": {
            "float64": {"grid_instances": found.checked,
                        "continuous_instances": sum(len(b.instances) for b in found.wide)},
            "high_precision": {"instances": len(found.precise), "digits": DIGITS}},
    }
    if found.timed_out:
        payload["timed_out"] = True
    if verdict == "unknown":  # every unknown outcome says why
        payload["reason"] = next(t["reason"] for t in targets.values()
                                 if t["verdict"] == "unknown")
    code = {"correct": ExitCode.OK, "incorrect": ExitCode.CLAIM_INCORRECT,
            "unknown": ExitCode.UNKNOWN}[verdict]
    return Outcome(spec.path, "unknown" if verdict == "unknown" else "checked", code, payload,
                   render(spec.path, payload))


__all__ = ["CellInstance", "check_spec", "drawn_shapes", "prepare_cell"]
