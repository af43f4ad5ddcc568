"""Name the likely mistake behind a finding, in the user's own array names.

Stage: gradcheck (hints). Advice only, float64 comparisons: untrusted, never a verdict.

A hint must hold on the counterexample and on two fixed random instances (the user's
code is run on those too), so a coincidence on a tiny instance does not count. Tried in
order: a transposed gradient, gate blocks in another order (forward or backward), one of
the classic mistakes of :mod:`.mistakes`, another gradient's value, a flipped sign.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from verify.gradcheck.cells import Sizes
from verify.gradcheck.instances import Instance, settable
from verify.gradcheck.judge import Finding, close
from verify.gradcheck.mistakes import Backward, mistakes
from verify.models.lstm.cell import Array

Facts = dict[str, Any]
Runner = Callable[[Instance], Facts]


def random_instance(inst: Instance, sizes: Sizes, seed: int) -> Instance:
    """An instance of the same layout with random values (weights of moderate size)."""
    rng = np.random.default_rng(seed)
    cell, kind = inst.layout.reference, inst.layout.kind
    values = {n: rng.uniform(-1, 1, s) * (1.5 if n in cell.params else 1.0)
              for n, s in cell.inputs(kind, sizes).items()}
    values.update({n: rng.uniform(-1, 1, s) for n, s in cell.upstream(kind, sizes).items()})
    return settable(inst.layout, sizes, values)


def _probe_sizes(inst: Instance) -> list[Sizes]:
    b = 2 if inst.layout.batched else 1
    t = 3 if inst.layout.kind == "sequence" else 1
    return [Sizes(b, 3, 2, t), Sizes(b, 2, 3, t)]


def _permuted(inst: Instance, canonical: Mapping[str, Array], perm: dict[str, str]) -> dict[str, Array]:
    """Parameters of gate g moved to gate perm[g] (names like W_i, b_c, U_z)."""
    out = dict(canonical)
    for name, value in canonical.items():
        kind, _, gate = name.rpartition("_")
        if kind in ("W", "U", "b") and gate in perm:
            out[f"{kind}_{perm[gate]}"] = value
    return out


def _perms(inst: Instance) -> list[dict[str, str]]:
    order = inst.layout.gate_order
    if len(order) < 2:
        return []
    return [dict(zip(order, p)) for p in itertools.permutations(order) if p != tuple(order)]


def _order_text(inst: Instance, order: list[str]) -> str:
    return ", ".join(inst.layout.gate_names.get(g, g) for g in order)


def _forward_gate_order(probes: list[tuple[Instance, Facts]], name: str) -> str | None:
    inst0 = probes[0][0]
    for perm in _perms(inst0):
        if all(_forward_matches(inst, facts, name, perm) for inst, facts in probes):
            order = inst0.layout.gate_order
            theirs = [perm[g] for g in order]
            return (f"your forward reads the stacked gate blocks in the order "
                    f"{_order_text(inst0, theirs)}; layout {inst0.layout.name} stacks "
                    f"them {_order_text(inst0, list(order))} (or pass --gate-order)")
    return None


def _forward_matches(inst: Instance, facts: Facts, name: str, perm: dict[str, str]) -> bool:
    cell, kind = inst.layout.reference, inst.layout.kind
    inv = {v: k for k, v in perm.items()}
    outs = cell.forward(kind, _permuted(inst, inst.canonical, inv))
    flat = inst.labels.flatten({**inst.canonical, **outs})
    got = facts["outputs"].get(name)
    want = inst.labels.values(name, flat)
    return got is not None and got.shape == want.shape and close(got, want)


def _expected(inst: Instance, grads: Mapping[str, Array], of: str) -> Array:
    return inst.labels.gradient(of, inst.labels.flatten(grads))


def _canonical_grads(inst: Instance) -> dict[str, Array]:
    cell, kind = inst.layout.reference, inst.layout.kind
    return cell.backward(kind, inst.canonical, _up(inst))


def _up(inst: Instance) -> dict[str, Array]:
    cell, kind = inst.layout.reference, inst.layout.kind
    return {n: inst.canonical[n] for n in cell.upstream(kind, inst.sizes)}


def _permuted_gradient(inst: Instance, *, perm: dict[str, str], of: str) -> Array:
    return _expected(inst, _permuted(inst, _canonical_grads(inst), perm), of)


def _mistaken_gradient(inst: Instance, *, backward: Backward, of: str) -> Array:
    return _expected(inst, backward(inst.layout.reference, inst.canonical, _up(inst)), of)


def _gradient_hint(probes: list[tuple[Instance, Facts]], grad: str) -> str | None:
    inst0 = probes[0][0]
    lay = inst0.layout
    of = lay.forward_of(grad)

    def holds(want: Callable[[Instance], Array], transform: Callable[[Array], Array]
              = lambda a: a) -> bool:
        for inst, facts in probes:
            got = facts["grads"].get(grad)
            if got is None:
                return False
            got = transform(got)
            w = want(inst)
            if got.shape != w.shape or not close(got, w):
                return False
        return True

    if holds(lambda i: i.expected_gradient(grad)):
        return None  # agrees with the reference on every probe: nothing to explain
    if inst0.expected_gradient(grad).ndim == 2 and holds(lambda i: i.expected_gradient(grad),
                                                         lambda a: a.T):
        return (f"{grad} is transposed: it must have the shape of {of}, "
                f"{tuple(inst0.expected_gradient(grad).shape)} here (e.g. x.T @ da, not da.T @ x)")
    for perm in _perms(inst0):
        if holds(partial(_permuted_gradient, perm=perm, of=of)):
            order = lay.gate_order
            return (f"the gate blocks of {grad} are in the order "
                    f"{_order_text(inst0, [perm[g] for g in order])}; the forward stacks "
                    f"them {_order_text(inst0, list(order))}")
    for m in mistakes(lay.cell, lay.kind):
        if holds(partial(_mistaken_gradient, backward=m.backward, of=of)):
            return m.hint.format(**_user_names(inst0))
    for other in lay.gradients():
        if other != grad and holds(partial(Instance.expected_gradient, grad_name=other)):
            return f"this is the value of {other}, not of {grad}"
    if holds(lambda i: -i.expected_gradient(grad)):
        return "the sign is flipped"
    return None


def _user_names(inst: Instance) -> dict[str, str]:
    """The user's names of the state outputs and their upstream gradients (h, c, dh, dc)."""
    names = {"h": "h", "c": "c", "dh": "dh", "dc": "dc"}
    lab = inst.labels
    for user in [*inst.layout.outputs(), *inst.layout.upstream()]:
        if user in lab.user and lab.user[user].size:
            canonical = lab.canonical_entry(int(lab.user[user].flat[0]))[0]
            if canonical in names:
                names[canonical] = user
    return names


def explain(inst: Instance, facts: Facts, findings: list[Finding], run: Runner) -> list[Finding]:
    """The findings with hints where one holds on every probe."""
    wanted = [f for f in findings if f.kind in ("forward", "gradient", "shape")]
    if not wanted:
        return findings
    probes = [(inst, facts)]
    for k, sizes in enumerate(_probe_sizes(inst)):
        extra = random_instance(inst, sizes, seed=90 + k)
        got = run(extra)
        if got["error"] is None:
            probes.append((extra, got))
    out = []
    for f in findings:
        hint = None
        if f.kind == "forward" and f.name:
            hint = _forward_gate_order(probes, f.name)
        elif f.kind in ("gradient", "shape") and f.name in inst.layout.gradients():
            hint = _gradient_hint(probes, f.name)
        out.append(f.with_hint(hint) if hint else f)
    return out
