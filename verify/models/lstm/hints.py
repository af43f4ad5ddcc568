"""Stage: LSTM gradient checking (hints). Name the likely mistake behind a wrong formula.

A hint is found by re-evaluating the claim with one substitution (the full dL/dc_t for
``dc``, gate-output gradients swapped for pre-activation ones, every matrix transposed)
or by comparing its value with another target, its transpose or its negation. A hint must
hold on the counterexample and on three fixed random instances, so coincidences do not
count. Advice only, float64 comparisons: untrusted, and never part of a verdict.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from verify.models.lstm.cell import GATES
from verify.models.lstm.expr import Array, ShapeError
from verify.models.lstm.formula_spec import Entry, FormulaSpec, Substitute, evaluate_claim
from verify.models.lstm.instance import (
    GATE_DERIV,
    GATE_OUT,
    GATE_VAR,
    PARAM_NAMES,
    TARGET_MEANING,
    TARGETS,
    Instance,
    close,
    symbolic_shape,
)

_PROBES = tuple(Instance.random(d, h, np.random.default_rng(280 + d * 10 + h))
                for d, h in ((3, 2), (2, 3), (3, 3)))


def _holds(values: Callable[[Instance], Array], want: str, probes: list[Instance]) -> bool:
    """True when ``values`` equals reference ``want`` on every probe instance."""
    for inst in probes:
        try:
            if not close(values(inst), inst.reference[want]):
                return False
        except ShapeError:
            return False
    return True


def _with_full_dc(inst: Instance) -> dict[str, Array]:
    full = inst.reference["dc_total"]
    return {**inst.environment, "dc": full, "dc_next": full / inst.environment["f_next"]}


def _with_transposed_matrices(inst: Instance) -> dict[str, Array]:
    env = dict(inst.environment)
    env.update({n: env[n].T for n in PARAM_NAMES if n[0] in "WU"})
    return env


def _gate_swap(inst: Instance, swapped: list[set[str]]) -> Substitute:
    """Replace a define equal to dL/d(gate output) by dL/d(pre-activation) of that gate;
    note what was replaced in a new set per instance (the caller keeps what all share)."""
    seen: set[str] = set()
    swapped.append(seen)

    def substitute(name: str, value: Array) -> Array:
        for g in GATES:
            if close(value, inst.reference[GATE_OUT[g]]):
                seen.add(f"{name} (= {GATE_OUT[g]}, needs * {GATE_DERIV[g]})")
                return inst.reference[f"dz_{g}"]
        return value
    return substitute


def _other_target_hint(target: str, other: str) -> str:
    for g in GATES:
        if (target, other) == (GATE_OUT[g], f"dz_{g}"):
            return (f"this is dz_{g} (dL/dz_{g}, at the pre-activation z_{g}); {target} is "
                    f"dL/d{GATE_VAR[g]}_t at the gate output, without the factor "
                    f"{GATE_DERIV[g]}")
        if (target, other) == (f"dz_{g}", GATE_OUT[g]):
            return (f"this is {other}, the gradient at the gate output; dz_{g} also needs the "
                    f"activation's derivative, the factor {GATE_DERIV[g]}")
    return f"this equals the reference {other} ({TARGET_MEANING[other]}), not {target}"


def find_hint(spec: FormulaSpec, entry: Entry, cex: Instance) -> str | None:
    """A one-line explanation in a student's terms, or None. A hint must hold on the
    counterexample and on three fixed random instances, so coincidences do not count."""
    probes = [cex, *_PROBES]
    target = entry.name
    reads = set(spec.base_names(entry))
    if reads & {"dc", "dc_next"} and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_full_dc(inst)), target, probes):
        return ("forgot the path through h_t: the formula uses dc (arriving from c_{t+1} "
                "only) where the full dL/dc_t = dc + dh*o*(1-tanh(c)**2) is needed")
    swapped: list[set[str]] = []
    if _holds(lambda inst: evaluate_claim(spec, entry, inst.environment,
                                          _gate_swap(inst, swapped)), target, probes):
        common = set.intersection(*swapped[1:])  # the random probes: no coincidences
        if common:
            return ("gradient at the gate output used where the pre-activation gradient is "
                    f"needed: {'; '.join(sorted(common))}")
    if reads & set(PARAM_NAMES) and _holds(
            lambda inst: evaluate_claim(spec, entry, _with_transposed_matrices(inst)),
            target, probes):
        return ("off by a transposition: with every W_g and U_g transposed the formula matches "
                "(column convention: dx = W_i.T @ dz_i + ..., dh_prev = U_i.T @ dz_i + ...)")

    def claimed(inst: Instance) -> Array:
        return evaluate_claim(spec, entry, inst.environment)

    for other in TARGETS:
        if other != target and _holds(claimed, other, probes):
            return _other_target_hint(target, other)
    if _holds(lambda inst: claimed(inst).T, target, probes):
        return (f"the result is the transpose of {target}, which has shape "
                f"{symbolic_shape(target)}: swap the factors, e.g. "
                "outer(dz_i, x) rather than outer(x, dz_i)")
    if _holds(lambda inst: -claimed(inst), target, probes):
        return "the sign is flipped"
    return None


__all__ = ["find_hint"]
