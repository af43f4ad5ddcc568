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
from verify.models.threshold.claims import Judgement
from verify.models.threshold.compile import FREE, StepTable
from verify.models.threshold.reduce import same_row_steps
from verify.linear.result import Certificate, CitedRow, Proof, Result, Verdict
from verify.models.threshold.spec import RnnSpec, StepKind

CERT_FORMAT = "verify-certificate/1"
TABLE_ROWS = 12


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
        out["claim"] = {"verdict": judgement.verdict, "reason": judgement.reason,
                        **judgement.details}
    return out


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


def _step_table(spec: RnnSpec, table: StepTable, result: Result) -> list[str]:
    assert result.witness is not None
    w = result.witness.values
    rows = ["   seq    t       x_t  s_(t-1)          z  s_t  want" if len(spec.sequences) > 1
            else "     t       x_t  s_(t-1)          z  s_t  want"]
    shown = 0
    for k in range(len(table)):
        if shown >= TABLE_ROWS:
            break
        j = int(table.seq[k])
        sp = int(table.s_prev[k])
        if sp == FREE:
            sp = result.witness.s0[j]
        x = table.x_exact(k)
        z = w["w1"] * x + w["w2"] * sp + w["b"]
        s = int(z > 0) if spec.step is StepKind.STRICT else int(z >= 0)
        lead = f"   {j:>3}" if len(spec.sequences) > 1 else ""
        rows.append(f"{lead}  {int(table.t[k]):>4}  {_short(x):>8}  {sp:>7}  {_short(z):>9}  "
                    f"{s:>3}  {int(table.y[k]):>4}")
        shown += 1
    if len(table) > shown:
        rows.append(f"  … {len(table) - shown} more steps, all reproduced (checked exactly)")
    return rows


def to_text(spec: RnnSpec, table: StepTable, result: Result,
            judgement: Judgement | None) -> str:
    rule = "z > 0" if spec.step is StepKind.STRICT else "z ≥ 0"
    s0s = sorted({("free" if s.s0 is None else str(s.s0)) for s in spec.sequences})
    n = len(spec.sequences)
    head = f"{spec.path}" + (f" — {spec.name}" if spec.name else "")
    summary = (f"  s_t = step(w1·x_t + w2·s_(t-1) + b), step(z) = 1 iff {rule}; "
               f"s0 = {'/'.join(s0s)}; {n} sequence{'s' if n != 1 else ''}, {len(table)} steps")
    lines = [head, summary]
    if result.verdict is Verdict.REALIZABLE:
        assert result.witness is not None
        vals = ", ".join(f"{p} = {show(v)}" for p, v in result.witness.values.items())
        lines.append(f"  REALIZABLE: {vals}" + (
            f"  (s0 = {list(result.witness.s0)})" if "free" in s0s else ""))
        lines += ["  " + r for r in _step_table(spec, table, result)]
    elif result.verdict is Verdict.UNREALIZABLE:
        assert result.proof is not None
        lines.append("  UNREALIZABLE: no weights w1, w2, b produce these outputs.")
        lines += _proof_text(spec, table, result.proof, {}, "  ")
        if isinstance(result.proof, Certificate) and any(s.s0 is None for s in spec.sequences):
            lines.append("  this holds for every choice of the free s0: no row above depends "
                         "on it, so no case split is needed")
    else:
        lines.append(f"  UNKNOWN: {result.note or 'the solver gave up'} "
                     "(try a larger --timeout or --solver lp)")
    if result.verdict is not Verdict.UNKNOWN:
        lines.append(f"  (solved by {result.backend}; re-checked exactly by the checker)")
    if result.note and result.verdict is not Verdict.UNKNOWN:
        lines.append(f"  note: {result.note}")
    if judgement is not None:
        if judgement.points:
            lines.append(f"  claim: {judgement.verdict.upper()} — {judgement.summary}:")
            lines += [f"    - {p}" for p in judgement.points]
        else:
            lines.append(f"  claim: {judgement.verdict.upper()} — {judgement.reason}")
    return "\n".join(lines)
