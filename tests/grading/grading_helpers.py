"""Shared helpers for the grading tests: the shipped example class, run in process or as
the real command."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from verify.grading import executors, plan, submissions
from verify.grading.assignment import Assignment, load_assignment
from verify.grading.cache import Cache

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "grading"
ASSIGNMENT = EXAMPLE / "assignment.yaml"
CLASS = EXAMPLE / "submissions"

# Hand-computed from the assignment (q1a 4, q1b 6 = verdict 2 + argument 4, q1c 2,
# q2 10 = dx 5 + dh_prev 5) and what each example submission says in its comment.
EXPECTED: dict[str, dict[str, tuple[float, str]]] = {
    "alice": {"q1a": (4, "correct"), "q1b": (6, "correct"), "q1c": (2, "correct"),
              "q2": (10, "correct")},
    "bob": {"q1a": (0, "witness-fails-at-step"), "q1b": (2, "argument-satisfiable"),
            "q1c": (0, "wrong-verdict"), "q2": (5, "formula-shape")},
    "carol": {"q1a": (0, "wrong-verdict"), "q1b": (2, "missing-argument"),
              "q1c": (2, "correct"), "q2": (5, "formula-wrong-value")},
    "dave": {"q1a": (0, "missing-witness"), "q1b": (2, "argument-not-required"),
             "q1c": (2, "correct"), "q2": (0, "unreadable")},
    "erin": {"q1a": (0, "unreadable"), "q1b": (0, "unreadable"), "q1c": (0, "unreadable"),
             "q2": (0, "unreadable")},
    "frank": {"q1a": (0, "unanswered"), "q1b": (6, "correct"), "q1c": (2, "correct"),
              "q2": (10, "correct")},
    "grace": {"q1a": (4, "correct"), "q1b": (6, "correct"), "q1c": (2, "correct"),
              "q2": (10, "correct")},
    "heidi": {"q1a": (0, "witness-wrong-s0"), "q1b": (6, "correct"), "q1c": (2, "correct"),
              "q2": (5, "formula-wrong-value")},
    "ivan": {"q1a": (0, "unreadable"), "q1b": (0, "wrong-verdict"), "q1c": (2, "correct"),
             "q2": (5, "formula-wrong-value")},
    "judy": {"q1a": (0, "witness-fails-at-step"), "q1b": (6, "correct"),
             "q1c": (2, "correct"), "q2": (10, "correct")},
    "mallory": {"q1a": (4, "correct"), "q1b": (2, "argument-not-required"),
                "q1c": (2, "correct"), "q2": (10, "correct")},
    "oscar": {"q1a": (4, "correct"), "q1b": (6, "correct"), "q1c": (2, "correct"),
              "q2": (5, "timeout")},  # dx is judged; only the runaway dh_prev is stopped
}
TOTALS = {s: sum(p for p, _ in qs.values()) for s, qs in EXPECTED.items()}


def load() -> Assignment:
    return load_assignment(str(ASSIGNMENT))


def read_class(assignment: Assignment, names: list[str] | None = None
               ) -> list[submissions.Submission]:
    found = submissions.find([str(CLASS)])
    return [submissions.read(assignment, s, p) for s, p in found
            if names is None or s in names]


def grade(assignment: Assignment, subs: list[submissions.Submission], *, jobs: int = 2,
          executor: str = "local", timeout: float | None = None,
          cache: Cache | None = None) -> plan.Outcome:
    limit = timeout or assignment.timeout

    def execute(blob: bytes, tasks: list[executors.Task], on_result: Any) -> None:
        if executor == "dask":
            executors.run_dask(blob, tasks, jobs, limit, on_result)
        else:
            executors.run_local(blob, tasks, jobs, limit, on_result)

    return plan.grade(assignment, subs, cache or Cache(None, read=False), execute)


def run_cli(*args: str, mark: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if mark:
        env["VERIFY_GRADE_TEST_MARK"] = mark
    return subprocess.run([sys.executable, "-m", "verify", "grade", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def new_mark() -> str:
    return uuid.uuid4().hex


def processes_with(mark: str) -> list[int]:
    """Live grading processes whose environment carries ``mark`` (workers inherit it;
    Dask's and multiprocessing's own helper processes, which also do, are not counted)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if (mark.encode() in (proc / "environ").read_bytes()
                    and b"verify" in (proc / "cmdline").read_bytes()):
                found.append(int(proc.name))
        except OSError:
            continue
    return found
