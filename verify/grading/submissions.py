"""Stage: grading (submissions). Find the students' answer files and read each answer.

A submission is a directory holding ``answers.yaml`` (the student is the directory's
name) or a YAML file (the student is the file's stem). A directory holding neither is a
class folder: each subdirectory and each ``*.yaml`` file in it is a submission. Nothing
here raises for a student's mistake: an unreadable file, an unknown question or an answer
that cannot be read becomes a message attached to the submission, graded zero for what it
affects.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verify.errors import SpecError
from verify.grading.assignment import Assignment
from verify.input.yamldoc import load_file

ANSWERS = "answers.yaml"


@dataclass(frozen=True)
class Submission:
    student: str
    path: str
    answers: dict[str, Any] = field(default_factory=dict)    # qid -> the kind's answer
    problems: dict[str, str] = field(default_factory=dict)   # qid -> why it is unreadable
    notes: tuple[str, ...] = ()  # about the whole submission (unknown questions, ...)
    readable: bool = True         # False: the file itself could not be read


class UsageError(Exception):
    """The command line names no submissions, or two with one student name (exit 2)."""


def find(paths: list[str]) -> list[tuple[str, Path]]:
    """(student, answers file) for every submission under ``paths``, sorted by student."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append((path.stem, path))
        elif (path / ANSWERS).exists():
            found.append((path.resolve().name, path / ANSWERS))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_dir() and not child.name.startswith("."):
                    found.append((child.name, child / ANSWERS))
                elif child.suffix in (".yaml", ".yml") and child.is_file():
                    found.append((child.stem, child))
        else:
            raise UsageError(f"no submission at {raw!r}: give a directory holding "
                             f"{ANSWERS}, a YAML file, or a folder of them")
    names = [s for s, _ in found]
    twice = sorted({s for s in names if names.count(s) > 1})
    if twice:
        raise UsageError(f"several submissions are named {', '.join(twice)}; every "
                         "student needs a distinct directory or file name")
    if not found:
        raise UsageError("no submissions found under " + " ".join(paths))
    return sorted(found)


def read(assignment: Assignment, student: str, path: Path) -> Submission:
    """Read one submission; never raises for the student's mistakes."""
    try:
        root = load_file(str(path))
    except SpecError as err:
        return Submission(student, str(path), notes=(f"your answers file could not be "
                                                     f"read: {err}",), readable=False)
    qids = [q.config.qid for q in assignment.questions]
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    notes = []
    for key, node in root.items():
        question = assignment.question(key)
        if question is None:
            close = difflib.get_close_matches(key, qids, n=1)
            notes.append(f"{path}:{node.line}: {key!r} is not a question of this assignment"
                         + (f" (did you mean {close[0]!r}?)" if close else "")
                         + f"; its questions are {', '.join(qids)}")
            continue
        try:
            answers[key] = question.read(node)
        except SpecError as err:
            problems[key] = str(err)
    return Submission(student, str(path), answers, problems, tuple(notes))
