"""Stage: LSTM gradient checking (sequences). Run a claimed one-step backward pass through
time with the user's own recursion and compare every gradient with the reference BPTT.

Handler of ``model: lstm-sequence``. The claim gives one step's formulas in the column
names of ``lstm-cell`` (``x, h_prev, c_prev, i, f, o, cbar, c, h, tanh_c, W_*, U_*, b_*``)
plus ``dh_loss`` (dL/dh_t from the loss at step t), ``dh_next`` and ``dc_next`` (what the
user's own ``dh_prev`` and ``dc_prev`` of step t+1 sent back; zero at the last step) and
``T``. Required: ``dh_prev`` and ``dc_prev`` (the recursion). Optional: ``dh`` and ``dc``
(the total gradients at h_t and c_t), ``dx`` (per step), and ``dW_*``, ``dU_*``, ``db_*``
(the running value after step t, computed from the value before it, which formulas read
under the same name: ``dW_f: dW_f + outer(dz_f, x)`` accumulates, ``dW_f: outer(dz_f, x)``
overwrites, as in code). The run goes t = T, ..., 1;
the first (time step, tensor) that disagrees is reported, and three classic mistakes are
named when the whole run matches them: the state gradient not passed back, the future-cell
path dropped, weight gradients from one step only.

The reference is the textbook BPTT from the cell's equations
(:data:`verify.models.lstm.precision.FORWARD`/``BACKWARD``), batched over instances and
tested against the hand-written :func:`verify.models.lstm.sequence.sequence_backward`.
Float64 screen on grid and continuous instances, then 50 digits; untrusted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import numpy as np

from verify.errors import ExitCode
from verify.input import limits
from verify.input.yamldoc import Node
from verify.models.lstm.batch import halves, simplify_values, uniform
from verify.models.lstm.cell import GATES
from verify.models.lstm.expr import Array, ExprLimitError, ShapeError
from verify.models.lstm.expr_eval import evaluate_batch
from verify.models.lstm.formula_spec import FormulaSpec, evaluate_claim_batch, load_claims
from verify.models.lstm.instance import close_batch, to_json
from verify.models.lstm.layouts import COLUMN, Layout
from verify.models.lstm.precision import _BACKWARD, _FORWARD, DIGITS, RTOL, agree, to_mp
from verify.outcome import Options, Outcome

PARAMS = tuple(f"{k}_{g}" for k in "WUb" for g in GATES)
WEIGHTS = tuple(f"d{p}" for p in PARAMS)
STEP_TARGETS = ("dh", "dc", "dx", "dh_prev", "dc_prev")
_NAMES = (*(n for n in COLUMN.names if n not in ("dh", "dc", "dc_next", "f_next")),
          "dh_loss", "dh_next", "dc_next", "T", *WEIGHTS)
LAYOUT = Layout(
    "lstm-sequence", "one step of BPTT, run through time by the tool", _NAMES,
    {"dh": "dL/dh_t, all paths (dh_loss + what step t+1 sends back)",
     "dc": "dL/dc_t, all paths (through h_t and through c_{t+1})",
     "dx": "dL/dx_t", "dh_prev": "what step t sends back to h_{t-1} (dL/dh_0 at t = 1)",
     "dc_prev": "what step t sends back to c_{t-1} (dL/dc_0 at t = 1)",
     **{w: f"dL/{w[1:]}: its running value after step t, given the value before it under "
           f"the same name (write {w}: {w} + ... to accumulate)" for w in WEIGHTS}},
    {"dx": "(D,)", **{f"dW_{g}": "(H, D)" for g in GATES}, **{f"dU_{g}": "(H, H)" for g in GATES}},
    dict, dict, lambda e, r: {}, COLUMN.matrices)
GRID_T = (2, 3, 4)
WIDE = ((4, 7, 5), (7, 4, 3), (8, 8, 6), (1, 8, 4))  # (D, H, T) of continuous instances
WIDE_PER = 6


@dataclass(frozen=True, eq=False)
class SeqInstance:
    d: int
    h: int
    t: int
    drawn: dict[str, Array]  # xs (T, D), h0, c0 (H,), params, dh_loss (T, H)
    origin: str = "grid"


def _draw(d: int, h: int, t: int, values: Callable[[tuple[int, ...]], Array],
          origin: str) -> SeqInstance:
    shapes = {"xs": (t, d), "h0": (h,), "c0": (h,), "dh_loss": (t, h),
              **{f"W_{g}": (h, d) for g in GATES}, **{f"U_{g}": (h, h) for g in GATES},
              **{f"b_{g}": (h,) for g in GATES}}
    return SeqInstance(d, h, t, {n: values(s) for n, s in shapes.items()}, origin)


Run = tuple[list[dict[str, Array]], dict[str, Array]]  # per step (t = T first), summed weights


def _steps(items: list[SeqInstance], convert: Callable[[Array], Array]
           ) -> tuple[list[dict[str, Array]], dict[str, Array]]:
    """Forward pass of a batch: each step's environment (without the gradients)."""
    drawn = {n: convert(np.stack([i.drawn[n] for i in items])) for n in items[0].drawn}
    first = items[0]
    base = {p: drawn[p] for p in PARAMS}
    base.update({"H": convert(np.full(len(items), float(first.h))),
                 "D": convert(np.full(len(items), float(first.d))),
                 "T": convert(np.full(len(items), float(first.t)))})
    h_prev, c_prev, envs = drawn["h0"], drawn["c0"], []
    for k in range(first.t):
        env = {**base, "x": drawn["xs"][:, k], "h_prev": h_prev, "c_prev": c_prev,
               "dh_loss": drawn["dh_loss"][:, k]}
        for name, formula in _FORWARD[:-1]:  # the last forward entry is dc = f_next * dc_next
            env[name] = evaluate_batch(formula, env)
        envs.append(env)
        h_prev, c_prev = env["h"], env["c"]
    return envs, drawn


def reference(envs: list[dict[str, Array]], drop_dh: bool = False, drop_dc: bool = False,
              accumulate: str = "sum") -> Run:
    """The BPTT reference (or one of the classic mistakes, for hints): per step from t = T
    down, and the weight gradients summed (``accumulate="sum"``), or from the step at
    t = 1 (``"t=1"``) or t = T (``"t=T"``) only."""
    dh_next = envs[-1]["h"] * 0
    dc_next = dh_next
    steps: list[dict[str, Array]] = []
    total: dict[str, Array] = {}
    for k in reversed(range(len(envs))):
        scope = {**envs[k], "dh": envs[k]["dh_loss"] + (0 if drop_dh else dh_next),
                 "dc": dc_next * (0 if drop_dc else 1)}
        for name, formula in _BACKWARD:
            scope[name] = evaluate_batch(formula, scope)
        step = {"dh": scope["dh"], "dc": scope["dc_total"], "dx": scope["dx"],
                "dh_prev": scope["dh_prev"], "dc_prev": scope["dc_prev"]}
        steps.append(step)
        keep = (accumulate == "sum" or (accumulate == "t=1" and k == 0)
                or (accumulate == "t=T" and k == len(envs) - 1))
        for w in WEIGHTS:
            if keep:
                total[w] = total[w] + scope[w] if w in total else scope[w]
        dh_next, dc_next = scope["dh_prev"], scope["dc_prev"]
    return steps, total


LSTM_CARRIED = (("dh_next", "dh_prev", "h"), ("dc_next", "dc_prev", "c"))


def claimed(spec: FormulaSpec, envs: list[dict[str, Array]],
            carried: tuple[tuple[str, str, str], ...] = LSTM_CARRIED,
            running: tuple[str, ...] = WEIGHTS) -> Run:
    """The user's formulas run through time with their own recursion: each ``(next, claim,
    like)`` of ``carried`` feeds the claim's value at step t into the name ``next`` at step
    t-1 (zeros shaped like ``like`` at t = T); ``running`` names (weight gradients) are
    read as their value so far and replaced by the claim's."""
    sent = {nxt: envs[-1][like] * 0 for nxt, _, like in carried}
    steps: list[dict[str, Array]] = []
    total = {w: envs[-1][w[1:]] * 0 for w in running}  # running values, zero before t = T
    for k in reversed(range(len(envs))):
        env = {**envs[k], **total, **sent}
        step = {e.name: evaluate_claim_batch(spec, e, env) for e in spec.claims}
        steps.append(step)
        total.update({w: step[w] for w in running if w in step})
        sent = {nxt: step[name] for nxt, name, _ in carried}
    return steps, total


def first_wrong(spec: FormulaSpec, mine: Run, ref: Run, size: int,
                same: Callable[[Array, Array], Array]) -> tuple[Array, list[tuple[str, str]]]:
    """Per instance: whether anything disagrees; and (where, target) labels in run order:
    every claimed tensor at every step (t = T first), then the gradients after t = 1."""
    bad = np.zeros(size, dtype=bool)
    labels: list[tuple[str, str]] = []
    names = [e.name for e in spec.claims]
    for k, (got, want) in enumerate(zip(mine[0], ref[0])):
        t = len(mine[0]) - k
        for target in names:
            if target in want and target not in ref[1]:
                ok = _agree(got[target], want[target], same)
                if not ok.all():
                    labels.append((f"t={t}", target))
                bad |= ~ok
    for w in names:
        if w in ref[1]:
            ok = _agree(mine[1][w], ref[1][w], same)
            if not ok.all():
                labels.append(("the end (after t=1)", w))
            bad |= ~ok
    return bad, labels


def _agree(got: Array, want: Array, same: Callable[[Array, Array], Array]) -> Array:
    if got.shape[1:] != want.shape[1:]:
        return np.zeros(want.shape[0], dtype=bool)
    return same(np.broadcast_to(got, want.shape), want)


def _float_same(got: Array, want: Array) -> Array:
    return close_batch(got, want)


def _judge(spec: FormulaSpec, items: list[SeqInstance]) -> tuple[Array, list[tuple[str, str]]]:
    envs, _ = _steps(items, np.asarray)
    try:
        mine = claimed(spec, envs)
    except ShapeError as exc:
        return np.ones(len(items), dtype=bool), [("shape", str(exc))]
    return first_wrong(spec, mine, reference(envs), len(items), _float_same)


def _precise_wrong(spec: FormulaSpec, inst: SeqInstance
                   ) -> tuple[str, tuple[str, str]] | None:
    with mpmath.workdps(DIGITS):
        envs, _ = _steps([inst], to_mp)
        try:
            mine = claimed(spec, envs)
        except ShapeError as exc:
            return str(exc), ("shape", "")
        return precise_verdict(spec, mine, reference(envs))


def precise_verdict(spec: FormulaSpec, mine: Run, ref: Run
                    ) -> tuple[str, tuple[str, str]] | None:
    """At 50 digits (call inside ``mpmath.workdps``): None when the run agrees to RTOL,
    else the reason and the first (where, target) that does not."""
    worst: list[float] = []

    def same(got: Array, want: Array) -> Array:
        ok, off = agree(got, want)
        worst.append(off)
        return np.array([ok])
    bad, labels = first_wrong(spec, mine, ref, 1, same)
    if not bad[0]:
        return None
    where, target = labels[0]
    return (f"at {where}, {target}: agrees in float64 to 1e-8, but computed with 50 digits it "
            f"differs by {max(worst):.1e} relative (allowed: {RTOL:.0e})"), labels[0]


def _groups(items: list[SeqInstance]) -> list[list[SeqInstance]]:
    groups: dict[tuple[int, int, int], list[SeqInstance]] = {}
    for inst in items:
        groups.setdefault((inst.d, inst.h, inst.t), []).append(inst)
    return list(groups.values())


_HINTS = (
    ({"drop_dh": True}, ("the state gradient is not passed back: dL/dh_t must add dh_next (what "
     "step t+1 sends back through h_t) to the loss's own dh_loss")),
    ({"drop_dc": True}, ("the future-cell path is dropped: dL/dc_t must add dc_next (what "
     "c_{t+1} = f_{t+1} * c_t + ... sends back) to the path through h_t")),
    ({"accumulate": "t=1"}, ("weight gradients come from one step only (the last one the "
     "backward loop visits, t=1): they are the sum of every step's contribution")),
    ({"accumulate": "t=T"}, ("weight gradients come from one step only (t=T): they are the sum "
     "of every step's contribution")),
)


def _hint(spec: FormulaSpec, probes: list[SeqInstance]) -> str | None:
    for variant, text in _HINTS:
        if all(_matches(spec, p, variant) for p in probes):
            return text
    return None


def _matches(spec: FormulaSpec, inst: SeqInstance, variant: dict[str, Any]) -> bool:
    envs, _ = _steps([inst], np.asarray)
    try:
        mine = claimed(spec, envs)
    except ShapeError:
        return False
    right = reference(envs) if "accumulate" in variant else None
    return explained_by(spec, mine, reference(envs, **variant), right)


def explained_by(spec: FormulaSpec, mine: Run, variant: Run, right: Run | None = None) -> bool:
    """Whether a classic mistake explains the run. A mistake in the recursion: the whole run
    matches ``variant``. A mistake in accumulating weights (``right`` given, the variant
    differing only in its totals): every weight gradient that is wrong matches the variant's."""
    if right is None:
        return not first_wrong(spec, mine, variant, 1, _float_same)[0][0]
    claimed_names = {e.name for e in spec.claims}
    wrong = [w for w in right[1] if w in claimed_names
             and not _agree(mine[1][w], right[1][w], _float_same).all()]
    return bool(wrong) and all(_agree(mine[1][w], variant[1][w], _float_same).all()
                               for w in wrong)


def _shrink(spec: FormulaSpec, inst: SeqInstance) -> SeqInstance:
    """Fewer steps, smaller sizes (leading entries kept), then values zeroed or rounded."""
    def fails(candidate: SeqInstance) -> bool:
        return bool(_judge(spec, [candidate])[0][0])

    best = inst
    for t, d, h in sorted(((t, d, h) for t in range(1, inst.t + 1) for d in range(
            1, inst.d + 1) for h in range(1, inst.h + 1)), key=lambda c: (sum(c), c)):
        if (t, d, h) == (inst.t, inst.d, inst.h):
            break
        cut = {"xs": (slice(0, t), slice(0, d)), "dh_loss": (slice(0, t), slice(0, h)),
               **{f"W_{g}": (slice(0, h), slice(0, d)) for g in GATES},
               **{f"U_{g}": (slice(0, h), slice(0, h)) for g in GATES}}
        drawn = {n: v[cut.get(n, (slice(0, h),))] for n, v in inst.drawn.items()}
        candidate = SeqInstance(d, h, t, drawn, inst.origin)
        if fails(candidate):
            best = candidate
            break
    return replace(best, drawn=simplify_values(
        best.drawn, lambda drawn: fails(replace(best, drawn=drawn))))


def _counterexample(spec: FormulaSpec, inst: SeqInstance, reason: str | None,
                    label: tuple[str, str] | None = None) -> dict[str, Any]:
    envs, _ = _steps([inst], np.asarray)
    ref = reference(envs)
    out: dict[str, Any] = {"sizes": {"D": inst.d, "H": inst.h, "T": inst.t},
                           "instance": {n: to_json(v) for n, v in inst.drawn.items()},
                           "values_from": inst.origin}
    try:
        mine = claimed(spec, envs)
    except ShapeError as exc:
        out.update(reason=f"shape mismatch: {exc}", expected="(none)", got=None)
        return out
    labels = first_wrong(spec, mine, ref, 1, _float_same)[1]
    where, target = label or (labels[0] if labels else ("", ""))
    if where.startswith("t="):
        k = inst.t - int(where[2:])
        want, got = ref[0][k][target][0], mine[0][k][target][0]
        values = {n: to_json(envs[inst.t - 1 - k][n][0]) for n in ("dh_loss",)}
        values.update({"dh_next (as you passed it)": to_json(
            mine[0][k - 1]["dh_prev"][0] if k else np.zeros(inst.h))})
    else:
        want, got, values = ref[1][target][0], mine[1][target][0], {}
    got = np.broadcast_to(got, want.shape)
    if want.dtype != object and want.size:
        with np.errstate(all="ignore"):
            err = np.where(np.isfinite(got), np.abs(got - want), np.inf)
        out["entry"] = [int(k) for k in np.unravel_index(int(np.argmax(err)), err.shape)]
    out.update(first_wrong={"where": where, "target": target}, values=values,
               expected=to_json(want), got=to_json(np.broadcast_to(got, want.shape)),
               reason=reason or f"first wrong at {where}: {target}")
    return out


def check_spec(node: Node, options: Options) -> Outcome:
    """Handler for ``model: lstm-sequence``."""
    deadline = limits.deadline(options.timeout)
    fields = node.mapping(allowed={"model", "name", "description", "define", "claim"},
                          required={"model", "claim"})
    spec = load_claims(node, fields, LAYOUT)
    names = {e.name for e in spec.claims}
    if not {"dh_prev", "dc_prev"} <= names:
        raise fields["claim"].error("the claim must give the recursion, 'dh_prev' and "
                                    "'dc_prev' (what step t sends back to step t-1)")
    rng = np.random.default_rng(options.seed + 31)
    grid = [_draw(int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.choice(GRID_T)),
                  halves(rng), "grid")
            for _ in range(options.examples)]
    wide = [_draw(d, h, t, uniform(rng, (2.0, 6.0)[k % 2]), "continuous")
            for d, h, t in WIDE for k in range(WIDE_PER)]
    checker = SequenceChecker(
        judge=lambda group: _judge(spec, group)[0],
        precise=lambda inst: _precise_wrong(spec, inst),
        shrink=lambda inst: _shrink(spec, inst),
        report=lambda inst, precise: _counterexample(spec, inst, *(precise or (None, None))),
        probes=lambda rng: [_draw(d, h, t, lambda s: rng.normal(size=s), "continuous")
                            for d, h, t in ((3, 2, 3), (2, 3, 4))],
        hint=lambda probes: _hint(spec, probes))
    return sequence_outcome(spec, fields["claim"], checker, _groups(grid) + _groups(wide),
                            [grid[0], wide[0], wide[2 * WIDE_PER]],
                            "LSTM BPTT from one step's formulas", len(wide), deadline)


@dataclass(frozen=True)
class SequenceChecker:
    """What a sequence model supplies to :func:`sequence_outcome` (instances of any type)."""

    judge: Callable[[list[Any]], Array]  # a batch of equal sizes -> which ones fail
    precise: Callable[[Any], tuple[str, tuple[str, str]] | None]  # 50 digits on one
    shrink: Callable[[Any], Any]
    report: Callable[[Any, tuple[str, tuple[str, str]] | None], dict[str, Any]]
    probes: Callable[[np.random.Generator], list[Any]]  # fixed random instances for hints
    hint: Callable[[list[Any]], str | None]


def sequence_outcome(spec: FormulaSpec, claim_node: Node, checker: SequenceChecker,
                     groups: list[list[Any]], precise_on: list[Any], title: str,
                     wide_count: int, deadline: float | None) -> Outcome:
    """Screen the groups in order (float64), confirm on ``precise_on`` (50 digits), shrink
    and explain a failure, and build the outcome of a sequence spec."""
    from verify.models.lstm.render import render

    failing, precise, checked, timed_out = None, None, 0, False
    try:
        for group in groups:
            if deadline is not None and time.monotonic() >= deadline:
                timed_out = True
                break
            bad = checker.judge(group)
            checked += sum(i.origin == "grid" for i in group)
            if bad.any():
                failing = group[int(np.argmax(bad))]
                break
        for inst in precise_on if failing is None and not timed_out else []:
            precise = checker.precise(inst)
            if precise:
                failing = inst
                break
    except ExprLimitError as exc:
        raise claim_node.error(f"cannot use this formula: {exc}") from None
    verdict = "incorrect" if failing else "unknown" if timed_out else "correct"
    result: dict[str, Any] = {"verdict": verdict, "line": spec.claims[0].line}
    if failing is not None:
        inst = failing if precise else checker.shrink(failing)
        cex = checker.report(inst, precise)
        result["reason"] = cex.pop("reason")
        result["counterexample"] = cex
        hint = checker.hint([inst, *checker.probes(np.random.default_rng(5))])
        if hint:
            result["hint"] = hint
    elif timed_out:
        result["reason"] = "the time limit came before every instance was checked"
    payload: dict[str, Any] = {
        "name": spec.name, "claim": {"verdict": verdict, "targets": {"BPTT": result}},
        "examples": checked, "title": title,
        "meaning": {"BPTT": "every claimed tensor at every time step, and the weight "
                            "gradients after t = 1"},
        "correct_means": {"float64": {"grid_instances": checked,
                                      "continuous_instances": wide_count},
                          "high_precision": {"instances": len(precise_on), "digits": DIGITS}}}
    if timed_out:
        payload["timed_out"] = True
    if verdict == "unknown":  # every unknown outcome says why
        payload["reason"] = result["reason"]
    code = {"correct": ExitCode.OK, "incorrect": ExitCode.CLAIM_INCORRECT,
            "unknown": ExitCode.UNKNOWN}[verdict]
    return Outcome(spec.path, "unknown" if verdict == "unknown" else "checked", code, payload,
                   render(spec.path, payload))


__all__ = ["LAYOUT", "SequenceChecker", "check_spec", "claimed", "explained_by", "first_wrong",
           "precise_verdict", "reference", "sequence_outcome"]
