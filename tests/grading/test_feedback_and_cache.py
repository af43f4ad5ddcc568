"""Feedback levels leak nothing below ``full``; identical answers are grouped up to scale
and order; the cache and --resume judge only what changed."""

from __future__ import annotations

import json
import re
from typing import Any

from grading_helpers import grade, read_class

from verify.grading import plan
from verify.grading.cache import Cache
from verify.grading.question import LEVELS


def _numbers(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [value] if isinstance(value, float) else []


def _marks(example) -> list[str]:
    """The tool's witness and certificate, the weights it found to satisfy an argument,
    and the reference values of formula counterexamples, as the feedback would show them."""
    assignment, _, outcome = example
    marks = [m for q in assignment.questions for m in q.solution_marks()]
    for r in outcome.records:
        for result in r.details.values():
            sat = result.get("details", {}).get("satisfied_by")
            if sat:
                marks.append(", ".join(f"{p} = {v}" for p, v in sat.items()))
            cex = result.get("counterexample")
            if cex:
                marks.append(json.dumps(cex["expected"]))
                marks.extend(f"{v:.6g}" for v in _numbers(cex["expected"])
                             if len(re.sub(r"\D", "", f"{v:.6g}")) >= 4)
    return marks


def test_no_level_below_full_contains_the_tools_answer(example) -> None:
    marks = _marks(example)
    assert "w1 = 1, w2 = 1, b = 0" in marks  # q1a's witness, as the checker prints it
    assert any("[t=1: b > 0]" in m for m in marks)  # q1b's certificate
    assert "w1 = 0, w2 = -1, b = 1" in marks  # satisfies bob's seed argument
    records = example[2].records
    for level in LEVELS[:-1]:
        for r in records:
            text = r.feedback(level)
            leaked = [m for m in marks if m in text]
            assert leaked == [], (level, r.student, r.qid, leaked)
    full = "\n".join(r.feedback("full") for r in records)
    shown = [m for m in marks if m in full]
    assert len(shown) >= 4, shown  # the same search finds them at full: it can fail


def test_levels_add_up(example) -> None:
    bob = next(r for r in example[2].records if r.student == "bob" and r.qid == "q1a")
    texts = [bob.feedback(level) for level in LEVELS]
    assert texts[0] == "q1a: 0/4 points, incorrect"
    assert texts[1] == texts[0] + "\nwitness: your weights fail at some step"
    assert texts[2].startswith(texts[1]) and "fails at t=4" in texts[2]
    assert "w1 = 1, w2 = 1, b = 0" in texts[3] and "w1 = 1, w2 = 1, b = 0" not in texts[2]


def test_identity_is_up_to_positive_scale_and_order(example) -> None:
    assignment, subs, _ = example
    q1a, q1b = assignment.questions[0], assignment.questions[1]
    alice = next(s for s in subs if s.student == "alice")
    grace = next(s for s in subs if s.student == "grace")
    assert q1a.identity(alice.answers["q1a"]) == q1a.identity(grace.answers["q1a"])
    assert q1b.identity(alice.answers["q1b"]) == q1b.identity(grace.answers["q1b"])
    bob = next(s for s in subs if s.student == "bob")
    assert q1a.identity(alice.answers["q1a"]) != q1a.identity(bob.answers["q1a"])
    assert plan.groups(assignment, subs) == [["alice", "grace"]]


def test_cache_and_resume_judge_only_what_changed(example, tmp_path) -> None:
    assignment, _, _ = example
    subs = read_class(assignment, ["alice", "bob"])
    first = grade(assignment, subs, jobs=1, cache=Cache(tmp_path, read=True))
    assert first.cached == 0 and first.judged == first.distinct > 0
    again = grade(assignment, subs, jobs=1, cache=Cache(tmp_path, read=True))
    assert (again.judged, again.cached) == (0, first.distinct)
    assert [r.to_json("full") for r in again.records] == \
        [r.to_json("full") for r in first.records]
    # bob resubmits with a new q1a witness: only that part is judged
    q1a = assignment.questions[0]
    from dataclasses import replace
    from fractions import Fraction
    new = replace(subs[1].answers["q1a"], witness={"w1": Fraction(2), "w2": Fraction(2),
                                                   "b": Fraction(0)})
    bob = replace(subs[1], answers={**subs[1].answers, "q1a": new})
    third = grade(assignment, [subs[0], bob], jobs=1, cache=Cache(tmp_path, read=True))
    assert third.judged == 1
    assert next(r for r in third.records if r.student == "bob" and r.qid == "q1a"
                ).grade.points == q1a.config.points


def test_each_distinct_formula_is_judged_once(example) -> None:
    """alice and grace write dx with different parentheses; frank, heidi and mallory as
    alice: one part for all of them."""
    assignment, subs, _ = example
    q2 = assignment.question("q2")
    keys = {s.student: dict(s.answers["q2"].keys)["dx"] for s in subs
            if s.student in ("alice", "grace", "frank", "mallory")}
    assert len(set(keys.values())) == 1
