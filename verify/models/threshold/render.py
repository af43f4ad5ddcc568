"""Stage: report (step RNN). Render a checked result as JSON and as text for people.

JSON follows the documented contract (rationals as strings, certificate rows as
``coefficients . (w1, w2, b)  relation  0``, version ``verify-certificate/1``); text
writes certificates as sums in the spec's own terms, e.g.
``1 × [t=1: b > 0] + 1 × [t=5: −b ≥ 0] ⇒ 0 > 0``.
"""

from __future__ import annotations

import decimal
from fractions import Fraction
from typing import Any

# hardening (issue 10): numbers go through verify.input.exact.show, which abbreviates
# values beyond 1,000 digits (≈1.0e+5000) instead of converting them to text
from verify.input.exact import show
from verify.linear.result import Certificate, CitedRow, Proof, Result, Verdict
from verify.models.threshold.claims import Judgement, Requirement
from verify.models.threshold.compile import FREE, StepTable
from verify.models.threshold.reduce import same_row_steps
from verify.models.threshold.spec import RnnSpec, StepKind
from verify.models.threshold.trace import Trace, TraceRow, run

CERT_FORMAT = "verify-certificate/1"


# -- JSON ------------------------------------------------------------------------------------

def proof_json(proof: Proof, table: StepTable,
               assigned: dict[int, int] | None = None) -> dict[str, Any]:
    """A proof as the documented JSON; each row also says where else it is required."""
    assigned = assigned or {}
    params = table.spec.params
    if isinstance(proof, Certificate):
        rows = []
        for r in proof.rows:
            steps, count = same_row_steps(table, *_cited_step(table, r, assigned))
            rows.append({"sequence": r.sequence, "t": r.t,
                         "coefficients": {p: show(c) for p, c in zip(params, r.coefficients)},
                         "relation": r.relation, "multiplier": show(r.multiplier),
                         "steps_with_this_row": count,
                         "first_steps": [{"sequence": int(table.seq[h]), "t": int(table.t[h])}
                                         for h in steps]})
        return {"rows": rows}
    return {"split": {"sequence": proof.sequence, "var": "s0"},
            "cases": [{"value": v, "proof": proof_json(p, table, {**assigned, proof.sequence: v})}
                      for v, p in proof.cases]}


def _cited_step(table: StepTable, row: CitedRow, assigned: dict[int, int]) -> tuple[int, int]:
    """The cited step's global index and its s_(t-1): a free s0 as assigned on this path
    of the split."""
    k = table.index(row.sequence, row.t)
    s_prev = int(table.s_prev[k])
    if s_prev == FREE:
        s_prev = assigned.get(row.sequence, FREE)
    return k, s_prev


def to_json(spec: RnnSpec, table: StepTable, result: Result,
            judgement: Judgement | None) -> dict[str, Any]:
    out: dict[str, Any] = {"checked": result.verdict is not Verdict.UNKNOWN,
                           "backend": result.backend}
    if spec.name:
        out["name"] = spec.name
    out["steps"] = sum(len(s.outputs) for s in spec.sequences)
    if result.witness is not None:
        out["witness"] = {p: show(v) for p, v in result.witness.values.items()}
        if any(s.s0 is None for s in spec.sequences):
            out["s0"] = list(result.witness.s0)
    if result.proof is not None:
        out["certificate"] = {"format": CERT_FORMAT, **proof_json(result.proof, table)}
    if result.conflict is not None:
        (sa, ta), (sb, tb) = result.conflict
        out["conflict"] = [{"sequence": sa, "t": ta}, {"sequence": sb, "t": tb}]
    if result.verdict is Verdict.UNKNOWN:
        out["reason"] = result.note or "the solver gave up"
    elif result.note:
        out["note"] = result.note
    if judgement is not None:
        out["claim"] = _claim_json(table, judgement)
    return out


def _claim_json(table: StepTable, judgement: Judgement) -> dict[str, Any]:
    out = {"verdict": judgement.verdict, "reason": judgement.reason, **judgement.details}
    if judgement.trace is not None:
        out["trace"] = trace_json(judgement.trace)
    if judgement.matched:  # each claimed inequality gains the step row it was matched to
        out["inequalities"] = [dict(entry) for entry in out["inequalities"]]
        for entry, r in zip(out["inequalities"], judgement.matched):
            if r.sequence is not None and r.t is not None:
                entry["step"] = _step_json(table, table.index(r.sequence, r.t))
    return out


def _step_json(table: StepTable, k: int) -> dict[str, Any]:
    row = table.row(k)
    return {"x": show(table.x_exact(k)), "s_prev": int(table.s_prev[k]),
            "output": int(table.y[k]),
            "requires": {"coefficients": {p: show(c) for p, c in
                                          zip(table.spec.params, row.coefficients)},
                         "relation": row.relation}}


def trace_json(trace: Trace) -> dict[str, Any]:
    """Claimed weights run step by step: the shown rows (a window when the spec is long)."""
    fail = trace.first_failure
    return {"weights": {p: show(v) for p, v in trace.weights.items()}, "s0": list(trace.s0),
            "steps": trace.steps, "complete": trace.complete,
            "first_failure": None if fail is None else {"sequence": fail[0], "t": fail[1]},
            "rows": [{"sequence": r.sequence, "t": r.t, "x": show(r.x), "s_prev": r.s_prev,
                      "z": show(r.z), "s": r.s, "want": r.want} for r in trace.rows]}


# -- text ------------------------------------------------------------------------------------

def linear_form(coeffs: tuple[Fraction, ...], params: tuple[str, ...]) -> str:
    """``(1, 0, -1)`` over (w1, w2, b) -> ``w1 − b``."""
    parts: list[str] = []
    for c, p in zip(coeffs, params):
        if c == 0:
            continue
        mag = abs(c)
        term = p if mag == 1 else f"{show(mag)}·{p}"
        if not parts:
            parts.append(term if c > 0 else f"−{term}")
        else:
            parts.append(("+ " if c > 0 else "− ") + term)
    return " ".join(parts) if parts else "0"


def _rel(strict: bool) -> str:
    return ">" if strict else "≥"


def _where(spec: RnnSpec, sequence: int, t: int) -> str:
    return f"t={t}" if len(spec.sequences) == 1 else f"seq {sequence}, t={t}"


def _certificate_text(spec: RnnSpec, table: StepTable, cert: Certificate,
                      assigned: dict[int, int], indent: str) -> list[str]:
    terms = []
    lines = [(f"{indent}each step requires an inequality; adding them with these weights gives "
             f"0 > 0:")]
    for r in cert.rows:
        term = (f"{show(r.multiplier)} × [{_where(spec, r.sequence, r.t)}: "
                f"{linear_form(r.coefficients, spec.params)} {_rel(r.strict)} 0]")
        terms.append(term)
        k, sp = _cited_step(table, r, assigned)
        steps, count = same_row_steps(table, k, sp)
        others = [h for h in steps if h != k]
        also = ""
        if count > 1:
            shown = ", ".join(_where(spec, int(table.seq[h]), int(table.t[h])).replace(",", "")
                              for h in others)
            also = f"; also {shown}" + (f", … ({count} steps in all)"
                                        if count > len(steps) else "")
        lines.append(f"{indent}  {term}   (x={show(table.x_exact(k))}, s_prev={sp}, "
                     f"output {int(table.y[k])}{also})")
    lines.append(f"{indent}  ⇒ 0 > 0")
    lines.append(f"{indent}in one line: {' + '.join(terms)} ⇒ 0 > 0")
    return lines + [indent + w for w in _conflict_words(spec, table, cert, assigned)]


def _proof_text(spec: RnnSpec, table: StepTable, proof: Proof, assigned: dict[int, int],
                indent: str) -> list[str]:
    if isinstance(proof, Certificate):
        return _certificate_text(spec, table, proof, assigned, indent)
    lines: list[str] = []
    for value, sub in proof.cases:
        name = "s0" if len(spec.sequences) == 1 else f"s0 of sequence {proof.sequence}"
        lines.append(f"{indent}case {name} = {value}:")
        lines += _proof_text(spec, table, sub, {**assigned, proof.sequence: value},
                             indent + "  ")
    return lines


def _conflict_words(spec: RnnSpec, table: StepTable, cert: Certificate,
                    assigned: dict[int, int]) -> list[str]:
    """Two rows that are each other's negation: same (x_t, s_(t-1)), different outputs."""
    if len(cert.rows) != 2:
        return []
    a, b = cert.rows
    if tuple(-c for c in a.coefficients) != b.coefficients:
        return []
    k, sp = _cited_step(table, a, assigned)
    return [(f"in words: {_where(spec, a.sequence, a.t)} and {_where(spec, b.sequence, b.t)} "
            f"both see x={show(table.x_exact(k))} with s_prev={sp}, but must output "
            f"{int(table.y[k])} and {1 - int(table.y[k])}; the network computes the same s_t "
            "from the same (x_t, s_(t-1)), so no weights can do both.")]


def _short(q: Fraction) -> str:
    """Exact when short; a float approximation (marked ≈) in the illustrative table."""
    text = show(q)  # already abbreviated beyond 1,000 digits
    if len(text) <= 9 or text.startswith("≈"):
        return text
    with decimal.localcontext() as ctx:  # Decimal, not float: 10**400 must not overflow
        ctx.prec = 6
        return "≈" + format(decimal.Decimal(q.numerator) / q.denominator, ".5g")


def _trace_table(spec: RnnSpec, trace: Trace, marked: bool) -> list[str]:
    """Rows of a trace; ``marked`` flags wrong outputs (the first one by name) and the gaps
    of a windowed trace."""
    many = len(spec.sequences) > 1
    rows = ["   seq    t       x_t  s_(t-1)          z  s_t  want" if many
            else "     t       x_t  s_(t-1)          z  s_t  want"]
    prev: TraceRow | None = None
    for r in trace.rows:
        if marked and prev is not None and (r.sequence, r.t) != (prev.sequence, prev.t + 1) \
                and r.t != 1:
            rows.append("     …")
        lead = f"   {r.sequence:>3}" if many else ""
        line = (f"{lead}  {r.t:>4}  {_short(r.x):>8}  {r.s_prev:>7}  {_short(r.z):>9}  "
                f"{r.s:>3}  {r.want:>4}")
        if marked and not r.ok:
            first = trace.first_failure == (r.sequence, r.t)
            line += "  ✗ first wrong output" if first else "  ✗"
        rows.append(line)
        prev = r
    return rows


def _witness_table(spec: RnnSpec, table: StepTable, result: Result) -> list[str]:
    assert result.witness is not None
    trace = run(table, result.witness.values, result.witness.s0)
    rows = _trace_table(spec, trace, marked=False)
    if not trace.complete:
        rows.append(f"  … {trace.steps - len(trace.rows)} more steps, all reproduced "
                    "(checked exactly)")
    return rows


def _claimed_trace_text(spec: RnnSpec, trace: Trace) -> list[str]:
    vals = ", ".join(f"{p} = {show(v)}" for p, v in trace.weights.items())
    free = any(s.s0 is None for s in spec.sequences)
    lines = [f"  the claimed weights, {vals}" + (f" (s0 = {list(trace.s0)})" if free else "")
             + ", step by step:"]
    lines += ["  " + r for r in _trace_table(spec, trace, marked=True)]
    if not trace.complete:
        rest = trace.steps - len(trace.rows)
        lines.append(f"    … {rest} more steps not shown" + (
            "" if trace.first_failure else ", all reproduced (checked exactly)"))
    return lines


def _matched_text(spec: RnnSpec, table: StepTable, reqs: tuple[Requirement, ...]) -> list[str]:
    """Each claimed inequality beside the step it was matched to, and what that step needs."""
    where = [("—" if r.sequence is None or r.t is None else _where(spec, r.sequence, r.t))
             for r in reqs]
    width = max(len("claimed"), *(len(r.inequality.text) for r in reqs))
    at = max(len("step"), *(len(w) for w in where))
    lines = [(f"    {'claimed':<{width}}   {'step':<{at}}  {'x_t':>6}  s_(t-1)  want   "
              "that step requires")]
    for r, w in zip(reqs, where):
        if r.sequence is None or r.t is None:
            lines.append(f"    {r.inequality.text:<{width}}   {w:<{at}}  (no step requires it)")
            continue
        k = table.index(r.sequence, r.t)
        row = table.row(k)
        lines.append(f"    {r.inequality.text:<{width}}   {w:<{at}}  {_short(table.x_exact(k)):>6}"
                     f"  {int(table.s_prev[k]):>7}  {int(table.y[k]):>4}   "
                     f"{linear_form(row.coefficients, spec.params)} {_rel(row.strict)} 0")
    return lines


def _verdict_text(spec: RnnSpec, table: StepTable, result: Result, lead: str,
                  with_table: bool) -> list[str]:
    """The tool's own answer: the witness and its table, a proof, or unknown."""
    lines = []
    if result.verdict is Verdict.REALIZABLE:
        assert result.witness is not None
        vals = ", ".join(f"{p} = {show(v)}" for p, v in result.witness.values.items())
        free = any(s.s0 is None for s in spec.sequences)
        lines.append(f"  {lead}REALIZABLE: {vals}" + (
            f"  (s0 = {list(result.witness.s0)})" if free else ""))
        if with_table:
            lines += ["  " + r for r in _witness_table(spec, table, result)]
    elif result.verdict is Verdict.UNREALIZABLE:
        assert result.proof is not None
        lines.append(f"  {lead}UNREALIZABLE: no weights w1, w2, b produce these outputs.")
        lines += _proof_text(spec, table, result.proof, {}, "  ")
        if isinstance(result.proof, Certificate) and any(s.s0 is None for s in spec.sequences):
            lines.append("  this holds for every choice of the free s0: no row above depends "
                         "on it, so no case split is needed")
    else:
        lines.append(f"  {lead}UNKNOWN: {result.note or 'the solver gave up'} "
                     "(try a larger --timeout or --solver lp)")
    if result.verdict is not Verdict.UNKNOWN:
        lines.append(f"  (solved by {result.backend}; re-checked exactly by the checker)")
    if result.note and result.verdict is not Verdict.UNKNOWN:
        lines.append(f"  note: {result.note}")
    return lines


def _claim_text(spec: RnnSpec, table: StepTable, judgement: Judgement) -> list[str]:
    lines = []
    if judgement.points:
        lines.append(f"  claim: {judgement.verdict.upper()} — {judgement.summary}:")
        lines += [f"    - {p}" for p in judgement.points]
    else:
        lines.append(f"  claim: {judgement.verdict.upper()} — {judgement.reason}")
    if judgement.matched:
        lines += _matched_text(spec, table, judgement.matched)
    return lines


def to_text(spec: RnnSpec, table: StepTable, result: Result,
            judgement: Judgement | None) -> str:
    """The report of one spec. A claimed witness comes first, run with its own weights, then
    the verdict on it, then the tool's own answer (its table only where the claim fails)."""
    rule = "z > 0" if spec.step is StepKind.STRICT else "z ≥ 0"
    s0s = sorted({("free" if s.s0 is None else str(s.s0)) for s in spec.sequences})
    n = len(spec.sequences)
    head = f"{spec.path}" + (f" — {spec.name}" if spec.name else "")
    summary = (f"  s_t = step(w1·x_t + w2·s_(t-1) + b), step(z) = 1 iff {rule}; "
               f"s0 = {'/'.join(s0s)}; {n} sequence{'s' if n != 1 else ''}, {len(table)} steps")
    lines = [head, summary]
    if judgement is not None and judgement.trace is not None:
        lines += _claimed_trace_text(spec, judgement.trace)
        lines += _claim_text(spec, table, judgement)
        lines += _verdict_text(spec, table, result, "the tool's answer: ",
                               with_table=judgement.verdict != "correct")
        return "\n".join(lines)
    lines += _verdict_text(spec, table, result, "", with_table=True)
    if judgement is not None:
        lines += _claim_text(spec, table, judgement)
    return "\n".join(lines)
