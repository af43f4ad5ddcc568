"""Stage: grading (assignment). Load an assignment file: its questions, each prepared once.

Every problem is a :class:`verify.errors.SpecError` naming the file, line and key (the
command exits 2): a bad assignment is the instructor's to fix before anything is graded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import yaml

from verify.errors import SpecError
from verify.grading import kinds
from verify.grading.question import EXPECTS, LEVELS, Question, QuestionConfig
from verify.input.exact import parse_number
from verify.input.yamldoc import Node, load_file

TOP_KEYS = {"name", "description", "feedback", "timeout", "questions"}
QUESTION_KEYS = {"points", "spec", "expect", "credit", "targets", "title"}
FORMAT_VERSION = "verify-grade/1"  # part of every cache key: bump when judging changes


@dataclass(frozen=True)
class Assignment:
    path: str
    name: str
    feedback: str
    questions: tuple[Question, ...]
    timeout: float | None = None  # seconds per answer part (the command's --timeout wins)

    @property
    def max_points(self) -> Fraction:
        return sum((q.config.points for q in self.questions), Fraction(0))

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.config.qid == qid), None)


def points_of(node: Node) -> Fraction:
    try:
        value = parse_number(node.text())
    except (ValueError, ZeroDivisionError):
        raise node.error(f"expected a number of points, found {node.text()!r}") from None
    if value < 0:
        raise node.error("points cannot be negative")
    return value


def load_assignment(path: str) -> Assignment:
    root = load_file(path)
    fields = root.mapping(allowed=TOP_KEYS, required={"questions"})
    name = fields["name"].text() if "name" in fields else Path(path).stem
    feedback = "category"
    if "feedback" in fields:
        feedback = fields["feedback"].text()
        if feedback not in LEVELS:
            raise fields["feedback"].error(f"feedback must be one of {', '.join(LEVELS)}, "
                                           f"not {feedback!r}")
    timeout = None
    if "timeout" in fields:
        timeout = float(points_of(fields["timeout"]))
        if timeout <= 0:
            raise fields["timeout"].error("timeout must be a positive number of seconds")
    questions = []
    for qid, qnode in fields["questions"].items():
        questions.append(_question(qid, qnode, Path(path).parent))
    if not questions:
        raise fields["questions"].error("the assignment has no questions; list them as "
                                        "'q1: {points: 4, spec: q1.yaml, expect: witness}'")
    return Assignment(path, name, feedback, tuple(questions), timeout)


def _question(qid: str, qnode: Node, base: Path) -> Question:
    fields = qnode.mapping(allowed=QUESTION_KEYS, required={"points", "spec"})
    points = points_of(fields["points"])
    spec_root, source = _spec_root(fields["spec"], base)
    model_node = dict(spec_root.items()).get("model")
    if model_node is None:
        raise spec_root.error("the spec has no 'model:' (e.g. 'model: step-rnn')", key="model")
    prepare = kinds.get(model_node.text())
    if prepare is None:
        raise model_node.error(f"no question kind grades model {model_node.text()!r}; "
                               f"known: {', '.join(kinds.names())}")
    default_expect = "formulas" if model_node.text() == "lstm-cell" else None
    expect_node = fields.get("expect")
    expect = expect_node.text() if expect_node is not None else default_expect
    if expect not in EXPECTS:
        where = expect_node or qnode
        raise where.error(f"expect must be one of {', '.join(EXPECTS)}"
                          + (f", not {expect!r}" if expect else ""), key=f"{qnode.key}.expect")
    credit = _credit(fields, expect, points, qnode)
    title = fields["title"].text() if "title" in fields else None
    config = QuestionConfig(qid, points, expect, credit, title)
    question = prepare(config, spec_root, qnode)
    question.fingerprint = hashlib.sha256(
        "\x00".join([FORMAT_VERSION, repr(config), source, question.fingerprint]).encode()
    ).hexdigest()
    return question


def _spec_root(node: Node, base: Path) -> tuple[Node, str]:
    """The spec's composed root and its source text (for the content hash)."""
    if node.is_mapping:
        return node, yaml.serialize(node.raw)
    full = base / node.text()
    if not full.is_file():
        raise node.error(f"no spec file {str(full)!r}; give a path relative to the "
                         "assignment file, or the spec inline as a mapping")
    root = load_file(str(full))
    return root, Path(full).read_text(encoding="utf-8")


def _credit(fields: dict[str, Node], expect: str, points: Fraction,
            qnode: Node) -> tuple[tuple[str, Fraction], ...]:
    """Points per component: ``credit:`` (or ``targets:`` for formulas), by default all
    points on what the question expects. They must add up to the question's points."""
    key = "targets" if expect == "formulas" else "credit"
    other = "credit" if key == "targets" else "targets"
    if other in fields:
        raise fields[other].error(f"use '{key}:' for a question that expects {expect}")
    if key not in fields:
        if expect == "formulas":
            raise qnode.error("a formulas question needs 'targets:', e.g. "
                              "{dx: 5, dh_prev: 5}", key=f"{qnode.key}.targets")
        return ((expect, points),)
    node = fields[key]
    credit = tuple((name, points_of(value)) for name, value in node.items())
    total = sum((v for _, v in credit), Fraction(0))
    if total != points:
        raise node.error(f"the {key} add up to {total}, but the question has {points} points")
    return credit


def check_components(config: QuestionConfig, allowed: set[str], node: Node) -> None:
    """Refuse credited components this question kind does not judge."""
    for name, _ in config.credit:
        if name not in allowed:
            raise SpecError(f"{config.qid}: nothing called {name!r} is judged for a question "
                            f"that expects {config.expect}; credit one of: "
                            f"{', '.join(sorted(allowed))}", path=node.path, line=node.line,
                            key=f"{node.key}.credit")
