"""Stage: result (claims). Judge a claimed answer against the spec and the solved verdict.

Searching (which step requires an inequality, whether inequalities are jointly
satisfiable) happens here, untrusted; every finding a verdict rests on is then
re-checked by :mod:`verify.trusted.checker`: witness failures are re-simulated, "required at
step t" is re-derived from the spec, contradictions are re-added, and satisfying weights
are re-substituted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from verify.errors import InternalError
from verify.input.exact import show, to_float
from verify.input.ineq import Inequality
from verify.linear.result import Result, Verdict
from verify.linear.system import LinearSystem, Row, Status
from verify.models.threshold.compile import FREE, StepTable
from verify.models.threshold.solve import ask
from verify.models.threshold.spec import Claim, RnnSpec
from verify.models.threshold.trace import Trace, run
from verify.trusted import checker


@dataclass(frozen=True)
class Requirement:
    """Where a claimed inequality comes from: step (sequence, t), or None if no step."""

    inequality: Inequality
    sequence: int | None
    t: int | None
    weaker: bool  # claimed ">=" where the step requires ">" (implied, not identical)
    why_not: str


@dataclass(frozen=True)
class Judgement:
    verdict: str  # correct | incorrect | unknown
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    points: tuple[str, ...] = ()
    """The reason's findings, one each (text reports list them one per line)."""
    summary: str = ""
    """The reason's first clause, before the findings."""
    trace: Trace | None = None
    """For a claimed witness: those weights run step by step (shown before the verdict)."""
    matched: tuple[Requirement, ...] = ()
    """For a ``because`` claim: each claimed inequality and the step it was matched to."""


def judge(spec: RnnSpec, table: StepTable, result: Result, solver: str,
          timeout: float | None) -> Judgement:
    claim = spec.claim
    assert claim is not None
    if claim.witness is not None:
        return _judge_witness(spec, table, claim, result)
    if claim.because is not None:
        return _judge_because(spec, table, claim.because, result, solver, timeout)
    return _judge_realizable(claim, result)


def _actual(result: Result) -> bool | None:
    return {Verdict.REALIZABLE: True, Verdict.UNREALIZABLE: False}.get(result.verdict)


def _judge_realizable(claim: Claim, result: Result) -> Judgement:
    actual = _actual(result)
    if actual is None:
        return Judgement("unknown", "the solver could not decide, so the claim is not judged")
    word = "realizable" if actual else "unrealizable"
    if claim.realizable == actual:
        return Judgement("correct", f"the spec is indeed {word}")
    return Judgement("incorrect", f"the claim says {'un' if actual else ''}realizable, but the "
                                  f"spec is {word} (see the {'witness' if actual else 'proof'})")


# -- witness claims ---------------------------------------------------------------------------

def _judge_witness(spec: RnnSpec, table: StepTable, claim: Claim, result: Result) -> Judgement:
    values = {p: Fraction(claim.witness[p]) for p in spec.params}  # type: ignore[index]
    fixed = claim.witness_s0
    best: checker.StepFailure | None = None
    s0: list[int] = []
    for j, seq in enumerate(spec.sequences):
        options = [fixed[j]] if fixed is not None else ([seq.s0] if seq.s0 is not None
                                                         else [0, 1])
        if seq.s0 is not None and options[0] != seq.s0:
            return Judgement("incorrect", f"sequence {j}: the claim sets s0 = {options[0]}, "
                                          f"but the spec fixes s0 = {seq.s0}")
        sub = _single(spec, j)
        fails = [(v, checker.first_failure(sub, values, [v])) for v in options]
        ok = [v for v, f in fails if f is None]
        if ok:
            s0.append(ok[0])
            continue
        v, f = max(fails, key=lambda vf: vf[1].t)  # type: ignore[union-attr]
        assert f is not None
        best = checker.StepFailure(j, f.t, f.x, f.s_prev, f.z, f.expected, f.got)
        s0.append(v)
        break
    if best is None:
        checker.check_witness(spec, values, s0)  # trusted re-check of the whole verdict
        return Judgement("correct", "the claimed weights reproduce every output",
                         {"s0": s0}, trace=run(table, values, tuple(s0)))
    # sequences after the failing one are not traced; pad with their own s0 (or 0)
    s0 += [seq.s0 or 0 for seq in spec.sequences[len(s0):]]
    trace = run(table, values, tuple(s0), (best.sequence, best.t))
    reason = _explain_failure(spec, values, best)
    if result.verdict is Verdict.REALIZABLE:
        reason += " (the spec is realizable, but not with these weights: see the witness)"
    return Judgement("incorrect", reason, {"failure": {
        "sequence": best.sequence, "t": best.t, "x": show(best.x), "s_prev": best.s_prev,
        "z": show(best.z), "expected": best.expected, "got": best.got}}, trace=trace)


def _single(spec: RnnSpec, j: int) -> RnnSpec:
    from dataclasses import replace
    return replace(spec, sequences=(spec.sequences[j],))


def _explain_failure(spec: RnnSpec, v: dict[str, Fraction], f: checker.StepFailure) -> str:
    where = f"t={f.t}" if len(spec.sequences) == 1 else f"sequence {f.sequence}, t={f.t}"
    rule = "z > 0" if spec.step.value == "strict" else "z >= 0"
    return (f"fails at {where}: z = w1*x + w2*s + b = {show(v['w1'])}*{show(f.x)} + "
            f"{show(v['w2'])}*{f.s_prev} + {_paren(v['b'])} = {show(f.z)}, so step(z) = {f.got}, but the output must be "
            f"{f.expected} (step(z) = 1 exactly when {rule})")


def _paren(q: Fraction) -> str:
    return f"({show(q)})" if q < 0 else show(q)


# -- "because" claims --------------------------------------------------------------------------

def find_requirement(spec: RnnSpec, table: StepTable, ineq: Inequality) -> Requirement:
    coeffs, const, strict = checker.canonical(ineq, spec.params)
    a_x, a_s, a_b = coeffs
    if const != 0:
        return Requirement(ineq, None, None, False,
                           "no step requires it: every step's inequality has no constant term")
    if a_b == 0:
        return Requirement(ineq, None, None, False,
                           "no step requires it: every step's inequality involves b")
    x, s, y = a_x / a_b, a_s / a_b, 1 if a_b > 0 else 0
    if s not in (0, 1):
        return Requirement(ineq, None, None, False, f"no step requires it: it would need "
                                                    f"s_(t-1) = {show(s)}, which is never 0 or 1")
    need_strict = table.strict_for(y)
    if strict and not need_strict:
        return Requirement(ineq, None, None, False,
                           "it is stricter than what any step requires (> where steps "
                           "require >=)")
    same_x = (table.y == y) & (table.x_approx == to_float(x))
    for k in np.flatnonzero(same_x & (table.s_prev == int(s))):
        if table.x_exact(int(k)) == x:
            return Requirement(ineq, int(table.seq[k]), int(table.t[k]),
                               need_strict and not strict, "")
    for k in np.flatnonzero(same_x & (table.s_prev == FREE)):
        if table.x_exact(int(k)) == x:
            where = "" if len(spec.sequences) == 1 else f" of sequence {int(table.seq[k])}"
            return Requirement(ineq, None, None, False,
                               f"no step requires it for every s0: t=1{where} requires it "
                               f"only when s0 = {int(s)}, and s0 is free there")
    return Requirement(ineq, None, None, False,
                       f"no step requires it: it would come from a step with x_t = {show(x)}, "
                       f"s_(t-1) = {int(s)} and output {y}, and there is none")


def _judge_because(spec: RnnSpec, table: StepTable, because: tuple[Inequality, ...],
                   result: Result, solver: str, timeout: float | None) -> Judgement:
    reqs = [find_requirement(spec, table, q) for q in because]
    for r in reqs:  # re-derive each "required at" from the spec, trusted
        if r.sequence is not None and r.t is not None:
            _recheck_requirement(spec, r)
    rows = [checker.canonical(q, spec.params) for q in because]
    status, data = _jointly(spec, rows, solver, timeout)
    lines = [_describe(r, len(spec.sequences)) for r in reqs]
    details: dict[str, Any] = {"inequalities": [
        {"text": r.inequality.text, "required_at": None if r.t is None else
         {"sequence": r.sequence, "t": r.t}, "weaker": r.weaker, "reason": r.why_not}
        for r in reqs]}
    if status is Status.UNKNOWN:
        return Judgement("unknown", "could not decide whether the listed inequalities are "
                                    "jointly satisfiable", details, matched=tuple(reqs))
    if status is Status.FEASIBLE:
        assert data is not None
        checker_ok = checker.satisfies_all(rows, data)
        if not checker_ok:
            raise InternalError("weights claimed to satisfy the listed inequalities do not")
        point = ", ".join(f"{p} = {show(v)}" for p, v in zip(spec.params, data))
        details["satisfied_by"] = {p: show(v) for p, v in zip(spec.params, data)}
        lines.append(f"together they are not contradictory: {point} satisfies all of them")
    else:
        assert data is not None
        checker.check_motzkin(rows, data, irreducible=False)
        combo = " + ".join(f"{show(m)} × [{q.text}]" for m, q in zip(data, because) if m)
        details["contradiction"] = [show(m) for m in data]
        lines.append(f"together they are contradictory: {combo} gives 0 > 0")
    all_required = all(r.t is not None for r in reqs)
    if all_required and status is Status.INFEASIBLE:
        if result.verdict is Verdict.REALIZABLE:
            raise InternalError("required, contradictory rows but the spec is realizable")
        head = "the argument is sound"
        return Judgement("correct", head + ": " + "; ".join(lines), details, tuple(lines), head,
                         matched=tuple(reqs))
    head = "the argument does not prove it"
    if result.verdict is Verdict.UNREALIZABLE:
        head = "the conclusion (unrealizable) is right, but the argument does not prove it"
    elif result.verdict is Verdict.REALIZABLE:
        head = "the spec is realizable, so no argument can prove otherwise"
    return Judgement("incorrect", head + ": " + "; ".join(lines), details, tuple(lines), head,
                     matched=tuple(reqs))


def _recheck_requirement(spec: RnnSpec, r: Requirement) -> None:
    assert r.sequence is not None and r.t is not None
    step_coeffs, step_strict = checker.derive_row(spec, r.sequence, r.t, {})
    coeffs, const, strict = checker.canonical(r.inequality, spec.params)
    k = coeffs[2] / step_coeffs[2]
    if (k <= 0 or const != 0 or tuple(k * c for c in step_coeffs) != coeffs
            or (strict and not step_strict)):
        raise InternalError(f"{r.inequality.text!r} is not what t={r.t} requires")


def _describe(r: Requirement, n_sequences: int) -> str:
    if r.t is None:
        return f"'{r.inequality.text}' is not required: {r.why_not}"
    extra = " (in the strict form '>'; the claimed '>=' is implied by it)" if r.weaker else ""
    return f"'{r.inequality.text}' is required at t={r.t}" + (
        f" of sequence {r.sequence}" if n_sequences > 1 else "") + extra


def _jointly(spec: RnnSpec, rows: list[tuple[tuple[Fraction, ...], Fraction, bool]],
             solver: str, timeout: float | None
             ) -> tuple[Status, tuple[Fraction, ...] | None]:
    """Are ``a.theta + c REL 0`` jointly satisfiable? Homogenised with tau > 0."""
    hom = tuple(Row((*a, c), strict) for a, c, strict in rows)
    tau = Row(tuple(Fraction(0) for _ in spec.params) + (Fraction(1),), True)
    system = LinearSystem((*spec.params, "_tau"), hom + (tau,))
    ans = ask(solver, system, timeout, [])
    if ans.status is Status.FEASIBLE and ans.witness is not None:
        scale = ans.witness[-1]
        return Status.FEASIBLE, tuple(v / scale for v in ans.witness[:-1])
    if ans.status is Status.INFEASIBLE and ans.multipliers is not None:
        return Status.INFEASIBLE, tuple(ans.multipliers[:-1])
    return Status.UNKNOWN, None
