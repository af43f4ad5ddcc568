"""Executors: a runaway part is killed at its timeout and its worker replaced, a crashing
worker costs one part, a judge's exception is an internal error for that part only, no
worker outlives the run; output is byte-identical for any --jobs and for Dask."""

from __future__ import annotations

import os
import pickle
import time
from fractions import Fraction
from pathlib import Path

import pytest
from grading_helpers import grade, new_mark, processes_with

from verify.grading import executors, formats, plan
from verify.grading.question import Part, QuestionConfig

HERE = str(Path(__file__).resolve().parent)


@pytest.fixture
def scripted(monkeypatch):
    from kinds_for_tests import ScriptedQuestion
    monkeypatch.setenv("PYTHONPATH", HERE)
    mark = new_mark()
    monkeypatch.setenv("VERIFY_GRADE_TEST_MARK", mark)
    config = QuestionConfig("q", Fraction(1), "verdict", (("verdict", Fraction(1)),))
    return pickle.dumps({"q": ScriptedQuestion(config)}), mark


def _tasks(payloads: list[str]) -> list[executors.Task]:
    return [executors.Task(i, "q", Part(p, p)) for i, p in enumerate(payloads)]


def test_runaway_killed_crash_costs_one_part_no_orphans(scripted) -> None:
    blob, mark = scripted
    results: dict[int, dict] = {}
    start = time.monotonic()
    executors.run_local(blob, _tasks(["a", "sleep", "b", "crash", "raise", "c"]), 2, 2.0,
                        results.__setitem__)
    assert time.monotonic() - start < 60
    assert results[1] == {"status": "timeout", "timeout": 2.0}
    assert results[3]["status"] == "error" and "died (exit code 3)" in results[3]["message"]
    assert results[4]["status"] == "error" and "ValueError: a bug in a judge" in \
        results[4]["message"]
    assert [results[i]["result"]["echo"] for i in (0, 2, 5)] == ["a", "b", "c"]
    time.sleep(1.0)
    assert processes_with(mark) == []


def test_dask_batches_keep_the_kill_safe_timeout(scripted) -> None:
    pytest.importorskip("dask.distributed", reason="the dask extra runs Dask executor tests")
    blob, mark = scripted
    results: dict[int, dict] = {}
    executors.run_dask(blob, _tasks(["a", "sleep", "b"]), 1, 2.0, results.__setitem__,
                       batch_size=2)
    assert results[1] == {"status": "timeout", "timeout": 2.0}
    assert [results[i]["result"]["echo"] for i in (0, 2)] == ["a", "b"]
    time.sleep(1.5)
    assert processes_with(mark) == []


SUBSET = ["alice", "bob"]


def _jsonl(example, jobs: int, executor: str) -> str:
    assignment, subs, _ = example
    chosen = [s for s in subs if s.student in SUBSET]
    outcome = grade(assignment, chosen, jobs=jobs, executor=executor)
    return formats.write("jsonl", assignment, outcome.records, "full",
                         plan.groups(assignment, chosen), chosen)


def test_output_is_byte_identical_for_any_jobs_and_executor(example) -> None:
    one = _jsonl(example, 1, "local")
    assert one == _jsonl(example, 4, "local")
    assert "witness-fails-at-step" in one  # the comparison covers real verdicts
    pytest.importorskip("dask.distributed", reason="the dask extra runs Dask executor tests")
    assert one == _jsonl(example, 2, "dask")


def test_workers_die_with_their_parent(scripted) -> None:
    """A killed grading run leaves no worker behind, even one stuck in a runaway part."""
    import subprocess
    import sys
    blob, mark = scripted
    script = ("import pickle,sys; import verify; from verify.grading import executors as e; "
              "blob=open(sys.argv[1],'rb').read(); "
              "e.run_local(blob,[e.Task(0,'q',e.Part('sleep','sleep'))],1,None,print)")
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"blob-{mark}"
    path.write_bytes(blob)
    root = str(Path(HERE).parents[1])
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), "verify-run"],
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join([root, HERE])))
    deadline = time.monotonic() + 30
    while len(processes_with(mark)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the run and its worker are up
    assert len(processes_with(mark)) == 2
    proc.kill()
    proc.wait()
    time.sleep(1.5)
    path.unlink()
    assert processes_with(mark) == []
