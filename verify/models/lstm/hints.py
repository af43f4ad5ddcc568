"""Stage: LSTM gradient checking (hints). Name the likely mistake behind a wrong formula.

A hint is found by re-evaluating the claim with one substitution (the full dL/dc_t for
``dc``, gate-output gradients swapped for pre-activation ones, every matrix transposed)
or by comparing its value with another target, its transpose or its negation. A hint must
hold on the counterexample and on three fixed random instances, so coincidences do not
count. Advice only, float64 comparisons: untrusted, and never part of a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from verify.models.lstm.expr import Array, ShapeError
from verify.models.lstm.formula_spec import Entry, FormulaSpec, Substitute, evaluate_claim
from verify.models.lstm.instance import Instance, close, fit_shape
from verify.models.lstm.layouts import DLAI, Layout, swap_blocks, swap_concat_halves

_GATE_NAMES = {"i": "i", "f": "f", "o": "o", "c": "g", "g": "g"}


@cache
def _probes(layout: Layout) -> tuple[Instance, ...]:
    return tuple(Instance.random(d, h, np.random.default_rng(280 + d * 10 + h), layout)
                 for d, h in ((3, 2), (2, 3), (3, 3)))


def _holds(values: Callable[[Instance], Array], want: str, probes: list[Instance]) -> bool:
    """True when ``values`` equals reference ``want`` on every probe instance."""
    for inst in probes:
        try:
            got, expected = values(inst), inst.reference[want]
            if not fit_shape(got.shape, expected.shape, inst.layout.loose_vectors):
                return False
            if not close(got.reshape(expected.shape), expected):
                return False
        except ShapeError:
            return False
    return True


def _batched(inst: Instance, update: Callable[[dict[str, Array]], dict[str, Array]]
             ) -> dict[str, Array]:
    env = {k: v[None] for k, v in inst.environment.items()}
    return {k: v[0] for k, v in update(env).items()}


def _with_full_dc(inst: Instance) -> dict[str, Array]:
    env, ref = inst.column
    one = inst.layout.full_dc({k: v[None] for k, v in env.items()},
                              {k: v[None] for k, v in ref.items()})
    return {**inst.environment, **{k: v[0] for k, v in one.items()}}


def _with_transposed_matrices(inst: Instance) -> dict[str, Array]:
    env = dict(inst.environment)
    env.update({n: env[n].T for n in inst.layout.matrices})
    return env


def _gate_swap(inst: Instance, swapped: list[set[str]]) -> Substitute:
    """Replace a define equal to dL/d(gate output) by dL/d(pre-activation) of that gate;
    note what was replaced in a new set per instance (the caller keeps what all share)."""
    seen: set[str] = set()
    swapped.append(seen)
    pairs = inst.layout.gate_pairs

    def substitute(name: str, value: Array) -> Array:
        for out, (dz, deriv) in pairs.items():
            want = inst.reference[out]
            if value.size == want.size and close(value.reshape(want.shape), want):
                seen.add(f"{name} (= {out}, needs * {deriv})")
                return inst.reference[dz].reshape(value.shape)
        return value
    return substitute


def _other_target_hint(layout: Layout, target: str, other: str) -> str:
    for out, (dz, deriv) in layout.gate_pairs.items():
        if (target, other) == (out, dz):
            return (f"this is {dz} ({layout.targets[dz]}); {target} is "
                    f"{layout.targets[out]}, without the factor {deriv}")
        if (target, other) == (dz, out):
            return (f"this is {other}, the gradient at the gate output; {dz} also needs the "
                    f"activation's derivative, the factor {deriv}")
    return f"this equals the reference {other} ({layout.targets[other]}), not {target}"


def _slice_hint(spec: FormulaSpec, entry: Entry, probes: list[Instance]) -> str | None:
    """Stacked weights read in the wrong block (gate order), or the two parts of the dlai
    weights (a_prev, xt) mixed up."""
    layout, target = spec.layout, entry.name
    for first in range(4):
        for second in range(first + 1, 4):
            def swapped(inst: Instance, a: int = first, b: int = second) -> Array:
                return evaluate_claim(spec, entry, _batched(
                    inst, lambda e: swap_blocks(layout, e, a, b)))
            if layout.stacked and _holds(swapped, target, probes):
                a, b = (_GATE_NAMES[layout.order[k]] for k in (first, second))
                return (f"wrongly sliced blocks: the formula reads gate {a}'s block where gate "
                        f"{b}'s belongs (or the reverse); in this layout the blocks are in the "
                        f"order {', '.join(_GATE_NAMES[g] for g in layout.order)}, block k "
                        "being [k*H:(k+1)*H]")
    if layout is DLAI and _holds(lambda inst: evaluate_claim(
            spec, entry, _batched(inst, swap_concat_halves)), target, probes):
        return ("the a_prev and xt parts of the weights are mixed up: concat = [a_prev; xt], so "
                "W_g[:, :n_a] multiplies a_prev and W_g[:, n_a:] multiplies xt")
    return None


def find_hint(spec: FormulaSpec, entry: Entry, cex: Instance) -> str | None:
    """A one-line explanation in a student's terms, or None. A hint must hold on the
    counterexample and on three fixed random instances, so coincidences do not count."""
    layout = spec.layout
    probes = [cex, *_probes(layout)]
    target = entry.name
    reads = set(spec.base_names(entry))
    upstream = set(layout.full_dc({"f_next": np.ones((1, 1))}, {"dc_total": np.ones((1, 1))}))
    if reads & upstream and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_full_dc(inst)), target, probes):
        names = " / ".join(sorted(upstream))
        return (f"forgot the path through h_t: the formula uses {names} (arriving from c_{{t+1}} "
                "only) where the full dL/dc_t = dc + dh*o*(1-tanh(c)**2) is needed")
    swapped: list[set[str]] = []
    if layout.gate_pairs and _holds(lambda inst: evaluate_claim(
            spec, entry, inst.environment, _gate_swap(inst, swapped)), target, probes):
        common = set.intersection(*swapped[1:])  # the random probes: no coincidences
        if common:
            return ("gradient at the gate output used where the pre-activation gradient is "
                    f"needed: {'; '.join(sorted(common))}")
    if reads & set(layout.matrices) and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_transposed_matrices(inst)),
            target, probes):
        return ("off by a transposition: with every weight matrix transposed the formula "
                f"matches ({layout.summary})")
    sliced = _slice_hint(spec, entry, probes)
    if sliced:
        return sliced

    def claimed(inst: Instance) -> Array:
        return evaluate_claim(spec, entry, inst.environment)

    for other in layout.targets:
        if other != target and _holds(claimed, other, probes):
            return _other_target_hint(layout, target, other)
    if _holds(lambda inst: claimed(inst).T, target, probes):
        return (f"the result is the transpose of {target}, which has shape "
                f"{layout.shape_of(target)}: swap the factors, e.g. "
                "outer(dz_i, x) rather than outer(x, dz_i)")
    if _holds(lambda inst: -claimed(inst), target, probes):
        return "the sign is flipped"
    return None


__all__ = ["find_hint"]
