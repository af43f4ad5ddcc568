"""Stage: grading (feedback). The text handed back to a student, at a chosen level.

``verdict``: right or wrong and the points; ``category``: plus what kind of mistake;
``locate``: plus where (the step, the inequality, the formula's target and entry);
``full``: plus the checker's own witness, certificate or reference values, for after the
deadline. Question kinds produce the lines of each level; only ``full`` lines may hold the
tool's answer (held by tests that search the text below ``full`` for it). Messages about
an answer that could not be read are shown at every level: they only repeat the student's
own file back.
"""

from __future__ import annotations

from fractions import Fraction

from verify.grading.question import LEVELS, QuestionGrade


def number(q: Fraction) -> int | float:
    """Points as JSON numbers: integers stay integers, halves become 0.5."""
    return int(q) if q.denominator == 1 else float(q)


def render(qid: str, grade: QuestionGrade, verdict: str, level: str) -> str:
    cap = sum((c.max_points for c in grade.components), Fraction(0))
    lines = [f"{qid}: {number(grade.points)}/{number(cap)} points, {verdict}"]
    lines.extend(grade.feedback.get("always", ()))
    for name in LEVELS[1:LEVELS.index(level) + 1]:
        lines.extend(grade.feedback.get(name, ()))
    return "\n".join(lines)
