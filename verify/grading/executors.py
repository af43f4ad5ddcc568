"""Stage: grading (executors). Run the distinct parts of a class's answers.

:class:`LocalPool` keeps ``jobs`` worker processes (:mod:`verify.grading.worker`), gives
each one part at a time and waits with a deadline: a part that runs past ``timeout`` is
graded ``timeout`` and its worker is killed (SIGKILL, then reaped) and replaced; a worker
that dies costs the part it held, graded ``internal-error``. :func:`run_dask` sends batches
of parts to a Dask cluster (a ``LocalCluster`` when no scheduler is given); each batch runs
in a one-worker :class:`LocalPool` inside the Dask task, so the per-part timeout is just as
kill-safe there. Results are keyed by task index, so the order parts finish in never shows
in the output.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verify.grading.question import Part
from verify.grading.worker import receive, send

START_TIMEOUT = 120.0  # seconds for a worker to import and unpickle the questions


@dataclass(frozen=True)
class Task:
    index: int
    qid: str
    part: Part


OnResult = Callable[[int, dict[str, Any]], None]


def _package_root() -> str:
    import verify
    return str(Path(verify.__file__).resolve().parent.parent)


class _Worker:
    def __init__(self, blob: bytes) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(),
                                                          env.get("PYTHONPATH")]))
        if threading.current_thread() is threading.main_thread():
            env["VERIFY_GRADE_PDEATHSIG"] = "1"  # only safe when the spawning thread lives on
        else:
            env.pop("VERIFY_GRADE_PDEATHSIG", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "verify.grading.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.inbox = self.proc.stdout
        self.task: Task | None = None
        self.deadline = time.monotonic() + START_TIMEOUT
        self.ready = False
        send(self.proc.stdin, blob)

    def give(self, task: Task, timeout: float | None) -> None:
        assert self.proc.stdin is not None
        self.task = task
        self.deadline = time.monotonic() + timeout if timeout else float("inf")
        send(self.proc.stdin, (task.index, task.qid, task.part, timeout))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


class LocalPool:
    """``jobs`` kill-safe worker processes; :meth:`run` returns when every task is done."""

    def __init__(self, blob: bytes, jobs: int, timeout: float | None) -> None:
        self.blob = blob
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.started: list[_Worker] = []

    def start(self) -> None:
        """Start the workers now (they import and unpickle while the caller reads the
        submissions); :meth:`run` uses them, and stops any it does not need."""
        self.started = [_Worker(self.blob) for _ in range(self.jobs)]

    def close(self) -> None:
        """Stop workers started but never used (e.g. every answer came from the cache)."""
        for w in self.started:
            w.kill()
        self.started = []

    def run(self, tasks: list[Task], on_result: OnResult) -> None:
        pending = list(reversed(tasks))
        workers: list[_Worker] = self.started[:max(1, len(tasks))]
        for spare in self.started[len(workers):]:
            spare.kill()
        self.started = []
        selector = selectors.DefaultSelector()
        for w in workers:
            selector.register(w.inbox, selectors.EVENT_READ, w)
        try:
            while pending or any(w.task for w in workers):
                while len(workers) < min(self.jobs, len(pending) + sum(
                        1 for w in workers if w.task)):
                    w = _Worker(self.blob)
                    workers.append(w)
                    selector.register(w.inbox, selectors.EVENT_READ, w)
                for w in workers:
                    if w.ready and w.task is None and pending:
                        w.give(pending.pop(), self.timeout)
                wait = min(w.deadline for w in workers) - time.monotonic()
                for key, _ in selector.select(max(0.0, min(wait, 5.0))):
                    self._read(key.data, on_result, workers, selector)
                now = time.monotonic()
                for w in list(workers):
                    if w.deadline <= now and (w.task is not None or not w.ready):
                        self._lose(w, "timeout", on_result, workers, selector)
        finally:
            for w in workers:
                selector.unregister(w.inbox)
                w.kill()
            selector.close()

    def _read(self, w: _Worker, on_result: OnResult, workers: list[_Worker],
              selector: selectors.BaseSelector) -> None:
        try:
            index, result = receive(w.inbox)
        except (EOFError, OSError, ValueError):
            self._lose(w, "crash", on_result, workers, selector)
            return
        if index == "ready":
            w.ready = True
            w.deadline = float("inf")
            return
        w.task = None
        w.deadline = float("inf")
        on_result(index, result)

    def _lose(self, w: _Worker, why: str, on_result: OnResult, workers: list[_Worker],
              selector: selectors.BaseSelector) -> None:
        """Kill and drop a worker; its task (if any) is graded timeout or internal-error."""
        selector.unregister(w.inbox)
        workers.remove(w)
        w.kill()
        if w.task is None:
            if not w.ready:  # could not even start: nothing will ever run
                raise RuntimeError(f"a grading worker failed to start (exit code "
                                   f"{w.proc.returncode}); run 'python -m "
                                   "verify.grading.worker' to see why")
            return
        if why == "timeout":
            on_result(w.task.index, {"status": "timeout", "timeout": self.timeout})
        else:
            on_result(w.task.index, {"status": "error", "message":
                                     f"internal error: the worker judging this answer died "
                                     f"(exit code {w.proc.returncode})"})


def run_local(blob: bytes, tasks: list[Task], jobs: int, timeout: float | None,
              on_result: OnResult) -> None:
    LocalPool(blob, jobs, timeout).run(tasks, on_result)


def run_batch(blob: bytes, batch: list[Task], timeout: float | None
              ) -> list[tuple[int, dict[str, Any]]]:
    """A Dask task: one batch, in a one-worker kill-safe pool on the Dask worker."""
    out: list[tuple[int, dict[str, Any]]] = []
    LocalPool(blob, 1, timeout).run(batch, lambda i, r: out.append((i, r)))
    return out


def run_dask(blob: bytes, tasks: list[Task], jobs: int, timeout: float | None,
             on_result: OnResult, scheduler: str | None = None,
             batch_size: int | None = None) -> None:
    import logging

    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
        size = batch_size or max(1, min(200, -(-len(tasks) // (workers * 2))))
        shared = client.scatter(blob, broadcast=True)
        futures = [client.submit(run_batch, shared, tasks[i:i + size], timeout, pure=False)
                   for i in range(0, len(tasks), size)]
        for future in as_completed(futures):
            for index, result in future.result():
                on_result(index, result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
