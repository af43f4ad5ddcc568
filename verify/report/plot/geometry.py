"""Stage: report (pictures, step RNN; untrusted, for display only). The weight-space picture.

Every step requires ``a . (w1, w2, b)  REL  0``. The rows are homogeneous, so any weights
with ``b > 0`` can be scaled to ``b = 1`` and any with ``b < 0`` to ``b = -1``: the two
planes, plus the case ``b = 0``, show every solution. In a plane each row is a half-plane
of (w1, w2) (or the whole plane, or nothing, when it involves b only). This module computes
what to draw, exactly where it decides (which rows, which points, the b = 0 case) and in
floats where it only draws (polygon corners). No matplotlib here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from verify.linear import backends
from verify.linear.system import LinearSystem, Row, Status
from verify.models.threshold.answer import StepRnnAnswer
from verify.models.threshold.compile import FREE
from verify.models.threshold.reduce import reduce_table, same_row_steps
from verify.models.threshold.render import linear_form

Point = tuple[float, float]
PLANES = (1, -1)


@dataclass(frozen=True)
class PlaneRow:
    """One distinct step row: ``coefficients . (w1, w2, b)  (> if strict else >=)  0``."""

    coefficients: tuple[Fraction, Fraction, Fraction]
    strict: bool
    label: str          # e.g. "t=4: w1 + w2 + b ≤ 0"
    tag: str            # the steps alone, drawn on the line: "t=4", "seq 1 t=2"
    certificate: bool   # one of the rows the certificate adds up
    claimed: bool       # matched by a claimed inequality of a `because` claim

    def value(self, w1: float, w2: float, b: float) -> float:
        a1, a2, a3 = (float(c) for c in self.coefficients)
        return a1 * w1 + a2 * w2 + a3 * b

    def in_plane(self, b: int) -> str:
        """'line' when it cuts the (w1, w2) plane at this b, else 'all' or 'none'."""
        a1, a2, a3 = self.coefficients
        if a1 or a2:
            return "line"
        v = a3 * b
        return "all" if (v > 0 if self.strict else v >= 0) else "none"


@dataclass(frozen=True)
class Picture:
    title: str
    verdict: str
    rows: tuple[PlaneRow, ...]
    points: tuple[tuple[str, tuple[Fraction, Fraction, Fraction]], ...]  # (label, weights)
    b_zero: str        # what happens at b = 0, in words
    notes: tuple[str, ...]


def _label(answer: StepRnnAnswer, k: int, s_prev: int, row: Row) -> tuple[str, str]:
    """(label, tag): ``t=5,6: b ≤ 0``, the steps requiring it and the row written the way
    people do (outputs 0 as ``... ≤ 0`` / ``< 0``, not as the negated ``−... ≥ 0``), and a
    short tag for the line itself."""
    table, spec = answer.table, answer.spec
    steps, count = same_row_steps(table, k, s_prev, limit=3)
    if len(spec.sequences) > 1:
        at = ", ".join(f"seq {int(table.seq[h])} t={int(table.t[h])}" for h in steps)
    else:
        at = "t=" + ",".join(str(int(table.t[h])) for h in steps)
    at += f" (+{count - len(steps)})" if count > len(steps) else ""
    if int(table.y[k]) == 1:
        text = f"{linear_form(row.coefficients, spec.params)} {'>' if row.strict else '≥'} 0"
    else:
        neg = tuple(-c for c in row.coefficients)
        text = f"{linear_form(neg, spec.params)} {'<' if row.strict else '≤'} 0"
    first = (f"seq {int(table.seq[k])} t={int(table.t[k])}" if len(spec.sequences) > 1
             else f"t={int(table.t[k])}")
    return f"{at}: {text}", first + ("…" if count > 1 and len(spec.sequences) > 1 else "")


def _cited(answer: StepRnnAnswer) -> list[tuple[int, int]]:
    """(sequence, t) of the certificate rows (every case of a split)."""
    return [(r.sequence, r.t) for r in answer.certificate_rows]


def _matched(answer: StepRnnAnswer) -> list[tuple[int, int]]:
    claim = answer.claim
    if claim is None:
        return []
    return [(r.sequence, r.t) for r in claim.matched if r.sequence is not None and
            r.t is not None]


def plane_rows(answer: StepRnnAnswer) -> tuple[list[PlaneRow], list[str]]:
    """The distinct rows that decide the region (the reduction keeps, per group of steps,
    the rows that bind), plus the certificate's and the claim's rows. Steps whose row
    depends on a free s0 are left out, and a note says so."""
    table = answer.table
    red = reduce_table(table)
    cert, matched = set(_cited(answer)), set(_matched(answer))
    steps = [r.step for r in red.fixed]
    steps += [table.index(j, t) for j, t in sorted(cert | matched)]
    rows: dict[tuple[tuple[Fraction, ...], bool], PlaneRow] = {}
    notes = []
    for k in steps:
        s_prev = int(table.s_prev[k])
        if s_prev == FREE:
            continue
        row = table.row(k)
        key = (row.coefficients, row.strict)
        where = (int(table.seq[k]), int(table.t[k]))
        old = rows.get(key)
        if old is None:
            rows[key] = PlaneRow(row.coefficients, row.strict,  # type: ignore[arg-type]
                                 *_label(answer, k, s_prev, row), where in cert,
                                 where in matched)
        elif where in cert or where in matched:
            rows[key] = replace(old, certificate=old.certificate or where in cert,
                                claimed=old.claimed or where in matched)
    if red.free_steps:
        notes.append("the t=1 rows of sequences with a free s0 depend on s0 and are not drawn")
    return list(rows.values()), notes


def b_zero_case(rows: list[PlaneRow]) -> str:
    """Are the rows satisfiable with b = 0? Decided exactly (exact backend)."""
    bad = next((r for r in rows if r.in_plane(0) == "none"), None)
    if bad is not None:  # e.g. "b > 0": no (w1, w2) helps
        return f"b = 0: impossible ({bad.label} fails at b = 0)"
    system = LinearSystem(("w1", "w2"), tuple(Row(r.coefficients[:2], r.strict) for r in rows))
    ans = backends.get("exact").solve(system)
    if ans.status is Status.FEASIBLE and ans.witness is not None:
        w1, w2 = ans.witness
        return f"b = 0: possible too, e.g. w1 = {w1}, w2 = {w2}"
    if ans.status is Status.INFEASIBLE:
        return "b = 0: impossible (no (w1, w2) satisfies every row with b = 0)"
    return "b = 0: not decided"


def clip(polygon: list[Point], row: PlaneRow, b: int) -> list[Point]:
    """Sutherland–Hodgman: the part of a convex polygon where ``row >= 0`` at this b (the
    strict/non-strict difference is drawn with the boundary's line style, not here)."""
    out: list[Point] = []
    n = len(polygon)
    for i in range(n):
        p, q = polygon[i], polygon[(i + 1) % n]
        vp, vq = row.value(*p, b), row.value(*q, b)
        if vp >= 0:
            out.append(p)
        if (vp >= 0) != (vq >= 0):
            s = vp / (vp - vq)
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
    return out


def region(rows: list[PlaneRow], b: int, half: float) -> list[Point]:
    """The feasible polygon in the plane at ``b``, within the square [-half, half]^2."""
    poly: list[Point] = [(-half, -half), (half, -half), (half, half), (-half, half)]
    for r in rows:
        if r.in_plane(b) == "none":
            return []
        if r.in_plane(b) == "line":
            poly = clip(poly, r, b)
            if not poly:
                return []
    return poly


def picture(answer: StepRnnAnswer) -> Picture:
    rows, notes = plane_rows(answer)
    points: list[tuple[str, tuple[Fraction, Fraction, Fraction]]] = []
    if answer.weights is not None:
        w = answer.weights
        points.append(("the tool's witness", (w["w1"], w["w2"], w["b"])))
    claim = answer.claim
    if claim is not None and claim.trace is not None:
        w = claim.trace.weights
        verdict = "correct" if claim.verdict == "correct" else "wrong"
        points.append((f"the claimed witness ({verdict})", (w["w1"], w["w2"], w["b"])))
    if claim is not None and "satisfied_by" in claim.details:
        w = {p: Fraction(v) for p, v in claim.details["satisfied_by"].items()}
        points.append(("satisfies the claimed inequalities", (w["w1"], w["w2"], w["b"])))
    title = answer.spec.path + (f" — {answer.spec.name}" if answer.spec.name else "")
    return Picture(title, answer.verdict, tuple(rows), tuple(points), b_zero_case(rows),
                   tuple(notes))


def in_plane(weights: tuple[Fraction, Fraction, Fraction], b: int) -> Point | None:
    """Where weights appear in the plane at b (scaled by 1/|b|), or None (other plane)."""
    w1, w2, wb = weights
    if wb == 0 or (wb > 0) != (b > 0):
        return None
    return float(w1 / abs(wb)), float(w2 / abs(wb))
