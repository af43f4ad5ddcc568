"""Stage: grading (the flow). Read submissions, judge each distinct part once, score.

Left to right: submissions are read (parent, cheap); their answers are split into parts;
parts with equal (question, key) are judged once, from the cache when it has them, else by
an executor; each student's answer to each question is scored from its parts' results into
a :class:`Record`. Records come out sorted by student, then in the assignment's question
order, and hold nothing that depends on timing, the executor or the cache.
"""

from __future__ import annotations

import copyreg
import io
import json
import pickle
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verify.grading import feedback
from verify.grading.assignment import Assignment
from verify.grading.cache import Cache
from verify.grading.executors import Task
from verify.grading.question import Component, Question, QuestionGrade
from verify.grading.submissions import Submission
from verify.input.exact import Series


@dataclass(frozen=True)
class Record:
    """One student's graded answer to one question."""

    student: str
    question: Question
    grade: QuestionGrade
    verdict: str  # correct | partial | incorrect | unanswered | unreadable | timeout | error
    answer: Any   # the echoed answer (JSON-able) or None
    details: dict[str, Any]  # the judges' raw results (shown only at feedback level full)

    @property
    def qid(self) -> str:
        return self.question.config.qid

    def feedback(self, level: str) -> str:
        return feedback.render(self.qid, self.grade, self.verdict, level)

    def to_json(self, level: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "student": self.student, "question": self.qid,
            "points": feedback.number(self.grade.points),
            "max_points": feedback.number(self.question.config.points),
            "verdict": self.verdict, "reason": self.grade.reason,
            "components": [{"name": c.name, "points": feedback.number(c.points),
                            "max_points": feedback.number(c.max_points),
                            "verdict": c.verdict, "reason": c.reason}
                           for c in self.grade.components],
            "answer": self.answer, "feedback": self.feedback(level)}
        if level == "full" and self.details:
            out["details"] = self.details
        return out


Executor = Callable[[bytes, list[Task], Callable[[int, dict[str, Any]], None]], None]


def pickle_questions(questions: tuple[Question, ...]) -> bytes:
    """The prepared questions, for worker processes. A spec's exact input series holds a
    closure, so it travels as its exact values."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Series] = _reduce_series
    pickler.dump({q.config.qid: q for q in questions})
    return buffer.getvalue()


def _reduce_series(series: Series) -> tuple[Any, ...]:
    if series.ints is not None:
        return (Series.from_ints, (series.ints,))
    return (Series.from_fractions, (series.exact_all(),))


@dataclass
class Outcome:
    records: list[Record]
    judged: int   # parts sent to the executor
    cached: int   # parts taken from the cache
    distinct: int


def grade(assignment: Assignment, submissions: list[Submission], cache: Cache,
          execute: Executor, progress: Callable[[int, int], None] | None = None,
          blob: bytes | None = None) -> Outcome:
    """Grade every submission; ``blob`` is :func:`pickle_questions` if the caller made it
    already (to start workers early)."""
    distinct: dict[tuple[str, str], Task] = {}
    for sub in submissions:
        for qid, answer in sorted(sub.answers.items()):
            question = assignment.question(qid)
            assert question is not None
            for part in question.parts(answer):
                if (qid, part.key) not in distinct:
                    distinct[(qid, part.key)] = Task(len(distinct), qid, part)
    results: dict[tuple[str, str], dict[str, Any]] = {}
    todo: list[Task] = []
    keys: dict[int, str] = {}
    for (qid, part_key), task in distinct.items():
        question = assignment.question(qid)
        assert question is not None
        keys[task.index] = Cache.key(question.fingerprint, part_key)
        hit = cache.get(keys[task.index])
        if hit is not None:
            results[(qid, part_key)] = hit
        else:
            todo.append(task)
    by_index = {t.index: t for t in todo}
    done = 0

    def on_result(index: int, result: dict[str, Any]) -> None:
        nonlocal done
        task = by_index[index]
        # through JSON, as a cached result would come back: fresh and cached are the same
        result = json.loads(json.dumps(result))
        results[(task.qid, task.part.key)] = result
        cache.put(keys[index], result)
        done += 1
        if progress is not None:
            progress(done, len(todo))

    if todo:
        execute(blob if blob is not None else pickle_questions(assignment.questions), todo,
                on_result)
    records = [score(assignment, sub, q, results) for sub in submissions
               for q in assignment.questions]
    return Outcome(records, len(todo), len(distinct) - len(todo), len(distinct))


def score(assignment: Assignment, sub: Submission, question: Question,
          results: dict[tuple[str, str], dict[str, Any]]) -> Record:
    qid = question.config.qid
    if qid in sub.problems or not sub.readable:
        why = sub.problems.get(qid) or "; ".join(sub.notes)
        return _flat(sub, question, "unreadable", "unreadable", f"could not be read: {why}")
    if qid not in sub.answers:
        notes = [n for n in sub.notes if "is not a question" in n]
        return _flat(sub, question, "unanswered", "unanswered",
                     "no answer was given" + (": " + "; ".join(notes) if notes else ""))
    answer = sub.answers[qid]
    parts = question.parts(answer)
    mine = {p.key: results[(qid, p.key)] for p in parts}
    failed = [r for r in mine.values() if r["status"] != "judged"]
    if failed and not question.grades_failures:
        return _failed(sub, question, failed[0], question.echo(answer))
    judged = {k: r["result"] if r["status"] == "judged" else
              {"verdict": r["status"], "message": _failure_message(r)}
              for k, r in mine.items()}
    g = question.grade(answer, judged)
    cap = question.config.points
    verdict = ("correct" if g.points == cap and all(c.verdict == "correct"
                                                    for c in g.components)
               else "partial" if g.points > 0 else _zero_verdict(g))
    return Record(sub.student, question, g, verdict, question.echo(answer),
                  {k: judged[k] for k in sorted(judged)} if g.reason != "correct" else {})


def _failure_message(r: dict[str, Any]) -> str:
    if r["status"] == "timeout":
        return (f"judging this answer took longer than the time limit ({r['timeout']} s); "
                "it was stopped (ask your instructor)")
    return (f"the grader failed on this answer, not your fault ({r['message']}); ask your "
            "instructor")


def _failed(sub: Submission, question: Question, r: dict[str, Any], answer: Any) -> Record:
    if r["status"] == "timeout":
        return _flat(sub, question, "timeout", "timeout", _failure_message(r), answer)
    return _flat(sub, question, "error", "internal-error", _failure_message(r), answer)


def _zero_verdict(g: QuestionGrade) -> str:
    verdicts = {c.verdict for c in g.components}
    for v in ("error", "timeout", "incorrect", "unknown", "unreadable", "unanswered"):
        if v in verdicts:
            return v
    return "incorrect"


def _flat(sub: Submission, question: Question, verdict: str, reason: str, message: str,
          answer: Any = None) -> Record:
    """The same verdict on every credited component, zero points."""
    comps = tuple(Component(name, cap, verdict, reason) for name, cap in question.config.credit)
    g = QuestionGrade(comps, reason, {"always": (message,)})
    return Record(sub.student, question, g, verdict, answer, {})


def groups(assignment: Assignment, submissions: list[Submission]) -> list[list[str]]:
    """Students whose whole submissions are identical after normalisation (weights up to a
    positive scale, inequalities up to order and positive factors, formulas up to spacing
    and parentheses). Information only: it changes no score."""
    by_identity: dict[str, list[str]] = defaultdict(list)
    for sub in submissions:
        if not sub.answers:
            continue
        parts = {}
        for qid, answer in sorted(sub.answers.items()):
            question = assignment.question(qid)
            assert question is not None
            parts[qid] = question.identity(answer)
        by_identity[repr(sorted(parts.items()))].append(sub.student)
    return sorted(sorted(g) for g in by_identity.values() if len(g) > 1)


