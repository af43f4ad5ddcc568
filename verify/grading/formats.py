"""Stage: report (grading formats). Graded records to bytes: jsonl, csv, gradescope,
prairielearn, junit.

Every writer is deterministic (records arrive sorted; no timestamps, durations or paths
that vary between runs), so a grading run's output is byte-identical for any ``--jobs``,
any executor and with or without the cache.

* ``gradescope``: the autograder's ``results.json`` as its specification defines it
  (``score``, ``output``, ``tests[]`` with ``name``, ``score``, ``max_score``, ``status``
  ``passed``/``failed``, ``output``, ``visibility``), for one submission.
* ``prairielearn``: the external grader's ``results.json`` (``gradable``, ``score`` in
  [0, 1], ``message``, ``tests[]`` with ``name``, ``points``, ``max_points``, ``message``,
  ``output``); an answer that cannot be read makes it ``gradable: false`` with
  ``format_errors``, so the student is not charged an attempt.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from fractions import Fraction
from typing import Any

from verify.grading.assignment import Assignment
from verify.grading.feedback import number
from verify.grading.plan import Record
from verify.grading.submissions import Submission

FORMATS = ("jsonl", "csv", "gradescope", "prairielearn", "junit")
SINGLE = ("gradescope", "prairielearn")  # formats for exactly one submission


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _by_student(records: list[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in records:
        out.setdefault(r.student, []).append(r)
    return out


def _total(records: list[Record]) -> Fraction:
    return sum((r.grade.points for r in records), Fraction(0))


def summary(assignment: Assignment, records: list[Record],
            identical: list[list[str]]) -> dict[str, Any]:
    students = _by_student(records)
    totals = [_total(rs) for rs in students.values()]
    return {"summary": {
        "assignment": assignment.name, "students": len(students),
        "questions": [q.config.qid for q in assignment.questions],
        "max_points": number(assignment.max_points),
        "mean_points": number(sum(totals, Fraction(0)) / len(totals)) if totals else 0,
        "verdicts": dict(sorted(Counter(r.verdict for r in records).items())),
        "reasons": dict(sorted(Counter(r.grade.reason for r in records).items())),
        "identical_answers": [{"students": g} for g in identical],
        "identical_answers_note": "information only: identical after normalisation; "
                                  "no score depends on it"}}


def jsonl(assignment: Assignment, records: list[Record], level: str,
          identical: list[list[str]]) -> str:
    lines = [_dump(r.to_json(level)) for r in records]
    lines.append(_dump(summary(assignment, records, identical)))
    return "\n".join(lines) + "\n"


def csv_text(assignment: Assignment, records: list[Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    qids = [q.config.qid for q in assignment.questions]
    writer.writerow(["student", *qids, "total", "max_points"])
    for student, rs in _by_student(records).items():
        points = {r.qid: number(r.grade.points) for r in rs}
        writer.writerow([student, *(points[q] for q in qids), number(_total(rs)),
                         number(assignment.max_points)])
    return out.getvalue()


def gradescope(assignment: Assignment, records: list[Record], level: str) -> str:
    tests = [{"name": r.qid if r.question.config.title is None
              else f"{r.qid}: {r.question.config.title}",
              "score": number(r.grade.points), "max_score": number(r.question.config.points),
              "status": "passed" if r.verdict == "correct" else "failed",
              "output": r.feedback(level), "visibility": "visible"} for r in records]
    total = _total(records)
    out = {"score": number(total),
           "output": f"{assignment.name}: {number(total)}/{number(assignment.max_points)} "
                     "points (graded by verify)",
           "tests": tests}
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def prairielearn(assignment: Assignment, records: list[Record], level: str,
                 submission: Submission) -> str:
    tests = [{"name": r.qid, "points": number(r.grade.points),
              "max_points": number(r.question.config.points),
              "message": r.grade.reason, "output": r.feedback(level)} for r in records]
    errors = list(submission.notes) + [
        f"{r.qid}: {line}" for r in records
        if any(c.verdict == "unreadable" for c in r.grade.components)
        for line in r.grade.feedback.get("always", ())]
    out: dict[str, Any]
    if errors:
        out = {"gradable": False, "format_errors": errors,
               "message": "your answers could not all be read; fix them and submit again "
                          "(this attempt is not counted)"}
    else:
        total, cap = _total(records), assignment.max_points
        out = {"gradable": True, "score": float(total / cap) if cap else 1.0,
               "message": f"{number(total)}/{number(cap)} points", "tests": tests}
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def junit(assignment: Assignment, records: list[Record], level: str) -> str:
    failures = sum(1 for r in records if r.verdict not in ("correct", "timeout", "error"))
    errors = sum(1 for r in records if r.verdict in ("timeout", "error"))
    suites = ET.Element("testsuites", name=assignment.name, tests=str(len(records)),
                        failures=str(failures), errors=str(errors))
    suite = ET.SubElement(suites, "testsuite", name=assignment.name, tests=str(len(records)),
                          failures=str(failures), errors=str(errors), skipped="0")
    for r in records:
        case = ET.SubElement(suite, "testcase", classname=r.student, name=r.qid)
        ET.SubElement(case, "properties")
        props = case.find("properties")
        assert props is not None
        for name, value in (("points", r.grade.points), ("max_points",
                                                         r.question.config.points)):
            ET.SubElement(props, "property", name=name, value=str(number(value)))
        if r.verdict in ("timeout", "error"):
            ET.SubElement(case, "error", message=r.grade.reason,
                          type=r.grade.reason).text = r.feedback(level)
        elif r.verdict != "correct":
            ET.SubElement(case, "failure", message=r.grade.reason,
                          type=r.grade.reason).text = r.feedback(level)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        suites, encoding="unicode") + "\n"


def write(fmt: str, assignment: Assignment, records: list[Record], level: str,
          identical: list[list[str]], submissions: list[Submission]) -> str:
    if fmt == "jsonl":
        return jsonl(assignment, records, level, identical)
    if fmt == "csv":
        return csv_text(assignment, records)
    if fmt == "gradescope":
        return gradescope(assignment, records, level)
    if fmt == "prairielearn":
        return prairielearn(assignment, records, level, submissions[0])
    if fmt == "junit":
        return junit(assignment, records, level)
    raise ValueError(f"fmt={fmt!r} must be one of {', '.join(FORMATS)}")
