"""Stage: grading (question kinds' common contract). What every question kind provides.

A question kind (one per spec ``model:``, see :mod:`verify.grading.kinds`) turns a spec into
a prepared :class:`Question` once per run: loaded, solved and re-checked. A question then
reads a student's answer, splits it into :class:`Part` objects that are judged
independently (a part's ``key`` is its normalised content, so identical parts across the
class are judged once), and scores the answer from its parts' results.

Part results are plain JSON-able dicts (they cross process boundaries and live in the
cache). A question is pickled to worker processes, so it holds only picklable data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from verify.input.yamldoc import Node

LEVELS: tuple[str, ...] = ("verdict", "category", "locate", "full")
"""Feedback levels, each adding to the one before (see :mod:`verify.grading.feedback`)."""

EXPECTS: tuple[str, ...] = ("witness", "argument", "verdict", "formulas")


@dataclass(frozen=True)
class QuestionConfig:
    """One entry of the assignment's ``questions:``, validated."""

    qid: str
    points: Fraction
    expect: str
    credit: tuple[tuple[str, Fraction], ...]  # component -> points, in reporting order
    title: str | None = None

    def credit_of(self, component: str) -> Fraction:
        return dict(self.credit).get(component, Fraction(0))


@dataclass(frozen=True)
class Part:
    """An independently judged piece of an answer. ``key`` is its normalised content:
    equal keys within one question are judged once and share one cache entry."""

    key: str
    payload: Any


@dataclass(frozen=True)
class Component:
    """The verdict and points of one credited component of an answer."""

    name: str
    max_points: Fraction
    verdict: str  # correct | incorrect | unknown | unanswered | unreadable | timeout | error
    reason: str   # a machine-readable reason code (see REASONS)
    points: Fraction = Fraction(0)


@dataclass(frozen=True)
class QuestionGrade:
    """A scored answer: components, the reason code and feedback lines per level (each
    level's lines are added to those of the levels below it)."""

    components: tuple[Component, ...]
    reason: str
    feedback: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property  # summed once: Fraction additions add up over a class
    def points(self) -> Fraction:
        return sum((c.points for c in self.components), Fraction(0))


REASONS: dict[str, str] = {
    "correct": "the answer is right",
    "wrong-verdict": "the conclusion (realizable or not) is wrong",
    "missing-witness": "no weights were given",
    "missing-argument": "no argument was given",
    "witness-fails-at-step": "the weights fail at some step",
    "witness-wrong-s0": "the answer fixes s0 against the spec",
    "argument-not-required": "an inequality is not what any step requires",
    "argument-satisfiable": "the inequalities are not contradictory together",
    "formula-wrong-value": "a formula gives wrong values",
    "formula-shape": "a formula gives an array of the wrong shape",
    "undecided": "the checker could not decide within its limits",
    "unanswered": "the question was not answered",
    "unreadable": "the answer could not be read",
    "timeout": "judging the answer took longer than the time limit",
    "internal-error": "the grader failed on this answer (not the student's fault)",
}
"""Every reason code a record may carry, with its meaning (documented in the README)."""


class Question(ABC):
    """A prepared question: its spec loaded and solved once; picklable."""

    config: QuestionConfig
    fingerprint: str  # content hash of what the judging depends on (spec, config, version)
    grades_failures = False
    """True when :meth:`grade` takes a part that timed out or crashed (its result is then
    ``{"verdict": "timeout" | "error", "message": ...}``) and scores the other parts;
    otherwise such an answer is graded ``timeout`` / ``internal-error`` as a whole."""

    @abstractmethod
    def read(self, node: Node) -> Any:
        """The student's answer to this question; SpecError when it cannot be read."""

    @abstractmethod
    def parts(self, answer: Any) -> list[Part]:
        """The independently judged parts of an answer (possibly none)."""

    @abstractmethod
    def judge(self, part: Part, timeout: float | None) -> dict[str, Any]:
        """Judge one part (in a worker process); a JSON-able result."""

    @abstractmethod
    def grade(self, answer: Any, results: dict[str, dict[str, Any]]) -> QuestionGrade:
        """Score an answer from its parts' results (keyed by part key)."""

    @abstractmethod
    def echo(self, answer: Any) -> Any:
        """The answer as the student gave it, JSON-able (repeated in the records)."""

    @abstractmethod
    def identity(self, answer: Any) -> str:
        """The answer normalised for identical-answer groups."""

    def solution_marks(self) -> list[str]:
        """Strings that give the answer away (the tool's witness, certificate, reference
        values): feedback below ``full`` must contain none of them (tests search for
        them). Kinds override this."""
        return []
